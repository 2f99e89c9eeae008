import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import {
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  PublicClientApplication,
} from '@azure/msal-node';
import { type CloudSelection, type ResolvedEndpoints, authorityUrl, graphScope, resolveEndpoints } from './clouds';
import { TransportError, isTransportError, redact, registerSecret } from './errors';
import { createHttpsAgent, httpRequest } from './http';

interface CredentialBase {
  /** Directory (tenant) id or a verified domain. */
  tenantId: string;
  /** Application (client) id of the app registration. */
  clientId: string;
  /** National cloud or custom endpoints (the emulator). Default `global`. */
  cloud?: CloudSelection;
}

/** App-only sign-in with a client secret. */
export interface SecretCredentialConfig extends CredentialBase {
  kind: 'secret';
  clientSecret: string;
}

/** App-only sign-in with a certificate: one PEM file holding the private key and the certificate. */
export interface CertificateCredentialConfig extends CredentialBase {
  kind: 'certificate';
  /** Path of the PEM file (key + certificate). Either this or `certificatePem`. */
  certificatePath?: string;
  /** The PEM text itself (key + certificate). */
  certificatePem?: string;
  /** Passphrase of an encrypted private key. */
  passphrase?: string;
  /** Send the certificate in the assertion's x5c header (needed for subject-name/issuer authentication). */
  sendX5c?: boolean;
}

/** Delegated sign-in in the system browser, with a loopback redirect (http://localhost:<port>). */
export interface InteractiveCredentialConfig extends CredentialBase {
  kind: 'interactive';
  /** Opens `url` in the user's browser (the desktop app passes shell.openExternal, the CLI an `open` helper). */
  openBrowser: (url: string) => Promise<void>;
  /** Delegated permissions to request (names such as `SynchronizationData-User.Upload`). Default: upload + log read. */
  permissions?: string[];
  loginHint?: string;
  /** HTML shown in the browser tab after sign-in. */
  successTemplate?: string;
  errorTemplate?: string;
}

/** Delegated sign-in on another device: the user types a code at a verification URL. */
export interface DeviceCodeCredentialConfig extends CredentialBase {
  kind: 'deviceCode';
  /** Shows the instruction to the user (the CLI prints `message`). */
  onDeviceCode: (info: { message: string; userCode: string; verificationUri: string; expiresInSec: number }) => void;
  permissions?: string[];
}

export type CredentialConfig = SecretCredentialConfig | CertificateCredentialConfig | InteractiveCredentialConfig | DeviceCodeCredentialConfig;

/** Delegated permissions requested when none are given. */
export const DEFAULT_DELEGATED_PERMISSIONS = ['SynchronizationData-User.Upload', 'AuditLog.Read.All'] as const;

/** A signed-in identity that hands out Graph access tokens. Tokens are cached by MSAL and refreshed when due. */
export interface Credential {
  readonly kind: CredentialConfig['kind'];
  readonly tenantId: string;
  readonly clientId: string;
  readonly endpoints: ResolvedEndpoints;
  /** The https agent shared by MSAL and the Graph client (trusts the custom CA, if any). */
  readonly agent: https.Agent;
  /**
   * An access token for Graph. `forceRefresh` bypasses the cache; when `rejectedToken` is given and another
   * caller has already replaced that token, the replacement is returned instead of fetching yet another.
   */
  getToken(options?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<string>;
  /** Close idle sockets of the agent (when the credential created it). */
  close(): void;
}

/** The material MSAL needs for certificate authentication, derived from one PEM file. */
export interface LoadedCertificate {
  /** PKCS#8 PEM of the private key, unencrypted, in memory only. */
  privateKeyPem: string;
  /** The leaf certificate (PEM). */
  certificatePem: string;
  /** Hex SHA-256 thumbprint of the certificate (DER). */
  thumbprintSha256: string;
  /** Hex SHA-1 thumbprint (what the Entra portal lists). */
  thumbprintSha1: string;
  subject: string;
  notAfter: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Read a PEM holding a private key and its certificate, check that they belong together and that the
 * certificate is valid today, and compute the thumbprints ourselves from the certificate's DER bytes.
 */
export function loadCertificate(pem: string, options: { passphrase?: string; file?: string; now?: Date } = {}): LoadedCertificate {
  const where = options.file ? `The certificate file ${options.file}` : 'The certificate';
  const fileDetails = options.file ? { file: options.file } : {};
  const keyText = KEY_BLOCK.exec(pem)?.[0];
  if (!keyText) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} holds no private key. Export the certificate together with its private key as one PEM file (key + certificate).`, { details: fileDetails });
  }
  let privateKeyPem: string;
  try {
    const key = createPrivateKey(options.passphrase ? { key: keyText, passphrase: options.passphrase } : { key: keyText });
    privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (err) {
    const encrypted = keyText.includes('ENCRYPTED');
    throw new TransportError(
      'CERTIFICATE_INVALID',
      encrypted && !options.passphrase
        ? `${where} has an encrypted private key: give its passphrase.`
        : `${where} has a private key that cannot be read${encrypted ? ' (wrong passphrase?)' : ''}.`,
      { details: fileDetails, cause: err },
    );
  }
  registerSecret(privateKeyPem);
  const certs = pem.match(CERT_BLOCK) ?? [];
  if (certs.length === 0) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} holds a private key but no certificate. Put the certificate (-----BEGIN CERTIFICATE-----) in the same file.`, { details: fileDetails });
  }
  const key = createPrivateKey(privateKeyPem);
  let leaf: X509Certificate | undefined;
  let leafPem = '';
  for (const text of certs) {
    const cert = new X509Certificate(text);
    if (cert.checkPrivateKey(key)) {
      leaf = cert;
      leafPem = text;
      break;
    }
  }
  if (!leaf) {
    throw new TransportError('CERTIFICATE_INVALID', `${where}: the private key does not belong to any certificate in the file. Export the matching pair again.`, { details: fileDetails });
  }
  const now = options.now ?? new Date();
  if (new Date(leaf.validTo) < now) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} expired on ${new Date(leaf.validTo).toISOString().slice(0, 10)}. Create a new certificate, upload it to the app registration, and use the new file.`, { details: fileDetails });
  }
  if (new Date(leaf.validFrom) > now) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} is not valid before ${new Date(leaf.validFrom).toISOString()}. Check the computer's clock.`, { details: fileDetails });
  }
  return {
    privateKeyPem,
    certificatePem: leafPem,
    thumbprintSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    thumbprintSha1: leaf.fingerprint.replace(/:/g, '').toLowerCase(),
    subject: leaf.subject,
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

/**
 * MSAL's network calls go through the same https agent as Graph, so the custom CA applies to the token
 * endpoint too and MSAL never falls back to fetch's own trust store.
 */
export class AgentNetworkModule implements INetworkModule {
  /** The last transport failure; MSAL reports network errors without their cause, so we keep it here. */
  lastFailure: TransportError | undefined;

  constructor(private readonly agent: https.Agent) {}

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
function customAuthorityOptions(endpoints: ResolvedEndpoints, authority: string): Pick<Configuration['auth'], 'knownAuthorities' | 'authorityMetadata' | 'cloudDiscoveryMetadata'> {
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

function authError(err: unknown, config: CredentialBase, network: AgentNetworkModule): TransportError {
  const found = findTransportError(err);
  if (found) return found;
  const e = err as { errorCode?: string; errorMessage?: string; message?: string };
  if (e.errorCode === 'network_error' && network.lastFailure) return network.lastFailure;
  const raw = redact(`${e.errorCode ? `${e.errorCode}: ` : ''}${e.errorMessage || e.message || String(err)}`);
  if (/network|ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up/i.test(raw)) {
    return new TransportError('NETWORK', `Could not reach the sign-in service: ${raw}`, { details: { retryable: true }, cause: err });
  }
  const hint = AADSTS_HINTS.find(([pattern]) => pattern.test(raw))?.[1] ?? 'Check the tenant id, client id and credential in the connection settings.';
  return new TransportError('AUTH_FAILED', `Signing in to tenant ${config.tenantId} as app ${config.clientId} failed: ${raw} ${hint}`, { cause: err });
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TransportError('INVALID_CONFIG', `The connection setting "${field}" is missing.`);
  }
  return value.trim();
}

/**
 * Create a credential for Graph from connection settings: client secret, certificate (PEM with key and
 * certificate), interactive browser sign-in or device code. Validates the settings (and the certificate) now,
 * so mistakes surface before any upload starts. Nothing secret is ever logged or put into an error message.
 */
export async function createCredential(config: CredentialConfig, options: { agent?: https.Agent } = {}): Promise<Credential> {
  const tenantId = requireText(config.tenantId, 'tenantId');
  const clientId = requireText(config.clientId, 'clientId');
  const endpoints = resolveEndpoints(config.cloud);
  const authority = authorityUrl(endpoints, tenantId);
  const ownAgent = !options.agent;
  const agent = options.agent ?? createHttpsAgent(endpoints.caPem ? { caPem: endpoints.caPem } : {});
  const auth: Configuration['auth'] = {
    clientId,
    authority,
    ...(endpoints.custom ? customAuthorityOptions(endpoints, authority) : {}),
  };
  const networkClient = new AgentNetworkModule(agent);
  const system: Configuration['system'] = { networkClient };
  const base = { tenantId, clientId, endpoints, agent, close: () => (ownAgent ? agent.destroy() : undefined) };

  let acquire: (forceRefresh: boolean) => Promise<AuthenticationResult | null>;
  switch (config.kind) {
    case 'secret': {
      const secret = requireText(config.clientSecret, 'clientSecret');
      registerSecret(secret);
      const app = new ConfidentialClientApplication({ auth: { ...auth, clientSecret: secret }, system });
      acquire = (forceRefresh) => app.acquireTokenByClientCredential({ scopes: [endpoints.scope], skipCache: forceRefresh });
      break;
    }
    case 'certificate': {
      let pem = config.certificatePem;
      const file = config.certificatePath ? path.resolve(config.certificatePath) : undefined;
      if (!pem) {
        if (!file) throw new TransportError('INVALID_CONFIG', 'Certificate sign-in needs the path of a PEM file holding the private key and the certificate.');
        try {
          pem = await fs.readFile(file, 'utf8');
        } catch (err) {
          throw new TransportError('CERTIFICATE_INVALID', `The certificate file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Check the path.`, { details: { file }, cause: err });
        }
      }
      const cert = loadCertificate(pem, { ...(config.passphrase ? { passphrase: config.passphrase } : {}), ...(file ? { file } : {}) });
      const app = new ConfidentialClientApplication({
        auth: {
          ...auth,
          clientCertificate: {
            thumbprintSha256: cert.thumbprintSha256,
            privateKey: cert.privateKeyPem,
            ...(config.sendX5c ? { x5c: cert.certificatePem } : {}),
          },
        },
        system,
      });
      acquire = (forceRefresh) => app.acquireTokenByClientCredential({ scopes: [endpoints.scope], skipCache: forceRefresh });
      break;
    }
    case 'interactive':
    case 'deviceCode': {
      const scopes = (config.permissions ?? [...DEFAULT_DELEGATED_PERMISSIONS]).map((p) => (p.includes('://') ? p : graphScope(endpoints, p)));
      const app = new PublicClientApplication({ auth, system });
      let account: AccountInfo | null = null;
      const signIn = async (): Promise<AuthenticationResult | null> => {
        const result =
          config.kind === 'interactive'
            ? await app.acquireTokenInteractive({
                scopes,
                openBrowser: config.openBrowser,
                ...(config.loginHint ? { loginHint: config.loginHint } : {}),
                ...(config.successTemplate ? { successTemplate: config.successTemplate } : {}),
                ...(config.errorTemplate ? { errorTemplate: config.errorTemplate } : {}),
              })
            : await app.acquireTokenByDeviceCode({
                scopes,
                deviceCodeCallback: (info) => {
                  // MSAL calls back even when the service answered with an error instead of a code.
                  if (!info?.userCode || !info.verificationUri) return;
                  config.onDeviceCode({ message: info.message, userCode: info.userCode, verificationUri: info.verificationUri, expiresInSec: info.expiresIn });
                },
              });
        account = result?.account ?? account;
        return result;
      };
      acquire = async (forceRefresh) => {
        if (account) {
          try {
            return await app.acquireTokenSilent({ account, scopes, forceRefresh });
          } catch (err) {
            // Only an expired or revoked sign-in warrants asking the user again.
            const code = (err as { errorCode?: string }).errorCode ?? '';
            if (!/interaction_required|invalid_grant|no_tokens_found|login_required|consent_required/.test(code)) throw err;
          }
        }
        return signIn();
      };
      break;
    }
    default:
      throw new TransportError('INVALID_CONFIG', `Unknown credential kind "${String((config as { kind?: unknown }).kind)}". Use secret, certificate, interactive or deviceCode.`);
  }

  let current: string | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = (forceRefresh: boolean): Promise<string> => {
    // Concurrent callers (several requests hitting 401 together) share one token request.
    pending ??= (async () => {
      try {
        const result = await acquire(forceRefresh);
        if (!result?.accessToken) throw new TransportError('AUTH_FAILED', `Signing in to tenant ${tenantId} returned no access token.`);
        current = result.accessToken;
        return current;
      } catch (err) {
        throw authError(err, config, networkClient);
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  return {
    ...base,
    kind: config.kind,
    async getToken(opts = {}) {
      if (pending) {
        const shared = await pending.catch(() => undefined);
        if (shared && (!opts.forceRefresh || (opts.rejectedToken && shared !== opts.rejectedToken))) return shared;
      }
      if (opts.forceRefresh && opts.rejectedToken && current && current !== opts.rejectedToken) return current;
      return fetchToken(opts.forceRefresh === true);
    },
  };
}
