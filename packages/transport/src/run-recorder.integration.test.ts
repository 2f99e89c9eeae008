import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SnapshotStore } from '@scimport/core';
import type { Emulator } from '@scimport/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, clientOf, scratchDir, startTestEmulator, targetOf, users } from './__tests__/emulator';
import { RunRecorder, readAndRecordResults, sendAndRecord } from './run-recorder';
import { type Run, readChunkStates, startRun } from './run';
import { lockTarget, targetLockPath } from './target-lock';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), '__tests__', 'record-child.ts');

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  // Latency keeps the next chunk in flight when the first one has been recorded, so the kill lands mid-upload.
  emu = await startTestEmulator({ tokenLifetimeSec: 3600 * 100, faults: { latencyMs: 40 } });
  scratch = await scratchDir();
});
afterAll(async () => {
  await emu.close();
  await scratch.cleanup();
});

const storeOf = (dataDir: string) => new SnapshotStore({ dir: path.join(dataDir, 'snapshots') });

/** Runs the shared workflow in a child process and SIGKILLs it as soon as chunk 1 is recorded. */
function killAfterFirstRecorded(run: Run): Promise<{ recorded: number[]; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      SCIMPORT_TEST_CONN: JSON.stringify({ baseUrl: emu.baseUrl, caPem: emu.caCertPem, tenantId: emu.tenantId, clientId: emu.clientId, clientSecret: emu.clientSecret, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId }),
    };
    const proc = spawn(process.execPath, ['--import', 'tsx', child, run.dataDir, run.id], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const recorded: number[] = [];
    let finished = false;
    let buffer = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^recorded (\d+)$/.exec(line);
        if (m) recorded.push(Number(m[1]));
        if (line === 'done') finished = true;
        if (recorded.length > 0 && !proc.killed) proc.kill('SIGKILL');
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code, sig) => {
      if (sig !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${stderr.slice(0, 2000)}`));
      else resolve({ recorded, finished });
    });
  });
}

describe('the shared upload workflow (sendAndRecord)', () => {
  it('has a chunk in the snapshot once it is recorded: a process killed right after loses none of its people', async () => {
    emu.reset();
    const ops = users(180);
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(ops, 45), meta: { feed: 'employees' } });
    const { recorded, finished } = await killAfterFirstRecorded(run);
    expect(recorded[0]).toBe(1);
    expect(finished).toBe(false);

    const after = await storeOf(scratch.dir).load(run.manifest.target);
    const chunk1 = ops.slice(0, 45).map((op) => op.data.externalId);
    for (const id of chunk1) expect(after.records.get(id), id).toMatchObject({ feed: 'employees', data: { externalId: id } });
    const states = await readChunkStates(run);
    expect(states.filter((s) => s.state === 'accepted').length).toBeLessThan(4);

    // The killed process left its lock behind: stale (its pid is gone), so the next upload takes it over and
    // carries on; chunks accepted but not yet recorded when the kill landed are caught up from the journal.
    const lock = await lockTarget(scratch.dir, run.manifest.target);
    try {
      const recorder = await RunRecorder.open(run, { store: storeOf(scratch.dir) });
      const client = await clientOf(emu);
      try {
        await sendAndRecord(run, { client, recorder });
        const results = await readAndRecordResults(run, { client, recorder, minutes: 0.2, intervalMs: 50, logLagMs: { min: 0, max: 0 } });
        expect(results.rows.length).toBeGreaterThan(0);
      } finally {
        client.credential.close();
      }
    } finally {
      await lock.release();
    }
    const full = await storeOf(scratch.dir).load(run.manifest.target);
    expect(full.size).toBe(180);
    expect([...full.records.values()].every((r) => r.feed === 'employees')).toBe(true);
    const kept = JSON.parse(await readFile(path.join(run.dir, 'snapshot-applied.json'), 'utf8')) as { version: number; accepted: Record<string, string> };
    expect(Object.keys(kept.accepted)).toEqual(['1', '2', '3', '4']);

    // Recording again (status after the upload) changes nothing.
    const again = await RunRecorder.open(run, { store: storeOf(scratch.dir) });
    expect(await again.catchUp()).toBe(0);
  });
});

describe('the target lock', () => {
  const target = { tenantId: 'Contoso.onmicrosoft.com', jobId: 'API2AAD.lock' };

  it('refuses a second holder with a sentence, lets a waiting one in once released, and is per target', async () => {
    const first = await lockTarget(scratch.dir, target, { purpose: 'an upload' });
    await expect(lockTarget(scratch.dir, { ...target, tenantId: 'contoso.onmicrosoft.com' })).rejects.toMatchObject({
      code: 'RUN_LOCKED',
      message: expect.stringMatching(/^Another upload to tenant contoso\.onmicrosoft\.com, job API2AAD\.lock is running from this data folder: an upload by scimport \(process \d+, since .* UTC\)\. Nothing was sent; run again once it has finished/),
    });
    const other = await lockTarget(scratch.dir, { ...target, jobId: 'API2AAD.other' });
    await other.release();
    const waiting = lockTarget(scratch.dir, target, { waitMs: 5000, pollMs: 10 });
    setTimeout(() => void first.release(), 50);
    const second = await waiting;
    await second.release();
  });

  it('takes over a lock whose process is gone, but not one of a process still running', async () => {
    const file = targetLockPath(scratch.dir, target);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(file, JSON.stringify({ pid: dead.pid, host: hostname(), at: new Date().toISOString() }));
    const taken = await lockTarget(scratch.dir, target);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.release();

    // The parent of this test process is alive: its lock stands.
    await writeFile(file, JSON.stringify({ pid: process.ppid, host: hostname(), at: new Date().toISOString(), purpose: 'an upload' }));
    await expect(lockTarget(scratch.dir, target, { waitMs: 30, pollMs: 10 })).rejects.toMatchObject({ code: 'RUN_LOCKED', message: expect.stringContaining(`process ${process.ppid}`) });
  });
});
