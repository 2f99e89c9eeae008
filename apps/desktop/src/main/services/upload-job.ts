/** An upload as the upload service keeps it in memory, and the service's default timings. */
import type { BulkOperation, Profile, Snapshot } from '@scimport/core';
import { t } from '@scimport/messages';
import { feedOfRun, readChunkStates, type Run, type RunRecorder, type RunResults, type TargetLock } from '@scimport/transport';
import type { DiffView, UploadStatus } from '../../shared/contract';
import type { Connection } from './connection';
import type { toErrorData } from './errors';
import { newId } from './ids';
import { fromEntryPlan, type OutboxEntry, type UploadPlanInfo } from './outbox';
import type { PersonInfo } from './people';
import { describeTarget } from './diff';
import { requests, resultGroups, resultRows } from './upload-results';

export interface UploadJob {
  id: string;
  plan: UploadPlanInfo;
  /** The feed the upload sends as (kept in the run's meta). */
  feed?: string;
  /** The snapshot the plan was made from: trusted only while `lock` is held, then dropped. */
  snapshot?: Snapshot;
  /** The target's lock, held for a sending session (see lockTarget). */
  lock?: TargetLock;
  /** The session's snapshot bookkeeping (transport's RunRecorder): dropped with the lock. */
  recorder?: RunRecorder;
  run: Run;
  /** Operations of the plan not in this run (after "send one row first"); not kept across a restart. */
  rest: BulkOperation[];
  /** The profile, for cutting the rest into requests the same way (this session only). */
  profile?: Profile;
  firstOnly: boolean;
  people: number;
  state: UploadStatus['state'];
  progress: UploadStatus['progress'];
  results?: RunResults;
  message: string;
  error?: ReturnType<typeof toErrorData>;
  controller?: AbortController;
  /** Why the controller was aborted: a pause keeps the run, a cancel ends it. */
  stopping?: 'pause' | 'cancel';
  connection?: Connection;
  startedAt: string;
  calls: number;
  task: Promise<void>;
  /** In the outbox: its file says how to carry on after a restart. */
  inOutbox: boolean;
  /** The person paused it (a pause by closing the app does not count). */
  userPaused: boolean;
  /** Run the preflight again before sending (the upload waited; the job may have changed meanwhile). */
  recheck: boolean;
  retry?: { timer?: ReturnType<typeof setTimeout>; delayMs: number };
  /** The comparison it came from (this session only), recomputed once the upload ends. */
  diffId?: string;
  /** That comparison recomputed against the updated snapshot: what the next upload would send. */
  nextDiff?: DiffView;
  /** Everyone in the run, named, for the results (read from the run's journal). */
  persons?: Map<string, PersonInfo>;
  /**
   * Everything is accepted but some people have no result yet: Entra logs 5–10 minutes after processing. The outbox
   * keeps the run (so an app restart picks the results up), and `follow` reads them in the background.
   */
  awaitingResults?: boolean;
  /** Stops the background reading of late results. */
  follow?: AbortController;
  /** How much faster than real time the target runs (a sandbox that says so); 1 for Entra. */
  timeScale?: number;
}

export const DEFAULT_POLL = { sandbox: { intervalMs: 200, minutes: 1 }, tenant: { intervalMs: 30_000, minutes: 15 } };
export const DEFAULT_RETRY = { firstMs: 15_000, maxMs: 10 * 60_000 };

/** An upload of the outbox as it was before the app closed, read back from its entry and its run's journal. */
export async function reviveJob(entry: OutboxEntry, run: Run): Promise<UploadJob> {
  const states = await readChunkStates(run);
  const accepted = new Set(states.flatMap((s, i) => (s.state === 'accepted' ? [i + 1] : [])));
  const total = run.manifest.chunks.length;
  const plan = fromEntryPlan(entry.plan);
  return {
    id: newId('upload'),
    plan,
    run,
    rest: [],
    firstOnly: entry.firstOnly,
    people: entry.people,
    state: entry.awaitingResults ? 'done' : entry.userPaused ? 'paused' : 'queued',
    ...(entry.awaitingResults ? { awaitingResults: true } : {}),
    progress: { chunksTotal: total, chunksDone: accepted.size, chunksFailed: 0, calls: 0, throttles: 0, retries: 0, elapsedMs: 0 },
    message: entry.awaitingResults
      ? t('services.upload.awaitingResults', { target: plan.targetLabel })
      : t(entry.userPaused ? 'services.upload.pausedBeforeClose' : 'services.upload.carryingOn', { done: accepted.size, requests: requests(total), target: plan.targetLabel }),
    ...(feedOfRun(run) ? { feed: feedOfRun(run)! } : {}),
    startedAt: entry.startedAt,
    calls: entry.calls,
    task: Promise.resolve(),
    inOutbox: true,
    userPaused: entry.userPaused,
    recheck: true,
  };
}

/** An upload as the screens see it (`upload:status`). */
export function statusOf(job: UploadJob): UploadStatus {
  const results = job.results;
  const rows = results ? resultRows(results, job.plan, job.persons) : [];
  return {
    uploadId: job.id,
    runId: job.run.id,
    targetLabel: describeTarget(job.plan.target),
    state: job.state,
    firstOnly: job.firstOnly,
    people: job.people,
    remaining: job.rest.length,
    progress: job.progress,
    ...(results
      ? {
          results: {
            complete: results.complete,
            pending: results.pending.length,
            ...(results.expected && results.pending.length > 0 ? { expectedBy: results.expected.by } : {}),
            late: results.late,
            ...(results.note ? { note: results.note } : {}),
            summary: results.summary,
            rows,
            groups: resultGroups(rows),
          },
        }
      : {}),
    ...(job.nextDiff ? { nextDiff: job.nextDiff } : {}),
    ...(job.timeScale !== undefined && job.timeScale !== 1 ? { sandboxTimeScale: job.timeScale } : {}),
    ...(job.feed ? { feed: job.feed } : {}),
    message: job.message,
    ...(job.error ? { error: job.error } : {}),
  };
}
