/**
 * What a restart of the provisioning job costs uploads. Microsoft's FAQ ("How does restart provisioning work?",
 * entra-docs inbound-provisioning-api-faqs): if the job is running, the current cycle finishes on the staged data;
 * if it is not running, the data uploaded before the restart is purged and only new uploads are processed. Chunks
 * that were answered 202 but never processed are then gone although the journal says "accepted": this module finds
 * them (the job's last execution and the provisioning logs say what was processed) and marks them for a re-send.
 */
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './fsutil';
import type { JobStatusSummary } from './job';
import { JOURNAL_FILE, JournalWriter, readChunkStates } from './journal';
import { type Run, type RunTarget, listRuns, openRun } from './run-store';

/** The consequence of a restart, in the words the person restarting must read. */
export const RESTART_DROPS_CONSEQUENCE =
  'Uploads the job has not processed yet will be dropped if the job is not running when it restarts (Microsoft purges the data uploaded before the restart); scimport flags those runs so they can be sent again.';

const DROPPED_FILE = 'dropped.json';

/** The chunks of a run that a restart dropped before they were processed. */
export interface DroppedByRestart {
  version: 1;
  runId: string;
  /** When the job was restarted (ISO). */
  restartedAt: string;
  /** 1-based chunk numbers. */
  chunks: number[];
  /** People in those chunks. */
  people: number;
}

/** Facts about the job just before it was restarted, read with getJobStatus. */
export interface RestartContext {
  dataDir: string;
  target: Pick<RunTarget, 'tenantId' | 'servicePrincipalId' | 'jobId'>;
  /** The job's state before the restart. */
  before: Pick<JobStatusSummary, 'code' | 'lastExecution'>;
  /** When the restart was sent (ms since epoch). */
  restartedAt: number;
}

const sameTarget = (a: RestartContext['target'], b: RunTarget): boolean =>
  a.tenantId.toLowerCase() === b.tenantId.toLowerCase() && a.servicePrincipalId === b.servicePrincipalId && a.jobId === b.jobId;

/**
 * After a restart of a job that was not running: every run of the same target with chunks accepted after the job's
 * last processing (its lastExecution) and before the restart, whose people have no provisioning log entry since,
 * is flagged "dropped by restart" (dropped.json in the run folder). A running job finishes its cycle: nothing is
 * flagged. Returns the runs flagged.
 */
export async function flagDroppedByRestart(context: RestartContext): Promise<DroppedByRestart[]> {
  if (context.before.code === 'active') return [];
  const lastProcessed = Date.parse(context.before.lastExecution?.ended ?? '') || Number.NEGATIVE_INFINITY;
  const flagged: DroppedByRestart[] = [];
  for (const id of await listRuns(context.dataDir)) {
    const run = await openRun(context.dataDir, id).catch(() => undefined);
    if (!run || !sameTarget(context.target, run.manifest.target)) continue;
    const states = await readChunkStates(run);
    const logged = await loggedSince(run);
    const chunks = run.manifest.chunks.filter((chunk, i) => {
      const state = states[i];
      if (state?.state !== 'accepted') return false;
      const at = Date.parse(state.at);
      if (!(at > lastProcessed && at <= context.restartedAt)) return false;
      // Any of its people in the logs after its acceptance: the chunk was processed after all.
      return !chunk.externalIds.some((externalId) => (logged.get(externalId) ?? Number.NEGATIVE_INFINITY) >= at);
    });
    if (chunks.length === 0) continue;
    const dropped: DroppedByRestart = {
      version: 1,
      runId: run.id,
      restartedAt: new Date(context.restartedAt).toISOString(),
      chunks: chunks.map((c) => c.index),
      people: chunks.reduce((n, c) => n + c.operations, 0),
    };
    await writeJsonAtomic(path.join(run.dir, DROPPED_FILE), dropped);
    flagged.push(dropped);
  }
  return flagged;
}

/** When each person of a run was last seen in the provisioning logs, from the results stored by pollResults. */
async function loggedSince(run: Run): Promise<Map<string, number>> {
  const stored = await readJsonIfExists<{ version?: number; rows?: Record<string, { activityDateTime?: string }> }>(path.join(run.dir, 'results.json'));
  const out = new Map<string, number>();
  for (const [externalId, row] of Object.entries(stored?.rows ?? {})) {
    const at = Date.parse(row.activityDateTime ?? '');
    if (Number.isFinite(at)) out.set(externalId, at);
  }
  return out;
}

/** The chunks of a run a restart dropped, if it was flagged and not re-sent since. */
export function readDroppedByRestart(run: Run): Promise<DroppedByRestart | undefined> {
  return readJsonIfExists<DroppedByRestart>(path.join(run.dir, DROPPED_FILE));
}

/**
 * Make the dropped chunks of a run pending again in its journal, so the next upload of the run sends them (POST is
 * an upsert by externalId: sending a chunk twice is harmless). Returns the chunks made pending.
 */
export async function requeueDroppedChunks(run: Run): Promise<number[]> {
  const dropped = await readDroppedByRestart(run);
  if (!dropped || dropped.chunks.length === 0) return [];
  const journal = new JournalWriter(path.join(run.dir, JOURNAL_FILE));
  try {
    await Promise.all(dropped.chunks.map((chunk) => journal.append(chunk, { state: 'pending' }).durable));
  } finally {
    await journal.close();
  }
  // Re-sent from now on: the flag would only mislead.
  await writeJsonAtomic(path.join(run.dir, DROPPED_FILE), { ...dropped, chunks: [], people: 0 });
  return dropped.chunks;
}
