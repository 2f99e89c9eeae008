import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { REPO, cliWithEnv } from './__tests__/harness';

// The whole product under a kill: `scimport upload` in its own process, SIGKILLed at random points after some chunks
// are accepted, then `scimport resume` and `scimport upload` again. The sandbox runs in this process (with a state
// folder), so what it holds is what Entra would hold. Follows packages/transport/src/crash.integration.test.ts.

const PEOPLE = 3000;
const MAIN = join(REPO, 'apps', 'cli', 'src', 'main.ts');
const MAPPING =
  '{ "externalId": $string(Id), "userName": UPN, "name": { "givenName": First, "familyName": Last }, ' +
  '"displayName": First & " " & Last, "title": Title, "active": true }';

let scratch: string;
let emu: Emulator;
let env: Record<string, string>;
let profile: string;

function csv(title: (i: number) => string): string {
  const rows = Array.from({ length: PEOPLE }, (_, i) => `${10_000 + i},Given${i},Family${i},p${i}@contoso.com,${title(i)}`);
  return `Id,First,Last,UPN,Title\n${rows.join('\n')}\n`;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'scimport-kill-resume-'));
  // Latency keeps requests in flight long enough for kills to land mid-send; a wide window keeps the test quick.
  emu = await startEmulator({ stateDir: join(scratch, 'sandbox'), tokenLifetimeSec: 3600 * 100, windowCalls: 10_000, faults: { latencyMs: 15 } });
  const caFile = join(scratch, 'ca.pem');
  await writeFile(caFile, emu.caCertPem);
  profile = join(scratch, 'profile.json');
  await writeFile(profile, JSON.stringify({ name: 'Kill and resume', version: 1, mapping: MAPPING }));
  env = {
    SCIMPORT_DATA_DIR: join(scratch, 'data'),
    SCIMPORT_GRAPH_BASE_URL: emu.baseUrl,
    SCIMPORT_AUTHORITY_HOST: emu.baseUrl,
    SCIMPORT_CA_FILE: caFile,
    SCIMPORT_CLIENT_SECRET: emu.clientSecret,
  };
});
afterAll(async () => {
  await emu?.close();
  await rm(scratch, { recursive: true, force: true });
});

const accepted = (): number => emu.bulkCalls().filter((c) => c.status === 202).length;

/** `scimport <args>` in a child process, SIGKILLed once `killAfter` more requests are accepted. */
function killedAfter(args: string[], killAfter: number): Promise<{ killed: boolean; stderr: string }> {
  const before = accepted();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const watch = setInterval(() => {
      if (accepted() - before >= killAfter && proc.exitCode === null) proc.kill('SIGKILL');
    }, 5);
    proc.on('error', reject);
    proc.on('exit', (_code, signal) => {
      clearInterval(watch);
      resolve({ killed: signal === 'SIGKILL', stderr });
    });
  });
}

describe('an upload SIGKILLed, resumed, then uploaded again', () => {
  it(`leaves the sandbox holding each of ${PEOPLE} people exactly once, with their latest data`, async () => {
    const first = join(scratch, 'people-v1.csv');
    await writeFile(first, csv(() => 'Clerk'));
    const killAfter = 3 + Math.floor(Math.random() * 20);
    const { killed, stderr } = await killedAfter(['upload', first, '--profile', profile], killAfter);
    expect(killed, `the upload ended before its kill after ${killAfter} accepted requests: ${stderr.slice(0, 500)}`).toBe(true);
    expect(accepted()).toBeLessThan(PEOPLE / 50);

    const runs = JSON.parse((await cliWithEnv(['runs', '--json'], env)).out) as { id: string }[];
    expect(runs).toHaveLength(1);
    const runId = runs[0]!.id;
    // The resume is killed too, at another random point, then resumed to the end.
    const killResumeAfter = 1 + Math.floor(Math.random() * 15);
    await killedAfter(['resume', runId], killResumeAfter);
    const resumed = await cliWithEnv(['resume', runId, '--json'], env);
    expect(resumed.err, `killed after ${killAfter}, then ${killResumeAfter}`).toBe('');
    expect([0, 1]).toContain(resumed.status);
    expect(new Set(emu.users().map((u) => u.externalId)).size, `killed after ${killAfter}, then ${killResumeAfter}`).toBe(PEOPLE);

    // The next upload of the same feed, one person in ten promoted: the diff sends only those, so everyone else must
    // already be in the tenant — an accepted request the sandbox lost would leave them out for good.
    const title = (i: number): string => (i % 10 === 0 ? `Engineer ${i}` : 'Clerk');
    const second = join(scratch, 'people-v2.csv');
    await writeFile(second, csv(title));
    const again = await cliWithEnv(['upload', second, '--profile', profile, '--json'], env);
    expect(again.err).toBe('');
    expect([0, 1]).toContain(again.status);

    const users = emu.users();
    const ids = users.map((u) => u.externalId);
    expect(ids).toHaveLength(PEOPLE);
    expect(new Set(ids).size).toBe(PEOPLE);
    const wrong = users.filter((u) => u.attributes['title'] !== title(Number(u.externalId) - 10_000));
    expect(wrong.map((u) => u.externalId).slice(0, 10), `killed after ${killAfter}, then ${killResumeAfter}`).toEqual([]);
  }, 240_000);
});
