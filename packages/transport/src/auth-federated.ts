import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TransportError, registerSecret } from './errors';

/**
 * Workload identity federation: the platform running scimport (a GitHub Actions job, a Kubernetes pod with Azure
 * workload identity) writes a short-lived OIDC token to a file, and Entra accepts it as the app's client assertion
 * because the app registration trusts that issuer and subject. No secret is stored anywhere.
 */

/** The conventions of Azure workload identity (the Kubernetes webhook sets them; azure-identity reads them too). */
export const FEDERATED_ENV = {
  tokenFile: 'AZURE_FEDERATED_TOKEN_FILE',
  clientId: 'AZURE_CLIENT_ID',
  tenantId: 'AZURE_TENANT_ID',
} as const;

/** What a federated sign-in uses, settings first, then the environment. */
export interface FederatedSettings {
  tenantId: string | undefined;
  clientId: string | undefined;
  /** Absolute path of the token file, or undefined when neither the settings nor the environment name one. */
  tokenFile: string | undefined;
}

export function resolveFederated(config: { tenantId?: string; clientId?: string; tokenFile?: string }, env: NodeJS.ProcessEnv): FederatedSettings {
  const pick = (own: string | undefined, name: string): string | undefined => (own?.trim() ? own.trim() : env[name]?.trim() || undefined);
  const file = pick(config.tokenFile, FEDERATED_ENV.tokenFile);
  return { tenantId: pick(config.tenantId, FEDERATED_ENV.tenantId), clientId: pick(config.clientId, FEDERATED_ENV.clientId), tokenFile: file ? path.resolve(file) : undefined };
}

/** What was last read from the token file: enough to explain a refusal, never the token. */
export interface AssertionRead {
  /** `exp` of the token in milliseconds, if it had one. */
  expiresAt: number | undefined;
  readAt: number;
}

/**
 * MSAL's `clientAssertion` callback for a token file. MSAL 7 asks for the assertion on every token request, even
 * when it then answers from its cache, so the file is read each time: a rotated token (GitHub's per-job token, the
 * projected service-account token Kubernetes refreshes hourly) is used as soon as a new access token is needed.
 * Errors name the file and what to do, never its content; the content is registered as a secret so that no
 * message can carry it.
 */
export class FederatedAssertionFile {
  last: AssertionRead | undefined;

  constructor(
    readonly file: string,
    private readonly now: () => number,
  ) {}

  readonly read = async (): Promise<string> => {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new TransportError(
        'AUTH_FAILED',
        `The federated token file ${this.file} cannot be read (${code}). ${code === 'ENOENT' ? `Check ${FEDERATED_ENV.tokenFile} or the profile's assertionFile, and that the platform writes the token before scimport starts.` : 'Check its permissions.'}`,
        { details: { file: this.file } },
      );
    }
    const token = text.trim();
    if (token) registerSecret(token);
    const payload = token ? jwtPayload(token) : undefined;
    if (!payload) {
      throw new TransportError('AUTH_FAILED', `The federated token file ${this.file} ${token ? 'does not hold a JWT' : 'is empty'}. It must hold the OIDC token the platform issued (one line, three dot-separated parts).`, {
        details: { file: this.file },
      });
    }
    this.last = { expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined, readAt: this.now() };
    return token;
  };

  /** Why the service may have refused the last assertion, in words, with what to do. */
  explain(serviceSaid: string): string {
    const exp = this.last?.expiresAt;
    if (/AADSTS700024/.test(serviceSaid) || (exp !== undefined && this.last && exp <= this.last.readAt)) {
      const when = exp === undefined ? '' : ` (it expired ${new Date(exp).toISOString()})`;
      return `The token in ${this.file} is out of date${when}. The platform must write a fresh one before each run: in GitHub Actions request an OIDC token in the same job (permissions: id-token: write); in Kubernetes keep the projected service-account token mounted.`;
    }
    if (/AADSTS50013|signature/i.test(serviceSaid)) {
      return `The token in ${this.file} was not signed by its issuer's key. Make sure the file holds the platform's OIDC token as issued (not edited or from another issuer).`;
    }
    if (/AADSTS70021[123]|federated identity record/i.test(serviceSaid)) {
      return `The token in ${this.file} does not match a federated credential of the app: add one on the app registration (Certificates & secrets > Federated credentials) with this issuer, subject and audience api://AzureADTokenExchange.`;
    }
    return `Check the federated credential on the app registration and the token in ${this.file}.`;
  }
}

/** The payload of a JWT, unverified (only to read `exp` for messages), or undefined when it is not one. */
function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
