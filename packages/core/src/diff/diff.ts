/**
 * The mapped users of a file against the snapshot of the last accepted upload: who is new, who changed
 * (attribute by attribute), who is unchanged, who is missing (a leaver) and who is returning.
 */
import diff from 'microdiff';
import { CoreError } from '../errors';
import type { ScimUser } from '../types';
import { canonicalize, hashUser } from './canonical';
import type { FailureInfo, Snapshot, SnapshotRecord } from './snapshot';

/**
 * - `new`: not in the snapshot (a new hire, or a first run).
 * - `changed`: in the snapshot and different; or its last upload failed (`retry`), whether or not it differs.
 * - `unchanged`: in the snapshot and equal (after canonicalisation), and its last upload did not fail.
 * - `missing`: in the snapshot as active, not in the file: a leaver. A person whose last upload failed is
 *   missing too, even when that upload was a disable.
 * - `returning`: in the snapshot as disabled (`active: false`) and in the file with `active` not false
 *   (true or absent): someone who left and came back, or was disabled by mistake.
 */
export type DiffKind = 'new' | 'changed' | 'unchanged' | 'missing' | 'returning';

/** One attribute that differs. `null` stands for "no value" (absent, null, '', [] and {} are alike). */
export interface AttributeChange {
  /** SCIM-style path: `name.givenName`, `emails[0].value`, `urn:…:enterprise:2.0:User.manager.value`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface DiffRecord {
  externalId: string;
  kind: DiffKind;
  /** Row number of the person in the file (as given in the input); absent for `missing`. */
  row?: number;
  /** For `changed` and `returning`: every attribute that differs, in path order. */
  changes?: AttributeChange[];
  /**
   * The payload to act on: the file's user for everyone in the file, the last accepted payload for
   * `missing`. Shared with the input and the snapshot, not copied.
   */
  data: ScimUser;
  /** True when the snapshot says this person's last upload failed, so they are sent again. */
  retry?: boolean;
  /** Why that last upload failed, when the provisioning logs said. */
  failure?: FailureInfo;
}

export interface DiffCounts {
  new: number;
  changed: number;
  unchanged: number;
  missing: number;
  returning: number;
  /**
   * People the snapshot holds as disabled who are still absent from the file. Nothing is sent for them
   * (they were disabled before) and they get no record; counted so that the totals add up to the snapshot.
   */
  alreadyDisabled: number;
}

export interface DiffResult {
  counts: DiffCounts;
  /** People in the file in file order, then the missing in snapshot order. */
  records: DiffRecord[];
}

/** One mapped user of the current file. `data` should be the operation's data (`toOperation(user).data`). */
export interface CurrentUser {
  externalId: string;
  data: ScimUser;
  row?: number;
}

function isDisabled(data: ScimUser): boolean {
  return data.active === false;
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/**
 * The attributes in which two users differ, after canonicalisation (so empty spellings, key order and
 * the order of `schemas` never count). Values compare exactly: `"Smith"` and `"smith"` differ, as do
 * `"1"` and `1`. Lists compare position by position.
 */
export function diffAttributes(before: unknown, after: unknown): AttributeChange[] {
  const a = canonicalize(before);
  const b = canonicalize(after);
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) {
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: '', before: a ?? null, after: b ?? null }];
  }
  // `schemas` only lists the extensions in use; a change there always shows as a change of the extension
  // attributes themselves, so listing it too would be noise for the person reading the diff.
  delete a.schemas;
  delete b.schemas;
  const changes: AttributeChange[] = diff(a, b, { cyclesFix: false }).map((d) => ({
    path: formatPath(d.path),
    before: d.type === 'CREATE' ? null : (d.oldValue as unknown),
    after: d.type === 'REMOVE' ? null : (d.value as unknown),
  }));
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/**
 * Compares the users of a file with the snapshot. Fast path: a person whose hash equals the snapshot's
 * is unchanged without looking at attributes; the attribute walk runs only when hashes differ (and a
 * difference in hash alone, with no attribute differing, still counts as unchanged).
 *
 * Throws CoreError INVALID_ARGUMENT when an externalId appears twice in `current` (validation rejects
 * duplicates, so this means users skipped validation).
 */
export function diffUsers(current: Iterable<CurrentUser>, snapshot: Snapshot | ReadonlyMap<string, SnapshotRecord>): DiffResult {
  const records: ReadonlyMap<string, SnapshotRecord> = snapshot instanceof Map ? snapshot : (snapshot as Snapshot).records;
  const counts: DiffCounts = { new: 0, changed: 0, unchanged: 0, missing: 0, returning: 0, alreadyDisabled: 0 };
  const out: DiffRecord[] = [];
  const seen = new Map<string, number | undefined>();

  for (const user of current) {
    const { externalId, data, row } = user;
    if (seen.has(externalId)) {
      const first = seen.get(externalId);
      throw new CoreError('INVALID_ARGUMENT',
        `externalId ${externalId} appears twice${first !== undefined && row !== undefined ? ` (rows ${first} and ${row})` : ''}; ` +
        'each person may appear once in a file. Validate the file and fix the duplicate before comparing.',
        { location: { ...(row !== undefined ? { row } : {}), field: 'externalId' } });
    }
    seen.set(externalId, row);
    // One object shape for every record (row and changes set or undefined) keeps this loop monomorphic.
    const record: DiffRecord = { externalId, kind: 'unchanged', row, changes: undefined, data };
    out.push(record);
    const last = records.get(externalId);
    if (!last) {
      counts.new++;
      record.kind = 'new';
      continue;
    }
    const failed = last.failedAt !== undefined;
    if (!failed && last.hash === hashUser(data)) {
      counts.unchanged++;
      continue;
    }
    const changes = diffAttributes(last.data, data);
    if (isDisabled(last.data) && !isDisabled(data)) {
      counts.returning++;
      record.kind = 'returning';
    } else if (changes.length > 0 || failed) {
      counts.changed++;
      record.kind = 'changed';
    } else {
      counts.unchanged++;
      continue;
    }
    record.changes = changes;
    if (failed) {
      record.retry = true;
      if (last.failure) record.failure = last.failure;
    }
  }

  for (const [externalId, last] of records) {
    if (seen.has(externalId)) continue;
    if (last.failedAt === undefined && isDisabled(last.data)) {
      counts.alreadyDisabled++;
      continue;
    }
    counts.missing++;
    const record: DiffRecord = { externalId, kind: 'missing', row: undefined, changes: undefined, data: last.data };
    if (last.failedAt !== undefined) {
      record.retry = true;
      if (last.failure) record.failure = last.failure;
    }
    out.push(record);
  }
  return { counts, records: out };
}
