import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER, type BulkOperation } from '../types';
import { disablePayload } from '../diff/plan';
import { SnapshotRecorder } from '../diff/recorder';
import { SnapshotStore } from '../diff/snapshot';
import { appendHistory } from '../history/history';
import { planUndo } from './plan';
import { UndoStore, readUndoRetention, writeUndoRetention } from './store';
import { prepareUndo, undoableRuns } from './undo';

const target = { tenantId: 'contoso.onmicrosoft.com', jobId: 'API2AAD.undo' };
const user = (id: string, department: string, active = true): BulkOperation['data'] =>
  ({ schemas: [SCIM_CORE_USER, SCIM_ENTERPRISE_USER], externalId: id, userName: `${id}@contoso.com`, active, department }) as BulkOperation['data'];
const T = (s: number) => new Date(Date.UTC(2025, 2, 1, 10, 0, s));

let dataDir: string;
let snapshots: SnapshotStore;
let undo: UndoStore;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'scimport-undo-'));
  snapshots = new SnapshotStore({ dir: join(dataDir, 'snapshots'), key: randomBytes(32) });
  undo = new UndoStore(snapshots, dataDir);
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

/** One upload as the shared workflow records it: each chunk accepted through a recorder keeping the run's undo record. */
async function run(runId: string, chunks: BulkOperation['data'][][], at = 0): Promise<void> {
  const recorder = await SnapshotRecorder.open({ store: snapshots, target, feed: 'hr', undo: undo.capture(runId, target) });
  for (const [i, chunk] of chunks.entries()) await recorder.accepted(i + 1, chunk.map((data) => ({ data })), T(at + i));
  await appendHistory(dataDir, { runId, startedAt: T(at).toISOString(), profile: { name: 'p', version: 1 }, target, calls: chunks.length, outcome: 'uploaded' });
}

describe('undo records', () => {
  it('keep each person as they were before the run, encrypted and owner-only, once per run', async () => {
    await run('base', [[user('1', 'Sales'), user('2', 'Sales'), user('3', 'IT')]]);
    // The damaged run: 1 changed, 2 disabled as a leaver, 4 created; 1 is sent again in a later chunk (a resend).
    await run('damage', [[user('1', 'Marketing'), disablePayload(user('2', 'Sales'), '2'), user('4', 'IT')], [user('1', 'Finance')]], 10);
    const record = await undo.load('damage', target);
    expect(record?.people.get('1')?.before?.data).toMatchObject({ department: 'Sales' });
    expect(record?.people.get('2')?.before?.data).toMatchObject({ active: true, department: 'Sales' });
    expect(record?.people.get('4')?.before).toBeNull();
    const file = undo.pathFor('damage');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file)).includes(Buffer.from('Sales'))).toBe(false);
    // Another key cannot read it.
    await expect(new UndoStore(new SnapshotStore({ dir: join(dataDir, 'snapshots'), key: randomBytes(32) }), dataDir).load('damage', target)).rejects.toMatchObject({ code: 'SNAPSHOT_UNREADABLE' });
  });

  it('plan: changed people restored, disabled ones re-enabled, created ones disabled', async () => {
    await run('base', [[user('1', 'Sales'), user('2', 'Sales'), user('3', 'IT')]]);
    await run('damage', [[user('1', 'Marketing'), disablePayload(user('2', 'Sales'), '2'), user('4', 'IT')]], 10);
    const { plan } = await prepareUndo({ dataDir, snapshots, runId: 'damage' });
    expect(plan.restore.map((o) => o.data)).toEqual([expect.objectContaining({ externalId: '1', department: 'Sales' })]);
    expect(plan.reenable.map((o) => o.data)).toEqual([expect.objectContaining({ externalId: '2', department: 'Sales', active: true })]);
    expect(plan.disable.map((o) => o.data)).toEqual([{ schemas: expect.any(Array), externalId: '4', userName: '4@contoso.com', active: false }]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.calls).toBe(1);

    // The undo is itself an upload with its own record; afterwards everyone is as before and nothing is left to undo.
    await run('undo-1', [plan.operations.map((o) => o.data)], 20);
    const snap = await snapshots.load(target);
    expect(snap.records.get('1')?.data).toMatchObject({ department: 'Sales' });
    expect(snap.records.get('2')?.data).toMatchObject({ active: true, department: 'Sales' });
    expect(snap.records.get('4')?.data.active).toBe(false);
    const again = await prepareUndo({ dataDir, snapshots, runId: 'damage' });
    expect(again.plan.operations).toEqual([]);
    expect(again.plan.conflicts).toEqual([]);
    expect(again.plan.unchanged.sort()).toEqual(['1', '2', '4']);
    // Undoing the undo brings the damage back.
    const redo = await prepareUndo({ dataDir, snapshots, runId: 'undo-1' });
    // 2's previous record is the disabled one: sent again, it disables them again.
    expect(redo.plan.restore.map((o) => [o.data.externalId, o.data.active])).toEqual([['1', true], ['2', false]]);
    expect(redo.plan.reenable.map((o) => o.data.externalId)).toEqual(['4']);
  });

  it('people a later run changed are conflicts, left alone unless included', async () => {
    await run('A', [[user('1', 'Sales'), user('2', 'Sales')]]);
    await run('B', [[user('1', 'Legal')]], 10);
    const { plan } = await prepareUndo({ dataDir, snapshots, runId: 'A' });
    expect(plan.conflicts).toEqual([{ externalId: '1', reason: 'changed', changedBy: 'B' }]);
    expect(plan.disable.map((o) => o.data.externalId)).toEqual(['2']);
    const included = planUndo((await undo.load('A', target))!, await snapshots.load(target), { includeConflicts: true });
    expect(included.disable.map((o) => o.data.externalId).sort()).toEqual(['1', '2']);
  });

  it('retention: kept for the days the data folder sets (30 by default), older records removed', async () => {
    expect(await readUndoRetention(undo.dir)).toBe(30);
    await run('old', [[user('1', 'Sales')]]);
    await writeUndoRetention(undo.dir, 7);
    expect(await readUndoRetention(undo.dir)).toBe(7);
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await utimes(undo.pathFor('old'), eightDaysAgo, eightDaysAgo);
    expect(await undoableRuns(dataDir, snapshots)).toEqual(new Set());
    await run('new', [[user('2', 'Sales')]], 10);
    expect(await undoableRuns(dataDir, snapshots)).toEqual(new Set(['new']));
    await expect(stat(undo.pathFor('old'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(prepareUndo({ dataDir, snapshots, runId: 'old' })).rejects.toMatchObject({ code: 'UNDO_UNAVAILABLE' });
    await expect(writeUndoRetention(undo.dir, 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
