// Child process of crash.integration.test.ts: resumes one run against the emulator and reports each chunk state
// change on stdout, so the parent can SIGKILL it at a chosen point. Connection settings come from the
// environment (never from argv, which `ps` shows).
import { createCredential } from '../auth';
import { GraphClient } from '../graph';
import { Pacer } from '../pacer';
import { resumeRun } from '../run';

interface Conn {
  baseUrl: string;
  caPem: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  servicePrincipalId: string;
  jobId: string;
}

const conn = JSON.parse(process.env.SCIMPORT_TEST_CONN ?? '{}') as Conn;
const [dataDir, runId] = process.argv.slice(2) as [string, string];
const credential = await createCredential({
  kind: 'secret',
  tenantId: conn.tenantId,
  clientId: conn.clientId,
  clientSecret: conn.clientSecret,
  cloud: { custom: { authorityHost: conn.baseUrl, graphBaseUrl: conn.baseUrl, caPem: conn.caPem } },
});
const client = new GraphClient({ credential, servicePrincipalId: conn.servicePrincipalId, jobId: conn.jobId, pacer: new Pacer({ timeScale: 100, concurrency: 2 }) });
process.stdout.write('ready\n');
await resumeRun(runId, {
  client,
  dataDir,
  onProgress: (p) => {
    if (p.last?.type === 'chunk') process.stdout.write(`${p.last.state} ${p.last.chunk}\n`);
  },
});
process.stdout.write('done\n');
credential.close();
