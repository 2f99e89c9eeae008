/**
 * From a diff to what is sent: the operations, the leavers' disables, and a safety gate that stops an
 * upload which would disable or change a large share of the people (like Entra's accidental-deletion
 * threshold and Okta's import safeguard): a wrong file, a shifted column or a broken mapping looks exactly
 * like "half the company left", and a silent mass disable is the worst mistake this tool could make.
 */
import { MAX_BULK_OPERATIONS, toOperation } from '../bulk';
import type { Profile, ProfileLeavers } from '../profile/types';
import type { BulkOperation, ScimUser } from '../types';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';
import { t } from '@scimport/messages';
import { CoreError } from '../errors';
import { normalizeFeed } from '../profile/feed';
import type { DiffRecord, DiffResult } from './diff';
import type { FeedDiff } from './feeds';
import { isRetryOnly, waitingForManager, type WaitingPerson } from './waiting';

/**
 * Thresholds used when the profile's `leavers` leaves one out. Disables: 10 % or 500 people, whichever is
 * reached first (500 is Entra's own default accidental-deletion threshold). Changes (updated or
 * re-enabled people): 25 % or 5,000 — a genuine mass change such as a new e-mail domain is rare and
 * deserves a deliberate `--allow-mass-changes`. A gate trips when a number is strictly greater than its
 * threshold; percentages are of the people the last upload left active and are skipped on a first run.
 */
export const DEFAULT_THRESHOLDS = {
  maxDisablePercent: 10,
  maxDisableCount: 500,
  maxChangePercent: 25,
  maxChangeCount: 5000,
} as const;

export type Thresholds = { -readonly [K in keyof typeof DEFAULT_THRESHOLDS]: number };

export interface PlanOptions {
  /** Send everyone in the file, unchanged people included (after a lost or restored snapshot). */
  full?: boolean;
  /** Let a plan through although it trips the gate (the CLI's --allow-mass-changes). */
  allowMassChanges?: boolean;
  /**
   * Denominator of the percentages: the number of people the last upload left active. Default: computed
   * from the diff (changed + unchanged + missing), which is that number.
   */
  snapshotSize?: number;
  /**
   * People whose rows were left out of this file's upload because of errors (the transform's `heldBack`
   * and `heldBackUnidentified`). They are in the file, so they are never taken for leavers; and when some
   * of those rows have no readable externalId, any leaver might be one of them, so nobody is disabled.
   */
  heldBack?: { externalIds: Iterable<string>; unidentified: number };
  /**
   * The feed this plan is for (`feedOf(profile)`); the diff must have been made with the same feed. Absent:
   * the diff decides (a feed diff is planned as that feed, a plain diff as before feeds).
   */
  feed?: string;
}

export interface SafetyGate {
  /**
   * True when a threshold is exceeded and `allowMassChanges` was not given: send nothing. Disables are the
   * leavers' disables plus people in the file whose `active` turns false; changes are the other changed
   * people plus the returning.
   */
  tripped: boolean;
  /** One sentence per exceeded threshold, in numbers, saying what to do (present even when allowed). */
  reasons: string[];
}

export interface UploadPlan {
  /** New, changed and returning people (everyone in the file with `full`), in file order. */
  operations: BulkOperation[];
  /** One disable per missing person when the leaver policy is `disable`; empty otherwise. */
  disables: BulkOperation[];
  gate: SafetyGate;
  /** The thresholds applied (the profile's, defaults filled in). */
  thresholds: Thresholds;
  /** Bulk requests needed for operations + disables together, at the profile's chunk size (default 50). */
  calls: number;
  /** Missing from the upload but present in the file on rows with errors: not disabled. */
  heldBack: string[];
  /** Leavers not disabled this time because rows with errors have no readable externalId. */
  disablesWithheld: number;
  /**
   * People not sent again although their last upload failed: Entra could not find their manager, and the
   * manager is still neither in Entra nor in this upload. They go once the manager does (or their row changes).
   */
  waiting: WaitingPerson[];
  /**
   * For a feed: the diff's feed view, less hand-overs and dropped claims of people on rows with errors (they
   * are still in this file). Show movedIn / movedOut, adopted, conflicts and the secondFeed note
   * (`feedMessages`), and record it with `Snapshot.markFeedRun` when the upload goes ahead.
   */
  feed?: FeedDiff;
}

/** The thresholds a profile's leaver settings amount to. */
export function resolveThresholds(leavers: ProfileLeavers | undefined): Thresholds {
  return {
    maxDisablePercent: leavers?.maxDisablePercent ?? DEFAULT_THRESHOLDS.maxDisablePercent,
    maxDisableCount: leavers?.maxDisableCount ?? DEFAULT_THRESHOLDS.maxDisableCount,
    maxChangePercent: leavers?.maxChangePercent ?? DEFAULT_THRESHOLDS.maxChangePercent,
    maxChangeCount: leavers?.maxChangeCount ?? DEFAULT_THRESHOLDS.maxChangeCount,
  };
}

/**
 * The payload that disables a leaver: identity from the last accepted payload (schemas, externalId,
 * userName) and `active: false`, nothing else — sending the rest again would only restore stale values.
 */
export function disablePayload(last: ScimUser, externalId: string): BulkOperation['data'] {
  const data: Record<string, unknown> = { schemas: [SCIM_CORE_USER, SCIM_ENTERPRISE_USER], externalId };
  if (typeof last.userName === 'string' && last.userName !== '') data.userName = last.userName;
  data.active = false;
  return data as BulkOperation['data'];
}

const number = (n: number) => n.toLocaleString('en-US');
const percent = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;
const people = (n: number) => `${number(n)} ${n === 1 ? 'person' : 'people'}`;

function allows(field: keyof Thresholds, leavers: ProfileLeavers | undefined): string {
  return leavers?.[field] !== undefined ? 'the profile allows' : `scimport allows (unless the profile sets leavers.${field})`;
}

/**
 * The percentage cut to as few decimals as still read as above the limit: 41.2 → "41 %", but 10.5 against
 * 10 → "10.5 %" (not "10 %", which would look allowed, nor "11 %", which overstates).
 */
function shownAbove(pct: number, limit: number): number {
  for (const digits of [0, 1, 2]) {
    const f = 10 ** digits;
    const r = Math.floor(pct * f) / f;
    if (r > limit) return r;
  }
  return pct;
}

const AGAIN = 'If this is intended, run again with --allow-mass-changes.';

/**
 * Turns a diff into operations and disables under the profile's leaver policy (`ignore` when the profile
 * has none) and checks the safety gate. A returning person whose payload has no `active` is sent with
 * `active: true`, since scimport (or an earlier file) disabled them and only an explicit value re-enables
 * an account; the next run then sees `active` go from true to absent once and sends that person one more time.
 */
export function planUpload(diff: DiffResult, profile: Pick<Profile, 'leavers' | 'extension' | 'output'>, options: PlanOptions = {}): UploadPlan {
  if (options.feed !== undefined && (diff.feed === undefined || diff.feed.feed !== normalizeFeed(options.feed))) {
    // A plain diff holds every feed's people as possible leavers: planned as one feed it would disable the others'.
    throw new CoreError('INVALID_ARGUMENT',
      `The plan is for the feed "${normalizeFeed(options.feed)}" but the comparison was made ${diff.feed ? `for the feed "${diff.feed.feed}"` : 'without a feed'}; compare with diffUsers(..., { feed }) using the same feed.`,
      { location: { field: '/feed' } });
  }
  const namespace = profile.extension?.namespace;
  const leavers = profile.leavers;
  const thresholds = resolveThresholds(leavers);
  const operations: BulkOperation[] = [];
  const disables: BulkOperation[] = [];
  const missing: DiffRecord[] = [];
  /** People still in the file whom the file itself now marks inactive: disables too, for the gate. */
  let deactivated = 0;
  // Sending everyone (`full`) sends the waiting too: the person asked for it.
  const waiting = options.full ? new Map<string, WaitingPerson>() : waitingForManager(diff.records, diff.feed?.presentElsewhere);

  for (const record of diff.records) {
    if (waiting.has(record.externalId)) continue;
    switch (record.kind) {
      case 'missing':
        missing.push(record);
        break;
      case 'unchanged':
        if (options.full) operations.push(toOperation(record.data, namespace));
        break;
      case 'returning':
        operations.push(toOperation(record.data.active === undefined ? { ...record.data, active: true } : record.data, namespace));
        break;
      default:
        if (record.data.active === false && record.changes?.some((c) => c.path === 'active')) deactivated++;
        operations.push(toOperation(record.data, namespace));
    }
  }
  // Someone whose row has an error is still in the file: never a leaver. And when such a row has no
  // readable externalId, any leaver might be that person, so nobody is disabled until the rows are fixed.
  const inFile = new Set(options.heldBack ? [...options.heldBack.externalIds] : []);
  const heldBack = missing.filter((record) => inFile.has(record.externalId)).map((record) => record.externalId);
  const leaving = missing.filter((record) => !inFile.has(record.externalId));
  const withhold = leavers?.policy === 'disable' && (options.heldBack?.unidentified ?? 0) > 0 && leaving.length > 0;
  if (leavers?.policy === 'disable' && !withhold) {
    for (const record of leaving) disables.push(toOperation(disablePayload(record.data, record.externalId), namespace));
  }
  // Sending again someone whose last upload failed, exactly as accepted before, changes nothing: a bad
  // first day (say, managers not yet provisioned) must not block the retry.
  const retriesOnly = diff.records.filter(isRetryOnly).length;

  const { counts } = diff;
  // A feed's percentages are of its own people: other feeds' people can neither leave nor change here.
  const base = options.snapshotSize ?? diff.feed?.base ?? counts.changed + counts.unchanged + counts.missing;
  const whose = diff.feed ? t('finding.feed.gatePeople', { count: base, feed: diff.feed.feed }) : people(base);
  const reasons: string[] = [];
  const check = (n: number, what: string, pctField: keyof Thresholds, countField: keyof Thresholds) => {
    if (n === 0) return;
    const pct = base > 0 ? (n / base) * 100 : undefined;
    if (pct !== undefined && pct > thresholds[pctField]) {
      reasons.push(`${number(n)} of ${whose} (${percent(shownAbove(pct, thresholds[pctField]))}) would be ${what}; ` +
        `${allows(pctField, leavers)} at most ${percent(thresholds[pctField])}. ${AGAIN}`);
    } else if (n > thresholds[countField]) {
      reasons.push(`${people(n)} would be ${what}; ${allows(countField, leavers)} at most ${number(thresholds[countField])} at once. ${AGAIN}`);
    }
  };
  // A column misread as "inactive" disables people as surely as a file that lost them: same gate.
  check(disables.length + deactivated, 'disabled', 'maxDisablePercent', 'maxDisableCount');
  check(counts.changed - retriesOnly - deactivated + counts.returning, counts.returning > 0 ? 'changed or re-enabled' : 'changed', 'maxChangePercent', 'maxChangeCount');

  const calls = Math.ceil((operations.length + disables.length) / (profile.output?.chunkSize ?? MAX_BULK_OPERATIONS));
  return {
    operations,
    disables,
    gate: { tripped: reasons.length > 0 && !options.allowMassChanges, reasons },
    thresholds,
    calls,
    heldBack,
    disablesWithheld: withhold ? leaving.length : 0,
    waiting: [...waiting.values()],
    ...(diff.feed ? { feed: feedOfPlan(diff.feed, inFile) } : {}),
  };
}

/** People on rows with errors are still in this file: neither handed over nor released. */
function feedOfPlan(feed: FeedDiff, inFile: ReadonlySet<string>): FeedDiff {
  if (inFile.size === 0) return feed;
  return {
    ...feed,
    movedOut: feed.movedOut.filter((m) => !(m.handover && inFile.has(m.externalId))),
    released: feed.released.filter((id) => !inFile.has(id)),
  };
}
