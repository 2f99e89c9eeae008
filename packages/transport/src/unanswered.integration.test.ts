/**
 * Past Entra's documented window with no result at all, a person is not "provisioned": the next upload sends them
 * again. Here the sandbox's job is paused, so it answers 202 and processes nothing (entra-docs
 * inbound-provisioning-api-issues lists a paused job as the first cause of empty logs).
 */
import path from 'node:path';
import { SnapshotStore, diffUsers, planUpload } from '@scimport/core';
import type { Emulator } from '@scimport/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, clientOf, scratchDir, startTestEmulator, targetOf, users } from './__tests__/emulator';
import { NO_RESULT_CODE, RunRecorder, readAndRecordResults, sendAndRecord } from './run-recorder';
import { startRun } from './run';

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  emu = await startTestEmulator({ tokenLifetimeSec: 3600 * 100, jobState: 'paused' });
  scratch = await scratchDir();
});
afterAll(async () => {
  await emu.close();
  await scratch.cleanup();
});

describe('people Entra never reports on', () => {
  it('wait while the results may still come, and are marked to be sent again once the documented window has passed', async () => {
    const ops = users(60);
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(ops, 30) });
    const store = new SnapshotStore({ dir: path.join(scratch.dir, 'snapshots') });
    const recorder = await RunRecorder.open(run, { store });
    const client = await clientOf(emu);
    await sendAndRecord(run, { client, recorder });

    // Within the window (a lag of 10 minutes, not yet passed): waiting, not failed.
    const early = await readAndRecordResults(run, { client, recorder, minutes: 0.001, intervalMs: 10, logLagMs: { min: 5 * 60_000, max: 10 * 60_000 } });
    expect(early).toMatchObject({ late: false, complete: false });
    expect(early.pending).toHaveLength(60);
    expect([...(await store.load(run.manifest.target)).records.values()].some((r) => r.failedAt !== undefined)).toBe(false);

    // Past the window (no lag left to wait for): not provisioned.
    const late = await readAndRecordResults(run, { client, recorder, minutes: 0.001, intervalMs: 10, logLagMs: { min: 0, max: 0 } });
    expect(late).toMatchObject({ late: true, complete: false });
    const snapshot = await store.load(run.manifest.target);
    const marked = [...snapshot.records.values()].filter((r) => r.failure?.errorCode === NO_RESULT_CODE);
    expect(marked).toHaveLength(60);

    // The next upload of the same people sends them again.
    const plan = planUpload(diffUsers(ops.map((op) => ({ externalId: op.data.externalId, data: op.data })), snapshot), {});
    expect(plan.operations.map((o) => o.data.externalId).sort()).toEqual(ops.map((o) => o.data.externalId).sort());
  });
});
