import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkIdFor, currentUser } from '@scimport/core';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { MS, PROFILES, cliWithEnv } from './__tests__/harness';

// Delta uploads end to end: real files, real HTTPS and MSAL against the emulator on loopback, real snapshots.

const scimport = cliWithEnv;

type Person = Record<string, string>;

let header: string[];
let template: Person;

/** People shaped like Microsoft's 5-record sample: 3001 manages everyone else, so every manager resolves. */
function staff(count: number): Person[] {
  return Array.from({ length: count }, (_, i) => {
    const id = String(3001 + i);
    return {
      ...template,
      WorkerID: id,
      UserID: `EMP${id}`,
      FirstName: `First${id}`,
      LastName: `Last${id}`,
      FullName: `First${id} Last${id}`,
      ManagerID: i === 0 ? '' : '3001',
    };
  });
}

function csv(people: Person[]): string {
  return [header.join(','), ...people.map((p) => header.map((h) => p[h] ?? '').join(','))].join('\r\n') + '\r\n';
}

let scratch: string;
let dataDir: string;
let profile: string;
let emu: Emulator;
let env: () => Record<string, string>;

async function file(name: string, people: Person[]): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, csv(people));
  return path;
}

/** bulkIds of the calls made since `from`, sorted. */
function sentSince(from: number): string[] {
  return emu
    .bulkCalls()
    .slice(from)
    .flatMap((c) => c.bulkIds)
    .sort();
}

const ids = (...externalIds: string[]) => externalIds.map((id) => bulkIdFor(id)).sort();

beforeAll(async () => {
  const lines = (await readFile(join(MS, 'csv-with-5-records.txt'), 'utf8')).split(/\r?\n/);
  header = lines[0]!.split(',');
  const values = lines[3]!.split(','); // 1513: an active contractor with every column filled the same way
  template = Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
  emu = await startEmulator({ tokenLifetimeSec: 3600 * 100 });
});
afterAll(() => emu.close());

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'scimport-delta-'));
  dataDir = join(scratch, 'data');
  const ca = join(scratch, 'ca.pem');
  await writeFile(ca, emu.caCertPem);
  const base = JSON.parse(await readFile(join(PROFILES, 'microsoft-attribute-mapping.json'), 'utf8'));
  profile = join(scratch, 'profile.json');
  await writeFile(profile, JSON.stringify({ ...base, leavers: { policy: 'disable' } }));
  env = () => ({ SCIMPORT_DATA_DIR: dataDir, SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: ca, SCIMPORT_CLIENT_SECRET: emu.clientSecret });
  emu.reset();
  emu.setFaults({});
  expect((await scimport(['schema', 'push', '--profile', profile], env())).status).toBe(0);
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('delta upload', () => {
  it('a second upload of an unchanged file sends nothing, creates no run, and says so', async () => {
    const people = await file('people.csv', staff(20));
    const first = await scimport(['upload', people, '--profile', profile, '--json'], env());
    expect(first.err).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ diff: { new: 20, changed: 0 }, accepted: 20, results: { complete: true, summary: { create: { success: 20 } } } });
    const calls = emu.bulkCalls().length;
    expect(calls).toBe(1);

    const second = await scimport(['upload', people, '--profile', profile], env());
    expect(second.err).toBe('');
    expect(second.status).toBe(0);
    expect(second.out).toContain('Nothing changed since the last upload; nothing sent.');
    expect(second.out).toMatch(/unchanged\s+20/);
    expect(emu.bulkCalls()).toHaveLength(calls);
    expect(JSON.parse((await scimport(['runs', '--json'], env())).out)).toHaveLength(1);
  });

  it('sends exactly a few edits, a new hire and a leaver; the leaver ends disabled', async () => {
    const everyone = staff(20);
    expect((await scimport(['upload', await file('monday.csv', everyone), '--profile', profile], env())).status).toBe(0);
    const before = emu.bulkCalls().length;

    const tuesday = staff(21).filter((p) => p.WorkerID !== '3020');
    tuesday.find((p) => p.WorkerID === '3005')!.JobTitle = 'Sales Director';
    tuesday.find((p) => p.WorkerID === '3006')!.City = 'Berlin';
    Object.assign(tuesday.find((p) => p.WorkerID === '3007')!, { LastName: 'Married', FullName: 'First3007 Married' });
    const next = await file('tuesday.csv', tuesday);

    const diff = await scimport(['diff', next, '--profile', profile, '--json'], env());
    expect(diff.err).toBe('');
    expect(diff.status).toBe(0);
    const doc = JSON.parse(diff.out);
    expect(doc).toMatchObject({ new: 1, changed: 3, unchanged: 16, missing: 1, returning: 0, gate: { tripped: false, reasons: [] }, operations: 4, disables: 1, calls: 1 });
    expect(doc.records[0]).toEqual({ externalId: '3005', kind: 'changed', row: 6, changes: [{ path: 'title', before: 'Project Manager', after: 'Sales Director' }] });
    expect(doc.records[1]).toEqual({ externalId: '3006', kind: 'changed', row: 7, changes: [{ path: 'addresses[0].locality', before: 'Frankfurt', after: 'Berlin' }] });
    const byId = new Map<string, { kind: string; row: number | null; changes: { path: string; before: unknown; after: unknown }[] | null; action?: string }>(
      doc.records.map((r: { externalId: string }) => [r.externalId, r]),
    );
    expect([...byId.keys()]).toEqual(['3005', '3006', '3007', '3021', '3020']);
    expect(byId.get('3007')).toMatchObject({ kind: 'changed', row: 8 });
    expect(byId.get('3007')!.changes).toEqual([
      { path: 'displayName', before: 'First3007 Last3007', after: 'First3007 Married' },
      { path: 'name.familyName', before: 'Last3007', after: 'Married' },
    ]);
    expect(byId.get('3021')).toEqual({ externalId: '3021', kind: 'new', row: 21, changes: null });
    expect(byId.get('3020')).toEqual({ externalId: '3020', kind: 'missing', row: null, changes: null, action: 'disable' });

    const text = await scimport(['diff', next, '--profile', profile], env());
    expect(text.out).toMatch(/missing\s+1\s+will be disabled \(active: false; leavers policy "disable"\)/);
    expect(text.out).toContain('title: "Project Manager" → "Sales Director"');
    expect(text.out).toMatch(/Safety gate: passes\. An upload would send 4 users and 1 disable in 1 request\./);

    const upload = await scimport(['upload', next, '--profile', profile, '--json'], env());
    expect(upload.err).toBe('');
    expect(upload.status).toBe(0);
    expect(sentSince(before)).toEqual(ids('3005', '3006', '3007', '3021', '3020'));
    const users = new Map(emu.users().map((u) => [u.externalId, u]));
    expect(users.get('3020')!.accountEnabled).toBe(false);
    expect(users.get('3021')!.accountEnabled).toBe(true);
    expect(users.get('3005')!.attributes.title).toBe('Sales Director');
    expect(users.get('3004')!.accountEnabled).toBe(true);

    // And the day after, the same file again: nothing to send, the leaver stays disabled without a new call.
    const again = await scimport(['diff', next, '--profile', profile, '--json'], env());
    expect(JSON.parse(again.out)).toMatchObject({ new: 0, changed: 0, unchanged: 20, missing: 0, alreadyDisabled: 1, operations: 0, disables: 0 });
  });

  it('stops a file with half the people missing before sending anything, and sends it with --allow-mass-changes', async () => {
    expect((await scimport(['upload', await file('all.csv', staff(20)), '--profile', profile], env())).status).toBe(0);
    const before = emu.bulkCalls().length;
    const half = await file('half.csv', staff(10));

    const diff = await scimport(['diff', half, '--profile', profile, '--json'], env());
    expect(diff.status).toBe(1);
    expect(JSON.parse(diff.out).gate.tripped).toBe(true);

    const stopped = await scimport(['upload', half, '--profile', profile], env());
    expect(stopped.status).toBe(2);
    expect(stopped.err.trim().split('\n')).toHaveLength(1);
    expect(stopped.err).toContain(
      // Measured against the profile's feed (named from the profile, which sets no "feed"): its own people.
      'Nothing was sent: 10 of 20 people of the feed "microsoft-csv2scim-sample-attributemapping-psd1" (50 %) would be disabled; scimport allows (unless the profile sets leavers.maxDisablePercent) at most 10 %. If this is intended, run again with --allow-mass-changes.',
    );
    expect(emu.bulkCalls()).toHaveLength(before);
    expect(JSON.parse((await scimport(['runs', '--json'], env())).out)).toHaveLength(1);

    const allowed = await scimport(['upload', half, '--profile', profile, '--allow-mass-changes', '--json'], env());
    expect(allowed.err).toBe('');
    expect(allowed.status).toBe(0);
    expect(sentSince(before)).toEqual(ids(...staff(20).slice(10).map((p) => p.WorkerID!)));
    expect(emu.users().filter((u) => !u.accountEnabled).map((u) => u.externalId).sort()).toEqual(staff(20).slice(10).map((p) => p.WorkerID).sort());
  });

  it('--full resends everyone', async () => {
    const people = await file('people.csv', staff(20));
    expect((await scimport(['upload', people, '--profile', profile], env())).status).toBe(0);
    const before = emu.bulkCalls().length;
    const full = await scimport(['upload', people, '--profile', profile, '--full', '--json'], env());
    expect(full.status).toBe(0);
    expect(JSON.parse(full.out)).toMatchObject({ diff: { unchanged: 20 }, accepted: 20 });
    expect(sentSince(before)).toEqual(ids(...staff(20).map((p) => p.WorkerID!)));
  });

  it('keeps the people whose manager could not be found as retries that wait for the manager; --full sends them', async () => {
    // Microsoft's 2-record sample: both managers are unknown to the tenant, so both fail in the logs.
    const two = join(MS, 'csv-with-2-records.csv');
    const first = await scimport(['upload', two, '--profile', profile, '--json'], env());
    expect(JSON.parse(first.out).results.summary).toEqual({ create: { failure: 2 } });
    const diff = JSON.parse((await scimport(['diff', two, '--profile', profile, '--json'], env())).out);
    expect(diff).toMatchObject({ changed: 2, unchanged: 0 });
    expect(diff.records).toEqual([
      expect.objectContaining({ externalId: '1222', retry: true, waitingFor: '1684' }),
      expect.objectContaining({ externalId: '1513', retry: true, waitingFor: '1959' }),
    ]);
    // Sent again unchanged, they would fail the same way: nothing goes until their managers are in Entra.
    const before = emu.bulkCalls().length;
    const again = await scimport(['upload', two, '--profile', profile], env());
    expect(again.err).toBe('');
    expect(sentSince(before)).toEqual([]);
    const full = await scimport(['upload', two, '--profile', profile, '--full'], env());
    expect(full.err).toBe('');
    expect(sentSince(before)).toEqual(ids('1222', '1513'));
  });

  it('status --wait records the failures of a run uploaded with --no-wait', async () => {
    const two = join(MS, 'csv-with-2-records.csv');
    const run = JSON.parse((await scimport(['upload', two, '--profile', profile, '--no-wait', '--json'], env())).out);
    expect(JSON.parse((await scimport(['diff', two, '--profile', profile, '--json'], env())).out)).toMatchObject({ changed: 0, unchanged: 2 });
    expect((await scimport(['status', run.runId, '--wait'], env())).status).toBe(1);
    expect(JSON.parse((await scimport(['diff', two, '--profile', profile, '--json'], env())).out)).toMatchObject({ changed: 2, unchanged: 0 });
  });

  it('never treats a person whose row has an error as a leaver', async () => {
    expect((await scimport(['upload', await file('all.csv', staff(20)), '--profile', profile], env())).status).toBe(0);
    const broken = staff(20);
    broken[4]!.UserID = broken[3]!.UserID!; // 3004 and 3005 now share a userName: both rows are left out
    const path = await file('broken.csv', broken);
    const diff = await scimport(['diff', path, '--profile', profile, '--json'], env());
    expect(diff.status).toBe(1);
    expect(JSON.parse(diff.out)).toMatchObject({ missing: 0, leftOut: 2, invalid: 2, disables: 0, unchanged: 18 });
    const before = emu.bulkCalls().length;
    const upload = await scimport(['upload', path, '--profile', profile], env());
    expect(upload.status).toBe(1);
    expect(upload.out).toContain('Nothing changed since the last upload; nothing sent.');
    expect(emu.bulkCalls()).toHaveLength(before);
  });
  it('records in the snapshot only what was accepted: a failed upload leaves everyone new, its resume records them', async () => {
    const people = await file('people.csv', staff(60));
    emu.setFaults({ failNextCalls: { status: 400, count: 1 } });
    const failed = await scimport(['upload', people, '--profile', profile], env());
    expect(failed.status).toBe(2);
    const runId = /scimport resume (\S+?)`/.exec(failed.err)![1]!;
    expect(JSON.parse((await scimport(['diff', people, '--profile', profile, '--json'], env())).out)).toMatchObject({ new: 60, unchanged: 0 });

    const resumed = await scimport(['resume', runId], env());
    expect(resumed.err).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse((await scimport(['diff', people, '--profile', profile, '--json'], env())).out)).toMatchObject({ new: 0, unchanged: 60 });
    const history = JSON.parse((await scimport(['history', '--json'], env())).out);
    expect(history.map((e: { runId: string; outcome: string }) => [e.runId, e.outcome])).toEqual([
      [runId, 'failed'],
      [runId, 'uploaded'],
    ]);
    expect(history[0].message).toMatch(/400/);
  });

  it('disables nobody while a row with an error has no readable externalId (it might be one of the leavers)', async () => {
    expect((await scimport(['upload', await file('all.csv', staff(20)), '--profile', profile], env())).status).toBe(0);
    const today = staff(20).filter((p) => p.WorkerID !== '3020');
    today[9]!.WorkerID = ''; // 3010's row: no WorkerID, so no externalId
    const path = await file('today.csv', today);
    const diff = await scimport(['diff', path, '--profile', profile], env());
    expect(diff.status).toBe(1);
    expect(diff.out).toMatch(/missing\s+2\s+will NOT be disabled this time/);
    expect(diff.out).toContain('1 row with errors has no readable externalId');
    expect(JSON.parse((await scimport(['diff', path, '--profile', profile, '--json'], env())).out)).toMatchObject({
      missing: 2,
      disables: 0,
      leavers: { policy: 'disable', disables: 0, withheld: 2 },
    });
    const before = emu.bulkCalls().length;
    expect((await scimport(['upload', path, '--profile', profile], env())).status).toBe(1);
    expect(emu.bulkCalls()).toHaveLength(before);
    expect(emu.users().every((u) => u.accountEnabled)).toBe(true);
  });
});

describe('history and snapshot files', () => {
  it('records every run: who, which file and checksum, profile, counts, calls and outcome', async () => {
    const people = await file('people.csv', staff(20));
    await scimport(['upload', people, '--profile', profile], env());
    await scimport(['upload', people, '--profile', profile], env());
    await scimport(['upload', await file('half.csv', staff(10)), '--profile', profile], env());

    const history = await scimport(['history', '--json'], env());
    expect(history.status).toBe(0);
    const entries = JSON.parse(history.out);
    expect(entries.map((e: { outcome: string }) => e.outcome)).toEqual(['uploaded', 'nothing-to-send', 'blocked']);
    const sha = createHash('sha256').update(await readFile(people)).digest('hex');
    const runId = JSON.parse((await scimport(['runs', '--json'], env())).out)[0].id;
    expect(entries[0]).toMatchObject({
      runId,
      user: currentUser(),
      file: { name: 'people.csv', sha256: sha },
      profile: { name: 'Microsoft CSV2SCIM sample (AttributeMapping.psd1)', version: 1 },
      counts: { new: 20, changed: 0, unchanged: 0, missing: 0, returning: 0 },
      operations: 20,
      disables: 0,
      calls: 1,
    });
    expect(entries[1]).toMatchObject({ calls: 0, counts: { unchanged: 20 }, message: 'Nothing changed since the last upload; nothing sent.' });
    expect(entries[2]).toMatchObject({ calls: 0, disables: 10, message: expect.stringContaining('would be disabled') });

    const last = await scimport(['history', '--limit', '1'], env());
    expect(last.out).toMatch(/The last 1 of 3 runs/);
    expect(last.out).toMatch(/blocked .* half\.csv \(sha256 [0-9a-f]{12}\)/);
    expect(last.out).not.toContain('people.csv');
  });

  it('keeps the snapshot owner-only, and encrypted when SCIMPORT_SNAPSHOT_KEY is set', async () => {
    const key = { SCIMPORT_SNAPSHOT_KEY: createHash('sha256').update('test key').digest('base64') };
    const people = await file('people.csv', staff(20));
    expect((await scimport(['upload', people, '--profile', profile], { ...env(), ...key })).status).toBe(0);
    const dir = join(dataDir, 'snapshots');
    const [name, ...others] = await readdir(dir);
    expect(others).toEqual([]);
    expect((await stat(join(dir, name!))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const bytes = await readFile(join(dir, name!));
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('SCIMSNAP');
    expect(bytes[9]).toBe(1); // AES-256-GCM
    for (const plain of ['3001', 'EMP3001', 'Last3001']) expect(bytes.includes(Buffer.from(plain))).toBe(false);

    // With the key it compares; without it, one sentence naming the variable, and nothing is sent.
    expect((await scimport(['upload', people, '--profile', profile], { ...env(), ...key })).out).toContain('Nothing changed');
    const before = emu.bulkCalls().length;
    const without = await scimport(['upload', people, '--profile', profile], env());
    expect(without.status).toBe(2);
    expect(without.err.trim().split('\n')).toHaveLength(1);
    expect(without.err).toMatch(/encrypted and no snapshot key was given.*SCIMPORT_SNAPSHOT_KEY/);
    expect(emu.bulkCalls()).toHaveLength(before);
  });
});
