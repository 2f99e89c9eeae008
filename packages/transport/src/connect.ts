import { type Credential, type CredentialConfig, createCredential } from './auth';
import { GraphClient } from './graph';
import { QuotaLedger } from './ledger';
import { Pacer, type PacerOptions } from './pacer';
import { registerSecret } from './errors';

export interface ConnectOptions {
  credential: CredentialConfig | Credential;
  servicePrincipalId: string;
  jobId?: string;
  /** Pacer settings, or a pacer to share with other clients of the same tenant. */
  pacer?: PacerOptions | Pacer;
  /** Data folder: when given, bulkUpload calls are counted in its quota ledger. */
  dataDir?: string;
  timeoutMs?: number;
}

/** Sign in and build a paced Graph client in one step (what the CLI and the app call). */
export async function connect(options: ConnectOptions): Promise<GraphClient> {
  const credential = 'getToken' in options.credential ? options.credential : await createCredential(options.credential);
  const pacer = options.pacer instanceof Pacer ? options.pacer : new Pacer(options.pacer ?? {});
  return new GraphClient({
    credential,
    servicePrincipalId: options.servicePrincipalId,
    pacer,
    ...(options.jobId ? { jobId: options.jobId } : {}),
    ...(options.dataDir ? { ledger: new QuotaLedger({ dataDir: options.dataDir, clock: pacer.clock }) } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** What the transport needs to know of a local Entra emulator (the sandbox); structural, so the transport does not depend on the emulator package. */
export interface LocalEndpoint {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  caCertPem: string;
}

/**
 * The credential for a local emulator: its own (sandbox-only) secret, its token endpoint and Graph on the
 * same loopback origin, its generated CA trusted. The secret is registered for redaction like any other.
 */
export function localEndpointCredential(endpoint: LocalEndpoint): CredentialConfig {
  registerSecret(endpoint.clientSecret);
  return {
    kind: 'secret',
    tenantId: endpoint.tenantId,
    clientId: endpoint.clientId,
    clientSecret: endpoint.clientSecret,
    cloud: { custom: { authorityHost: endpoint.baseUrl, graphBaseUrl: endpoint.baseUrl, caPem: endpoint.caCertPem } },
  };
}
