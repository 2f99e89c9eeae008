import path from 'node:path';
import { type Clock, sleep, systemClock } from './clock';
import { TransportError, abortError } from './errors';
import { readJsonIfExists, writeJsonAtomic } from './fsutil';
import { type GraphClient, type ProvisioningLogEntry, odataString } from './graph';
import { type ChunkState, type Run, readChunkStates, readUploadHistory } from './run';

/**
 * How long after processing Entra writes the provisioning logs: 5–10 minutes (entra-docs
 * inbound-provisioning-api-issues, "There's nothing in the provisioning logs"). An empty log before then is normal.
 */
export const LOG_LAG_MS = Object.freeze({ min: 5 * 60_000, max: 10 * 60_000 });

/** When a run's results should be in the provisioning logs. */
export interface ResultsExpected {
  /** The last chunk accepted (ISO). */
  lastAcceptedAt: string;
  /** From when results are expected (ISO): the last acceptance plus the shortest documented lag. */
  from: string;
  /** By when every result should be there (ISO): the last acceptance plus the longest documented lag. */
  by: string;
}

/**
 * When the results of a run are expected, from its journal: its last accepted chunk plus Entra's documented log lag
 * (divided by `timeScale` for a sandbox that runs faster than real time). Undefined when nothing was accepted.
 */
export function resultsExpected(states: readonly ChunkState[], options: { timeScale?: number; logLagMs?: { min: number; max: number } } = {}): ResultsExpected | undefined {
  const scale = options.timeScale && options.timeScale > 0 ? options.timeScale : 1;
  const lag = options.logLagMs ?? LOG_LAG_MS;
  let last = Number.NEGATIVE_INFINITY;
  for (const state of states) if (state.state === 'accepted') last = Math.max(last, Date.parse(state.at));
  if (!Number.isFinite(last)) return undefined;
  const at = (ms: number): string => new Date(last + ms / scale).toISOString();
  return { lastAcceptedAt: new Date(last).toISOString(), from: at(lag.min), by: at(lag.max) };
}

/** One user of a run, joined with its provisioning log entry. */
export interface ResultRow {
  externalId: string;
  bulkId: string;
  /** 1-based chunk number. */
  chunk: number;
  /** create, update, delete, disable, stagedDelete, other. */
  action: string;
  /** success, failure, skipped, warning. */
  status: string;
  errorCode?: string;
  reason?: string;
  recommendedAction?: string;
  activityDateTime: string;
  /** Id of the log entry, for support. */
  logId: string;
}

export interface RunResults {
  /** Counts by action, then status: `{ create: { success: 10, failure: 1 } }`. */
  summary: Record<string, Record<string, number>>;
  /** One row per externalId seen in the logs (the latest entry wins), in chunk order. */
  rows: ResultRow[];
  /** externalIds of accepted chunks without a log entry yet. */
  pending: string[];
  /** True once every externalId of the accepted chunks has a log entry. */
  complete: boolean;
  /** When the logs were last read (ISO). */
  polledAt: string;
  /** A hint for the person when results are missing. */
  note?: string;
  /**
   * When the results are expected (Entra logs 5–10 minutes after processing). People in `pending` before `expected.by`
   * are simply waiting: never a failure.
   */
  expected?: ResultsExpected;
  /** People are still waiting after `expected.by`: worth a look at the job (still not a failure of theirs). */
  late: boolean;
}

export interface PollOptions {
  client: GraphClient;
  /**
   * Stop reading after this many minutes (0: read once). Default: until the documented lag has passed since the last
   * accepted chunk, plus 5 minutes (scaled), and at least one read. Stopping early is no failure: whoever is still
   * waiting stays `pending`, and a later call picks up from the stored results.
   */
  minutes?: number;
  /** Speed-up of a sandbox's clock (GET /sandbox); divides the documented lag. Default: the client's pacer's. */
  timeScale?: number;
  /** The documented lag (unscaled). Default LOG_LAG_MS. */
  logLagMs?: { min: number; max: number };
  /** Pause between reads of the logs (default 30 s). */
  intervalMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  /** Logs are read from this long before the first send, to absorb clock skew (default 60 s). */
  skewMs?: number;
  /** Page size asked of Graph (default 500). */
  top?: number;
  /** Called after each read of the logs. */
  onPoll?: (results: RunResults) => void;
}

interface StoredResults {
  version: 1;
  rows: Record<string, ResultRow>;
  polledAt: string;
}

function summarize(rows: ResultRow[]): Record<string, Record<string, number>> {
  const summary: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    const byStatus = (summary[row.action] ??= {});
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
  }
  return summary;
}

function toRow(entry: ProvisioningLogEntry, origin: { bulkId: string; chunk: number }, externalId: string): ResultRow {
  const info = entry.provisioningStatusInfo ?? undefined;
  const error = info?.errorInformation ?? undefined;
  const row: ResultRow = {
    externalId,
    bulkId: origin.bulkId,
    chunk: origin.chunk,
    action: entry.provisioningAction ?? 'other',
    status: info?.status ?? 'unknown',
    activityDateTime: entry.activityDateTime,
    logId: entry.id,
  };
  if (error?.errorCode) row.errorCode = error.errorCode;
  if (error?.reason) row.reason = error.reason;
  if (error?.recommendedAction) row.recommendedAction = error.recommendedAction;
  return row;
}

/**
 * Read the provisioning logs of a run's job from the run's first send on, join each entry's
 * `sourceIdentity.id` (the externalId) back to the run's operations, and keep polling until every externalId
 * of the accepted chunks has an entry, `minutes` pass, or `signal` fires (then ABORTED is thrown; what was found
 * is already saved). Results are stored in the run folder (`results.json`), so polling can stop and resume.
 */
export async function pollResults(run: Run, options: PollOptions): Promise<RunResults> {
  const clock = options.clock ?? systemClock;
  const { client, signal } = options;
  const intervalMs = options.intervalMs ?? 30_000;
  const file = path.join(run.dir, 'results.json');
  const timeScale = options.timeScale ?? client.pacer.timeScale;

  const history = await readUploadHistory(run);
  if (!history) {
    throw new TransportError('INVALID_ARGUMENT', `Run ${run.id} has not been uploaded yet, so there are no results to read. Upload it first.`, { details: { runId: run.id } });
  }
  const from = new Date(Date.parse(history.startedAt) - (options.skewMs ?? 60_000)).toISOString();
  const filter = `jobId eq ${odataString(run.manifest.target.jobId)} and activityDateTime ge ${from}`;

  // Only users of accepted chunks are expected in the logs.
  const states = await readChunkStates(run);
  const expected = resultsExpected(states, { timeScale, ...(options.logLagMs ? { logLagMs: options.logLagMs } : {}) });
  const grace = (5 * 60_000) / timeScale;
  const deadline = options.minutes !== undefined
    ? clock.now() + options.minutes * 60_000
    : Math.max(clock.now(), expected ? Date.parse(expected.by) + grace : clock.now());
  const origin = new Map<string, { bulkId: string; chunk: number }>();
  const wanted: string[] = [];
  for (const chunk of run.manifest.chunks) {
    const accepted = states[chunk.index - 1]?.state === 'accepted';
    chunk.externalIds.forEach((externalId, i) => {
      origin.set(externalId, { bulkId: chunk.bulkIds[i] ?? '', chunk: chunk.index });
      if (accepted) wanted.push(externalId);
    });
  }

  const stored = await readJsonIfExists<StoredResults>(file);
  const rows = new Map<string, ResultRow>(Object.entries(stored?.version === 1 ? stored.rows : {}));
  let polledAt = stored?.polledAt ?? new Date(clock.now()).toISOString();
  let dirty = !stored;

  const snapshot = (): RunResults => {
    const ordered = [...rows.values()].sort((a, b) => a.chunk - b.chunk || a.bulkId.localeCompare(b.bulkId, 'en', { numeric: true }));
    const pending = wanted.filter((id) => !rows.has(id));
    const late = pending.length > 0 && expected !== undefined && Date.parse(polledAt) > Date.parse(expected.by);
    const result: RunResults = { summary: summarize(ordered), rows: ordered, pending, complete: pending.length === 0, polledAt, late, ...(expected ? { expected } : {}) };
    if (pending.length > 0) {
      const who = `${pending.length} user${pending.length === 1 ? ' has' : 's have'} no provisioning log entry yet`;
      result.note = late
        ? `${who}, later than the 5–10 minutes Entra usually takes; check that the provisioning job is started (an upload to a paused job is accepted but never processed).`
        : `${who}: Entra writes its provisioning logs 5–10 minutes after processing${expected ? `, so expect them by ${expected.by}` : ''}. They are waiting, not failed.`;
    }
    return result;
  };

  for (;;) {
    if (signal?.aborted) throw abortError(signal, 'Reading the provisioning logs');
    if (wanted.some((id) => !rows.has(id))) {
      let changed = false;
      for await (const entry of client.provisioningLogs({ filter, top: options.top ?? 500, ...(signal ? { signal } : {}) })) {
        const externalId = entry.sourceIdentity?.id;
        if (!externalId) continue;
        const where = origin.get(externalId);
        if (!where) continue; // another upload's user
        const known = rows.get(externalId);
        if (known && (known.logId === entry.id || Date.parse(known.activityDateTime) > Date.parse(entry.activityDateTime))) continue;
        rows.set(externalId, toRow(entry, where, externalId));
        changed = true;
      }
      polledAt = new Date(clock.now()).toISOString();
      if (changed || dirty) {
        await writeJsonAtomic(file, { version: 1, rows: Object.fromEntries(rows), polledAt } satisfies StoredResults);
        dirty = false;
      }
    }
    const result = snapshot();
    options.onPoll?.(result);
    if (result.complete) return result;
    if (clock.now() + intervalMs > deadline) {
      // A paused or quarantined job explains an empty log whatever the lag: it will never process the upload.
      const reason = await jobProblem(client, run.manifest.target.jobId, signal);
      if (reason) result.note = `${result.pending.length} user(s) have no provisioning log entry: ${reason}`;
      return result;
    }
    await sleep(clock, intervalMs, signal);
  }
}

/** Why a job would not process uploads (paused, quarantined), or undefined if it looks fine or cannot be read. */
async function jobProblem(client: GraphClient, jobId: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const job = await client.getJob({ jobId, ...(signal ? { signal } : {}) });
    const code = job.status?.code?.toLowerCase();
    if (code === 'paused' || code === 'notrun' || code === 'notconfigured') {
      const state = code === 'paused' ? 'paused' : code === 'notrun' ? 'not started' : 'not configured';
      return `the provisioning job is ${state}; uploads to it are accepted but not processed. Start the job (Provisioning → Start provisioning), then upload again.`;
    }
    if (code === 'quarantine' || job.status?.quarantine) {
      const why = job.status?.quarantine?.reason ? ` (${job.status.quarantine.reason})` : '';
      return `the provisioning job is in quarantine${why}; fix the cause shown on the provisioning page, then restart the job.`;
    }
  } catch {
    // Without Synchronization.Read.All the job cannot be read; the generic note stands.
  }
  return undefined;
}
