import { type Credential, type CredentialConfig, createCredential } from './auth';
import { GraphClient } from './graph';
import { QuotaLedger } from './ledger';
import { Pacer, type PacerOptions } from './pacer';

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
