/**
 * Issue 14 with Microsoft's own sample1 files: employees, contractors and interns as three feeds of one
 * provisioning job, mapped by the core's real pipeline (psd1 import → transformFile → bulk files), each
 * run's snapshot saved and loaded through SnapshotStore as the CLI does.
 *
 * The files are as Microsoft ships them: WorkerIDs repeat inside each file (those rows are held back by
 * validation) and across files (196 WorkerIDs are in two or three files — conflicts from the first run).
 * sample1-AttributeMapping.Contractor.psd1 and .Intern.psd1 read columns named like the SCIM attributes
 * (externalId, givenName, …), which these CSVs do not have; the Employee mapping reads the columns the
 * three files share, so it maps all three (the first test shows why the other two cannot).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFeed, type FeedRunResult } from '../__tests__/feed-runs';
import { transformFile } from '../pipeline';
import type { Profile } from '../profile/types';
import { importPsd1 } from '../psd1';
import type { BulkRequest } from '../types';
import { diffUsers, type CurrentUser } from './diff';
import { planUpload } from './plan';
import { SnapshotStore } from './snapshot';
import { Csv, RANK, type Feed } from '../../../../test-data/sample1-feeds';

const MS = fileURLToPath(new URL('../../../../test-data/microsoft/', import.meta.url));
const read = (name: string): string => readFileSync(join(MS, name), 'utf8');
const target = { tenantId: 'woodgrove.onmicrosoft.com', jobId: 'API2AAD.sample1' };

const FILES: Record<Feed, string> = { employees: 'sample1-employeeData.csv', contractors: 'sample1-contractorData.csv', interns: 'sample1-internData.csv' };

let work: string;
let store: SnapshotStore;
let profiles: Record<Feed, Profile>;
const original = {} as Record<Feed, Csv>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'scimport-feeds-'));
  store = new SnapshotStore({ dir: join(work, 'data') });
  const { profile: employee } = importPsd1(read('sample1-AttributeMapping.Employee.psd1'), { file: 'sample1-AttributeMapping.Employee.psd1' });
  const make = (feed: Feed): Profile => ({ ...employee, name: `Woodgrove ${feed}`, feed, precedence: RANK[feed], leavers: { policy: 'disable' } });
  profiles = { employees: make('employees'), contractors: make('contractors'), interns: make('interns') };
  for (const feed of Object.keys(FILES) as Feed[]) original[feed] = Csv.of(read(FILES[feed]));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let runs = 0;
interface Mapped {
  current: CurrentUser[];
  heldBack: { externalIds: string[]; unidentified: number };
}

/** The file through the real pipeline: the bulk files it writes are the users compared. */
async function mapFile(feed: Feed, csv: Csv, profile: Profile = profiles[feed]): Promise<Mapped> {
  const dir = join(work, `run-${++runs}`);
  const input = join(work, `${feed}-${runs}.csv`);
  await writeFile(input, csv.text());
  const summary = await transformFile({ input, profile, outDir: dir, workers: 0 });
  const rowOf = new Map(summary.sent.map((s) => [s.externalId, s.row]));
  const current: CurrentUser[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.startsWith('bulk-')).sort()) {
    const request = JSON.parse(await readFile(join(dir, name), 'utf8')) as BulkRequest;
    for (const op of request.Operations) current.push({ externalId: op.data.externalId, data: op.data, row: rowOf.get(op.data.externalId)! });
  }
  return { current, heldBack: { externalIds: summary.heldBack, unidentified: summary.heldBackUnidentified } };
}

/** One upload of a feed: load the snapshot, plan, record what Entra accepted, save. */
async function upload(feed: Feed, csv: Csv, leavers: Profile['leavers'] = { policy: 'disable' }, dryRun = false): Promise<FeedRunResult & Mapped> {
  const mapped = await mapFile(feed, csv);
  const snapshot = await store.load(target);
  const result = runFeed(snapshot, { feed, precedence: RANK[feed], current: mapped.current, heldBack: mapped.heldBack, profile: { leavers }, dryRun });
  if (!dryRun && !result.plan.gate.tripped) await store.save(target, snapshot);
  return { ...result, ...mapped };
}

const ownedBy = async (feed: Feed): Promise<string[]> =>
  [...(await store.load(target)).records].filter(([, r]) => r.feed === feed).map(([id]) => id);

describe('three sample1 files as three feeds of one job', () => {
  const sentTimes = new Map<string, number>();
  const count = (r: FeedRunResult) => r.plan.operations.forEach((op) => sentTimes.set(op.data.externalId, (sentTimes.get(op.data.externalId) ?? 0) + 1));
  let interns: Csv;
  let employees: Csv;
  let contractors: Csv;

  it('cannot map the interns\' and contractors\' files with their own .psd1 (it reads other column names)', async () => {
    for (const [feed, psd1] of [['interns', 'sample1-AttributeMapping.Intern.psd1'], ['contractors', 'sample1-AttributeMapping.Contractor.psd1']] as const) {
      const { profile } = importPsd1(read(psd1), { file: psd1 });
      const summary = await transformFile({ input: join(MS, FILES[feed]), profile });
      expect(summary.operations).toBe(0);
      expect(summary.findings.some((f) => f.code === 'mapping.unknownColumn')).toBe(true);
    }
  });

  it('uploads each file in turn and disables nobody; people two files list are sent by the first-ranked one', async () => {
    const valid = {} as Record<Feed, Set<string>>;
    for (const feed of ['employees', 'contractors', 'interns'] as const) {
      const run = await upload(feed, original[feed]);
      count(run);
      valid[feed] = new Set(run.current.map((u) => u.externalId));
      expect(run.plan.disables).toEqual([]);
      expect(run.plan.gate.tripped).toBe(false);
      expect(run.plan.feed!.secondFeed).toBe(feed !== 'employees');
      expect(run.plan.feed!.conflicts.every((c) => c.winner !== feed && c.decidedBy === 'precedence')).toBe(true);
      if (feed === 'employees') expect(run.plan.feed!.conflicts).toEqual([]);
    }
    const owners = (await store.load(target)).records;
    // Every person is someone's, and the highest-ranked file that lists them (validly) owns them.
    for (const [id, record] of owners) {
      const first = (['employees', 'contractors', 'interns'] as const).find((f) => valid[f].has(id));
      expect(record.feed, id).toBe(first);
    }
    expect(owners.size).toBe(new Set([...valid.employees, ...valid.contractors, ...valid.interns]).size);
    expect([...sentTimes.values()].every((n) => n === 1)).toBe(true);

    // The same three files again: nothing sent, nobody disabled, the same people still in two files.
    for (const feed of ['employees', 'contractors', 'interns'] as const) {
      const again = await upload(feed, original[feed]);
      expect(again.sent).toEqual([]);
      expect(again.plan.feed!.secondFeed).toBe(false);
      expect(again.plan.feed!.movedIn).toEqual([]);
    }
  });

  it('disables exactly the three people removed from the interns\' file, measured against the interns\' own people', async () => {
    const owned = new Set(await ownedBy('interns'));
    const snapshot = await store.load(target);
    const candidates = original.interns.rows.map(Csv.id).filter((id) =>
      owned.has(id) && original.interns.count(id) === 1 && snapshot.records.get(id)!.data.active === true && !snapshot.records.get(id)!.claimedBy);
    const gone = candidates.slice(0, 3);
    expect(gone).toHaveLength(3);
    interns = original.interns.without(...gone);
    const activeInterns = [...owned].filter((id) => snapshot.records.get(id)!.data.active !== false).length;

    const strict = await upload('interns', interns, { policy: 'disable', maxDisablePercent: 1 }, true);
    expect(strict.plan.feed!.base).toBe(activeInterns);
    expect(strict.plan.gate.tripped).toBe(true);
    const pct = Math.floor((3 / activeInterns) * 100); // shown to as few decimals as still read above 1 %
    expect(strict.plan.gate.reasons).toEqual([
      `3 of ${activeInterns} people of the feed "interns" (${pct} %) would be disabled; the profile allows at most 1 %. If this is intended, run again with --allow-mass-changes.`,
    ]);
    expect(activeInterns).toBeLessThan(snapshot.size / 2);

    const run = await upload('interns', interns);
    expect(run.plan.gate.tripped).toBe(false);
    expect(run.plan.disables.map((d) => d.data.externalId).sort()).toEqual([...gone].sort());
    expect(run.plan.disables.every((d) => d.data.active === false && Object.keys(d.data).length === 4)).toBe(true);
    expect(run.plan.operations).toEqual([]);
    const after = await store.load(target);
    for (const id of gone) expect(after.records.get(id)).toMatchObject({ feed: 'interns', left: true, data: { active: false } });
  });

  it('hands a person removed from the interns\' file and added to the employees\' over, without disabling them', async () => {
    const owned = new Set(await ownedBy('interns'));
    const snapshot = await store.load(target);
    const id = interns.rows.map(Csv.id).find((i) =>
      owned.has(i) && interns.count(i) === 1 && original.employees.count(i) === 0 && snapshot.records.get(i)!.data.active === true && !snapshot.records.get(i)!.claimedBy)!;
    const hired = interns.row(id).replace('"Intern"', '"Employee"');
    employees = original.employees.with(hired);
    interns = interns.without(id);

    const hire = await upload('employees', employees);
    const row = employees.rows.length + 1;
    expect(hire.plan.feed!.movedIn).toEqual([{ externalId: id, from: 'interns', to: 'employees', row }]);
    // The interns' last upload still sent them: a conflict the employees' rank wins.
    expect(hire.plan.feed!.conflicts.filter((c) => c.externalId === id)).toEqual([{ externalId: id, feed: 'employees', row, other: 'interns', winner: 'employees', decidedBy: 'precedence' }]);
    expect(hire.sent).toEqual([id]);
    expect(hire.plan.operations[0]!.data).toMatchObject({ userType: 'Employee', active: true });

    const leave = await upload('interns', interns);
    expect(leave.plan.disables).toEqual([]);
    expect(leave.sent).toEqual([]);
    expect(leave.plan.feed!.movedOut).toEqual([{ externalId: id, from: 'interns', to: 'employees' }]);
    expect((await store.load(target)).records.get(id)).toMatchObject({ feed: 'employees', data: { active: true, userType: 'Employee' } });
    expect((await upload('interns', interns)).plan.feed!.movedOut).toEqual([]);
  });

  it('sends a person listed by two feeds once, with one conflict naming both feeds and the row', async () => {
    const before = await upload('contractors', original.contractors, { policy: 'disable' }, true);
    const known = new Set(before.plan.feed!.conflicts.map((c) => c.externalId));
    const owned = new Set(await ownedBy('employees'));
    const snapshot = await store.load(target);
    const id = employees.rows.map(Csv.id).find((i) =>
      owned.has(i) && employees.count(i) === 1 && original.contractors.count(i) === 0 && original.interns.count(i) === 0 && snapshot.records.get(i)!.data.active === true)!;
    contractors = original.contractors.with(employees.row(id).replace('"Employee"', '"Contractor"'));

    const run = await upload('contractors', contractors);
    const fresh = run.plan.feed!.conflicts.filter((c) => !known.has(c.externalId));
    expect(fresh).toEqual([{ externalId: id, feed: 'contractors', row: contractors.rows.length + 1, other: 'employees', winner: 'employees', decidedBy: 'precedence' }]);
    expect(run.sent).not.toContain(id);
    expect(run.plan.disables).toEqual([]);

    // The employees' next run sends nothing new for them and names the same conflict from its side.
    const owner = await upload('employees', employees);
    expect(owner.sent).not.toContain(id);
    expect(owner.plan.feed!.conflicts.filter((c) => c.externalId === id)).toMatchObject([{ other: 'contractors', winner: 'employees' }]);
    expect((await store.load(target)).records.get(id)).toMatchObject({ feed: 'employees', claimedBy: ['contractors'], data: { userType: 'Employee' } });
    // And again: still once.
    expect((await upload('contractors', contractors)).sent).not.toContain(id);
  });

  it('lets the first feed adopt a snapshot written before feeds, so a single-file user sees no change', async () => {
    const legacyStore = new SnapshotStore({ dir: join(work, 'legacy') });
    const mapped = await mapFile('employees', original.employees);
    const old = await legacyStore.load(target);
    // What scimport did before feeds: record the accepted chunks with no feed.
    old.markAccepted(mapped.current.map((u) => ({ data: u.data as never })), new Date('2025-01-01T00:00:00Z'));
    await legacyStore.save(target, old);

    const leaver = mapped.current.find((u) => u.data.active === true && original.employees.count(u.externalId) === 1)!.externalId;
    const less = await mapFile('employees', original.employees.without(leaver));
    const loaded = await legacyStore.load(target);
    const plain = diffUsers(less.current, await legacyStore.load(target));
    const plainPlan = planUpload(plain, { leavers: { policy: 'disable' } }, { heldBack: less.heldBack });
    const run = runFeed(loaded, { feed: 'employees', precedence: 1, current: less.current, heldBack: less.heldBack });
    expect(run.plan.feed).toMatchObject({ adopted: true, adoptedCount: old.size, secondFeed: false, movedIn: [], movedOut: [], conflicts: [] });
    expect(run.diff.counts).toEqual(plain.counts);
    expect(run.diff.records).toEqual(plain.records);
    expect(run.sent).toEqual([...plainPlan.operations, ...plainPlan.disables].map((op) => op.data.externalId));
    expect(run.plan.disables.map((d) => d.data.externalId)).toEqual([leaver]);
    expect(run.plan.operations).toEqual([]);
    await legacyStore.save(target, loaded);
    const adopted = await legacyStore.load(target);
    expect([...adopted.records.values()].every((r) => r.feed === 'employees')).toBe(true);
    expect(adopted.feeds.get('employees')).toMatchObject({ precedence: 1 });

    // The contractors then join without touching the employees' people.
    const join2 = runFeed(adopted, { feed: 'contractors', precedence: 2, current: (await mapFile('contractors', original.contractors)).current });
    expect(join2.plan.feed!.secondFeed).toBe(true);
    expect(join2.plan.disables).toEqual([]);
  });
});
