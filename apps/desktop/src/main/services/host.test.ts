import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { openEnvelope, type Channel, type Request, type Response } from '../../shared/contract';
import { SAMPLE_CSV, until } from '../../__tests__/services';
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

async function start(secrets = new MemorySecretStore()) {
  dataDir = await mkdtemp(join(tmpdir(), 'scimport-worker-'));
  worker = await startServiceWorker({ mode: 'web', version: 'test', dataDir, secrets });
  const w = worker;
  const call = async <C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> => openEnvelope(await w.dispatch(channel, request));
  return { worker: w, call, secrets, dataDir };
}

describe('the services on a worker thread', () => {
  it('answers through the worker: results, errors as data, secrets kept by the host', async () => {
    const { worker: w, call, secrets } = await start();
    expect(w.thread?.threadId).toBeGreaterThan(threadId);
    expect(await call('app:info', {})).toMatchObject({ mode: 'web', version: 'test' });
    // A path the page names is opened only once the person chose it (a drop, reported by the host).
    expect(await w.dispatch('file:open', { path: SAMPLE_CSV })).toMatchObject({ ok: false, error: { code: 'REFUSED' } });
    w.choose(SAMPLE_CSV);
    const table = await call('file:open', { path: SAMPLE_CSV });
    expect(table.columns.map((c) => c.header)).toContain('WorkerID');
    expect(await w.dispatch('fs:readFile', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await w.dispatch('file:open', { path: 42 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await w.dispatch('dialog:openFile', { purpose: 'table' })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });

    // The secret lives in the host's store (the OS keychain in the app); the worker only asks for it.
    await call('secrets:set', { tenantId: 'T1', clientId: 'C1', secret: 'a-long-client-secret-value' });
    expect(await secrets.get('client-secret:t1:c1')).toBe('a-long-client-secret-value');
    expect(await call('secrets:has', { tenantId: 't1', clientId: 'c1' })).toEqual({ present: true });
    expect(await call('secrets:delete', { tenantId: 't1', clientId: 'c1' })).toEqual({ deleted: true });
    expect(await secrets.get('client-secret:t1:c1')).toBeUndefined();
  });

  it('answers a cheap request while a long check of a large file is still running', async () => {
    const { call, dataDir: dir, worker: w } = await start();
    const path = join(dir, 'staff.csv');
    w.choose(path);
    const lines = ['WorkerID,FirstName,LastName,UserID,WorkerStatus'];
    for (let i = 0; i < 60_000; i++) lines.push(`${100000 + i},Ana${i},Lima,ana.lima${i},Active`);
    await writeFile(path, lines.join('\n'));
    const table = await call('file:open', { path });
    await until(() => call('file:status', { tableId: table.tableId }), (s) => s.done, 60_000);
    const { profile } = await call('profile:autoMap', { tableId: table.tableId });
    const { jobId } = await call('validate:start', { tableId: table.tableId, profile });
    // Cheap requests come back while the check is under way: it is not holding the services' thread either.
    const [info, status] = await Promise.all([call('app:info', {}), call('validate:status', { jobId })]);
    expect(info.mode).toBe('web');
    expect(status.state).toBe('running');
    const cancelled = await call('validate:cancel', { jobId });
    expect(cancelled.cancelled).toBe(true);
  });

  it('starts a fresh worker when the old one died', async () => {
    const { worker: w, call } = await start();
    const first = w.thread!;
    // Ending the thread from outside stands in for a crash.
    await first.terminate();
    expect((await call('app:info', {})).mode).toBe('web');
    expect(w.thread?.threadId).not.toBe(first.threadId);
  });
});
