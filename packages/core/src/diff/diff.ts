/**
 * The mapped users of a file against the snapshot of the last accepted upload: who is new, who changed
 * (attribute by attribute), who is unchanged, who is missing (a leaver) and who is returning.
 */
import diff from 'microdiff';
import { CoreError } from '../errors';
import type { ScimUser } from '../types';
import { canonicalize, hashUser } from './canonical';
import { normalizeFeed } from '../profile/feed';
import { decideConflict, type FeedDiff } from './feeds';
import type { FailureInfo, FeedInfo, Snapshot, SnapshotRecord } from './snapshot-state';
import { isManagerReference, isRetryOnly, managerIdOf } from './waiting';

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
  /**
   * Only when diffed as a feed: moves, conflicts, adoption and the gate's base. Counts and records then
   * cover this feed's people only (its own, new and moved in); people a winning feed sends are in
   * `feed.conflicts` alone.
   */
  feed?: FeedDiff;
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

/** Options of `diffUsers`. */
export interface DiffOptions {
  /**
   * The feed this file is (`feedOf(profile)`). Absent: the file is compared with everyone in the snapshot,
   * as before feeds. Present: only this feed's people can be missing; see `DiffResult.feed`.
   */
  feed?: string;
  /** This feed's rank (`profile.precedence`): 1 wins over 2 when two feeds list one person. */
  precedence?: number;
  /** Ranks of other feeds by name, when known better than the snapshot's record of their last run. */
  precedences?: Readonly<Record<string, number>>;
}

/** New, changed, unchanged or returning: compares one listed person with their last accepted state. */
function compare(record: DiffRecord, last: SnapshotRecord, counts: DiffCounts): boolean {
  const { data } = record;
  const failed = last.failedAt !== undefined;
  if (!failed && last.hash === hashUser(data)) {
    counts.unchanged++;
    return false;
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
    return false;
  }
  record.changes = changes;
  if (failed) {
    record.retry = true;
    if (last.failure) record.failure = last.failure;
  }
  return true;
}

function missingRecord(externalId: string, last: SnapshotRecord): DiffRecord {
  const record: DiffRecord = { externalId, kind: 'missing', row: undefined, changes: undefined, data: last.data };
  if (last.failedAt !== undefined) {
    record.retry = true;
    if (last.failure) record.failure = last.failure;
  }
  return record;
}

function duplicate(externalId: string, first: number | undefined, row: number | undefined): CoreError {
  return new CoreError('INVALID_ARGUMENT',
    `externalId ${externalId} appears twice${first !== undefined && row !== undefined ? ` (rows ${first} and ${row})` : ''}; ` +
    'each person may appear once in a file. Validate the file and fix the duplicate before comparing.',
    { location: { ...(row !== undefined ? { row } : {}), field: 'externalId' } });
}

/**
 * Compares the users of a file with the snapshot. Fast path: a person whose hash equals the snapshot's
 * is unchanged without looking at attributes; the attribute walk runs only when hashes differ (and a
 * difference in hash alone, with no attribute differing, still counts as unchanged).
 *
 * With `options.feed`, the file is one feed of several sharing the job (see `DiffOptions`, `FeedDiff`):
 * only people this feed sent before can be missing; people it lists that another feed sent are handed
 * over (`feed.movedIn`), or — when that feed still sends them — are a conflict decided by precedence,
 * and the loser's people are neither records nor counted; a snapshot from before feeds is adopted.
 *
 * Throws CoreError INVALID_ARGUMENT when an externalId appears twice in `current` (validation rejects
 * duplicates, so this means users skipped validation).
 */
export function diffUsers(current: Iterable<CurrentUser>, snapshot: Snapshot | ReadonlyMap<string, SnapshotRecord>, options: DiffOptions = {}): DiffResult {
  if (options.feed !== undefined) return diffFeed(current, snapshot, options.feed, options);
  const records: ReadonlyMap<string, SnapshotRecord> = snapshot instanceof Map ? snapshot : (snapshot as Snapshot).records;
  const counts: DiffCounts = { new: 0, changed: 0, unchanged: 0, missing: 0, returning: 0, alreadyDisabled: 0 };
  const out: DiffRecord[] = [];
  const seen = new Map<string, number | undefined>();

  for (const user of current) {
    const { externalId, data, row } = user;
    if (seen.has(externalId)) throw duplicate(externalId, seen.get(externalId), row);
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
    compare(record, last, counts);
  }

  for (const [externalId, last] of records) {
    if (seen.has(externalId)) continue;
    if (last.failedAt === undefined && isDisabled(last.data)) {
      counts.alreadyDisabled++;
      continue;
    }
    counts.missing++;
    out.push(missingRecord(externalId, last));
  }
  return { counts, records: out };
}

/** A record counts in the gate's base when the last upload left the person active (or it failed). */
function isActiveOrFailed(last: SnapshotRecord): boolean {
  return last.failedAt !== undefined || !isDisabled(last.data);
}

function diffFeed(current: Iterable<CurrentUser>, snapshot: Snapshot | ReadonlyMap<string, SnapshotRecord>, feedName: string, options: DiffOptions): DiffResult {
  const feed = normalizeFeed(feedName);
  const isSnapshot = !(snapshot instanceof Map);
  const records: ReadonlyMap<string, SnapshotRecord> = isSnapshot ? (snapshot as Snapshot).records : snapshot;
  const known: ReadonlyMap<string, FeedInfo> = isSnapshot ? (snapshot as Snapshot).feeds : new Map();
  // A snapshot from before feeds belongs to the first feed that runs against it (adopted whole).
  let legacy = known.size === 0;
  if (legacy && !isSnapshot) for (const r of records.values()) if (r.feed !== undefined) { legacy = false; break; }
  const rankOf = (name: string): number | undefined => options.precedences?.[name] ?? known.get(name)?.precedence;

  const counts: DiffCounts = { new: 0, changed: 0, unchanged: 0, missing: 0, returning: 0, alreadyDisabled: 0 };
  const out: DiffRecord[] = [];
  const seen = new Map<string, number | undefined>();
  const result: FeedDiff = {
    feed, adopted: legacy && records.size > 0, adoptedCount: 0, movedIn: [], movedOut: [], conflicts: [], released: [],
    base: 0, others: 0, otherFeeds: [], secondFeed: false, presentElsewhere: [],
  };
  if (options.precedence !== undefined) result.precedence = options.precedence;
  const otherFeeds = new Set<string>();
  let ownsAny = false;

  for (const user of current) {
    const { externalId, data, row } = user;
    if (seen.has(externalId)) throw duplicate(externalId, seen.get(externalId), row);
    seen.set(externalId, row);
    const record: DiffRecord = { externalId, kind: 'unchanged', row, changes: undefined, data };
    const last = records.get(externalId);
    if (!last) {
      counts.new++;
      record.kind = 'new';
      out.push(record);
      continue;
    }
    const owner = last.feed ?? (legacy ? feed : undefined);
    if (owner === feed) {
      ownsAny = true;
      if (last.feed === undefined) result.adoptedCount++;
      if (isActiveOrFailed(last)) result.base++;
      // Feeds that list this person too but lost to this one: still a conflict, said on every run.
      if (last.claimedBy) for (const other of last.claimedBy) result.conflicts.push({ externalId, feed, ...(row !== undefined ? { row } : {}), other, winner: feed, decidedBy: decideConflict(other, rankOf(other), feed, options.precedence).decidedBy });
    } else if (owner === undefined || last.left === true) {
      // Nobody's (an upload without a feed), or their feed disabled them as its leaver: a plain hand-over.
      // Someone their feed lists as inactive is still that feed's: a conflict, or the two would take turns.
      if (owner !== undefined) otherFeeds.add(owner);
      result.movedIn.push({ externalId, ...(owner !== undefined ? { from: owner } : {}), to: feed, ...(row !== undefined ? { row } : {}) });
    } else {
      // Another feed still sends them, as far as the snapshot knows: the ranks decide, ties keep the owner.
      otherFeeds.add(owner);
      const decision = decideConflict(feed, options.precedence, owner, rankOf(owner));
      result.conflicts.push({ externalId, feed, ...(row !== undefined ? { row } : {}), other: owner, ...decision });
      if (decision.winner !== feed) continue;
      result.movedIn.push({ externalId, from: owner, to: feed, ...(row !== undefined ? { row } : {}) });
    }
    out.push(record);
    compare(record, last, counts);
  }

  for (const [externalId, last] of records) {
    if (seen.has(externalId)) continue;
    const owner = last.feed ?? (legacy ? feed : undefined);
    if (owner !== feed) {
      result.others++;
      if (owner !== undefined) otherFeeds.add(owner);
      if (last.movedFrom === feed && owner !== undefined) result.movedOut.push({ externalId, from: feed, to: owner });
      if (last.claimedBy?.includes(feed)) result.released.push(externalId);
      continue;
    }
    ownsAny = true;
    if (last.feed === undefined) result.adoptedCount++;
    if (isActiveOrFailed(last)) result.base++;
    // Another feed lists them (it lost a conflict to this one): theirs now, not a leaver — also when this
    // feed had them inactive, or their next runs would keep losing a person no one else lists.
    const heir = pickHeir(last.claimedBy, rankOf);
    if (heir !== undefined) {
      result.movedOut.push({ externalId, from: feed, to: heir, handover: true });
      continue;
    }
    if (last.failedAt === undefined && isDisabled(last.data)) {
      counts.alreadyDisabled++;
      continue;
    }
    counts.missing++;
    out.push(missingRecord(externalId, last));
  }

  otherFeeds.delete(feed);
  for (const name of known.keys()) if (name !== feed) otherFeeds.add(name);
  result.otherFeeds = [...otherFeeds].sort();
  result.secondFeed = !legacy && !ownsAny && !known.has(feed) && result.otherFeeds.length > 0;
  result.presentElsewhere = managersElsewhere(out, records, feed);
  return { counts, records: out, feed: result };
}

/** The claimant that takes a person over: best rank first, then the earliest claim. */
function pickHeir(claims: readonly string[] | undefined, rankOf: (feed: string) => number | undefined): string | undefined {
  if (!claims || claims.length === 0) return undefined;
  let best = claims[0]!;
  for (const c of claims.slice(1)) if (decideConflict(c, rankOf(c), best, rankOf(best)).winner === c) best = c;
  return best;
}

/**
 * Managers that people of this run wait for (see `waitingForManager`) and that are in Entra through
 * another feed: this run's records do not hold other feeds' people, so the plan is told.
 */
function managersElsewhere(out: readonly DiffRecord[], records: ReadonlyMap<string, SnapshotRecord>, feed: string): string[] {
  const wanted = new Set<string>();
  for (const r of out) {
    if (isRetryOnly(r) && isManagerReference(r.failure?.errorCode)) {
      const manager = managerIdOf(r.data);
      if (manager !== undefined) wanted.add(manager.toLowerCase());
    }
  }
  if (wanted.size === 0) return [];
  const found: string[] = [];
  for (const [id, last] of records) {
    if (last.feed === undefined || last.feed === feed || last.failedAt !== undefined || isDisabled(last.data)) continue;
    if (wanted.has(id.toLowerCase())) found.push(id);
  }
  return found;
}
