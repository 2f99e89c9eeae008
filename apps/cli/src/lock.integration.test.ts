/**
 * Two `scimport upload`s to one target at the same time (issue 14): two real processes, the emulator over HTTPS.
 * One runs; the other refuses with a sentence before it reads the snapshot, so the snapshot afterwards is what one
 * upload followed by a second of the same file (which sends nothing) leaves.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Snapshot, SnapshotStore } from '@scimport/core';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { MS, PROFILES, REPO, cliWithEnv } from './__tests__/harness';

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');
const FILE = join(MS, 'csv-with-1000-records.csv');
const run = promisify(execFile);

let emu: Emulator;
let scratch: string;
let ca: string;
beforeAll(async () => {
  emu = await startEmulator({ tokenLifetimeSec: 3600 * 100 });
  scratch = await mkdtemp(join(tmpdir(), 'scimport-lock-'));
  ca = join(scratch, 'ca.pem');
  await writeFile(ca, emu.caCertPem);
});
afterAll(async () => {
  await emu.close();
  await rm(scratch, { recursive: true, force: true });
});

const envOf = (dataDir: string) => ({ SCIMPORT_DATA_DIR: dataDir, SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: ca, SCIMPORT_CLIENT_SECRET: emu.clientSecret, SCIMPORT_SANDBOX_TIME_SCALE: 'off' });

/** `scimport upload` as its own process, as a scheduler would start it. */
async function uploadProcess(dataDir: string): Promise<{ code: number; out: string; err: string }> {
  const result = await run(process.execPath, ['--import', 'tsx', join(REPO, 'apps/cli/src/main.ts'), 'upload', FILE, '--profile', PROFILE, '--json'], {
    cwd: REPO,
    env: { ...process.env, ...envOf(dataDir) },
  }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
  return result;
}

/** A snapshot's content without the times of acceptance (they differ between any two uploads). */
function content(snapshot: Snapshot): unknown {
  return {
    records: [...snapshot.records].map(([id, r]) => [id, r.hash, r.data, r.feed ?? null, r.failedAt !== undefined, r.failure ?? null]).sort(),
    feeds: [...snapshot.feeds].map(([name, info]) => [name, info.precedence ?? null]),
  };
}

/** An empty sandbox whose job schema knows the profile's custom attributes. */
async function fresh(dataDir: string): Promise<void> {
  emu.reset();
  expect((await cliWithEnv(['schema', 'push', '--profile', PROFILE], envOf(dataDir))).status).toBe(0);
}

const load = (dataDir: string) => new SnapshotStore({ dir: join(dataDir, 'snapshots') }).load({ tenantId: emu.tenantId, jobId: emu.jobId });

describe('two uploads to one target at once', () => {
  it('runs one and refuses the other with a sentence; the snapshot equals a sequential run', async () => {
    const together = join(scratch, 'together');
    await fresh(together);
    // Slow replies keep the first upload holding the lock while the second starts.
    emu.setFaults({ latencyMs: 400 });
    const [a, b] = await Promise.all([uploadProcess(together), uploadProcess(together)]);
    emu.setFaults({});
    const [ran, refused] = a.code === 2 ? [b, a] : [a, b];
    // 1: the file has rows left out; the run itself went through.
    expect(ran.code, ran.err).toBe(1);
    expect(JSON.parse(ran.out)).toMatchObject({ requests: 8, acceptedRequests: 8 });
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toMatch(
      new RegExp(`^scimport: Another upload to tenant ${emu.tenantId}, job ${emu.jobId.replace(/\./g, '\\.')} is running from this data folder: an upload by scimport \\(process \\d+, since \\d\\d:\\d\\d:\\d\\d UTC\\)\\. Nothing was sent; run again once it has finished`),
    );
    // The refused upload created no run and did not touch the lock of the one that ran (it is gone with it).
    expect(JSON.parse((await cliWithEnv(['runs', '--json'], envOf(together))).out)).toHaveLength(1);

    const sequential = join(scratch, 'sequential');
    await fresh(sequential);
    expect((await cliWithEnv(['upload', FILE, '--profile', PROFILE, '--json'], envOf(sequential))).status).toBe(1);
    const second = await cliWithEnv(['upload', FILE, '--profile', PROFILE], envOf(sequential));
    expect(second.out).toContain('nothing sent');
    expect(content(await load(together))).toEqual(content(await load(sequential)));
  });
});
