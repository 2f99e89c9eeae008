import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '@scimport/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, clientOf, comparableUsers, scratchDir, startTestEmulator, targetOf, users } from './__tests__/emulator';
import { type Run, readChunkStates, resumeRun, startRun, uploadRun } from './run';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), '__tests__', 'upload-child.ts');

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  // Some latency keeps requests in flight long enough for kills to land mid-send.
  emu = await startTestEmulator({ tokenLifetimeSec: 3600 * 100, faults: { latencyMs: 15 } });
  scratch = await scratchDir();
});
afterAll(async () => {
  await emu.close();
  await scratch.cleanup();
});

/**
 * Resume `run` in a child process and SIGKILL it right after its `killAfter`-th chunk event (sending/accepted).
 * Resolves with whether the child finished on its own.
 */
function uploadInChild(run: Run, killAfter: number): Promise<{ finished: boolean }> {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      SCIMPORT_TEST_CONN: JSON.stringify({
        baseUrl: emu.baseUrl,
        caPem: emu.caCertPem,
        tenantId: emu.tenantId,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        servicePrincipalId: emu.servicePrincipalId,
        jobId: emu.jobId,
      }),
    };
    const proc = spawn(process.execPath, ['--import', 'tsx', child, run.dataDir, run.id], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let events = 0;
    let finished = false;
    let buffer = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'done') finished = true;
        if (/^(sending|accepted) \d+$/.test(line)) events += 1;
        if (events >= killAfter && !proc.killed) proc.kill('SIGKILL');
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code, sig) => {
      if (sig !== 'SIGKILL' && code !== 0) reject(new Error(`upload child failed (${code}): ${stderr.slice(0, 2000)}`));
      else resolve({ finished });
    });
  });
}

describe('crash safety', () => {
  it('after SIGKILLs at random points, resume ends with the same tenant as a clean run and resends only chunks caught mid-send', async () => {
    const chunks = chunked(users(300), 45);
    // The reference: a clean, uninterrupted upload.
    emu.reset();
    const cleanRun = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks });
    await uploadRun(cleanRun, { client: await clientOf(emu) });
    const clean = comparableUsers(emu);
    expect(clean).toHaveLength(300);

    emu.reset();
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks });
    const chunkOfBulkId = new Map<string, number>();
    for (const c of run.manifest.chunks) for (const id of c.bulkIds) chunkOfBulkId.set(id, c.index);
    const sendsOf = (index: number, after = 0) =>
      emu.bulkCalls().filter((call) => call.status === 202 && call.at > after && chunkOfBulkId.get(call.bulkIds[0] ?? '') === index).length;

    const killPoints: number[] = [];
    const allowedExtra = new Map<number, number>();
    const checks: { killedAt: number; accepted: number[] }[] = [];
    for (let round = 0; round < 4; round += 1) {
      const killAfter = 1 + Math.floor(Math.random() * 5);
      killPoints.push(killAfter);
      const { finished } = await uploadInChild(run, killAfter);
      const killedAt = Date.now();
      if (finished) break;
      const states = await readChunkStates(run);
      // A chunk found `sending` may be sent once more by the resume: the only permitted duplicate.
      states.forEach((s, i) => {
        if (s.state === 'sending') allowedExtra.set(i + 1, (allowedExtra.get(i + 1) ?? 0) + 1);
      });
      // Give a request that was in flight at the kill time to reach the emulator before counting.
      await new Promise((r) => setTimeout(r, 50));
      const acceptedAtKill = states.flatMap((s, i) => (s.state === 'accepted' ? [i + 1] : []));
      checks.push({ killedAt: killedAt + 50, accepted: acceptedAtKill });
    }
    expect(checks.length, 'at least one upload was killed before it finished').toBeGreaterThan(0);
    const summary = await resumeRun(run.id, { client: await clientOf(emu), dataDir: scratch.dir });
    expect(summary.accepted, `kill points ${killPoints.join(',')}`).toBe(7);

    expect(comparableUsers(emu), `kill points ${killPoints.join(',')}`).toEqual(clean);
    for (const c of run.manifest.chunks) {
      const sent = sendsOf(c.index);
      expect(sent, `chunk ${c.index}, kill points ${killPoints.join(',')}`).toBeGreaterThanOrEqual(1);
      expect(sent, `chunk ${c.index} sent ${sent}×, kill points ${killPoints.join(',')}`).toBeLessThanOrEqual(1 + (allowedExtra.get(c.index) ?? 0));
    }
    // A chunk journalled as accepted is never sent again after that.
    for (const check of checks) {
      for (const index of check.accepted) expect(sendsOf(index, check.killedAt), `chunk ${index} re-sent after being accepted`).toBe(0);
    }
  });
});
