import type { Emulator } from '@scimport/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunked, clientOf, comparableUsers, scratchDir, startTestEmulator, targetOf, users } from './__tests__/emulator';
import type { PacerOptions } from './pacer';
import { type UploadOptions, readChunkStates, startRun, uploadRun } from './run';

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
let cleanUsers: unknown[];

async function uploadAll(pacer: PacerOptions = {}, onProgress?: UploadOptions['onProgress']) {
  const client = await clientOf(emu, { pacer });
  const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(300), 45) });
  const summary = await uploadRun(run, { client, ...(onProgress ? { onProgress } : {}) });
  const states = await readChunkStates(run);
  return { summary, states, client };
}

beforeAll(async () => {
  // Long-lived tokens, so that a 401 comes from expireTokensNow and not from MSAL renewing early.
  emu = await startTestEmulator({ tokenLifetimeSec: 3600 * 100 });
  scratch = await scratchDir();
  await uploadAll();
  cleanUsers = comparableUsers(emu);
  await scratch.cleanup();
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  emu.setFaults({});
  scratch = await scratchDir();
});
afterEach(() => scratch.cleanup());

describe('surviving a bad day at Entra', () => {
  it('waits out a 429 storm, honouring Retry-After for the whole pacer', async () => {
    emu.setFaults({ throttleStorm: { calls: 6, retryAfterSeconds: 5 } });
    const { summary } = await uploadAll({ concurrency: 1 });
    expect(summary.accepted).toBe(7);
    expect(summary.throttles).toBe(6);
    const calls = emu.bulkCalls();
    expect(calls.filter((c) => c.status === 429)).toHaveLength(6);
    // After each 429 nothing is sent until its Retry-After (5 s at 100× = 50 ms) has passed.
    for (let i = 0; i < calls.length - 1; i += 1) {
      if (calls[i]!.status === 429) expect(calls[i + 1]!.at - calls[i]!.at).toBeGreaterThanOrEqual(49);
    }
    expect(comparableUsers(emu)).toEqual(cleanUsers);
    emu.reset();
    emu.setFaults({ throttleStorm: { calls: 10, retryAfterSeconds: 2 } });
    expect((await uploadAll({ concurrency: 4 })).summary.accepted).toBe(7);
    expect(comparableUsers(emu)).toEqual(cleanUsers);
  });

  it('retries through bursts of 500 and 503', async () => {
    emu.setFaults({ failNextCalls: { status: 503, count: 3 } });
    const a = await uploadAll();
    expect(a.summary.accepted).toBe(7);
    expect(a.summary.retries).toBeGreaterThanOrEqual(3);
    emu.reset();
    emu.setFaults({ failNextCalls: { status: 500, count: 4 } });
    const b = await uploadAll();
    expect(b.summary.accepted).toBe(7);
    expect(emu.bulkCalls().filter((c) => c.status === 500)).toHaveLength(4);
    expect(comparableUsers(emu)).toEqual(cleanUsers);
  });

  it('gives up with SERVER_ERROR when the outage outlasts maxAttempts, and the run resumes later', async () => {
    emu.setFaults({ failNextCalls: { status: 500, count: 1000 } });
    const client = await clientOf(emu, { pacer: { maxAttempts: 3, concurrency: 1 } });
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(300), 45) });
    await expect(uploadRun(run, { client })).rejects.toMatchObject({ code: 'SERVER_ERROR', details: { chunk: 1, retryable: true } });
    expect(emu.bulkCalls()).toHaveLength(3);
    emu.setFaults({});
    const summary = await uploadRun(run, { client });
    expect(summary.accepted).toBe(7);
    expect(comparableUsers(emu)).toEqual(cleanUsers);
  });

  it('retries connection resets', async () => {
    emu.setFaults({ resetRate: 0.3, seed: 7 });
    const { summary } = await uploadAll({ maxAttempts: 10 });
    expect(summary.accepted).toBe(7);
    expect(emu.bulkCalls().filter((c) => c.status === 0).length).toBeGreaterThan(0);
    expect(summary.retries).toBe(emu.bulkCalls().filter((c) => c.status === 0).length);
    expect(comparableUsers(emu)).toEqual(cleanUsers);
  });

  it('refreshes the token once when it expires in the middle of a run', async () => {
    let expired = false;
    const { summary, client } = await uploadAll({ concurrency: 1 }, (p) => {
      if (!expired && p.chunksDone === 3) {
        expired = true;
        emu.setFaults({ expireTokensNow: true });
      }
    });
    expect(summary.accepted).toBe(7);
    expect(client.pacer.stats().tokenRefreshes).toBeGreaterThanOrEqual(1);
    expect(emu.bulkCalls().filter((c) => c.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(comparableUsers(emu)).toEqual(cleanUsers);
  });

  it('stays inside the 40-calls-per-5-seconds window on its own (no 429 from the window)', async () => {
    const client = await clientOf(emu, { pacer: { concurrency: 8 } });
    const ops = users(1200, 'W');
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(ops, 20) }); // 60 calls, more than one window's worth
    const summary = await uploadRun(run, { client });
    expect(summary.accepted).toBe(60);
    expect(summary.throttles).toBe(0);
    expect(emu.bulkCalls().every((c) => c.status === 202)).toBe(true);
  });
});
