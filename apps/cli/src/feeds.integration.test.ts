/**
 * Issue 14, done-when, through the CLI: Microsoft's three sample1 files as three feeds of one sandbox job (the
 * emulator over HTTPS, real MSAL sign-in, real snapshots in the data folder).
 *
 * The profiles are imported from the .psd1 with `scimport profile import-psd1`. All three use the Employee mapping
 * (sample1-AttributeMapping.Employee.psd1) with three different `feed` names: the Contractor and Intern mappings
 * read columns named like the SCIM attributes (externalId, givenName, …) that these CSVs lack, so they map no row
 * (core's feeds.microsoft.test.ts shows it), while the Employee mapping reads the columns the three files share.
 * The files are as Microsoft ships them: WorkerIDs repeat inside each file (those rows are left out, exit 1) and
 * across files (people in two files: conflicts from the first run, decided by `precedence`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HistoryEntry, SnapshotStore, bulkIdFor } from '@scimport/core';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { MS, cliWithEnv } from './__tests__/harness';
import { Csv, FEEDS, type Feed, feedProfile } from '../../../test-data/sample1-feeds';

const scimport = cliWithEnv;

let scratch: string;
let dataDir: string;
let emu: Emulator;
let env: Record<string, string>;
const profiles = {} as Record<Feed, string>;
const original = {} as Record<Feed, Csv>;

beforeAll(async () => {
  emu = await startEmulator({ tokenLifetimeSec: 3600 * 100 });
  scratch = await mkdtemp(join(tmpdir(), 'scimport-feeds-'));
  dataDir = join(scratch, 'data');
  const ca = join(scratch, 'ca.pem');
  await writeFile(ca, emu.caCertPem);
  env = { SCIMPORT_DATA_DIR: dataDir, SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: ca, SCIMPORT_CLIENT_SECRET: emu.clientSecret };
  const imported = join(scratch, 'employee.json');
  const made = await scimport(['profile', 'import-psd1', join(MS, 'sample1-AttributeMapping.Employee.psd1'), '--out', imported], env);
  expect(made.status, made.err).toBe(0);
  const base = JSON.parse(await readFile(imported, 'utf8'));
  for (const feed of FEEDS) {
    profiles[feed] = join(scratch, `${feed}.json`);
    await writeFile(profiles[feed], JSON.stringify(feedProfile(base, feed)));
    original[feed] = Csv.of(await readFile(join(MS, `sample1-${feed === 'employees' ? 'employee' : feed === 'contractors' ? 'contractor' : 'intern'}Data.csv`), 'utf8'));
  }
  expect((await scimport(['schema', 'push', '--profile', profiles.employees], env)).status).toBe(0);
});
afterAll(async () => {
  await emu.close();
  await rm(scratch, { recursive: true, force: true });
});

let files = 0;
async function fileOf(csv: Csv): Promise<string> {
  const path = join(scratch, `file-${++files}.csv`);
  await writeFile(path, csv.text());
  return path;
}

async function upload(feed: Feed, csv: Csv, profile = profiles[feed]) {
  const from = emu.bulkCalls().length;
  const run = await scimport(['upload', await fileOf(csv), '--profile', profile, '--json'], env);
  // 1: rows left out (WorkerIDs repeated inside the file); never 2 (refused) or worse.
  expect([0, 1], run.err).toContain(run.status);
  const history = JSON.parse((await scimport(['history', '--json'], env)).out) as HistoryEntry[];
  const sent = emu.bulkCalls().slice(from).flatMap((c) => c.bulkIds);
  return { doc: JSON.parse(run.out) as Record<string, unknown>, entry: history[history.length - 1]!, sent };
}

async function diff(feed: Feed, csv: Csv, profile = profiles[feed]) {
  const run = await scimport(['diff', await fileOf(csv), '--profile', profile, '--json'], env);
  return JSON.parse(run.out) as {
    feed: { name: string; base: number; secondFeed: boolean; adopted: boolean; conflicts: { externalId: string; feed: string; row?: number; other: string; winner: string; decidedBy: string }[]; messages: string[] };
    movedIn: { externalId: string; from?: string; to: string; row?: number }[];
    movedOut: { externalId: string; from?: string; to: string; handover?: boolean }[];
    disables: number;
    operations: number;
    gate: { tripped: boolean; reasons: string[] };
  };
}

/** `sent` (bulkIds) but the people of `except` that are not people of `feed` whose last upload failed in `snap`. */
function notRetries(snap: Awaited<ReturnType<typeof snapshot>>, feed: Feed, sent: string[], except: string[]): string[] {
  const failed = new Set([...snap.records].filter(([, r]) => r.feed === feed && r.failedAt !== undefined).map(([id]) => bulkIdFor(id)));
  const skip = new Set(except.map((id) => bulkIdFor(id)));
  return sent.filter((b) => !skip.has(b) && !failed.has(b));
}

const snapshot = () => new SnapshotStore({ dir: join(dataDir, 'snapshots') }).load({ tenantId: emu.tenantId, jobId: emu.jobId });
const userOf = (id: string) => emu.users().find((u) => u.externalId === id);

describe('three sample1 files as three feeds of one sandbox job, through the CLI', () => {
  let interns: Csv;
  let employees: Csv;

  it('uploads each file in turn and disables nobody', async () => {
    for (const feed of FEEDS) {
      const before = await diff(feed, original[feed]);
      expect(before.feed.name).toBe(feed);
      expect(before.feed.secondFeed).toBe(feed !== 'employees');
      expect(before.disables).toBe(0);
      if (feed === 'contractors') {
        // In words: the feed, the note about one provisioning app per source (once), each conflict.
        const text = (await scimport(['diff', await fileOf(original[feed]), '--profile', profiles[feed]], env)).out;
        expect(text).toContain('Feed: "contractors".');
        expect(text.split('Microsoft also supports one provisioning app per HR source')).toHaveLength(2);
        expect(text).toMatch(/is listed by the feed "contractors" \(row \d+\) and by the feed "employees"\. Only "employees" sends this person, because its profile ranks first/);
      }
      const { entry } = await upload(feed, original[feed]);
      expect(entry).toMatchObject({ feed, disables: 0 });
      expect(['uploaded', 'partial']).toContain(entry.outcome);
    }
    // Nobody is inactive in Entra but the people the files themselves list as inactive.
    const snap = await snapshot();
    for (const user of emu.users()) expect(user.accountEnabled, user.externalId).toBe(snap.records.get(user.externalId)!.data.active !== false);
    expect(new Set([...snap.records.values()].map((r) => r.feed))).toEqual(new Set(FEEDS));
  });

  it("disables exactly the three people removed from the interns' file, measured against the interns' feed", async () => {
    const snap = await snapshot();
    const gone = original.interns.rows
      .map(Csv.id)
      .filter((id) => original.interns.count(id) === 1 && snap.records.get(id)?.feed === 'interns' && snap.records.get(id)!.data.active === true && !snap.records.get(id)!.claimedBy)
      .slice(0, 3);
    expect(gone).toHaveLength(3);
    interns = original.interns.without(...gone);
    // The gate's base: the interns' own people the last uploads left active, or whose last upload failed (Entra
    // may still hold them active; the sandbox fails people whose manager it does not know, as Entra does).
    const activeInterns = [...snap.records.values()].filter((r) => r.feed === 'interns' && (r.data.active !== false || r.failedAt !== undefined)).length;

    // A strict profile: the gate counts 3 of the interns' own people, not of everyone in the job.
    const strict = join(scratch, 'interns-strict.json');
    const base = JSON.parse(await readFile(profiles.interns, 'utf8'));
    await writeFile(strict, JSON.stringify({ ...base, leavers: { policy: 'disable', maxDisablePercent: 1 } }));
    const measured = await diff('interns', interns, strict);
    expect(measured.feed.base).toBe(activeInterns);
    expect(activeInterns).toBeLessThan(snap.size / 2);
    expect(measured.gate.reasons).toEqual([
      `3 of ${activeInterns} people of the feed "interns" (${Math.floor((3 / activeInterns) * 100)} %) would be disabled; the profile allows at most 1 %. If this is intended, run again with --allow-mass-changes.`,
    ]);

    const { entry, sent } = await upload('interns', interns);
    expect(entry).toMatchObject({ feed: 'interns', disables: 3 });
    // Besides the three disables, only interns whose last upload failed are sent (again).
    expect(sent.filter((b) => gone.some((id) => bulkIdFor(id) === b)).sort()).toEqual(gone.map((id) => bulkIdFor(id)).sort());
    expect(notRetries(snap, 'interns', sent, gone)).toEqual([]);
    for (const id of gone) expect(userOf(id)?.accountEnabled, id).toBe(false);
    const after = await snapshot();
    for (const id of gone) expect(after.records.get(id)).toMatchObject({ feed: 'interns', left: true, data: { active: false } });
  });

  it("hands a person removed from the interns' file and added to the employees' over, without disabling them", async () => {
    const snap = await snapshot();
    const id = interns.rows.map(Csv.id).find((i) => interns.count(i) === 1 && original.employees.count(i) === 0 && snap.records.get(i)?.feed === 'interns' && snap.records.get(i)!.data.active === true && !snap.records.get(i)!.claimedBy)!;
    employees = original.employees.with(interns.row(id).replace('"Intern"', '"Employee"'));
    interns = interns.without(id);

    const hire = await diff('employees', employees);
    expect(hire.movedIn).toEqual([{ externalId: id, from: 'interns', to: 'employees', row: employees.rows.length + 1 }]);
    expect(hire.feed.messages.some((m) => m.includes(`${id} (interns)`))).toBe(true);
    const hired = await upload('employees', employees);
    expect(hired.sent).toContain(bulkIdFor(id));
    expect(notRetries(snap, 'employees', hired.sent, [id])).toEqual([]);

    const leave = await diff('interns', interns);
    expect(leave.movedOut).toEqual([{ externalId: id, from: 'interns', to: 'employees' }]);
    expect(leave.disables).toBe(0);
    const left = await upload('interns', interns);
    expect(left.sent).not.toContain(bulkIdFor(id));
    expect(left.entry).toMatchObject({ disables: 0 });
    expect(userOf(id)).toMatchObject({ accountEnabled: true });
    expect((await snapshot()).records.get(id)).toMatchObject({ feed: 'employees', data: { active: true, userType: 'Employee' } });
  });

  it('gives a person listed by two feeds one finding, and sends them once', async () => {
    const known = new Set((await diff('contractors', original.contractors)).feed.conflicts.map((c) => c.externalId));
    const snap = await snapshot();
    const id = employees.rows.map(Csv.id).find((i) => employees.count(i) === 1 && original.contractors.count(i) === 0 && original.interns.count(i) === 0 && snap.records.get(i)?.feed === 'employees' && snap.records.get(i)!.data.active === true)!;
    const contractors = original.contractors.with(employees.row(id).replace('"Employee"', '"Contractor"'));

    const found = await diff('contractors', contractors);
    const fresh = found.feed.conflicts.filter((c) => !known.has(c.externalId));
    expect(fresh).toEqual([{ externalId: id, feed: 'contractors', row: contractors.rows.length + 1, other: 'employees', winner: 'employees', decidedBy: 'precedence' }]);
    expect(found.feed.conflicts.filter((c) => c.externalId === id)).toHaveLength(1);

    const first = await upload('contractors', contractors);
    expect(first.sent).not.toContain(bulkIdFor(id));
    expect(first.entry.disables).toBe(0);
    const owner = await upload('employees', employees);
    expect(owner.sent).not.toContain(bulkIdFor(id));
    expect((await upload('contractors', contractors)).sent).not.toContain(bulkIdFor(id));
    expect((await snapshot()).records.get(id)).toMatchObject({ feed: 'employees', claimedBy: ['contractors'], data: { userType: 'Employee' } });
  });

  it('shows the feed in history and status', async () => {
    const history = await scimport(['history'], env);
    expect(history.out).toContain('feed "interns"');
    const runs = JSON.parse((await scimport(['runs', '--json'], env)).out) as { id: string }[];
    const status = await scimport(['status', runs[runs.length - 1]!.id, '--json'], env);
    expect(JSON.parse(status.out).feed).toMatch(/^(employees|contractors|interns)$/);
  });
});
