/**
 * What `upload` and `resume` share: the call budget check, and sending a run (journal, snapshot, provisioning
 * logs, results, history). `status` reuses the row counts and the history sentence.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { type DiffCounts, type HistoryEntryInput, type Profile, type RunOutcome, type Snapshot, isCoreError } from '@scimport/core';
import {
  DAILY_QUOTAS,
  type Run,
  type RunResults,
  type UploadSummary,
  QuotaLedger,
  RunRecorder,
  describeMs,
  isTransportError,
  lockTarget,
  readAndRecordResults,
  readChunkStates,
  redact,
  resultsExpected,
  runStatus,
  sendAndRecord,
  sourceUserObject,
} from '@scimport/transport';
import { CliError, EXIT } from '../errors';
import type { CliIo } from '../io';
import { plural } from '../format';
import { type countsJson, snapshotStore } from './diff';
import { recordHistory } from './history';
import { type Connection, type ConnectionSpec, openConnection, toCliError } from './upload-connection';
import { uploadProgressBar } from './upload-progress';
import { type ResultLine, hasFailures, printResults, resultLines, resultsJson, writeResultsCsv } from './upload-results';

export interface SendOptions {
  json?: boolean;
  wait?: boolean;
  waitMinutes?: number;
  allowOverQuota?: boolean;
  maxCalls?: number;
  dailyQuota?: number;
}

/** What a run's history entries repeat (kept in the run's meta, so that resume records the same). */
export interface RunHistoryMeta {
  /** The uploaded file (absent for an undo, which sends no file). */
  file?: { name: string; sha256: string };
  counts: DiffCounts;
  /** The feed the run uploads as. */
  feed?: string;
  operations: number;
  disables: number;
  full?: boolean;
  allowMassChanges?: boolean;
  /** The run an undo undoes. */
  undoOf?: string;
}

/** One line for the history from anything thrown (transport messages are redacted; none carries a secret). */
export function errorSentence(error: unknown): string {
  if (error instanceof CliError || isCoreError(error) || isTransportError(error)) return redact(error.message);
  return redact(error instanceof Error ? error.message : String(error));
}

/** What the transform found, kept in the run's meta so that resume and status can report it. */
export interface RowCounts {
  rows: number;
  valid: number;
  invalid: number;
}

/** The parts of a profile a sandbox run needs later (the sandbox's job schema must know the custom attributes). */
export function extensionMeta(profile: Profile): Profile['extension'] | undefined {
  return profile.extension && profile.extension.attributes.length > 0 ? profile.extension : undefined;
}

/**
 * Refuse an upload that needs more calls than `--max-calls` or than the tenant's daily quota has left (as counted
 * in this data folder), unless --allow-over-quota. Prints the budget unless JSON is wanted.
 */
export async function checkBudget(io: CliIo, dataDir: string, tenantId: string, needed: number, options: SendOptions): Promise<void> {
  if (options.maxCalls !== undefined && needed > options.maxCalls) {
    throw new CliError(
      'REFUSED',
      `This upload needs ${plural(needed, 'bulkUpload call')} (one per request of up to 50 users), more than --max-calls ${options.maxCalls} allows. Nothing was sent; raise --max-calls or upload a smaller file.`,
    );
  }
  const limit = options.dailyQuota ?? DAILY_QUOTAS.p1p2;
  const ledger = new QuotaLedger({ dataDir });
  const quota = await ledger.quotaStatus(tenantId, limit);
  if (!options.json) {
    io.out(`Calls needed: ${needed.toLocaleString('en-US')}; ${quota.remaining.toLocaleString('en-US')} of the tenant's ${limit.toLocaleString('en-US')} daily calls left (as counted on this computer).\n`);
  }
  try {
    await ledger.ensureRoom(tenantId, limit, needed, options.allowOverQuota ?? false);
  } catch (error) {
    throw toCliError(error);
  }
}

/** Make the sandbox's job schema know the profile's custom attributes (it is the user's own rehearsal tenant). */
async function prepareSandbox(io: CliIo, connection: Connection, run: Run, json: boolean | undefined): Promise<void> {
  const extension = run.manifest.meta.extension as Profile['extension'] | undefined;
  if (!extension) return;
  const result = await connection.client.ensureCustomAttributes(
    extension.namespace,
    extension.attributes.map((a) => ({ name: a.name, type: a.type, ...(a.multiValued ? { multivalued: true } : {}) })),
  );
  if (result.added.length > 0 && !json) io.out(`Sandbox: added ${result.added.join(', ')} to the sandbox job schema.\n`);
}

/**
 * Before a real upload: does the job schema know the custom attributes? Entra would reject every request
 * otherwise. Reading the schema needs Synchronization.ReadWrite.All, which an upload-only app may lack: then
 * the check is skipped and said so.
 */
async function checkJobSchema(io: CliIo, connection: Connection, run: Run): Promise<void> {
  const extension = run.manifest.meta.extension as Profile['extension'] | undefined;
  if (!extension) return;
  let known: Set<string>;
  try {
    const schema = await connection.client.getJobSchema();
    known = new Set(sourceUserObject(schema).attributes.map((a) => a.name.toLowerCase()));
  } catch (error) {
    if (isTransportError(error) && (error.code === 'FORBIDDEN' || error.code === 'HTTP_ERROR')) {
      io.err('Note: the job schema could not be read to check the custom attributes (needs Synchronization.ReadWrite.All); uploading anyway.\n');
      return;
    }
    throw toCliError(error);
  }
  const missing = extension.attributes.map((a) => `${extension.namespace}:${a.name}`).filter((name) => !known.has(name.toLowerCase()));
  if (missing.length > 0) {
    const profile = (run.manifest.meta.profile as { file?: string } | undefined)?.file ?? '<profile>';
    throw new CliError(
      'REFUSED',
      `The provisioning job's schema does not know ${missing.join(', ')}, so Entra would reject every request. Nothing was sent. Run \`scimport schema push --profile ${profile}\`, then \`scimport resume ${run.id}\`.`,
    );
  }
}

/**
 * When the results are due: Entra writes its provisioning logs 5–10 minutes after processing (entra-docs
 * inbound-provisioning-api-issues), so an empty log right after the 202s is normal. A sandbox that runs faster
 * than real time says so.
 */
export async function expectedSentence(run: Run, connection: Pick<Connection, 'timeScale' | 'logLagMs'>): Promise<string> {
  const expected = resultsExpected(await readChunkStates(run), { timeScale: connection.timeScale, logLagMs: connection.logLagMs });
  const sandbox = connection.timeScale !== 1 ? ` (sandbox: time runs ×${connection.timeScale})` : '';
  if (!expected) return '';
  if (connection.logLagMs.max === 0) return `Results are expected at once${sandbox}.\n`;
  const time = (iso: string): string => `${iso.slice(11, 19)} UTC`;
  return `Results are expected between ${time(expected.from)} and ${time(expected.by)}${sandbox}: Entra writes its provisioning logs 5–10 minutes after processing. Until then people are waiting, not failed; read them with \`scimport status ${run.id} --wait\`.\n`;
}

/** The history entry of a run as far as its meta knows it (runs made before the history kept less). */
function runHistoryBase(run: Run): Omit<HistoryEntryInput, 'startedAt' | 'outcome' | 'calls'> {
  const meta = run.manifest.meta;
  const saved = meta.history as RunHistoryMeta | undefined;
  const profile = meta.profile as { name?: string; version?: number } | undefined;
  return {
    runId: run.id,
    profile: { name: profile?.name ?? 'unknown', version: profile?.version ?? 0 },
    target: { tenantId: run.manifest.target.tenantId, jobId: run.manifest.target.jobId },
    ...(saved ?? { operations: run.manifest.chunks.reduce((n, c) => n + c.operations, 0) }),
  };
}

/** What `upload` hands to `send` besides the run. */
export interface SendExtra {
  /** The diff's counts, for the JSON output. */
  diff?: ReturnType<typeof countsJson> & Record<string, unknown>;
  /** The snapshot the plan was made from (the recorder records into it rather than loading it again). */
  snapshot?: Snapshot;
  /** The caller holds the target's lock already (upload takes it before planning). */
  locked?: boolean;
}

/**
 * Upload a run through the shared workflow (transport's sendAndRecord: each accepted chunk saved in the snapshot as
 * it is accepted), wait for results and mark the failures (readAndRecordResults), record the run in the history.
 */
export async function send(
  io: CliIo,
  run: Run,
  spec: ConnectionSpec,
  dataDir: string,
  counts: RowCounts,
  index: Map<string, number> | undefined,
  options: SendOptions,
  startedAt: string,
  extra: SendExtra = {},
): Promise<number> {
  const { diff } = extra;
  let outcome: RunOutcome | undefined;
  let message: string | undefined;
  let calls = 0;
  const lock = extra.locked ? undefined : await lockTarget(dataDir, run.manifest.target, { purpose: 'an upload' }).catch((error: unknown) => Promise.reject(toCliError(error)));
  try {
    return await sendAndReport();
  } catch (error) {
    message ??= errorSentence(error);
    throw error;
  } finally {
    if (!outcome) {
      const status = await runStatus(run);
      outcome = status.accepted === status.total ? 'uploaded' : status.accepted > 0 ? 'partial' : 'failed';
    }
    await recordHistory(io, dataDir, { ...runHistoryBase(run), startedAt, calls, outcome, ...(message ? { message } : {}) });
    await lock?.release();
  }

  async function sendAndReport(): Promise<number> {
    const connection = await openConnection(spec, io, dataDir, {}, (run.manifest.meta.profile as { file?: string } | undefined)?.file).catch((error: unknown) => Promise.reject(toCliError(error)));
    const controller = new AbortController();
    // Every request in flight, the pacer and the log poller listen on this one signal (and let go when
    // done): more than Node's default of 10 at once is normal here, not a leak worth a warning on stderr.
    setMaxListeners(100, controller.signal);
    const stop = (): void => controller.abort();
    // The first Ctrl+C stops cleanly (the journal says what was sent); a second one kills as usual.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      let upload: UploadSummary | undefined;
      let failure: unknown;
      const recorder = await RunRecorder.open(run, { store: snapshotStore(io, dataDir), ...(extra.snapshot ? { snapshot: extra.snapshot } : {}) });
      const bar = uploadProgressBar(io);
      try {
        if (connection.sandbox) await prepareSandbox(io, connection, run, options.json);
        else await checkJobSchema(io, connection, run);
        if (!options.json) io.out(`Run ${run.id}: uploading ${plural(run.manifest.chunks.reduce((n, c) => n + c.operations, 0), 'user')} in ${plural(run.manifest.chunks.length, 'request')}…\n`);
        upload = await sendAndRecord(run, {
          recorder,
          client: connection.client,
          dailyQuota: options.dailyQuota ?? DAILY_QUOTAS.p1p2,
          allowOverQuota: options.allowOverQuota ?? false,
          onProgress: (p) => {
            calls = p.calls;
            bar.update(p);
          },
          signal: controller.signal,
        });
        calls = upload.calls;
      } catch (error) {
        failure = error;
      } finally {
        bar.stop();
      }
      // Whatever happened, the chunks answered 202 are now Entra's state: into the snapshot with them (sendAndRecord
      // did so as they were accepted; this also covers a stop before it began).
      try {
        await recorder.catchUp();
      } catch (error) {
        if (failure === undefined) throw error;
        io.err(`scimport: warning: the snapshot was not updated (${errorSentence(error)}); run \`scimport status ${run.id}\` to record the accepted requests.\n`);
      }
      if (failure !== undefined || !upload) {
        const error = failure;
        if (isTransportError(error) && error.code === 'ABORTED') {
          outcome = 'cancelled';
          const status = await runStatus(run);
          throw new CliError('REMOTE', `The upload was stopped: ${status.accepted} of ${plural(status.total, 'request')} accepted. Continue with \`scimport resume ${run.id}\`.`);
        }
        const converted = toCliError(error);
        if (converted instanceof CliError && isTransportError(error) && !['QUOTA_EXCEEDED', 'RUN_LOCKED'].includes(error.code)) {
          throw new CliError(converted.code, `${converted.message} Continue with \`scimport resume ${run.id}\`.`);
        }
        throw converted;
      }
      const users = run.manifest.chunks.reduce((n, c) => n + c.operations, 0);
      if (!options.json) {
        io.out(`Sent ${plural(upload.sentThisSession, 'request')} (${plural(upload.calls, 'call')}, ${upload.throttles} throttled) in ${describeMs(upload.durationMs)}: ${upload.accepted} of ${plural(upload.chunksTotal, 'request')} accepted.\n`);
      }

      let results: RunResults | undefined;
      let lines: ResultLine[] = [];
      if (!options.json) io.out(await expectedSentence(run, connection));
      if (options.wait !== false) {
        const minutes = options.waitMinutes ?? connection.waitMinutes;
        if (!options.json && connection.spec.mode === 'cloud') io.out(`Waiting up to ${minutes} min for the provisioning logs (Ctrl+C stops waiting; nobody is marked failed for being late)…\n`);
        try {
          // Failed people are marked in the snapshot with their reason: the next upload sends them again.
          results = await readAndRecordResults(run, { recorder, client: connection.client, minutes, intervalMs: connection.pollIntervalMs, signal: controller.signal, timeScale: connection.timeScale, logLagMs: connection.logLagMs });
        } catch (error) {
          if (!(isTransportError(error) && error.code === 'ABORTED')) throw toCliError(error);
          if (!options.json) io.out(`Stopped waiting. Read the results later with \`scimport status ${run.id} --wait\`.\n`);
        }
      } else if (!options.json) {
        io.out(`Not waiting for results. Read them later with \`scimport status ${run.id} --wait\`.\n`);
      }
      let csv: string | undefined;
      if (results) {
        lines = resultLines(results, index);
        csv = await writeResultsCsv(run, lines);
        const failed = lines.filter((l) => l.status === 'failure').length;
        if (failed > 0) message = `${plural(failed, 'user')} failed in the provisioning logs; the next upload sends them again.`;
      }
      if (options.json) {
        io.out(
          JSON.stringify({
            runId: run.id,
            ...counts,
            ...(diff ? { diff } : {}),
            requests: upload.chunksTotal,
            calls: upload.calls,
            throttled: upload.throttles,
            acceptedRequests: upload.accepted,
            accepted: users,
            results: resultsJson(results, lines),
          }) + '\n',
        );
      } else {
        if (results) printResults(io, results, lines, csv);
        if (counts.invalid > 0) io.out(`${plural(counts.invalid, 'row')} of the file ${counts.invalid === 1 ? 'was' : 'were'} left out because of errors: fix them (see ${join(run.dir, 'errors.csv')}) and upload again.\n`);
      }
      return counts.invalid > 0 || hasFailures(lines) ? EXIT.FINDINGS : EXIT.OK;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await connection.close();
    }
  }
}
