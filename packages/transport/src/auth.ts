import { X509Certificate, createCipheriv, createDecipheriv, createPrivateKey, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import {
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  ConfidentialClientApplication,
  type ICachePlugin,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  PublicClientApplication,
  type TokenCacheContext,
} from '@azure/msal-node';
import { type CloudSelection, type ResolvedEndpoints, authorityUrl, graphScope, resolveEndpoints } from './clouds';
import { TransportError, isTransportError, redact, registerSecret } from './errors';
import { syncDir } from './fsutil';
import { createHttpsAgent, httpRequest } from './http';

interface CredentialBase {
  /** Directory (tenant) id or a verified domain. */
  tenantId: string;
  /** Application (client) id of the app registration. */
  clientId: string;
  /** National cloud or custom endpoints (the emulator). Default `global`. */
  cloud?: CloudSelection;
  /**
   * Keep MSAL's tokens in this file between processes. Meant for the delegated kinds (a later run signs in
   * silently with the saved account); with the app-only kinds it merely reuses a still valid app token.
   */
  tokenCache?: TokenCacheOptions;
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
  /** When set, never open a browser: if no cached sign-in works, fail with AUTH_FAILED and this message (CI, cron). */
  promptUnavailable?: string;
}

/** Delegated sign-in on another device: the user types a code at a verification URL. */
export interface DeviceCodeCredentialConfig extends CredentialBase {
  kind: 'deviceCode';
  /** Shows the instruction to the user (the CLI prints `message`). */
  onDeviceCode: (info: { message: string; userCode: string; verificationUri: string; expiresInSec: number }) => void;
  permissions?: string[];
  /** When set, never ask for a device code: if no cached sign-in works, fail with AUTH_FAILED and this message. */
  promptUnavailable?: string;
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
  /** The signed-in user of a delegated credential, once known (after getToken or from its token cache). */
  account?(): SignedInAccount | undefined;
  /** Close idle sockets of the agent (when the credential created it). */
  close(): void;
}

/** Where a sign-in is kept between processes. */
export interface TokenCacheOptions {
  /** The cache file. Written atomically with mode 0600 (its folder, when created here, 0700). */
  file: string;
  /**
   * 32-byte key: the file is then encrypted with AES-256-GCM. Without a key the file is plaintext protected by its
   * owner-only permissions, like the Azure CLI's token cache on Linux. (Windows ignores the mode bits; the file
   * then relies on the per-user profile folder's ACL.)
   */
  key?: Uint8Array;
}

/** Who is signed in, as kept beside the tokens (never a token). */
export interface SignedInAccount {
  username: string;
  homeAccountId: string;
}

const CACHE_FORMAT = 'scimport-token-cache';

interface CachePayload {
  account?: SignedInAccount;
  /** MSAL's own serialization (the cross-language cache schema). */
  msal?: string;
}

interface CacheFileV1 extends CachePayload {
  format: typeof CACHE_FORMAT;
  version: 1;
  encrypted?: { alg: 'aes-256-gcm'; iv: string; tag: string; data: string };
}

function isAccount(value: unknown): value is SignedInAccount {
  const v = value as Partial<SignedInAccount> | null;
  return typeof v?.username === 'string' && typeof v.homeAccountId === 'string';
}

/**
 * MSAL's persistence plugin backed by one file: `beforeCacheAccess` loads the file into MSAL's in-memory cache,
 * `afterCacheAccess` writes it back when MSAL changed it. The account chosen at sign-in is kept beside the
 * tokens so that later processes pick the same user. Errors name the file and what to do, never its content.
 */
export class TokenCacheFile implements ICachePlugin {
  /** Absolute path of the cache file. */
  readonly file: string;
  /** The account chosen at the last sign-in, as last read from or written to the file. */
  account: SignedInAccount | undefined;
  private readonly key: Buffer | undefined;
  private lastMsal: string | undefined;

  constructor(options: TokenCacheOptions) {
    if (!options.file) throw new TransportError('INVALID_CONFIG', 'The token cache needs a file path.');
    this.file = path.resolve(options.file);
    if (options.key !== undefined && options.key.length !== 32) {
      throw new TransportError('INVALID_CONFIG', `The key for the token cache ${this.file} must be 32 bytes (it has ${options.key.length}).`, { details: { file: this.file } });
    }
    this.key = options.key ? Buffer.from(options.key) : undefined;
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const stored = await this.load();
    if (stored?.msal) context.tokenCache.deserialize(stored.msal);
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (context.cacheHasChanged) await this.save(context.tokenCache.serialize());
  }

  /** Read the file; `undefined` when there is none. Also refreshes `account`. */
  async load(): Promise<CachePayload | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TransportError('IO', `The sign-in cache ${this.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Check its permissions, or delete it and sign in again.`, {
        details: { file: this.file },
      });
    }
    const payload = this.decode(text);
    if (payload.account) this.account = payload.account;
    this.lastMsal = payload.msal;
    return payload;
  }

  /** Write the file (MSAL's serialization, or the last one seen, plus `account`). */
  async save(msal: string | undefined = this.lastMsal): Promise<void> {
    const payload: CachePayload = { ...(this.account ? { account: this.account } : {}), ...(msal ? { msal } : {}) };
    const doc: CacheFileV1 = this.key ? { format: CACHE_FORMAT, version: 1, encrypted: this.encrypt(payload) } : { format: CACHE_FORMAT, version: 1, ...payload };
    await writePrivateFileAtomic(this.file, `${JSON.stringify(doc)}\n`);
    this.lastMsal = msal;
  }

  /** Delete the file (sign out on this computer). Resolves to whether there was one. */
  async remove(): Promise<boolean> {
    try {
      await fs.unlink(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new TransportError('IO', `The sign-in cache ${this.file} cannot be deleted (${(err as NodeJS.ErrnoException).code ?? 'error'}). Delete it by hand.`, { details: { file: this.file } });
    }
    this.account = undefined;
    this.lastMsal = undefined;
    await syncDir(path.dirname(this.file));
    return true;
  }

  /** The user a later run would sign in as: the saved account, else the only account in MSAL's cache. */
  async signedInAccount(): Promise<SignedInAccount | undefined> {
    const payload = await this.load();
    if (!payload) return undefined;
    if (payload.account) return payload.account;
    const accounts = msalAccounts(payload.msal);
    return accounts.length === 1 ? accounts[0] : undefined;
  }

  private decode(text: string): CachePayload {
    const unusable = (why: string): TransportError =>
      new TransportError('IO', `The sign-in cache ${this.file} ${why}. Delete it (scimport logout) and sign in again.`, { details: { file: this.file } });
    let doc: Partial<CacheFileV1>;
    try {
      doc = JSON.parse(text) as Partial<CacheFileV1>;
    } catch {
      // JSON.parse quotes the text it choked on, which may be a token: its message is not passed on.
      throw unusable('is not valid JSON (damaged or edited by hand)');
    }
    if (doc?.format !== CACHE_FORMAT || doc.version !== 1) throw unusable('is not a scimport sign-in cache of a known version');
    let payload: CachePayload = doc;
    if (doc.encrypted) {
      if (!this.key) {
        throw new TransportError('IO', `The sign-in cache ${this.file} is encrypted but no key was given. Set the same key as when signing in (SCIMPORT_SNAPSHOT_KEY), or sign in again.`, {
          details: { file: this.file },
        });
      }
      payload = this.decrypt(doc.encrypted, unusable);
    }
    return {
      ...(isAccount(payload.account) ? { account: { username: payload.account.username, homeAccountId: payload.account.homeAccountId } } : {}),
      ...(typeof payload.msal === 'string' ? { msal: payload.msal } : {}),
    };
  }

  private encrypt(payload: CachePayload): NonNullable<CacheFileV1['encrypted']> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key as Buffer, iv);
    // The format marker is authenticated too, so a file cannot be passed off as another version.
    cipher.setAAD(Buffer.from(`${CACHE_FORMAT}/1`));
    const data = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private decrypt(sealed: NonNullable<CacheFileV1['encrypted']>, unusable: (why: string) => TransportError): CachePayload {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key as Buffer, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(`${CACHE_FORMAT}/1`));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as CachePayload;
    } catch {
      throw unusable('cannot be decrypted with the key given (another key, or the file was altered)');
    }
  }
}

/** Accounts recorded in an MSAL cache serialization. */
function msalAccounts(msal: string | undefined): SignedInAccount[] {
  if (!msal) return [];
  try {
    const accounts = (JSON.parse(msal) as { Account?: Record<string, { username?: unknown; home_account_id?: unknown }> }).Account ?? {};
    return Object.values(accounts)
      .filter((a) => typeof a.username === 'string' && typeof a.home_account_id === 'string')
      .map((a) => ({ username: a.username as string, homeAccountId: a.home_account_id as string }));
  } catch {
    return [];
  }
}

/** Like fsutil's writeFileAtomic, but the file is created owner-only (0600) from its first byte. */
async function writePrivateFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await syncDir(dir);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new TransportError('IO', `The sign-in cache ${file} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'}). Check that its folder is writable and the disk is not full.`, {
      details: { file },
    });
  }
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
  const cacheFile = config.tokenCache ? new TokenCacheFile(config.tokenCache) : undefined;
  const cache: Pick<Configuration, 'cache'> = cacheFile ? { cache: { cachePlugin: cacheFile } } : {};
  const base = { tenantId, clientId, endpoints, agent, close: () => (ownAgent ? agent.destroy() : undefined) };

  let acquire: (forceRefresh: boolean) => Promise<AuthenticationResult | null>;
  let delegatedAccount: (() => SignedInAccount | undefined) | undefined;
  switch (config.kind) {
    case 'secret': {
      const secret = requireText(config.clientSecret, 'clientSecret');
      registerSecret(secret);
      const app = new ConfidentialClientApplication({ auth: { ...auth, clientSecret: secret }, system, ...cache });
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
        ...cache,
      });
      acquire = (forceRefresh) => app.acquireTokenByClientCredential({ scopes: [endpoints.scope], skipCache: forceRefresh });
      break;
    }
    case 'interactive':
    case 'deviceCode': {
      const scopes = (config.permissions ?? [...DEFAULT_DELEGATED_PERMISSIONS]).map((p) => (p.includes('://') ? p : graphScope(endpoints, p)));
      const app = new PublicClientApplication({ auth, system, ...cache });
      let account: AccountInfo | null = null;
      const remember = async (result: AuthenticationResult | null): Promise<void> => {
        if (!result?.account) return;
        account = result.account;
        if (!cacheFile) return;
        // One cache file holds one user: a sign-in as someone else replaces the previous user's tokens.
        const tokenCache = app.getTokenCache();
        for (const other of await tokenCache.getAllAccounts()) {
          if (other.homeAccountId !== account.homeAccountId) await tokenCache.removeAccount(other);
        }
        const chosen = { username: account.username, homeAccountId: account.homeAccountId };
        if (cacheFile.account?.homeAccountId !== chosen.homeAccountId || cacheFile.account.username !== chosen.username) {
          cacheFile.account = chosen;
          await cacheFile.save();
        }
      };
      // A later process finds the user of an earlier sign-in in the cache file.
      const cachedAccount = async (): Promise<AccountInfo | null> => {
        if (account || !cacheFile) return account;
        const all = await app.getTokenCache().getAllAccounts();
        const saved = cacheFile.account;
        return (
          (saved && (all.find((a) => a.homeAccountId === saved.homeAccountId) ?? all.find((a) => a.username.toLowerCase() === saved.username.toLowerCase()))) ||
          (all.length === 1 ? (all[0] ?? null) : null)
        );
      };
      const signIn = async (): Promise<AuthenticationResult | null> => {
        if (config.promptUnavailable) throw new TransportError('AUTH_FAILED', config.promptUnavailable);
        const loginHint = config.kind === 'interactive' ? (config.loginHint ?? cacheFile?.account?.username) : undefined;
        const result =
          config.kind === 'interactive'
            ? await app.acquireTokenInteractive({
                scopes,
                openBrowser: config.openBrowser,
                ...(loginHint ? { loginHint } : {}),
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
        await remember(result);
        return result;
      };
      acquire = async (forceRefresh) => {
        const known = await cachedAccount();
        if (known) {
          try {
            const result = await app.acquireTokenSilent({ account: known, scopes, forceRefresh });
            account = result?.account ?? known;
            return result;
          } catch (err) {
            // Only an expired or revoked sign-in warrants asking the user again.
            const code = (err as { errorCode?: string }).errorCode ?? '';
            if (!/interaction_required|invalid_grant|no_tokens_found|login_required|consent_required|refresh_token_expired|bad_token/.test(code)) throw err;
          }
        }
        return signIn();
      };
      delegatedAccount = () => {
        const current = account as AccountInfo | null;
        return current ? { username: current.username, homeAccountId: current.homeAccountId } : cacheFile?.account;
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
    ...(delegatedAccount ? { account: delegatedAccount } : {}),
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
