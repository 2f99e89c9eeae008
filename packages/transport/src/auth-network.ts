import type https from 'node:https';
import type { AuthenticationResult, Configuration, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { ResolvedEndpoints } from './clouds';
import { TransportError, isTransportError, redact } from './errors';
import { httpRequest } from './http';

// What every credential kind shares with MSAL: its network module, the no-discovery authority settings, and
// turning MSAL's failures into TransportErrors that say what to do.

/**
 * MSAL's network calls go through the same https agent as Graph, so the custom CA applies to the token
 * endpoint too and MSAL never falls back to fetch's own trust store.
 */
export class AgentNetworkModule implements INetworkModule {
  /** The last transport failure; MSAL reports network errors without their cause, so we keep it here. */
  lastFailure: TransportError | undefined;

  /** `allowPlainHttp` says which http: URLs may be called (the managed-identity endpoints on the machine); none by default. */
  constructor(
    private readonly agent: https.Agent,
    private readonly allowPlainHttp: (url: string) => boolean = () => false,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    let res;
    try {
      res = await httpRequest(this.agent, {
        method,
        url,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        timeoutMs: timeout ?? 30_000,
        allowPlainHttp: this.allowPlainHttp(url),
      });
    } catch (err) {
      if (isTransportError(err)) this.lastFailure = err;
      throw err;
    }
    this.lastFailure = undefined;
    let body: unknown = {};
    if (res.body) {
      try {
        body = JSON.parse(res.body);
      } catch {
        body = { error: 'invalid_response', error_description: `HTTP ${res.status}, not JSON` };
      }
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }
}

/** msal configuration pieces that keep every call to a custom authority on the machine (no discovery). */
export function customAuthorityOptions(endpoints: ResolvedEndpoints, authority: string): Pick<Configuration['auth'], 'knownAuthorities' | 'authorityMetadata' | 'cloudDiscoveryMetadata'> {
  const host = new URL(endpoints.authorityHost).host;
  return {
    knownAuthorities: [host],
    authorityMetadata: JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    }),
  };
}

// Sign-in errors people actually meet, with what to do about them.
const AADSTS_HINTS: [RegExp, string][] = [
  [/AADSTS7000215|invalid_client.*secret|Invalid client secret/i, 'The client secret is wrong: copy the secret *value* (not its id) from the app registration.'],
  [/AADSTS7000222/i, 'The client secret has expired: create a new one in the app registration.'],
  [/AADSTS700016|application.*not found/i, 'No app with this client id exists in the tenant: check the client id and tenant id.'],
  [/AADSTS90002|AADSTS900023|tenant.*not found/i, 'The tenant id is wrong or belongs to another cloud.'],
  [/AADSTS700027|AADSTS700024|certificate|client_assertion/i, 'The certificate is not registered on the app (or the clock is off): upload the certificate under Certificates & secrets.'],
  [/AADSTS65001|consent/i, 'Admin consent is missing for the requested permissions.'],
];

function findTransportError(err: unknown, depth = 0): TransportError | undefined {
  if (isTransportError(err)) return err;
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const record = err as Record<string, unknown>;
  for (const key of ['cause', 'error', 'networkError', 'originalError']) {
    const found = findTransportError(record[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A sign-in failure as a TransportError: the transport failure underneath if there was one, else the service's
 * words (redacted) and what to do. `who` completes "Signing in …" (e.g. "to tenant T as app A"); `explain` gives the
 * advice of credential kinds whose failures the generic hints below would misread.
 */
export function authError(err: unknown, who: string, network: AgentNetworkModule, explain?: (raw: string) => string): TransportError {
  const found = findTransportError(err);
  if (found) return found;
  const e = err as { errorCode?: string; errorMessage?: string; message?: string };
  if (e.errorCode === 'network_error' && network.lastFailure) return network.lastFailure;
  const raw = redact(`${e.errorCode ? `${e.errorCode}: ` : ''}${e.errorMessage || e.message || String(err)}`);
  if (/network|ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up/i.test(raw)) {
    return new TransportError('NETWORK', `Could not reach the sign-in service: ${raw}`, { details: { retryable: true }, cause: err });
  }
  const hint = explain?.(raw) ?? AADSTS_HINTS.find(([pattern]) => pattern.test(raw))?.[1] ?? 'Check the tenant id, client id and credential in the connection settings.';
  return new TransportError('AUTH_FAILED', `Signing in ${who} failed: ${raw} ${hint}`, { cause: err });
}

/**
 * The getToken of a credential around its `acquire`: concurrent callers (several requests hitting 401 together)
 * share one token request, and a caller whose token was rejected gets the replacement another caller already got.
 */
export function tokenGetter(
  acquire: (forceRefresh: boolean) => Promise<AuthenticationResult | null>,
  fail: (err: unknown) => TransportError,
  noToken: string,
): (options?: { forceRefresh?: boolean; rejectedToken?: string }) => Promise<string> {
  let current: string | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = (forceRefresh: boolean): Promise<string> => {
    pending ??= (async () => {
      try {
        const result = await acquire(forceRefresh);
        if (!result?.accessToken) throw new TransportError('AUTH_FAILED', noToken);
        current = result.accessToken;
        return current;
      } catch (err) {
        throw fail(err);
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
  return async (opts = {}) => {
    if (pending) {
      const shared = await pending.catch(() => undefined);
      if (shared && (!opts.forceRefresh || (opts.rejectedToken && shared !== opts.rejectedToken))) return shared;
    }
    if (opts.forceRefresh && opts.rejectedToken && current && current !== opts.rejectedToken) return current;
    return fetchToken(opts.forceRefresh === true);
  };
}

export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TransportError('INVALID_CONFIG', `The connection setting "${field}" is missing.`);
  }
  return value.trim();
}
