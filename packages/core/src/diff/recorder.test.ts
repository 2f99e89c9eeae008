import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCIM_CORE_USER, type BulkOperation } from '../types';
import { diffUsers } from './diff';
import { planUpload } from './plan';
import { SnapshotRecorder, type RecordedChunks } from './recorder';
import { Snapshot, SnapshotStore } from './snapshot';

const target = { tenantId: 'contoso.onmicrosoft.com', jobId: 'API2AAD.recorder' };
const user = (id: string): BulkOperation['data'] => ({ schemas: [SCIM_CORE_USER], externalId: id, userName: `${id}@contoso.com`, active: true });
const ops = (...ids: string[]) => ids.map((id) => ({ data: user(id) }));
const T1 = new Date('2025-03-01T10:00:00Z');
const T2 = new Date('2025-03-01T10:00:05Z');

let dir: string;
let store: SnapshotStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-recorder-'));
  store = new SnapshotStore({ dir });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A list of recorded chunks kept in memory, counting its saves. */
function memoryChunks() {
  const kept = { chunks: new Map<number, string>() as RecordedChunks, saves: 0 };
  return {
    kept,
    store: {
      load: async () => new Map(kept.chunks),
      save: async (c: ReadonlyMap<number, string>) => {
        kept.chunks = new Map(c);
        kept.saves += 1;
      },
    },
  };
}

describe('SnapshotRecorder', () => {
  it('saves each accepted chunk before it resolves, as the feed that sent it, and records a chunk once', async () => {
    const chunks = memoryChunks();
    const recorder = await SnapshotRecorder.open({ store, target, feed: 'Employees', recorded: chunks.store });
    expect(await recorder.accepted(1, ops('a', 'b'), T1)).toBe(2);
    // On disk already: a process killed now loses nothing.
    const onDisk = await store.load(target);
    expect([...onDisk.records.keys()]).toEqual(['a', 'b']);
    expect(onDisk.records.get('a')).toMatchObject({ feed: 'employees', acceptedAt: T1.toISOString() });
    expect(chunks.kept.chunks).toEqual(new Map([[1, T1.toISOString()]]));

    // The same acceptance again (a status after an upload, a restart): nothing recorded twice.
    expect(await recorder.accepted(1, ops('a', 'b'), T1)).toBe(0);
    // The same chunk accepted again later (resent after a job restart dropped it) is recorded again.
    expect(await recorder.accepted(1, ops('a', 'b'), T2)).toBe(2);
    const reopened = await SnapshotRecorder.open({ store, target, recorded: chunks.store });
    expect(reopened.isRecorded(1, T2)).toBe(true);
    expect(reopened.isRecorded(1, T1)).toBe(false);
  });

  it('shares one save among chunks accepted while a save is under way, and resolves none before its own change is saved', async () => {
    let saves = 0;
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      load: (t: typeof target) => store.load(t),
      save: async (t: typeof target, s: Snapshot) => {
        saves += 1;
        sizes.push(s.size);
        if (saves === 1) await gate;
        await store.save(t, s);
      },
    };
    const recorder = await SnapshotRecorder.open({ store: slow, target, feed: 'employees' });
    const first = recorder.accepted(1, ops('a'), T1);
    const resolved: number[] = [];
    const rest = [2, 3, 4].map((n) => recorder.accepted(n, ops(`p${n}`), T1).then(() => resolved.push(n)));
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toEqual([]);
    release();
    await Promise.all([first, ...rest]);
    // The first save held one person; the three chunks that arrived meanwhile went out together.
    expect(sizes).toEqual([1, 4]);
    expect((await store.load(target)).size).toBe(4);
  });

  it("records a feed's run only when it changes something, and marks failures with their reasons", async () => {
    const recorder = await SnapshotRecorder.open({ store, target, feed: 'interns' });
    await recorder.accepted(1, ops('a', 'b'), T1);
    const path = store.pathFor(target);
    const before = (await stat(path)).mtimeMs;
    const diff = diffUsers([{ externalId: 'a', data: user('a') }, { externalId: 'b', data: user('b') }], recorder.snapshot, { feed: 'interns' });
    const plan = planUpload(diff, { leavers: { policy: 'disable' } }, { feed: 'interns' });
    expect(await recorder.feedRun(plan.feed!)).toBe(0);
    expect((await stat(path)).mtimeMs).toBe(before);

    // Another feed lists "a" and wins: the hand-over is saved before anything is sent.
    const other = await SnapshotRecorder.open({ store, target, feed: 'employees' });
    const hire = planUpload(diffUsers([{ externalId: 'a', data: user('a'), row: 2 }], other.snapshot, { feed: 'employees', precedence: 1 }), { leavers: { policy: 'disable' } }, { feed: 'employees' });
    expect(hire.feed!.movedIn).toEqual([{ externalId: 'a', from: 'interns', to: 'employees', row: 2 }]);
    expect(await other.feedRun(hire.feed!, T2)).toBe(1);
    expect((await store.load(target)).records.get('a')).toMatchObject({ feed: 'employees', movedFrom: 'interns' });

    expect(await other.failed([{ externalId: 'b', errorCode: 'UnableToResolveReferenceAttributeValue', reason: 'manager 9 unknown' }], T2)).toBe(1);
    expect((await store.load(target)).records.get('b')).toMatchObject({ failedAt: T2.toISOString(), failure: { reason: 'manager 9 unknown' }, feed: 'interns' });
  });

  it('fails the caller whose save failed, and saves everything with the next change', async () => {
    let fail = true;
    const flaky = {
      load: (t: typeof target) => store.load(t),
      save: async (t: typeof target, s: Snapshot) => {
        if (fail) throw new Error('disk full');
        await store.save(t, s);
      },
    };
    const recorder = await SnapshotRecorder.open({ store: flaky, target });
    await expect(recorder.accepted(1, ops('a'), T1)).rejects.toThrow('disk full');
    fail = false;
    await recorder.flush();
    expect((await store.load(target)).size).toBe(1);
  });
});
