// Child process of run-recorder.integration.test.ts: takes the target's lock, resumes one run with the shared
// workflow (sendAndRecord) and says on stdout when each chunk is recorded in the snapshot, so the parent can
// SIGKILL it right then. Connection settings come from the environment (never argv, which `ps` shows).
import path from 'node:path';
import { SnapshotStore } from '@scimport/core';
import { createCredential } from '../auth';
import { GraphClient } from '../graph';
import { Pacer } from '../pacer';
import { RunRecorder, sendAndRecord } from '../run-recorder';
import { openRun } from '../run-store';
import { lockTarget } from '../target-lock';

const conn = JSON.parse(process.env.SCIMPORT_TEST_CONN ?? '{}') as Record<string, string>;
const [dataDir, runId] = process.argv.slice(2) as [string, string];
const credential = await createCredential({
  kind: 'secret',
  tenantId: conn.tenantId!,
  clientId: conn.clientId!,
  clientSecret: conn.clientSecret!,
  cloud: { custom: { authorityHost: conn.baseUrl!, graphBaseUrl: conn.baseUrl!, caPem: conn.caPem! } },
});
const client = new GraphClient({ credential, servicePrincipalId: conn.servicePrincipalId!, jobId: conn.jobId!, pacer: new Pacer({ timeScale: 100, concurrency: 1 }) });
const run = await openRun(dataDir, runId);
await lockTarget(dataDir, run.manifest.target, { purpose: 'an upload' });
process.stdout.write('locked\n');
const recorder = await RunRecorder.open(run, { store: new SnapshotStore({ dir: path.join(dataDir, 'snapshots') }) });
await sendAndRecord(run, { client, recorder, lookahead: 0, onRecorded: (chunk) => process.stdout.write(`recorded ${chunk}\n`) });
process.stdout.write('done\n');
credential.close();
