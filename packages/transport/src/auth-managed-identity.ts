import { ManagedIdentityApplication } from '@azure/msal-node';
import { AgentNetworkModule, authError, tokenGetter } from './auth-network';
import type { Credential, ManagedIdentityCredentialConfig } from './auth';
import { resolveEndpoints } from './clouds';
import { TransportError, registerSecret } from './errors';
import { createHttpsAgent } from './http';

/**
 * Managed identity (Azure Automation, Functions, App Service, VMs): the platform hands the process a token for its
 * own identity, so nothing secret is configured at all. MSAL picks the source from the environment — the App
 * Service style IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service, Functions, Automation), else the VM's instance
 * metadata service (IMDS) — and MSAL 7 does not check the endpoint's scheme or host.
 */

export const MANAGED_IDENTITY_ENV = { endpoint: 'IDENTITY_ENDPOINT', header: 'IDENTITY_HEADER' } as const;

/** Hosts that may be called over plain HTTP: the platform serves its endpoint on the machine (or IMDS's link-local address). */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '169.254.169.254']);

function isLocalHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname.toLowerCase());
  } catch {
    return false;
  }
}

/**
 * One network module for every managed-identity credential of the process: MSAL keeps the managed-identity source
 * it found first — and the network client it was created with — in a static for the life of the process, so a
 * per-credential module would silently be ignored after the first. It trusts the system roots (and
 * NODE_EXTRA_CA_CERTS), and plain HTTP only to the machine itself, because IDENTITY_HEADER travels in that request.
 */
let sharedNetwork: AgentNetworkModule | undefined;
function managedIdentityNetwork(): AgentNetworkModule {
  sharedNetwork ??= new AgentNetworkModule(createHttpsAgent(), isLocalHttp);
  return sharedNetwork;
}

/** Which platform endpoint MSAL will use, in words, from the environment (the same order MSAL checks). */
export function managedIdentitySource(env: NodeJS.ProcessEnv = process.env): { source: 'appService' | 'imds'; needs: string } {
  if (env[MANAGED_IDENTITY_ENV.endpoint] && env[MANAGED_IDENTITY_ENV.header]) {
    return { source: 'appService', needs: `the platform's endpoint in ${MANAGED_IDENTITY_ENV.endpoint} and ${MANAGED_IDENTITY_ENV.header} (App Service, Functions, Automation)` };
  }
  return { source: 'imds', needs: `the instance metadata service of an Azure VM (no ${MANAGED_IDENTITY_ENV.endpoint} is set)` };
}

export function describeManagedIdentity(config: Pick<ManagedIdentityCredentialConfig, 'userAssignedClientId' | 'userAssignedResourceId'>): string {
  if (config.userAssignedClientId) return `the user-assigned managed identity ${config.userAssignedClientId}`;
  if (config.userAssignedResourceId) return `the user-assigned managed identity ${config.userAssignedResourceId.split('/').pop() ?? config.userAssignedResourceId}`;
  return 'the system-assigned managed identity';
}

export function createManagedIdentityCredential(config: ManagedIdentityCredentialConfig, env: NodeJS.ProcessEnv): Credential {
  if (config.userAssignedClientId && config.userAssignedResourceId) {
    throw new TransportError('INVALID_CONFIG', 'Give either the client id or the resource id of the user-assigned managed identity, not both.');
  }
  const endpoint = env[MANAGED_IDENTITY_ENV.endpoint];
  if (endpoint && env[MANAGED_IDENTITY_ENV.header]) {
    registerSecret(env[MANAGED_IDENTITY_ENV.header] as string);
    if (endpoint.startsWith('http:') && !isLocalHttp(endpoint)) {
      throw new TransportError('INVALID_CONFIG', `${MANAGED_IDENTITY_ENV.endpoint} is a plain-HTTP address off this machine; the identity header would travel unencrypted. Use the endpoint the platform sets.`);
    }
  }
  const endpoints = resolveEndpoints(config.cloud);
  const agent = createHttpsAgent(endpoints.caPem ? { caPem: endpoints.caPem } : {});
  const network = managedIdentityNetwork();
  const app = new ManagedIdentityApplication({
    ...(config.userAssignedClientId ? { managedIdentityIdParams: { userAssignedClientId: config.userAssignedClientId } } : {}),
    ...(config.userAssignedResourceId ? { managedIdentityIdParams: { userAssignedResourceId: config.userAssignedResourceId } } : {}),
    system: { networkClient: network },
  });
  const who = `with ${describeManagedIdentity(config)}`;
  const explain = (raw: string): string =>
    /unable to load the proper managed identity|user.assigned|not found/i.test(raw)
      ? 'This identity is not attached to the resource scimport runs on: attach it (Identity > User assigned), or use the system-assigned one.'
      : `Check that the resource has a managed identity, that it was granted SynchronizationData-User.Upload, and that scimport runs with the platform's ${MANAGED_IDENTITY_ENV.endpoint}/${MANAGED_IDENTITY_ENV.header} (or on an Azure VM).`;
  const getToken = tokenGetter(
    // MSAL strips "/.default": the App Service protocol asks for a resource, not a scope.
    (forceRefresh) => app.acquireToken({ resource: endpoints.scope, forceRefresh }),
    (err) => authError(err, who, network, explain),
    `Signing in ${who} returned no access token.`,
  );
  const source = managedIdentitySource(env);
  return {
    kind: 'managedIdentity',
    method: { kind: 'managedIdentity', identity: describeManagedIdentity(config), needs: source.needs, source: source.source },
    tenantId: config.tenantId ?? '',
    clientId: config.userAssignedClientId ?? config.userAssignedResourceId ?? 'system-assigned',
    endpoints,
    agent,
    getToken,
    close: () => agent.destroy(),
  };
}
