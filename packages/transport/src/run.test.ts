import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BulkRequest, SCIM_BULK_REQUEST, SCIM_CORE_USER } from '@scimport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from './__tests__/fake-clock';
import { listRuns, newRunId, openRun, readChunk, readChunkStates, runStatus, startRun } from './run';

const target = { tenantId: 'contoso.onmicrosoft.com', servicePrincipalId: 'sp-1', jobId: 'API2AAD.abc.def' };

function bulk(from: number, count: number): BulkRequest {
  return {
    schemas: [SCIM_BULK_REQUEST],
    Operations: Array.from({ length: count }, (_, i) => ({
      method: 'POST' as const,
      bulkId: String(from + i),
      path: '/Users' as const,
      data: { schemas: [SCIM_CORE_USER], externalId: `E${from + i}`, userName: `u${from + i}@contoso.com` },
    })),
  };
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'scimport-run-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('run journal', () => {
  it('makes sortable UTC run ids', () => {
    const id = newRunId(new Date(Date.UTC(2026, 10, 22, 0, 15, 0)));
    expect(id).toMatch(/^20261122-001500-[0-9a-f]{4}$/);
    expect([newRunId(new Date(Date.UTC(2027, 0, 1))), id].sort()[0]).toBe(id);
  });

  it('creates a run from bulk requests: chunk files, manifest with bulkIds and externalIds, all pending', async () => {
    const clock = new FakeClock();
    const run = await startRun({ dataDir, target, chunks: [bulk(1, 50), bulk(51, 50), bulk(101, 7)], meta: { profile: 'hr', version: 3 }, clock });
    expect(run.id).toMatch(/^20261122-001500-/);
    expect(await readdir(path.join(run.dir, 'chunks'))).toEqual(['000001.json', '000002.json', '000003.json']);
    const manifest = JSON.parse(await readFile(path.join(run.dir, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ version: 1, id: run.id, target, meta: { profile: 'hr', version: 3 } });
    expect(manifest.chunks[2]).toEqual({ index: 3, file: '000003.json', operations: 7, bulkIds: ['101', '102', '103', '104', '105', '106', '107'], externalIds: ['E101', 'E102', 'E103', 'E104', 'E105', 'E106', 'E107'] });
    expect(await readChunk(run, 2)).toEqual(bulk(51, 50));
    expect((await readChunkStates(run)).every((s) => s.state === 'pending')).toBe(true);
    expect(await runStatus(run)).toEqual({ total: 3, pending: 3, sending: 0, accepted: 0, failed: 0 });
    const reopened = await openRun(dataDir, run.id);
    expect(reopened.manifest).toEqual(run.manifest);
    expect(await listRuns(dataDir)).toEqual([run.id]);
  });

  it('records which earlier chunks hold the managers of a chunk’s users', async () => {
    const withManager = (from: number, count: number, manager?: string): BulkRequest => {
      const request = bulk(from, count);
      if (manager) request.Operations[0]!.data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] = { manager: { value: manager } };
      return request;
    };
    const run = await startRun({ dataDir, target, chunks: [withManager(1, 2), withManager(3, 2, 'E1'), withManager(5, 2, 'E4'), withManager(7, 2, 'E99'), withManager(9, 2, 'E9')] });
    expect(run.manifest.chunks.map((c) => c.dependsOn)).toEqual([undefined, [1], [2], undefined, undefined]);
  });

  it('reads a folder of bulk files in natural order', async () => {
    const folder = path.join(dataDir, 'out');
    await mkdir(folder);
    await writeFile(path.join(folder, 'bulk-10.json'), JSON.stringify(bulk(10, 1)));
    await writeFile(path.join(folder, 'bulk-2.json'), JSON.stringify(bulk(2, 1)));
    await writeFile(path.join(folder, 'notes.txt'), 'ignored');
    const run = await startRun({ dataDir, target, chunks: folder });
    expect(run.manifest.chunks.map((c) => c.externalIds[0])).toEqual(['E2', 'E10']);
  });

  it('refuses bulk requests Entra would reject, naming the file and the operation', async () => {
    const folder = path.join(dataDir, 'bad');
    await mkdir(folder);
    const noExternalId = bulk(1, 2);
    delete (noExternalId.Operations[1]!.data as Record<string, unknown>).externalId;
    await writeFile(path.join(folder, 'a.json'), JSON.stringify(noExternalId));
    await expect(startRun({ dataDir, target, chunks: folder })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/a\.json .*operation 2 \(bulkId 2\) has no externalId/),
    });
    await expect(startRun({ dataDir, target, chunks: [bulk(1, 51)] })).rejects.toThrow(/at most 50/);
    const dup = bulk(1, 2);
    dup.Operations[1]!.bulkId = '1';
    await expect(startRun({ dataDir, target, chunks: [dup] })).rejects.toThrow(/bulkId "1" appears twice/);
    await expect(startRun({ dataDir, target: { ...target, jobId: '' }, chunks: [bulk(1, 1)] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(await listRuns(dataDir)).toEqual([]);
  });

  it('reads chunk states from the journal, over the per-chunk files of earlier versions, skipping a line torn by a crash', async () => {
    const run = await startRun({ dataDir, target, chunks: [bulk(1, 5), bulk(6, 5), bulk(11, 5), bulk(16, 5)] });
    const at = '2026-11-22T00:15:00.000Z';
    await mkdir(path.join(run.dir, 'state'));
    await writeFile(path.join(run.dir, 'state', '000001.json'), JSON.stringify({ state: 'accepted', status: 202, at, sends: 1 }));
    await writeFile(path.join(run.dir, 'state', '000002.json'), JSON.stringify({ state: 'sending', since: at, sends: 1 }));
    const lines = [
      { chunk: 2, state: 'accepted', status: 202, at, sends: 1 },
      { chunk: 3, state: 'sending', since: at, sends: 1 },
      { chunk: 3, state: 'failed', reason: 'HTTP 400', code: 'BAD_REQUEST', at, sends: 1 },
    ].map((entry) => JSON.stringify(entry));
    // The last append was cut short by a crash: its chunk was never sent, so the line must not count.
    await writeFile(path.join(run.dir, 'journal.jsonl'), `${lines.join('\n')}\n{"chunk":4,"state":"sen`);
    expect((await readChunkStates(run)).map((s) => s.state)).toEqual(['accepted', 'accepted', 'failed', 'pending']);
    expect(await runStatus(run)).toEqual({ total: 4, pending: 1, sending: 0, accepted: 2, failed: 1 });
  });

  it('says clearly when a run does not exist', async () => {
    await expect(openRun(dataDir, '20261122-001500-abcd')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    await expect(openRun(dataDir, '../../etc')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
