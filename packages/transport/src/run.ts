import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Clock, systemClock } from './clock';
import { TransportError, abortError, isTransportError } from './errors';
import { readJsonIfExists, writeJsonAtomic } from './fsutil';
import type { BulkRequest } from '@scimport/core';
import type { GraphClient } from './graph';
import { JOURNAL_FILE, JournalWriter, readChunkStates } from './journal';
import type { QuotaLedger } from './ledger';
import type { PacerEvent } from './pacer';
import { type ChunkState, type Run, type RunChunk, type UploadHistory, openRun, readChunk, readUploadHistory } from './run-store';

export * from './run-store';
export { readChunkStates, runStatus } from './journal';

/** Progress of an upload, reported after every call, throttle, retry and chunk. */
export interface UploadProgress {
  runId: string;
  chunksTotal: number;
  /** Accepted chunks (including those accepted by an earlier session). */
  chunksDone: number;
  chunksFailed: number;
  /** HTTP calls sent this session (including retries). */
  calls: number;
  /** 429 replies this session. */
  throttles: number;
  /** Retries after 5xx / network errors this session. */
  retries: number;
  tokenRefreshes: number;
  /** Whole-run pauses because the job's queue was full (HTTP 500 "bucket full") this session. */
  bucketFullPauses: number;
  /**
   * Set while the whole run waits for the job's queue to drain ("bucket full": Microsoft advises waiting 5–10
   * minutes): until when (ms since epoch). Nothing is failed meanwhile; the run carries on by itself.
   */
  pausedUntil?: number;
  elapsedMs: number;
  /** Estimated time to finish; undefined until it can be estimated. */
  etaMs?: number;
  /** What just happened, for a status line. */
  last?: PacerEvent | { type: 'chunk'; chunk: number; state: ChunkState['state'] };
}

export interface UploadOptions {
  /** Graph client of the run's target; its pacer paces the upload. */
  client: GraphClient;
  /**
   * Quota ledger to check against (default: the client's, which is also where calls are counted); with
   * `dailyQuota`, the upload is refused up front if it does not fit.
   */
  ledger?: QuotaLedger;
  /** The tenant's daily call quota (2000 for P1/P2, 6000 for Governance). */
  dailyQuota?: number;
  /** Send even if the ledger says the quota will not last. */
  allowOverQuota?: boolean;
  /**
   * Chunks read and journalled as `sending` ahead of those in flight, waiting for a window slot (default 4).
   * Without them a slot that frees up waits for the chunk's read and its journal write, time the window loses. A
   * crash resends at most the pacer's concurrency + lookahead chunks (harmless: POST is an upsert, but each resend
   * costs a call of the daily quota).
   */
  lookahead?: number;
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Called once for every chunk Entra accepts in this session, after its `accepted` line is durable in the journal,
   * with the request sent and the time of the 202 (the journal's). This is where the snapshot records the chunk
   * (see RunRecorder). The upload goes on meanwhile but returns only once every call has settled; a call that
   * fails stops the upload like a chunk that failed (a snapshot that cannot be saved must not fall further behind).
   */
  onAccepted?: (chunk: number, request: BulkRequest, at: Date) => Promise<void> | void;
  signal?: AbortSignal;
  clock?: Clock;
}

export interface UploadSummary {
  runId: string;
  chunksTotal: number;
  accepted: number;
  /** Chunks sent (successfully) in this session. */
  sentThisSession: number;
  /** Chunks found in state `sending` (interrupted mid-send) and therefore sent again. */
  resent: number[];
  calls: number;
  throttles: number;
  retries: number;
  /** Whole-run pauses for a full queue ("bucket full"). */
  bucketFullPauses: number;
  durationMs: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// One uploader per run: a second process resuming the same run would send chunks twice.
async function lockRun(run: Run): Promise<() => Promise<void>> {
  const file = path.join(run.dir, 'upload.lock');
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      await handle.close();
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TransportError('IO', `Could not lock run ${run.id}: ${(err as Error).message}.`, { cause: err });
      const holder = await readJsonIfExists<{ pid?: number }>(file).catch(() => undefined);
      if (holder?.pid && holder.pid !== process.pid && pidAlive(holder.pid)) {
        throw new TransportError('RUN_LOCKED', `Run ${run.id} is being uploaded by another scimport process (pid ${holder.pid}). Wait for it to finish, or stop it first.`, { details: { runId: run.id } });
      }
      // The holder is gone (crashed): the lock is stale.
      await fs.rm(file, { force: true });
    }
  }
  throw new TransportError('RUN_LOCKED', `Run ${run.id} could not be locked for upload.`, { details: { runId: run.id } });
}

function chunkLabel(chunk: RunChunk, total: number): string {
  const first = chunk.bulkIds[0];
  const last = chunk.bulkIds[chunk.bulkIds.length - 1];
  const ids = first === last ? `bulkId ${first}` : `bulkIds ${first}…${last}`;
  return `chunk ${chunk.index} of ${total} (${chunk.operations} users, ${ids})`;
}

/**
 * Upload every chunk of a run that is not yet accepted, through the client's pacer. Each chunk's state is appended
 * to the run's journal before sending (`sending`) and after (`accepted` / `failed`; the upload goes on while an
 * `accepted` is being made durable and waits for all of them before it returns; see JournalWriter), so after a
 * crash `resumeRun` sends exactly the chunks not known to be accepted; a chunk caught in `sending` is sent again
 * (harmless: POST is an upsert by externalId). A chunk holding reports waits until the chunks holding their
 * managers are accepted. The first chunk that fails for good stops the upload: chunks
 * in flight complete, no new ones start, and the error is thrown (details.chunk, details.bulkIds).
 */
export async function uploadRun(run: Run, options: UploadOptions): Promise<UploadSummary> {
  const clock = options.clock ?? options.client.pacer.clock ?? systemClock;
  const { client, signal } = options;
  const target = run.manifest.target;
  if (client.credential.tenantId.toLowerCase() !== target.tenantId.toLowerCase() || client.servicePrincipalId !== target.servicePrincipalId || (client.jobId && client.jobId !== target.jobId)) {
    throw new TransportError(
      'INVALID_CONFIG',
      `Run ${run.id} was prepared for tenant ${target.tenantId}, service principal ${target.servicePrincipalId}, job ${target.jobId}; the connection points elsewhere (tenant ${client.credential.tenantId}, service principal ${client.servicePrincipalId}, job ${client.jobId ?? 'unset'}). Use the run's own target.`,
      { details: { runId: run.id } },
    );
  }
  client.jobId ??= target.jobId;
  if (signal?.aborted) throw abortError(signal, 'The upload');

  const lookahead = options.lookahead ?? 4;
  if (!Number.isInteger(lookahead) || lookahead < 0) {
    throw new TransportError('INVALID_ARGUMENT', `The upload lookahead must be a whole number of chunks, 0 or more (got ${String(lookahead)}).`);
  }
  const release = await lockRun(run);
  const journal = new JournalWriter(path.join(run.dir, JOURNAL_FILE));
  const startedAt = clock.now();
  const total = run.manifest.chunks.length;
  const stats = { calls: 0, throttles: 0, retries: 0, tokenRefreshes: 0, bucketFullPauses: 0 };
  let bucketUntil = 0;
  let done = 0;
  let failed = 0;
  let sentThisSession = 0;
  const resent: number[] = [];
  let unsubscribe: () => void = () => undefined;
  let history: UploadHistory | undefined;
  const historyFile = path.join(run.dir, 'upload.json');
  try {
    const states = await readChunkStates(run);
    const todo = run.manifest.chunks.filter((c, i) => states[i]?.state !== 'accepted');
    done = total - todo.length;
    for (const c of todo) if (states[c.index - 1]?.state === 'sending') resent.push(c.index);

    const ledger = options.ledger ?? client.ledger;
    if (ledger && options.dailyQuota && todo.length > 0) {
      await ledger.ensureRoom(target.tenantId, options.dailyQuota, todo.length, options.allowOverQuota ?? false);
    }

    const report = (last?: UploadProgress['last']): void => {
      if (!options.onProgress) return;
      const elapsedMs = clock.now() - startedAt;
      const doneHere = sentThisSession;
      const remaining = total - done;
      let etaMs: number | undefined;
      if (remaining === 0) etaMs = 0;
      else if (doneHere > 0) {
        // The measured pace, but never faster than the window allows.
        const floor = (remaining / client.pacer.windowCalls) * client.pacer.windowMs;
        etaMs = Math.max(floor, (elapsedMs / doneHere) * remaining);
      }
      try {
        const pausedUntil = bucketUntil > clock.now() ? bucketUntil : undefined;
        if (pausedUntil !== undefined && etaMs !== undefined) etaMs += pausedUntil - clock.now();
        options.onProgress({
          runId: run.id,
          chunksTotal: total,
          chunksDone: done,
          chunksFailed: failed,
          ...stats,
          elapsedMs,
          ...(etaMs !== undefined ? { etaMs } : {}),
          ...(pausedUntil !== undefined ? { pausedUntil } : {}),
          ...(last ? { last } : {}),
        });
      } catch {
        // a broken progress bar must not break the upload
      }
    };
    unsubscribe = client.pacer.onEvent((event) => {
      if (event.type === 'call') stats.calls += 1;
      else if (event.type === 'throttle') stats.throttles += 1;
      else if (event.type === 'retry') stats.retries += 1;
      else if (event.type === 'tokenRefresh') stats.tokenRefreshes += 1;
      else if (event.type === 'bucketFull') {
        // One pause of the whole run, however many chunks in flight ran into the full queue.
        if (event.until > bucketUntil + 1000) stats.bucketFullPauses += 1;
        bucketUntil = Math.max(bucketUntil, event.until);
      }
      report(event);
    });

    if (todo.length > 0) {
      history = (await readUploadHistory(run)) ?? { startedAt: new Date(startedAt).toISOString(), sessions: [] };
      history.sessions.push({ startedAt: new Date(startedAt).toISOString(), pid: process.pid });
      await writeJsonAtomic(historyFile, history);
    }
    report();

    let stopError: unknown;
    const queue = [...todo];
    const acceptedSet = new Set(run.manifest.chunks.filter((_, i) => states[i]?.state === 'accepted').map((c) => c.index));
    // Workers waiting for a dependency wake up whenever any chunk finishes.
    let wake: () => void = () => undefined;
    let changed = new Promise<void>((resolve) => (wake = resolve));
    const notify = (): void => {
      wake();
      changed = new Promise<void>((resolve) => (wake = resolve));
    };
    // The first queued chunk whose managers' chunks are accepted. The earliest queued chunk only ever waits for
    // chunks in flight (dependencies point backwards), so this cannot deadlock.
    const takeReady = async (): Promise<RunChunk | undefined> => {
      for (;;) {
        if (stopError !== undefined || signal?.aborted || queue.length === 0) return undefined;
        const at = queue.findIndex((c) => (c.dependsOn ?? []).every((d) => acceptedSet.has(d)));
        if (at >= 0) return queue.splice(at, 1)[0];
        await changed;
      }
    };
    signal?.addEventListener('abort', notify, { once: true });
    // `accepted` entries being written: the worker moves on to the next chunk meanwhile.
    const journalling = new Set<Promise<void>>();
    const journalAccepted = (index: number, state: ChunkState & { state: 'accepted' }, request: BulkRequest): void => {
      const onAccepted = options.onAccepted;
      const durable = journal.append(index, state).durable;
      const write = (onAccepted ? durable.then(() => onAccepted(index, request, new Date(state.at))) : durable).catch((err: unknown) => {
        stopError ??= err;
        notify();
      });
      journalling.add(write);
      void write.finally(() => journalling.delete(write));
    };
    const worker = async (): Promise<void> => {
      try {
        await work();
      } catch (err) {
        // An IO failure of the journal itself: stop like any other failure, never leave workers running.
        stopError ??= err;
        notify();
      }
    };
    const work = async (): Promise<void> => {
      for (;;) {
        const chunk = await takeReady();
        if (!chunk) return;
        const previous = states[chunk.index - 1];
        const sends = (previous && 'sends' in previous ? previous.sends : 0) + 1;
        const request = await readChunk(run, chunk.index);
        await journal.append(chunk.index, { state: 'sending', since: new Date(clock.now()).toISOString(), sends }).written;
        report({ type: 'chunk', chunk: chunk.index, state: 'sending' });
        try {
          const result = await client.bulkUpload(request, {
            label: chunkLabel(chunk, total),
            details: { chunk: chunk.index, bulkIds: chunk.bulkIds, runId: run.id },
            ...(signal ? { signal } : {}),
          });
          const accepted: ChunkState & { state: 'accepted' } = {
            state: 'accepted',
            status: result.status,
            ...(result.location ? { location: result.location } : {}),
            ...(result.requestId ? { requestId: result.requestId } : {}),
            at: new Date(clock.now()).toISOString(),
            sends,
          };
          journalAccepted(chunk.index, accepted, request);
          acceptedSet.add(chunk.index);
          notify();
          done += 1;
          sentThisSession += 1;
          report({ type: 'chunk', chunk: chunk.index, state: 'accepted' });
        } catch (err) {
          // Cancelled mid-send: the service may or may not have it, so the chunk stays `sending` and is resent.
          if (signal?.aborted) {
            stopError ??= abortError(signal, 'The upload');
            notify();
            return;
          }
          const failure: ChunkState = {
            state: 'failed',
            reason: isTransportError(err) ? err.message : String(err),
            code: isTransportError(err) ? err.code : 'UNKNOWN',
            at: new Date(clock.now()).toISOString(),
            sends,
          };
          await journal.append(chunk.index, failure).durable;
          failed += 1;
          stopError ??= err;
          notify();
          report({ type: 'chunk', chunk: chunk.index, state: 'failed' });
          return;
        }
      }
    };
    const workers = Array.from({ length: Math.min(client.pacer.concurrency + lookahead, todo.length) }, () => worker());
    await Promise.all(workers);
    while (journalling.size > 0) await Promise.all([...journalling]);
    signal?.removeEventListener('abort', notify);
    if (stopError === undefined && signal?.aborted) stopError = abortError(signal, 'The upload');
    if (history) {
      const session = history.sessions[history.sessions.length - 1];
      if (session) {
        session.endedAt = new Date(clock.now()).toISOString();
        session.outcome = stopError === undefined ? 'completed' : 'stopped';
      }
      await writeJsonAtomic(historyFile, history);
    }
    // The ledger writes its counts in batches behind the calls: make them durable before saying we are done.
    const ledgerError = await client.ledger?.flush().then(() => undefined, (err: unknown) => err);
    const ledgerProblem = ledgerError === undefined ? '' : ` The quota ledger could not save the count of calls sent: ${isTransportError(ledgerError) ? ledgerError.message : String(ledgerError)}`;
    if (stopError !== undefined) {
      if (isTransportError(stopError)) {
        Object.assign(stopError.details, { runId: run.id });
        if (stopError.code !== 'ABORTED') {
          stopError.message = `${stopError.message} (Run ${run.id}: ${done} of ${total} chunks accepted; resume it once the cause is fixed.)`;
        }
        stopError.message += ledgerProblem;
      }
      throw stopError;
    }
    if (ledgerError !== undefined) {
      throw new TransportError('IO', `All ${total} chunks of run ${run.id} were accepted, but${ledgerProblem.replace(/^ The/, ' the')} Until it can, the daily-quota check under-counts this upload.`, {
        details: { runId: run.id, ...(isTransportError(ledgerError) ? ledgerError.details : {}) },
        cause: ledgerError,
      });
    }
    report();
    return { runId: run.id, chunksTotal: total, accepted: done, sentThisSession, resent, ...pick(stats), durationMs: clock.now() - startedAt };
  } finally {
    unsubscribe();
    // A failure before the end (journal IO, a bad quota check) still leaves the counts made so far on disk.
    await client.ledger?.flush().catch(() => undefined);
    await journal.close();
    await release();
  }
}

function pick(stats: { calls: number; throttles: number; retries: number; bucketFullPauses: number }): Pick<UploadSummary, 'calls' | 'throttles' | 'retries' | 'bucketFullPauses'> {
  return { calls: stats.calls, throttles: stats.throttles, retries: stats.retries, bucketFullPauses: stats.bucketFullPauses };
}

/** Open run `runId` in `dataDir` and upload what is left of it (see uploadRun). */
export async function resumeRun(runId: string, options: UploadOptions & { dataDir: string }): Promise<UploadSummary> {
  const run = await openRun(options.dataDir, runId);
  return uploadRun(run, options);
}
