/**
 * Issue 16 through the CLI on the built-in sandbox (its state lives in the data folder): a wrong file goes up and
 * is undone, and undoing an older run leaves a later run's changes alone. Real files, real snapshots and undo
 * records, the sandbox's own user store read back: nothing is mocked.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '@scimport/core';
import { MS, PROFILES, cliWithEnv } from './__tests__/harness';

const THOUSAND = join(MS, 'csv-with-1000-records.csv');
const WORKER_ID = 0;
const USER_ID = 3;
const FULL_NAME = 6;
const DEPARTMENT = 11;
const TITLE = 16;

/** Microsoft's sample has no quoted fields: a row is its comma-separated cells. */
class Sheet {
  constructor(
    readonly header: string,
    readonly rows: string[][],
  ) {}
  static async read(file: string): Promise<Sheet> {
    const [header, ...rows] = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l !== '');
    return new Sheet(header!, rows.map((r) => r.split(',')));
  }
  map(change: (row: string[], i: number, rows: string[][]) => string[] | undefined): Sheet {
    return new Sheet(this.header, this.rows.flatMap((r, i, all) => {
      const row = change([...r], i, all);
      return row ? [row] : [];
    }));
  }
  async write(file: string): Promise<string> {
    await writeFile(file, [this.header, ...this.rows.map((r) => r.join(','))].join('\n') + '\n');
    return file;
  }
}

interface SandboxUser {
  externalId: string;
  accountEnabled: boolean;
  attributes: Record<string, unknown>;
}
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let scratch: string;
let profile: string;
let original: Sheet;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'scimport-undo-'));
  // The sample's profile with leavers disabled, as the issue asks: a truncated file then disables people.
  const base = JSON.parse(await readFile(join(PROFILES, 'microsoft-attribute-mapping.json'), 'utf8'));
  profile = join(scratch, 'profile.json');
  await writeFile(profile, JSON.stringify({ ...base, leavers: { ...base.leavers, policy: 'disable' } }));
  original = await Sheet.read(THOUSAND);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

function env(dataDir: string) {
  return { SCIMPORT_DATA_DIR: dataDir };
}

/** The built-in sandbox's user store (written to the data folder when each command stops it). */
async function sandboxUsers(dataDir: string): Promise<Map<string, SandboxUser>> {
  const state = JSON.parse(await readFile(join(dataDir, 'sandbox', 'emulator-state.json'), 'utf8')) as { directory: { users: SandboxUser[] } };
  return new Map(state.directory.users.map((u) => [u.externalId, u]));
}
const department = (u: SandboxUser | undefined) => (u?.attributes[ENTERPRISE] as { department?: string } | undefined)?.department;

async function upload(dataDir: string, file: string, ...flags: string[]): Promise<{ runId: string; doc: Record<string, unknown> }> {
  const run = await cliWithEnv(['upload', file, '--profile', profile, '--json', ...flags], env(dataDir));
  expect([0, 1], run.err).toContain(run.status);
  const doc = JSON.parse(run.out) as Record<string, unknown>;
  return { runId: doc.runId as string, doc };
}

async function diffCounts(dataDir: string, file: string) {
  const run = await cliWithEnv(['diff', file, '--profile', profile, '--json'], env(dataDir));
  const doc = JSON.parse(run.out) as Record<string, number> & { records: { externalId: string; kind: string; retry?: boolean }[] };
  const { new: n, changed, unchanged, missing, returning, alreadyDisabled, leftOut } = doc;
  return { counts: { new: n, changed, unchanged, missing, returning, alreadyDisabled, leftOut }, records: doc.records };
}

describe('scimport undo on the built-in sandbox', () => {
  it("undoes a damaged upload of Microsoft's 1,000-row sample: everyone as before, the three it created disabled", async () => {
    const dataDir = join(scratch, 'damage');
    const first = await upload(dataDir, await original.write(join(scratch, 'original.csv')));
    const before = await sandboxUsers(dataDir);
    const baseline = await diffCounts(dataDir, join(scratch, 'original.csv'));
    // The sample is not clean: people whose manager Entra cannot resolve failed in the logs and are "changed" only
    // as retries (sent again next time). That is the state before the damage; nobody else differs from the file.
    expect(baseline.counts).toMatchObject({ new: 0, missing: 0, returning: 0 });
    expect(baseline.records.every((r) => r.kind === 'changed' && r.retry === true)).toBe(true);

    // The damaged export: the department column shifted by one row, ten active people missing, three new people.
    const removed = [...before.values()].filter((u) => u.accountEnabled).slice(0, 10).map((u) => u.externalId);
    const donor = original.rows.find((r) => before.get(r[WORKER_ID]!)?.accountEnabled)!;
    const created = ['990001', '990002', '990003'];
    const damaged = original.map((row, i, all) => (removed.includes(row[WORKER_ID]!) ? undefined : ((row[DEPARTMENT] = all[(i + 1) % all.length]![DEPARTMENT]!), row)));
    for (const id of created) {
      const row = [...donor];
      row[WORKER_ID] = id;
      row[USER_ID] = `EMP${id}`;
      row[FULL_NAME] = `New Person ${id}`;
      damaged.rows.push(row);
    }
    const damagedFile = await damaged.write(join(scratch, 'damaged.csv'));
    const wrong = await upload(dataDir, damagedFile, '--allow-mass-changes');
    const after = await sandboxUsers(dataDir);
    const shifted = [...before.keys()].filter((id) => department(before.get(id)) !== department(after.get(id)) && !removed.includes(id));
    expect(shifted.length).toBeGreaterThan(50);
    for (const id of removed) expect(after.get(id)?.accountEnabled).toBe(false);
    for (const id of created) expect(after.get(id)?.accountEnabled).toBe(true);

    // History lists both uploads as undoable.
    const listed = JSON.parse((await cliWithEnv(['history', '--json'], env(dataDir))).out) as (HistoryEntry & { undoable: boolean })[];
    expect(listed.filter((e) => e.runId === first.runId || e.runId === wrong.runId).map((e) => e.undoable)).toEqual([true, true]);

    // The preview: each group counted, the calls needed; nothing sent.
    const dry = await cliWithEnv(['undo', wrong.runId, '--dry-run'], env(dataDir));
    expect(dry.status, dry.err).toBe(0);
    expect(dry.out).toMatch(/re-enable\s+10\s/);
    expect(dry.out).toMatch(/disable\s+3\s/);
    expect(dry.out).toMatch(/Calls needed: \d+; /);
    expect(dry.out).toMatch(/Nothing was sent/);
    expect((await sandboxUsers(dataDir)).get(created[0]!)?.accountEnabled).toBe(true);

    const undo = await cliWithEnv(['undo', wrong.runId, '--json'], env(dataDir));
    expect([0, 1], undo.err).toContain(undo.status);
    const doc = JSON.parse(undo.out) as Record<string, unknown>;
    expect(doc).toMatchObject({ reenable: 10, disable: 3, conflicts: 0, dryRun: false });
    expect(doc.restore).toBeGreaterThanOrEqual(shifted.length);
    expect(doc.calls).toBe(Math.ceil(((doc.restore as number) + 13) / 50));

    // The original file against the target: what it was right after the first upload, but for the three created
    // people, who are now disabled (bulkUpload cannot delete them).
    const now = await diffCounts(dataDir, join(scratch, 'original.csv'));
    expect(now.counts).toEqual({ ...baseline.counts, alreadyDisabled: baseline.counts.alreadyDisabled! + 3 });
    expect(now.counts).toMatchObject({ new: 0, missing: 0, returning: 0 });
    expect(now.records).toEqual(baseline.records);
    const restored = await sandboxUsers(dataDir);
    for (const [id, user] of before) {
      expect(department(restored.get(id)), id).toBe(department(user));
      expect(restored.get(id)?.accountEnabled, id).toBe(user.accountEnabled);
    }
    for (const id of created) expect(restored.get(id)?.accountEnabled).toBe(false);

    // The undo is an upload in the history, marked as the undo of its run, and can be undone in turn.
    const history = JSON.parse((await cliWithEnv(['history', '--json'], env(dataDir))).out) as (HistoryEntry & { undoable: boolean })[];
    const entry = history.find((e) => e.runId === doc.undoRunId)!;
    expect(entry).toMatchObject({ undoOf: wrong.runId, outcome: expect.stringMatching(/uploaded|partial/), undoable: true });
    expect((await cliWithEnv(['history'], env(dataDir))).out).toContain(`(undo of run ${wrong.runId}, undoable)`);
  }, 240_000);

  it('undoing run A after run B changed some of its people leaves B’s changes and reports the overlap', async () => {
    const dataDir = join(scratch, 'conflict');
    await upload(dataDir, await original.write(join(scratch, 'c0.csv')));
    const people = [...(await sandboxUsers(dataDir)).keys()];
    const touched = people.slice(0, 10);
    const later = touched.slice(0, 4);
    // A: ten people move to Legal. B: four of them get a new title as well.
    const fileA = original.map((row) => (touched.includes(row[WORKER_ID]!) ? ((row[DEPARTMENT] = 'Legal'), row) : row));
    const a = await upload(dataDir, await fileA.write(join(scratch, 'a.csv')));
    const fileB = fileA.map((row) => (later.includes(row[WORKER_ID]!) ? ((row[TITLE] = 'Counsel'), row) : row));
    const b = await upload(dataDir, await fileB.write(join(scratch, 'b.csv')));

    const run = await cliWithEnv(['undo', a.runId, '--json'], env(dataDir));
    expect([0, 1], run.err).toContain(run.status);
    const doc = JSON.parse(run.out) as { restore: number; reenable: number; disable: number; conflicts: number; calls: number; conflictPeople: { externalId: string; changedBy: string }[] };
    expect(doc).toMatchObject({ restore: 6, reenable: 0, disable: 0, conflicts: 4, calls: 1 });
    expect(doc.conflictPeople.map((c) => c.externalId).sort()).toEqual([...later].sort());
    expect(doc.conflictPeople.every((c) => c.changedBy === b.runId)).toBe(true);

    const users = await sandboxUsers(dataDir);
    for (const id of later) {
      expect(department(users.get(id))).toBe('Legal');
      expect(users.get(id)?.attributes.title).toBe('Counsel');
    }
    for (const id of touched.slice(4)) expect(department(users.get(id))).not.toBe('Legal');

    // The text preview names them; --include-conflicts would send them too.
    const text = await cliWithEnv(['undo', a.runId, '--dry-run', '--include-conflicts'], env(dataDir));
    expect(text.out).toMatch(/conflicts\s+4\s+changed again by a later upload: their previous record is sent anyway/);
    expect(text.out).toContain(`externalId ${later[0]}: changed by run ${b.runId}`);
    expect(text.out).toMatch(/restore\s+4\s/);
  }, 240_000);
});
