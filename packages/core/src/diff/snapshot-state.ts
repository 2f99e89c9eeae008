/**
 * The snapshot in memory: what Entra last accepted per person, and — when several HR files (feeds) share
 * one provisioning job — which feed each person belongs to. Reading and writing the file is snapshot.ts.
 */
import { CoreError } from '../errors';
import { normalizeFeed } from '../profile/feed';
import type { BulkOperation, ScimUser } from '../types';
import { hashUser } from './canonical';
import type { FeedRun } from './feeds';

/** The provisioning target a snapshot belongs to (a profile's `target` fits). */
export interface SnapshotTarget {
  tenantId?: string | undefined;
  jobId?: string | undefined;
}

/** What was last accepted for one person. */
export interface SnapshotRecord {
  /** `hashUser(data)`: SHA-256 of the canonical JSON. */
  hash: string;
  /** The operation's `data` as it was sent. */
  data: ScimUser;
  /** ISO time the chunk holding this person was answered 202. */
  acceptedAt: string;
  /**
   * ISO time the provisioning logs reported this person's last operation as failed. A failed record is
   * always sent again when the person is in the file, and disabled again (policy `disable`) when not.
   */
  failedAt?: string;
  /** What the provisioning logs said about that failure, when known (to show "failed last time because …"). */
  failure?: FailureInfo;
  /**
   * The feed this person belongs to: the last one that sent them (or adopted them). Only that feed may take
   * them for a leaver. Absent in snapshots written before feeds, and for uploads that named no feed.
   */
  feed?: string;
  /** The feed they were handed over from, kept until that feed's next run has reported the move. */
  movedFrom?: string;
  /**
   * True when `feed` disabled this person as a leaver (its file no longer lists them), as opposed to listing
   * them as inactive: another feed that lists them then takes them over without a conflict.
   */
  left?: boolean;
  /**
   * Other feeds that list this person too but lost to `feed` (precedence, or a tie). When `feed` stops
   * listing them they are handed to one of these instead of being disabled.
   */
  claimedBy?: string[];
}

/** Why a person's last operation failed, as the provisioning logs said it. */
export interface FailureInfo {
  errorCode?: string;
  reason?: string;
}

/** A person whose operation failed: the externalId alone, or with the reason from the provisioning logs. */
export type FailedPerson = string | ({ externalId: string } & FailureInfo);

/** What the snapshot knows about one feed of the job. */
export interface FeedInfo {
  /** The rank its profile gave at its last run (1 wins over 2); absent when none. */
  precedence?: number;
  /** ISO time the feed first ran against this job. */
  since: string;
}

const DISABLE_KEYS = new Set(['schemas', 'externalId', 'userName', 'active']);

/** A payload as planUpload builds for a leaver: only identity and `active: false`. */
export function isDisableOnly(data: ScimUser): boolean {
  return data.active === false && Object.keys(data).every((key) => DISABLE_KEYS.has(key));
}

function without(list: string[] | undefined, feed: string): string[] | undefined {
  if (!list?.includes(feed)) return list;
  const rest = list.filter((f) => f !== feed);
  return rest.length > 0 ? rest : undefined;
}

function setClaims(record: SnapshotRecord, claims: string[] | undefined): void {
  if (claims && claims.length > 0) record.claimedBy = claims;
  // `delete` only when there is something to delete: it turns the object into a slow dictionary, and
  // 100,000 of those slow down every later diff and save.
  else if (record.claimedBy !== undefined) delete record.claimedBy;
}

/** The last accepted state of every person of one target. */
export class Snapshot {
  /** externalId → record. */
  readonly records: Map<string, SnapshotRecord>;
  /** feed name → what is known of it. Empty in snapshots written before feeds (they are adopted whole). */
  readonly feeds: Map<string, FeedInfo>;

  constructor(records?: Iterable<readonly [string, SnapshotRecord]>, feeds?: Iterable<readonly [string, FeedInfo]>) {
    this.records = new Map(records);
    this.feeds = new Map(feeds);
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Records the operations of a chunk that Entra answered 202: each person's payload becomes their
   * last accepted state (clearing an earlier failure). Call it per accepted chunk, never before the
   * answer, so that a chunk lost to a network error is sent again next time. A disable-only payload
   * (see `isDisableOnly`) is merged onto the person's previous record, as Entra merges it. Returns how
   * many were recorded.
   *
   * `feed`: the feed that sent the chunk; each person recorded now belongs to it. The first feed recorded
   * in a snapshot from before feeds adopts everyone in it (see `markFeedRun`). Without `feed` each person
   * keeps the feed they had, as before feeds.
   */
  markAccepted(ops: Iterable<Pick<BulkOperation, 'data'>>, at: Date = new Date(), feed?: string): number {
    const acceptedAt = at.toISOString();
    const by = feed === undefined ? undefined : normalizeFeed(feed);
    if (by !== undefined && !this.feeds.has(by)) {
      // A caller that skipped markFeedRun must still not leave the other people without a feed: they
      // would then be nobody's, and never disabled when they leave.
      if (this.feeds.size === 0) this.adoptAll(by);
      this.feeds.set(by, { since: acceptedAt });
    }
    let n = 0;
    for (const op of ops) {
      const externalId = op.data.externalId;
      if (typeof externalId !== 'string' || externalId === '') {
        throw new CoreError('INVALID_ARGUMENT', 'An accepted operation without a text externalId cannot be recorded in the snapshot; build operations with toOperation.', {
          location: { field: 'externalId' },
        });
      }
      const previous = this.records.get(externalId);
      // Entra's POST is an upsert that touches only the attributes sent: after a disable-only payload the
      // person keeps every other attribute, and a later return should be compared against those.
      const data = previous && isDisableOnly(op.data) ? { ...previous.data, ...op.data } : op.data;
      const record: SnapshotRecord = { hash: hashUser(data), data, acceptedAt };
      if (by !== undefined) {
        record.feed = by;
        const from = previous?.feed !== undefined && previous.feed !== by ? previous.feed : previous?.movedFrom;
        if (from !== undefined && from !== by) record.movedFrom = from;
        setClaims(record, without(previous?.claimedBy, by));
      } else if (previous?.feed !== undefined) {
        record.feed = previous.feed;
        if (previous.movedFrom !== undefined) record.movedFrom = previous.movedFrom;
        setClaims(record, previous.claimedBy);
      }
      // Only a leaver gets a disable-only payload (planUpload); a file listing someone inactive sends it all.
      if (record.feed !== undefined && isDisableOnly(op.data)) record.left = true;
      this.records.set(externalId, record);
      n++;
    }
    return n;
  }

  /**
   * Marks people whose operation the provisioning logs report as failed. They stay in the snapshot (Entra
   * may still hold their previous state, and a leaver must still be disabled) but are no longer trusted:
   * the next plan sends them again. Each may carry the logs' errorCode and reason, kept with the mark.
   * Unknown externalIds are ignored. Returns how many were marked. The person's feed is kept.
   */
  markFailed(people: Iterable<FailedPerson>, at: Date = new Date()): number {
    const failedAt = at.toISOString();
    let n = 0;
    for (const person of people) {
      const id = typeof person === 'string' ? person : person.externalId;
      const record = this.records.get(id);
      if (!record) continue;
      const failure: FailureInfo = {};
      if (typeof person !== 'string') {
        if (person.errorCode) failure.errorCode = person.errorCode;
        if (person.reason) failure.reason = person.reason;
      }
      // A new failure replaces the reason of an earlier one.
      const { failure: _old, failedAt: _when, ...rest } = record;
      this.records.set(id, { ...rest, failedAt, ...(Object.keys(failure).length > 0 ? { failure } : {}) });
      n++;
    }
    return n;
  }

  /**
   * Records what a feed's run decided about ownership, none of which travels in an operation: adopting a
   * snapshot from before feeds, people handed over between feeds (also those whose payload did not change,
   * so nothing is sent), claims of feeds that lost a conflict, and claims a feed dropped. Call it once per
   * run that goes ahead (the gate passed), with `plan.feed`, and save the snapshot — before sending, so a
   * crash in the middle still leaves ownership right; calling it twice changes nothing more. Returns how
   * many people's records changed.
   */
  markFeedRun(run: FeedRun, at: Date = new Date()): number {
    const feed = normalizeFeed(run.feed);
    const known = this.feeds.get(feed);
    const info: FeedInfo = { since: known?.since ?? at.toISOString() };
    if (run.precedence !== undefined) info.precedence = run.precedence;
    let n = 0;
    if (run.adopted && this.feeds.size === 0) n += this.adoptAll(feed);
    this.feeds.set(feed, info);
    for (const move of run.movedIn) {
      const record = this.records.get(move.externalId);
      if (!record || record.feed === feed) continue;
      if (record.feed !== undefined) record.movedFrom = record.feed;
      record.feed = feed;
      if (record.left !== undefined) delete record.left;
      setClaims(record, without(record.claimedBy, feed));
      n++;
    }
    for (const move of run.movedOut) {
      const record = this.records.get(move.externalId);
      if (!record) continue;
      if (move.handover && record.feed === feed) {
        record.feed = move.to;
        record.movedFrom = feed;
        if (record.left !== undefined) delete record.left;
        setClaims(record, without(record.claimedBy, move.to));
        n++;
      } else if (!move.handover && record.movedFrom === feed) {
        // The old feed has now been told; later runs need not repeat it.
        delete record.movedFrom;
        n++;
      }
    }
    for (const conflict of run.conflicts) {
      if (conflict.winner === feed) continue;
      const record = this.records.get(conflict.externalId);
      if (!record || record.claimedBy?.includes(feed)) continue;
      record.claimedBy = [...(record.claimedBy ?? []), feed];
      n++;
    }
    for (const id of run.released) {
      const record = this.records.get(id);
      if (!record?.claimedBy?.includes(feed)) continue;
      setClaims(record, without(record.claimedBy, feed));
      n++;
    }
    return n;
  }

  /** Gives every person without a feed to `feed` (a snapshot from before feeds). */
  private adoptAll(feed: string): number {
    let n = 0;
    for (const record of this.records.values()) {
      if (record.feed === undefined) {
        record.feed = feed;
        n++;
      }
    }
    return n;
  }
}
