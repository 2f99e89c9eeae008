/**
 * Signing in to a target and building a paced Graph client: the built-in sandbox (its own fixed app and secret)
 * or a real tenant, with a client secret from the SecretStore or a certificate file — never anything from a
 * profile. Shared by uploads, the job panel and the preflight.
 */
import { connect, createCredential, isTransportError, localEndpointCredential, type Credential, type CredentialConfig, type GraphClient, type PacerOptions } from '@scimport/transport';
import type { TargetSpec } from '../../shared/contract';
import { targetIds } from './diff';
import { fail } from './errors';
import { clientSecretKey, type SecretStore } from './secrets';

/** Where the sandbox answers and how to sign in to it (an Emulator fits). */
export interface SandboxEndpoint {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPem: string;
}

export interface ConnectorContext {
  dataDir: string;
  secrets: SecretStore;
  /** The built-in sandbox, started on first use and shared for the app's lifetime. */
  sandbox: () => Promise<SandboxEndpoint>;
  /** Pacing and retries of Graph calls (tests make an unreachable target fail fast). */
  pacer?: PacerOptions;
}

/** A signed-in client of one target; close it when done (it holds the credential's HTTPS agent). */
export interface Connection {
  client: GraphClient;
  credential: Credential;
  sandbox: boolean;
}

/** The profile parts that shape a connection's use: custom attributes the sandbox must know. */
export interface ExtensionLike {
  namespace: string;
  attributes: readonly { name: string; type: string; multiValued?: boolean }[];
}

export class Connector {
  constructor(private readonly ctx: ConnectorContext) {}

  /** Signs in to the target (or starts the sandbox) and builds a paced Graph client. */
  async connect(target: TargetSpec): Promise<Connection> {
    let config: CredentialConfig;
    if (target.kind === 'sandbox') {
      const sandbox = await this.ctx.sandbox();
      config = localEndpointCredential(sandbox);
    } else if (target.auth === 'secret') {
      const secret = await this.ctx.secrets.get(clientSecretKey(target.tenantId, target.clientId));
      if (!secret) {
        fail('CONNECTION', `No client secret is stored for app ${target.clientId} in tenant ${target.tenantId}. Enter the secret in "Where to send" (it is kept in this computer's keychain, never in the profile), then try again.`);
      }
      config = { kind: 'secret', tenantId: target.tenantId, clientId: target.clientId, clientSecret: secret, cloud: target.cloud };
    } else {
      if (!target.certificatePath) fail('CONNECTION', 'Signing in with a certificate needs the certificate file (a .pem with the private key). Choose it in "Where to send".');
      config = { kind: 'certificate', tenantId: target.tenantId, clientId: target.clientId, certificatePath: target.certificatePath, cloud: target.cloud };
    }
    const ids = targetIds(target);
    const credential = await createCredential(config);
    try {
      const client = await connect({ credential, servicePrincipalId: ids.servicePrincipalId, jobId: ids.jobId, dataDir: this.ctx.dataDir, ...(this.ctx.pacer ? { pacer: this.ctx.pacer } : {}) });
      return { client, credential, sandbox: target.kind === 'sandbox' };
    } catch (error) {
      credential.close();
      throw error;
    }
  }

  /** Runs `work` with a fresh connection and closes it afterwards, whatever happens. */
  async with<T>(target: TargetSpec, work: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await this.connect(target);
    try {
      return await work(connection);
    } finally {
      connection.credential.close();
    }
  }
}

/**
 * The sandbox is the person's own rehearsal tenant: its job schema is taught the profile's custom attributes
 * before an upload or a preflight, so a rehearsal never fails on what a real tenant's administrator would add.
 */
export async function prepareSandbox(connection: Connection, extension: ExtensionLike | undefined): Promise<void> {
  if (!connection.sandbox || !extension || extension.attributes.length === 0) return;
  await connection.client.ensureCustomAttributes(
    extension.namespace,
    extension.attributes.map((a) => ({ name: a.name, type: a.type, ...(a.multiValued ? { multivalued: true } : {}) })),
  );
}

/**
 * True when an error means the target could not be reached at all (no network, the host not answering), as
 * opposed to a target that answered with a refusal. Certificate trust failures are configuration, not outages.
 */
export function isUnreachable(error: unknown): boolean {
  if (!isTransportError(error) || error.code !== 'NETWORK') return false;
  return !/CERT|SELF_SIGNED|TLS/i.test(error.details.errno ?? '');
}
