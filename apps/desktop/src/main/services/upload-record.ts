/**
 * The app's side of the snapshot bookkeeping the CLI shares (core's SnapshotRecorder, transport's RunRecorder and
 * target lock): the lock an upload holds, the feed's run recorded before sending, late failures and job restarts
 * recorded under the lock. The recording itself is the shared workflow's; here is only when the app calls it.
 */
import { SnapshotRecorder, type FeedDiff, type SnapshotStore } from '@scimport/core';
import { t } from '@scimport/messages';
import { RunRecorder, isTargetLocked, lockTarget, openRun, type DroppedByRestart, type RunResults, type TargetLock } from '@scimport/transport';
import { stampOf, type DiffJob } from './diff';
import { fail, toErrorData } from './errors';
import type { UploadJob } from './upload-job';
import { failuresOf } from './upload-results';

/** How long recording late results (or a job restart) waits for an upload holding the target's lock. */
const LATE_LOCK_WAIT_MS = 10 * 60_000;

/** True when a feed's plan changes who owns whom, although it sends nothing (recorded by `upload:start`). */
export function decidesOwnership(feed: FeedDiff | undefined): boolean {
  return feed !== undefined && (feed.adopted || feed.movedIn.length > 0 || feed.movedOut.length > 0 || feed.released.length > 0 || feed.conflicts.some((c) => c.winner !== feed.feed));
}

/**
 * How long `upload:start` waits for the lock: the app's own background work (late results) holds it for moments;
 * another upload holds it for minutes, and the person is told so rather than kept waiting.
 */
const START_LOCK_WAIT_MS = 5_000;

/** The target's lock for an upload; held by another (the CLI's, say), REFUSED with the sentence naming it. */
export async function lockForUpload(dataDir: string, target: { tenantId: string; jobId: string }): Promise<TargetLock> {
  try {
    return await lockTarget(dataDir, target, { purpose: 'an upload', waitMs: START_LOCK_WAIT_MS });
  } catch (error) {
    if (isTargetLocked(error)) fail('REFUSED', toErrorData(error).message);
    throw error;
  }
}

/**
 * Under the lock, before anything is sent: refuses a comparison whose snapshot changed since (another upload was
 * recorded meanwhile), then records what the feed's run decided about ownership, saved at once.
 */
export async function recordFeedRun(store: SnapshotStore, diff: DiffJob, feed: FeedDiff | undefined): Promise<void> {
  if ((await stampOf(store, diff.snapshotTarget)) !== diff.snapshotStamp) fail('REFUSED', t('services.upload.snapshotChanged'));
  if (!feed) return;
  const recorder = await SnapshotRecorder.open({ store, target: diff.snapshotTarget, feed: diff.feed, snapshot: diff.snapshot });
  await recorder.feedRun(feed);
}

/** Ends a session's hold on the target: the snapshot in memory is stale from now on. */
export async function unlock(job: UploadJob): Promise<void> {
  const lock = job.lock;
  job.lock = undefined;
  job.recorder = undefined;
  job.snapshot = undefined;
  await lock?.release().catch(() => undefined);
}

/**
 * Marks late failures in the snapshot (kept with their reason: the next comparison shows them as "retry — failed
 * last time because …"), under the target's lock, waiting for an upload that holds it.
 */
export async function recordLate(dataDir: string, store: SnapshotStore, job: UploadJob, results: RunResults): Promise<void> {
  if (failuresOf(results).length === 0) return;
  const lock = await lockTarget(dataDir, job.plan.snapshotTarget, { waitMs: LATE_LOCK_WAIT_MS, purpose: 'recording results' });
  try {
    await (await RunRecorder.open(job.run, { store })).failures(results);
  } finally {
    await lock.release();
  }
}

/**
 * People of runs a job restart dropped before processing (see flagDroppedByRestart) are marked failed in their
 * target's snapshot, under its lock, so the next comparison sends them again instead of taking them for up to date.
 */
export async function markDropped(dataDir: string, store: SnapshotStore, dropped: readonly DroppedByRestart[]): Promise<void> {
  for (const d of dropped) {
    const run = await openRun(dataDir, d.runId);
    const { tenantId, jobId } = run.manifest.target;
    const lock = await lockTarget(dataDir, run.manifest.target, { waitMs: LATE_LOCK_WAIT_MS, purpose: 'recording a job restart' });
    try {
      const recorder = await SnapshotRecorder.open({ store, target: { tenantId, jobId } });
      await recorder.failed(d.chunks.flatMap((i) => run.manifest.chunks[i - 1]?.externalIds ?? []).map((externalId) => ({ externalId, reason: t('services.job.droppedReason') })));
    } finally {
      await lock.release();
    }
  }
}
