import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MS, PROFILES, cliWithEnv } from './__tests__/harness';

// Microsoft's FAQ ("How does restart provisioning work?"): a job that is not running purges, at a restart, the data
// uploaded before it. Against the emulator with that behaviour, over real HTTPS with the real MSAL sign-in.

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');
const TWO = join(MS, 'csv-with-2-records.csv');
const CSV_NS = 'urn:ietf:params:scim:schemas:extension:csv:1.0:User';

let emu: Emulator;
let scratch: string;
let env: Record<string, string>;
beforeEach(async () => {
  emu = await startEmulator({
    tokenLifetimeSec: 3600 * 100,
    schemaAttributes: [
      { name: 'HireDate', type: 'DateTime', namespace: CSV_NS },
      { name: 'OnLeave', type: 'Boolean', namespace: CSV_NS },
    ],
  });
  scratch = await mkdtemp(join(tmpdir(), 'scimport-restart-'));
  await writeFile(join(scratch, 'ca.pem'), emu.caCertPem);
  env = { SCIMPORT_DATA_DIR: join(scratch, 'data'), SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: join(scratch, 'ca.pem'), SCIMPORT_CLIENT_SECRET: emu.clientSecret };
});
afterEach(async () => {
  await emu.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('job restart', () => {
  it('says unprocessed uploads will be dropped, flags the run whose accepted requests were purged, and `resume --resend-dropped` sends them again', async () => {
    emu.setJobState('paused');
    const upload = await cliWithEnv(['upload', TWO, '--profile', PROFILE, '--no-wait'], env);
    const runId = /Run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(upload.out)?.[1];
    expect(runId).toBeDefined();
    expect(emu.pendingRequests()).toBe(1);

    const restart = await cliWithEnv(['job', 'restart', '--profile', PROFILE, '--reset-scope', 'QuarantineState'], env);
    expect(restart.err).toMatch(/Uploads the job has not processed yet will be dropped if the job is not running when it restarts/);
    expect(emu.purgedRequests()).toBe(1);
    expect(restart.out).toContain(`Run ${runId}: 1 request (2 users) accepted but not processed yet were dropped by the restart. Send them again with \`scimport resume --resend-dropped ${runId}\`.`);

    const status = await cliWithEnv(['status', runId!, '--json'], env);
    expect(status.status).toBe(1);
    expect(JSON.parse(status.out).droppedByRestart).toMatchObject({ chunks: [1], people: 2 });

    emu.setJobState('active');
    const resent = await cliWithEnv(['resume', '--resend-dropped', runId!, '--json'], env);
    const doc = JSON.parse(resent.out.slice(resent.out.indexOf('{')));
    expect(doc).toMatchObject({ acceptedRequests: 1, results: { complete: true } });
    expect(doc.results.rows.map((r: { row: number }) => r.row).sort()).toEqual([2, 3]);
    expect(emu.users()).toHaveLength(2);
    expect(JSON.parse((await cliWithEnv(['status', runId!, '--json'], env)).out).droppedByRestart).toBeNull();
  });

  it('flags nothing when the job was running: its current cycle finishes on what it holds', async () => {
    const upload = await cliWithEnv(['upload', TWO, '--profile', PROFILE, '--no-wait'], env);
    const runId = /Run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(upload.out)?.[1];
    const restart = await cliWithEnv(['job', 'restart', '--profile', PROFILE, '--json'], env);
    expect(JSON.parse(restart.out).droppedByRestart).toEqual([]);
    expect(JSON.parse((await cliWithEnv(['status', runId!, '--json'], env)).out).droppedByRestart).toBeNull();
  });
});
