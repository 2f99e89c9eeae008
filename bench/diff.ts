/**
 * Issue 4, "know what changed": what a daily run costs with a snapshot, against a 100,000-person snapshot.
 *
 * - Baseline: JSON.stringify + SHA-256 of every record (the least any change detection must do).
 * - diffUsers of an unchanged set and of a set where 1 % changed, and their ratio to the baseline.
 * - Snapshot save and load (AES-256-GCM, gzip) and the file size.
 * - Calls of a daily sync where 1 % of the people changed (ceil(operations / 50)), against a full upload.
 *
 * BENCH_ROWS shrinks the population like the other benchmarks (default 100,000).
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  MAX_BULK_OPERATIONS,
  SCIM_ENTERPRISE_USER,
  Snapshot,
  SnapshotStore,
  diffUsers,
  planUpload,
  toOperation,
  type BulkOperation,
  type CurrentUser,
} from '@scimport/core';

const EXT = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';

/** A person shaped like Microsoft's sample BulkRequest (core, enterprise and a custom extension). */
function person(i: number): BulkOperation['data'] {
  const id = `E${String(i).padStart(6, '0')}`;
  return toOperation({
    externalId: id,
    userName: `user${i}@contoso.example`,
    name: { givenName: `Given${i}`, familyName: `Family${i % 997}` },
    displayName: `Given${i} Family${i % 997}`,
    emails: [{ value: `user${i}@contoso.example`, type: 'work', primary: true }],
    phoneNumbers: [{ value: `+1 555 ${String(i % 10000).padStart(4, '0')}`, type: 'work' }],
    addresses: [{ type: 'work', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US' }],
    title: `Title ${i % 50}`,
    userType: 'Employee',
    active: true,
    [SCIM_ENTERPRISE_USER]: {
      employeeNumber: id,
      department: `Department ${i % 40}`,
      costCenter: String(4000 + (i % 200)),
      organization: 'Contoso',
      ...(i > 0 ? { manager: { value: `E${String(Math.floor(i / 10)).padStart(6, '0')}` } } : {}),
    },
    [EXT]: { payGrade: `Level-${i % 7}`, hireDate: '2020-01-01T00:00:00Z' },
  }, EXT).data;
}

/** Best of three, in milliseconds: the machine may be shared, the minimum is the least disturbed run. */
async function best(run: () => unknown | Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run();
    min = Math.min(min, performance.now() - started);
  }
  return min;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function benchDiff(): Promise<{ label: string; value: string }[]> {
  const rows = Number(process.env.BENCH_ROWS ?? 100_000);
  const users = Array.from({ length: rows }, (_, i) => person(i));
  const snapshot = new Snapshot();
  snapshot.markAccepted(users.map((data) => ({ data })));
  const unchanged: CurrentUser[] = users.map((data, i) => ({ externalId: data.externalId, data, row: i + 2 }));
  // A typical day: 1 % of the people changed a title.
  const daily: CurrentUser[] = unchanged.map((u, i) => (i % 100 === 0 ? { ...u, data: { ...u.data, title: 'Senior Associate' } } : u));

  const baseline = await best(() => {
    for (const data of users) createHash('sha256').update(JSON.stringify(data)).digest('hex');
  });
  const same = await best(() => diffUsers(unchanged, snapshot));
  const oneInHundred = await best(() => diffUsers(daily, snapshot));

  const profile = { leavers: { policy: 'disable' as const } };
  const plan = planUpload(diffUsers(daily, snapshot), profile);
  const full = Math.ceil(rows / MAX_BULK_OPERATIONS);

  const dir = await mkdtemp(join(tmpdir(), 'scimport-bench-snapshot-'));
  let save: number, load: number, size: number;
  try {
    const store = new SnapshotStore({ dir, key: randomBytes(32) });
    const target = { tenantId: 'contoso.onmicrosoft.com', jobId: 'API2AAD.bench' };
    save = await best(() => store.save(target, snapshot));
    load = await best(() => store.load(target));
    size = (await stat(store.pathFor(target))).size;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const raw = users.reduce((n, u) => n + JSON.stringify(u).length, 0);

  const n = fmt(rows);
  return [
    { label: `JSON.stringify + SHA-256 of ${n} records (baseline)`, value: `${fmt(baseline)} ms` },
    { label: `diffUsers ${n} vs ${n}-record snapshot, nothing changed`, value: `${fmt(same)} ms  (${fmt(same / baseline, 2)} × baseline)` },
    { label: `diffUsers ${n} vs ${n}-record snapshot, 1 % changed`, value: `${fmt(oneInHundred)} ms  (${fmt(oneInHundred / baseline, 2)} × baseline)` },
    { label: `snapshot save / load, ${n} records (AES-256-GCM, gzip)`, value: `${fmt(save)} ms / ${fmt(load)} ms, ${fmt(size / 1e6, 1)} MB on disk (${fmt(raw / 1e6, 1)} MB as JSON)` },
    { label: 'daily sync calls, 1 % of the people changed', value: `${plan.calls} calls for ${fmt(plan.operations.length)} operations (target ≤ 20)` },
    { label: 'full upload calls (no snapshot)', value: `${fmt(full)} calls  (${fmt(full / Math.max(1, plan.calls), 0)} × the daily sync)` },
  ];
}

// Run on its own: `npx tsx bench/diff.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, value } of await benchDiff()) process.stdout.write(`${label}  ${value}\n`);
}
