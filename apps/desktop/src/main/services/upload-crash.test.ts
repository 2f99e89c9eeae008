/**
 * The app killed in the middle of an upload (issue 14): the services' worker thread is terminated from outside — no
 * dispose, no cleanup — right after a chunk was accepted. The snapshot on disk already knows that chunk's people
 * (the shared workflow saves it per accepted chunk), and the next start carries on and records the rest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotStore, type Snapshot } from '@scimport/core';
import { SANDBOX_DEFAULTS } from '@scimport/emulator';
import { listRuns, openRun, readChunkStates } from '@scimport/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { openEnvelope, type Channel, type Request, type Response } from '../../shared/contract';
import { SAMPLE_1000, until } from '../../__tests__/services';
import { startServiceWorker, type ServiceWorker } from './host';
import { MemorySecretStore } from './secrets';

let worker: ServiceWorker | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await worker?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  worker = undefined;
  dataDir = undefined;
});

const SHORT = { sandbox: { intervalMs: 50, minutes: 1 }, tenant: { intervalMs: 50, minutes: 1 } };

async function start(dir: string) {
  // Slow replies from the sandbox keep later requests in flight when the first ones are recorded.
  const w = await startServiceWorker({ mode: 'web', version: 'test', dataDir: dir, secrets: new MemorySecretStore(), sandbox: { realisticTiming: false, faults: { latencyMs: 700 } }, poll: SHORT });
  const call = async <C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> => openEnvelope(await w.dispatch(channel, request));
  return { w, call };
}

describe('the app killed mid-upload', () => {
  it('keeps the people of every chunk recorded before the kill, and records the rest after the restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scimport-crash-'));
    const store = new SnapshotStore({ dir: join(dataDir, 'snapshots') });
    const target = { tenantId: SANDBOX_DEFAULTS.tenantId, jobId: SANDBOX_DEFAULTS.jobId };
    const load = (): Promise<Snapshot> => store.load(target);
    const { w, call } = await start(dataDir);
    worker = w;
    w.choose(SAMPLE_1000);
    const table = await call('file:open', { path: SAMPLE_1000 });
    await until(() => call('file:status', { tableId: table.tableId }), (s) => s.done);
    const { profile } = await call('profile:autoMap', { tableId: table.tableId });
    const { jobId } = await call('validate:start', { tableId: table.tableId, profile: { ...profile, feed: 'employees' } });
    await until(() => call('validate:status', { jobId }), (s) => s.state !== 'running', 60_000);
    const diff = await call('diff:compute', { jobId, target: { kind: 'sandbox' } });
    expect(diff.feed.name).toBe('employees');
    const { uploadId } = await call('upload:start', { diffId: diff.diffId });

    // As soon as the snapshot on disk holds people while requests are still being sent: kill.
    await until(
      async () => [(await load()).size, (await call('upload:status', { uploadId })).progress] as const,
      ([size, progress]) => size > 0 && progress.chunksDone < progress.chunksTotal,
      60_000,
    );
    await w.thread!.terminate();

    const [runId] = await listRuns(dataDir);
    const run = await openRun(dataDir, runId!);
    const states = await readChunkStates(run);
    const afterKill = await load();
    // Not everything was sent, yet the chunks recorded so far are whole and belong to the feed.
    expect(states.filter((s) => s.state === 'accepted').length).toBeLessThan(run.manifest.chunks.length);
    const recorded = run.manifest.chunks.filter((c) => c.externalIds.every((id) => afterKill.records.has(id)));
    expect(recorded.length).toBeGreaterThan(0);
    for (const c of recorded) expect(states[c.index - 1]?.state).toBe('accepted');
    for (const id of recorded[0]!.externalIds) expect(afterKill.records.get(id)).toMatchObject({ feed: 'employees', data: { externalId: id } });
    expect(afterKill.size).toBe(recorded.reduce((n, c) => n + c.externalIds.length, 0));

    // The app starts again: the upload carries on from its journal, and every chunk ends up in the snapshot once.
    await w.dispose();
    const again = await start(dataDir);
    worker = again.w;
    const everyone = run.manifest.chunks.flatMap((c) => c.externalIds);
    const full = await until(load, (s) => everyone.every((id) => s.records.has(id)), 60_000);
    expect(full.size).toBe(everyone.length);
    expect([...full.records.values()].every((r) => r.feed === 'employees')).toBe(true);
  });
});
