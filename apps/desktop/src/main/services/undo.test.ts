/**
 * Issue 16 in the app's services, on the built-in sandbox: the undo preview (groups counted, conflicts named with
 * the later run, calls against today's budget, the preflight), then the undo sent as an upload and listed in the
 * history as the undo of its run. Real files, real sandbox, real snapshots: nothing is mocked.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotStore } from '@scimport/core';
import { SANDBOX_DEFAULTS } from '@scimport/emulator';
import { isBridgeError } from '../../shared/contract';
import { SAMPLE_1000, SAMPLE_PROFILE, compared, harness, until, type Harness } from '../../__tests__/services';

const DEPARTMENT = 11;
const TITLE = 16;

let h: Harness;
let header: string;
let rows: string[][];
beforeAll(async () => {
  h = await harness();
  const [head, ...lines] = (await readFile(SAMPLE_1000, 'utf8')).split(/\r?\n/).filter(Boolean);
  header = head!;
  // Twelve people with WorkerIDs and sign-in names of their own (Microsoft's sample repeats some).
  const seen = new Set<string>();
  rows = lines.map((l) => l.split(',')).filter((r) => {
    const fresh = !seen.has(r[0]!) && !seen.has(r[3]!) && lines.filter((l) => l.startsWith(`${r[0]},`)).length === 1;
    seen.add(r[0]!).add(r[3]!);
    return fresh;
  }).slice(0, 12);
});
afterAll(() => h.close());

let files = 0;
async function upload(change: (row: string[], i: number) => string[]): Promise<string> {
  const path = join(h.dataDir, `file-${++files}.csv`);
  await writeFile(path, [header, ...rows.map((r, i) => change([...r], i).join(','))].join('\n') + '\n');
  const { profile } = await h.call('profile:load', { path: SAMPLE_PROFILE });
  const diff = await compared(h, path, () => profile);
  const { uploadId } = await h.call('upload:start', { diffId: diff.diffId, allowMassChanges: true });
  const done = await until(() => h.call('upload:status', { uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results', 60_000);
  expect(done.state, done.message).toBe('done');
  return done.runId;
}

describe('Undo this upload (services)', () => {
  it('previews the undo with its groups and conflicts, sends it as an upload, and lists it as the undo of its run', async () => {
    await upload((r) => r);
    // A: six people move to Legal. B: three of them get a new title as well.
    const a = await upload((r, i) => (i < 6 ? ((r[DEPARTMENT] = 'Legal'), r) : r));
    const b = await upload((r, i) => (i < 6 ? ((r[DEPARTMENT] = 'Legal'), i < 3 ? ((r[TITLE] = 'Counsel'), r) : r) : r));

    const history = (await h.call('history:list', {})).entries;
    expect(history.filter((e) => e.runId === a || e.runId === b).map((e) => e.undoable)).toEqual([true, true]);

    const preview = await h.call('undo:preview', { runId: a });
    expect(preview).toMatchObject({ runId: a, restore: 3, reenable: 0, disable: 0, conflictsIncluded: false, people: 3, callsNeeded: 1, limit: 2000, undoneBefore: false });
    expect(preview.conflicts.map((c) => c.externalId).sort()).toEqual(rows.slice(0, 3).map((r) => r[0]).sort());
    expect(preview.conflicts.every((c) => c.changedBy === b && c.reason === 'changed')).toBe(true);
    expect(preview.callsLeftToday).toBeGreaterThan(0);
    expect(preview.preflight?.ok).toBe(true);
    // Including the conflicts is a choice made in the preview.
    expect((await h.call('undo:preview', { runId: a, includeConflicts: true })).restore).toBe(6);

    const { uploadId } = await h.call('undo:start', { undoId: preview.undoId });
    const done = await until(() => h.call('upload:status', { uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results', 60_000);
    expect(done.state, done.message).toBe('done');
    await expect(h.call('undo:start', { undoId: preview.undoId })).rejects.toSatisfy((e) => isBridgeError(e) && e.code === 'REFUSED');

    const entry = (await h.call('history:list', {})).entries[0]!;
    expect(entry).toMatchObject({ runId: done.runId, undoOf: a, outcome: expect.stringMatching(/^(uploaded|partial)$/), operations: 3, undoable: true });
    // B's changes survive; the others are back in their department.
    const snapshot = await new SnapshotStore({ dir: join(h.dataDir, 'snapshots') }).load(SANDBOX_DEFAULTS);
    for (const [i, r] of rows.slice(0, 6).entries()) {
      const data = snapshot.records.get(r[0]!)!.data as { title?: string; 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'?: { department?: string } };
      expect(data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']?.department).toBe(i < 3 ? 'Legal' : r[DEPARTMENT]);
      if (i < 3) expect(data.title).toBe('Counsel');
    }
    // Nothing is left to undo of A but the conflicts.
    expect(await h.call('undo:preview', { runId: a })).toMatchObject({ people: 0, unchanged: 3, undoneBefore: true });
  }, 120_000);

  it('refuses a run it does not know, in words', async () => {
    await expect(h.call('undo:preview', { runId: '20990101-000000-abcd' })).rejects.toSatisfy((e) => isBridgeError(e) && e.code === 'NOT_FOUND');
  });
});
