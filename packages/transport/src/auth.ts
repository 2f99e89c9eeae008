import { promises as fs } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import {
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  ConfidentialClientApplication,
  PublicClientApplication,
} from '@azure/msal-node';
import { TokenCacheFile, type SignedInAccount, type TokenCacheOptions } from './auth-cache';
import { loadCertificate } from './auth-certificate';
import { FederatedAssertionFile, FEDERATED_ENV, resolveFederated } from './auth-federated';
import { createManagedIdentityCredential } from './auth-managed-identity';
import { AgentNetworkModule, authError, customAuthorityOptions, requireText, tokenGetter } from './auth-network';
import { type CloudSelection, type ResolvedEndpoints, authorityUrl, graphScope, resolveEndpoints } from './clouds';
import { TransportError, registerSecret } from './errors';
import { createHttpsAgent } from './http';

// The public face of sign-in: the credential kinds and createCredential. The cache file, the certificate reader
// and the MSAL network/error plumbing live beside it and are re-exported here, so importers keep one module.
export { TokenCacheFile, type SignedInAccount, type TokenCacheOptions } from './auth-cache';
export { loadCertificate, type LoadedCertificate } from './auth-certificate';
export { AgentNetworkModule } from './auth-network';
export { FEDERATED_ENV } from './auth-federated';
export { MANAGED_IDENTITY_ENV, describeManagedIdentity, managedIdentitySource } from './auth-managed-identity';

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

/**
 * App-only sign-in with workload identity federation: the client assertion is an OIDC token the platform (GitHub
 * Actions, Kubernetes) writes to a file, trusted by a federated credential on the app registration. Tenant and
 * client id may come from AZURE_TENANT_ID / AZURE_CLIENT_ID, the file from AZURE_FEDERATED_TOKEN_FILE.
 */
export interface FederatedCredentialConfig extends Omit<CredentialBase, 'tenantId' | 'clientId'> {
  kind: 'federated';
  tenantId?: string;
  clientId?: string;
  /** Path of the token file. Default: AZURE_FEDERATED_TOKEN_FILE. */
  tokenFile?: string;
}

/**
 * App-only sign-in as the managed identity of the Azure resource scimport runs on (Automation, Functions, App
 * Service, VM): system-assigned unless a user-assigned identity is named. No secret and no app registration.
 */
export interface ManagedIdentityCredentialConfig {
  kind: 'managedIdentity';
  /** The tenant, for messages only: the platform decides it. */
  tenantId?: string;
  /** Client id of a user-assigned identity. */
  userAssignedClientId?: string;
  /** ARM resource id of a user-assigned identity (instead of its client id). */
  userAssignedResourceId?: string;
  cloud?: CloudSelection;
}

export type CredentialConfig =
  | SecretCredentialConfig
  | CertificateCredentialConfig
  | InteractiveCredentialConfig
  | DeviceCodeCredentialConfig
  | FederatedCredentialConfig
  | ManagedIdentityCredentialConfig;

/** Where createCredential looks for what a scheduler provides (environment) and what time it is (messages). */
export interface CredentialOptions {
  /** Share an https agent (the Graph client's); otherwise one is made and closed with the credential. */
  agent?: https.Agent;
  /** Environment read for the federated and managed-identity conventions. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch. Default Date.now. */
  now?: () => number;
}

/** Delegated permissions requested when none are given. */
export const DEFAULT_DELEGATED_PERMISSIONS = ['SynchronizationData-User.Upload', 'AuditLog.Read.All'] as const;

/**
 * How a credential signs in, for the preflight line a scheduler's log shows: the method, who it signs in as, and
 * what it relies on at run time (a file, a variable, the platform). Names and paths only, never a secret.
 */
export interface AuthMethod {
  kind: CredentialConfig['kind'];
  /** e.g. "a client secret of app 0b5b…", "the system-assigned managed identity". */
  identity: string;
  /** What must be in place when the run starts, in one phrase. */
  needs: string;
  /** The app registration signed in as (none for a managed identity). */
  appId?: string;
  /** The file it reads (certificate or federated token file). */
  file?: string;
  /** Managed identity: the platform endpoint MSAL will use. */
  source?: 'appService' | 'imds';
}

/** A signed-in identity that hands out Graph access tokens. Tokens are cached by MSAL and refreshed when due. */
export interface Credential {
  readonly kind: CredentialConfig['kind'];
  readonly tenantId: string;
  readonly clientId: string;
  readonly endpoints: ResolvedEndpoints;
  /** The https agent shared by MSAL and the Graph client (trusts the custom CA, if any). */
  readonly agent: https.Agent;
  /** How it signs in and what that relies on, for preflight. */
  readonly method?: AuthMethod;
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

/**
 * Create a credential for Graph from connection settings: client secret, certificate (PEM with key and
 * certificate), federated token file, managed identity, interactive browser sign-in or device code. Validates the settings (and the certificate) now,
 * so mistakes surface before any upload starts. Nothing secret is ever logged or put into an error message.
 */
export async function createCredential(config: CredentialConfig, options: CredentialOptions = {}): Promise<Credential> {
  // No authority, no app registration: MSAL's managed-identity client is a separate application type.
  if (config.kind === 'managedIdentity') return createManagedIdentityCredential(config, options.env ?? process.env);
  const federated = config.kind === 'federated' ? resolveFederated(config, options.env ?? process.env) : undefined;
  const tenantId = requireText(federated ? federated.tenantId : config.tenantId, federated ? `tenantId (or ${FEDERATED_ENV.tenantId})` : 'tenantId');
  const clientId = requireText(federated ? federated.clientId : config.clientId, federated ? `clientId (or ${FEDERATED_ENV.clientId})` : 'clientId');
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
  let assertionFile: FederatedAssertionFile | undefined;
  let certificateNotAfter: string | undefined;
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
      certificateNotAfter = cert.notAfter;
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
    case 'federated': {
      if (!federated?.tokenFile) {
        throw new TransportError('INVALID_CONFIG', `Federated sign-in needs the token file: set ${FEDERATED_ENV.tokenFile} (the platform's convention) or the profile's target.assertionFile.`);
      }
      const reader = new FederatedAssertionFile(federated.tokenFile, options.now ?? Date.now);
      assertionFile = reader;
      const app = new ConfidentialClientApplication({ auth: { ...auth, clientAssertion: reader.read }, system, ...cache });
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
      throw new TransportError('INVALID_CONFIG', `Unknown credential kind "${String((config as { kind?: unknown }).kind)}". Use secret, certificate, federated, managedIdentity, interactive or deviceCode.`);
  }

  const who = `to tenant ${tenantId} as app ${clientId}`;
  const explain = assertionFile ? (raw: string) => assertionFile.explain(raw) : undefined;
  const getToken = tokenGetter(acquire, (err) => authError(err, who, networkClient, explain), `Signing in to tenant ${tenantId} returned no access token.`);

  return {
    ...base,
    kind: config.kind,
    method: methodOf(config, clientId, { ...(federated?.tokenFile ? { tokenFile: federated.tokenFile } : {}), ...(certificateNotAfter ? { certificateNotAfter } : {}) }),
    ...(delegatedAccount ? { account: delegatedAccount } : {}),
    getToken,
  };
}

function methodOf(config: Exclude<CredentialConfig, ManagedIdentityCredentialConfig>, clientId: string, seen: { tokenFile?: string; certificateNotAfter?: string }): AuthMethod {
  switch (config.kind) {
    case 'secret':
      return { kind: 'secret', appId: clientId, identity: `a client secret of app ${clientId}`, needs: 'the secret value, unexpired, given to this run' };
    case 'certificate': {
      const file = config.certificatePath ? path.resolve(config.certificatePath) : undefined;
      const until = seen.certificateNotAfter ? `, valid until ${seen.certificateNotAfter.slice(0, 10)}` : '';
      return { kind: 'certificate', appId: clientId, identity: `a certificate of app ${clientId}`, needs: `the key and certificate in ${file ?? 'the PEM given'}${until}, uploaded to the app registration`, ...(file ? { file } : {}) };
    }
    case 'federated':
      return {
        kind: 'federated',
        appId: clientId,
        identity: `a federated token for app ${clientId}`,
        needs: `a fresh OIDC token in ${seen.tokenFile ?? FEDERATED_ENV.tokenFile} at each run, and a federated credential on the app trusting its issuer and subject`,
        ...(seen.tokenFile ? { file: seen.tokenFile } : {}),
      };
    case 'interactive':
    case 'deviceCode':
      return {
        kind: config.kind,
        appId: clientId,
        identity: `a signed-in user of app ${clientId}`,
        needs: config.promptUnavailable ? 'a saved sign-in (scimport login), since no one can sign in during the run' : `someone to sign in ${config.kind === 'deviceCode' ? 'with a device code' : 'in the browser'}`,
      };
  }
}
