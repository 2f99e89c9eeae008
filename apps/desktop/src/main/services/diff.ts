/**
 * What changed since the last upload to the chosen target: the checked file's users against the snapshot of
 * what that target last accepted, and the safety gate that stops a mass disable or a mass change unless the
 * person allows it deliberately.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  diffUsers,
  feedMessages,
  feedOf,
  isFeedDerived,
  isRetryOnly,
  planUpload,
  resolveThresholds,
  SnapshotStore,
  type BulkRequest,
  type CurrentUser,
  type DiffRecord,
  type DiffResult,
  type FeedDiff,
  type Profile,
  type ProfileLeavers,
  type Snapshot,
  type SnapshotTarget,
} from '@scimport/core';
import { SANDBOX_DEFAULTS } from '@scimport/emulator';
import { t } from '@scimport/messages';
import type { DiffRecordView, DiffView, TargetSpec } from '../../shared/contract';
import { fail } from './errors';
import { BoundedMap, newId } from './ids';
import { displayNameOf, explainFailure, managerIdOf } from './people';
import type { ValidationJob, ValidationService } from './validation';

export interface DiffJob {
  id: string;
  validation: ValidationJob;
  /** The check's profile, with the leavers policy and safety limits the person set on the Changes screen. */
  profile: Profile;
  target: TargetSpec;
  snapshotTarget: Required<SnapshotTarget> & { servicePrincipalId: string };
  snapshot: Snapshot;
  /**
   * The snapshot file as it was when compared (modification time and size; undefined: there was none). An upload
   * starts only if it is still so: another upload since (the CLI's, say) would make this comparison stale.
   */
  snapshotStamp: string | undefined;
  /** The feed this file uploads as (`feedOf(profile)`). */
  feed: string;
  diff: DiffResult;
  view: DiffView;
  /** externalId → row of the file, for joining results back. */
  rows: Map<string, number>;
  /** People not sent again yet: they failed for want of a manager who is still not in Entra (core's planUpload). */
  waiting: Map<string, string>;
  /** Set when an upload started from this comparison: its people were sent, so it must not be sent again. */
  sent?: { targetLabel: string };
}

/** The kind a person is shown as: "retry" for the people sent again only because they failed last time. */
function kindOf(record: DiffRecord): DiffRecordView['kind'] {
  return isRetryOnly(record) ? 'retry' : record.kind;
}

/** Where a target's ids are: the sandbox's fixed ones, or the tenant's. */
export function targetIds(target: TargetSpec): { tenantId: string; servicePrincipalId: string; jobId: string } {
  return target.kind === 'sandbox'
    ? { tenantId: SANDBOX_DEFAULTS.tenantId, servicePrincipalId: SANDBOX_DEFAULTS.servicePrincipalId, jobId: SANDBOX_DEFAULTS.jobId }
    : { tenantId: target.tenantId, servicePrincipalId: target.servicePrincipalId, jobId: target.jobId };
}

/** One line naming where an upload goes, in words for the person choosing. */
export function describeTarget(target: TargetSpec): string {
  if (target.kind === 'sandbox') return t('services.target.sandbox');
  return t('services.target.tenant', { cloud: target.cloud, tenantId: target.tenantId, jobId: target.jobId });
}

export class DiffService {
  private readonly diffs = new BoundedMap<DiffJob>(4);

  constructor(
    private readonly validations: ValidationService,
    private readonly snapshots: () => Promise<SnapshotStore>,
  ) {}

  /**
   * Compares a check's people with what the target last accepted. `leavers` replaces the profile's leavers policy
   * and safety limits for this comparison (and the upload started from it), as set on the Changes screen.
   */
  async compute(jobId: string, target: TargetSpec, leavers?: ProfileLeavers): Promise<DiffView> {
    const validation = this.validations.get(jobId);
    const profile: Profile = leavers ? { ...validation.profile, leavers } : validation.profile;
    if (validation.state !== 'done' || !validation.summary) fail('REFUSED', t('services.diff.checkNotDone'));
    const ids = targetIds(target);
    const store = await this.snapshots();
    const snapshotStamp = await stampOf(store, ids);
    const snapshot = await store.load(ids);
    const rows = new Map(validation.summary.sent.map((s) => [s.externalId, s.row]));
    const current: CurrentUser[] = [];
    const files = (await readdir(validation.outDir)).filter((n) => /^bulk-\d+\.json$/.test(n)).sort();
    for (const name of files) {
      const request = JSON.parse(await readFile(join(validation.outDir, name), 'utf8')) as BulkRequest;
      for (const op of request.Operations) {
        const row = rows.get(op.data.externalId);
        current.push({ externalId: op.data.externalId, data: op.data, ...(row !== undefined ? { row } : {}) });
      }
    }
    // One feed of the job: only its own people can be leavers, and the limits are percentages of them.
    const feed = feedOf(profile);
    const diff = diffUsers(current, snapshot, { feed, ...(profile.precedence !== undefined ? { precedence: profile.precedence } : {}) });
    const plan = planUpload(diff, profile, { feed, heldBack: heldBackOf(validation.summary) });
    const id = newId('diff');
    const waiting = new Map(plan.waiting.map((w) => [w.externalId, w.manager]));
    const retriesOnly = diff.records.filter(isRetryOnly).length;
    const retries = retriesOnly - waiting.size;
    const view: DiffView = {
      diffId: id,
      // People sent again only because they failed last time are counted as retries, not as changed.
      counts: { ...diff.counts, changed: diff.counts.changed - retriesOnly },
      retries,
      waiting: waiting.size,
      heldBack: Math.max(0, validation.summary.rows - validation.summary.sent.length),
      leaverPolicy: profile.leavers?.policy ?? 'ignore',
      thresholds: resolveThresholds(profile.leavers),
      gate: plan.gate,
      operations: plan.operations.length,
      disables: plan.disables.length,
      calls: plan.calls,
      targetLabel: describeTarget(target),
      ...feedView(plan.feed!, isFeedDerived(profile)),
    };
    this.diffs.set(id, { id, validation, profile, waiting, target, snapshotTarget: { ...ids }, snapshot, snapshotStamp, feed, diff, view, rows });
    return view;
  }

  /**
   * The same check compared again with the target's snapshot as it is now: after an upload, what the next one
   * would send (zero when everything was accepted). Undefined when the check is no longer kept.
   */
  async recompute(diffId: string): Promise<DiffView | undefined> {
    const job = this.diffs.get(diffId);
    if (!job) return undefined;
    try {
      return await this.compute(job.validation.id, job.target, job.profile.leavers);
    } catch {
      return undefined;
    }
  }

  get(diffId: string): DiffJob {
    const job = this.diffs.get(diffId);
    if (!job) fail('NOT_FOUND', t('services.diff.gone'));
    return job;
  }

  /** A comparison whose people have not been sent yet: the one thing `upload:start` accepts. */
  unsent(diffId: string): DiffJob {
    const job = this.get(diffId);
    if (job.sent) fail('REFUSED', t('services.diff.alreadySent', { target: job.sent.targetLabel }));
    return job;
  }

  records(diffId: string, kind: DiffRecordView['kind'] | 'all', start: number, count: number): { total: number; records: DiffRecordView[] } {
    const { diff, snapshot, waiting } = this.get(diffId);
    const list = kind === 'all' ? diff.records : diff.records.filter((r) => kindOf(r) === kind);
    return {
      total: list.length,
      records: list.slice(start, start + count).map((r) => {
        const name = displayNameOf(r.data);
        const last = r.retry ? snapshot.records.get(r.externalId) : undefined;
        const reason = last ? (explainFailure(last.failure ?? {}, managerIdOf(last.data)) ?? t('services.retry.unknown')) : undefined;
        return {
          externalId: r.externalId,
          kind: kindOf(r),
          ...(r.row !== undefined ? { row: r.row } : {}),
          ...(name ? { displayName: name } : {}),
          ...(r.changes ? { changes: r.changes } : {}),
          ...(r.retry ? { retry: { ...(reason ? { reason } : {}), ...(waiting.has(r.externalId) ? { waitingFor: waiting.get(r.externalId)! } : {}) } } : {}),
        };
      }),
    };
  }
}

/** The feed's part of a comparison's view (see DiffView.feed). */
function feedView(feed: FeedDiff, derived: boolean): Pick<DiffView, 'feed' | 'movedIn' | 'movedOut' | 'conflicts' | 'notes'> {
  return {
    feed: {
      name: feed.feed,
      derived,
      adopted: feed.adopted,
      adoptedCount: feed.adoptedCount,
      base: feed.base,
      others: feed.others,
      otherFeeds: feed.otherFeeds,
      secondFeed: feed.secondFeed,
    },
    movedIn: feed.movedIn.map((m) => ({ externalId: m.externalId, to: m.to, ...(m.from !== undefined ? { from: m.from } : {}), ...(m.row !== undefined ? { row: m.row } : {}) })),
    movedOut: feed.movedOut.map((m) => ({ externalId: m.externalId, to: m.to, ...(m.from !== undefined ? { from: m.from } : {}), ...(m.row !== undefined ? { row: m.row } : {}) })),
    conflicts: feed.conflicts.map((c) => ({ ...c })),
    notes: feedMessages(feed, { derived }),
  };
}

/** The snapshot file's modification time and size, to tell whether it changed since (undefined: none yet). */
export async function stampOf(store: SnapshotStore, target: SnapshotTarget): Promise<string | undefined> {
  const info = await stat(store.pathFor(target)).catch(() => undefined);
  return info ? `${info.mtimeMs}:${info.size}` : undefined;
}

/** People on rows with errors are still in the file: never leavers (see core's planUpload). */
export function heldBackOf(summary: { heldBack: string[]; heldBackUnidentified: number } | undefined): { externalIds: string[]; unidentified: number } {
  return { externalIds: summary?.heldBack ?? [], unidentified: summary?.heldBackUnidentified ?? 0 };
}
