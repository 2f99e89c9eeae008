import { TransportError } from './errors';

/** The national clouds Entra ID runs in. The hosts below are the only place a host is written down. */
export type CloudName = 'global' | 'usgov' | 'dod' | 'china';

export interface CloudHosts {
  /** Where tokens come from, e.g. `https://login.microsoftonline.com` (no trailing slash). */
  authorityHost: string;
  /** Microsoft Graph root, e.g. `https://graph.microsoft.com` (no trailing slash, no version). */
  graphBaseUrl: string;
}

/** The Entra / Graph hosts of each national cloud. */
export const CLOUDS: Readonly<Record<CloudName, Readonly<CloudHosts>>> = Object.freeze({
  global: Object.freeze({ authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com' }),
  usgov: Object.freeze({ authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us' }),
  dod: Object.freeze({ authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://dod-graph.microsoft.us' }),
  china: Object.freeze({ authorityHost: 'https://login.partner.microsoftonline.cn', graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn' }),
});

/** A non-Microsoft endpoint set, e.g. the local emulator: both hosts given explicitly, plus a CA to trust. */
export interface CustomEndpoints extends CloudHosts {
  /** PEM of a CA certificate (or the server's self-signed certificate) to trust in addition to the system roots. */
  caPem?: string;
}

/** Either a national cloud by name or a custom endpoint set. */
export type CloudSelection = CloudName | { custom: CustomEndpoints };

/** Everything that follows from one cloud choice, derived together so the hosts can never disagree. */
export interface ResolvedEndpoints {
  /** `global`, `usgov`, `dod`, `china` or `custom`. */
  cloud: CloudName | 'custom';
  authorityHost: string;
  graphBaseUrl: string;
  /** Application-permission scope: `{graph}/.default`. */
  scope: string;
  /** Extra CA to trust (custom endpoints only). */
  caPem?: string;
  /** True for a custom endpoint set: MSAL must not do instance discovery against it. */
  custom: boolean;
}

function cleanBase(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportError('INVALID_CONFIG', `The ${field} "${url}" is not a valid URL. Give a full https address such as https://127.0.0.1:8443.`);
  }
  if (parsed.protocol !== 'https:') {
    throw new TransportError('INVALID_CONFIG', `The ${field} "${url}" must use https (Microsoft's sign-in library refuses anything else).`);
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

/** Resolve a cloud choice into the authority host, Graph root and `.default` scope. */
export function resolveEndpoints(selection: CloudSelection | undefined): ResolvedEndpoints {
  const choice = selection ?? 'global';
  if (typeof choice === 'string') {
    const hosts = CLOUDS[choice];
    if (!hosts) {
      throw new TransportError('INVALID_CONFIG', `Unknown cloud "${String(choice)}". Use one of: ${Object.keys(CLOUDS).join(', ')}, or a custom endpoint set.`);
    }
    return { cloud: choice, ...hosts, scope: `${hosts.graphBaseUrl}/.default`, custom: false };
  }
  if (!choice || typeof choice !== 'object' || !choice.custom) {
    throw new TransportError('INVALID_CONFIG', 'The cloud setting must be a cloud name or { custom: { authorityHost, graphBaseUrl } }.');
  }
  const authorityHost = cleanBase(choice.custom.authorityHost, 'authority host');
  const graphBaseUrl = cleanBase(choice.custom.graphBaseUrl, 'Graph base URL');
  const out: ResolvedEndpoints = { cloud: 'custom', authorityHost, graphBaseUrl, scope: `${graphBaseUrl}/.default`, custom: true };
  if (choice.custom.caPem) out.caPem = choice.custom.caPem;
  return out;
}

/** `https://login.microsoftonline.com/{tenant}`: the authority MSAL signs in against. */
export function authorityUrl(endpoints: ResolvedEndpoints, tenantId: string): string {
  if (!tenantId || /[\s/?#]/.test(tenantId)) {
    throw new TransportError('INVALID_CONFIG', `The tenant id "${tenantId}" is not valid. Use the directory (tenant) id GUID or a domain such as contoso.onmicrosoft.com.`);
  }
  return `${endpoints.authorityHost}/${tenantId}`;
}

/** A delegated scope on this cloud's Graph, e.g. `https://graph.microsoft.us/SynchronizationData-User.Upload`. */
export function graphScope(endpoints: ResolvedEndpoints, permission: string): string {
  return `${endpoints.graphBaseUrl}/${permission}`;
}
