import type { Command } from 'commander';
import { type RunResults, feedOfRun, openRun, pollResults, readChunkStates, readDroppedByRestart, readUploadHistory, runStatus } from '@scimport/transport';
import { EXIT } from '../errors';
import type { CliIo } from '../io';
import { ensureDataDir } from '../data-dir';
import { recordRun } from './diff';
import { positiveNumber } from './options';
import { describeTarget, openConnection, specFromRun, toCliError } from './upload-connection';
import { type ResultLine, hasFailures, printResults, readRowIndex, resultLines, resultsJson, writeResultsCsv } from './upload-results';
import { type RowCounts, errorSentence, expectedSentence } from './upload-send';
import { annotatedTarget, writeRunAnnotatedCopy } from './status-annotated';
import { plural } from '../format';

export interface StatusOptions {
  wait?: boolean;
  waitMinutes?: number;
  json?: boolean;
  /** Write the run's input as a checked .xlsx copy with each person's outcome here. */
  annotated?: string;
  /** The run's input file, for runs that do not record its path. */
  input?: string;
}

/** `scimport status`: the journal's chunk states, then the results from the provisioning logs. */
export async function statusCommand(io: CliIo, runId: string, options: StatusOptions): Promise<number> {
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const run = await openRun(dataDir, runId).catch((error: unknown) => Promise.reject(toCliError(error)));
  const spec = specFromRun(run.manifest.meta, run.id, io);
  // A copy that cannot be written is refused before the provisioning logs are read.
  const annotatedTo = options.annotated !== undefined ? await annotatedTarget(io, run, { annotated: options.annotated, ...(options.input !== undefined ? { input: options.input } : {}) }) : undefined;
  // status also repairs the snapshot after a crash between a 202 and its recording.
  const snapshotNote = (error: unknown) => io.err(`scimport: warning: the snapshot was not updated (${errorSentence(error)}).\n`);
  await recordRun(io, run).catch(snapshotNote);
  const status = await runStatus(run);
  const states = await readChunkStates(run);
  const history = await readUploadHistory(run);
  const dropped = await readDroppedByRestart(run);
  const failedChunks = states.flatMap((s, i) => (s.state === 'failed' ? [{ chunk: i + 1, code: s.code, reason: s.reason }] : []));
  const counts = (run.manifest.meta.counts as RowCounts | undefined) ?? null;
  const input = (run.manifest.meta.input as { file?: string } | undefined)?.file ?? null;
  const feed = feedOfRun(run) ?? null;

  let results: RunResults | undefined;
  let lines: ResultLine[] = [];
  let index: Map<string, number> | undefined;
  let later = '';
  if (history && status.accepted > 0) {
    const connection = await openConnection(spec, io, dataDir).catch((error: unknown) => Promise.reject(toCliError(error)));
    try {
      const minutes = options.wait ? (options.waitMinutes ?? connection.waitMinutes) : 0;
      results = await pollResults(run, { client: connection.client, minutes, intervalMs: connection.pollIntervalMs, timeScale: connection.timeScale, logLagMs: connection.logLagMs });
      // Still within the documented lag: say when to look again rather than leave it at "no result".
      if (results.pending.length > 0 && !results.late) later = await expectedSentence(run, connection);
    } catch (error) {
      throw toCliError(error);
    } finally {
      await connection.close();
    }
    index = await readRowIndex(run);
    lines = resultLines(results, index);
    await recordRun(io, run, results).catch(snapshotNote);
  }
  const csv = results ? await writeResultsCsv(run, lines) : undefined;
  const annotated = annotatedTo ? await writeRunAnnotatedCopy(run, annotatedTo, results, lines, index ?? (await readRowIndex(run))) : undefined;

  if (options.json) {
    io.out(
      JSON.stringify({
        runId: run.id,
        createdAt: run.manifest.createdAt,
        file: input,
        target: run.manifest.target,
        feed,
        counts,
        chunks: status,
        failedChunks,
        droppedByRestart: dropped && dropped.chunks.length > 0 ? { chunks: dropped.chunks, people: dropped.people, restartedAt: dropped.restartedAt } : null,
        uploadStartedAt: history?.startedAt ?? null,
        results: resultsJson(results, lines),
        ...(annotated ? { annotated: { out: annotated.out, rows: annotated.rows, annotated: annotated.annotated } } : {}),
      }) + '\n',
    );
  } else {
    io.out(`Run ${run.id}, created ${run.manifest.createdAt}${input ? ` from ${input}` : ''}.\n`);
    io.out(`Target: ${describeTarget(spec)}${feed ? `; feed "${feed}"` : ''}.\n`);
    io.out(`Requests: ${status.accepted} accepted, ${status.pending} pending, ${status.sending} interrupted while sending, ${status.failed} failed, of ${status.total}.\n`);
    for (const f of failedChunks) io.out(`failed  request ${f.chunk}: ${f.reason}\n`);
    if (dropped && dropped.chunks.length > 0) {
      io.out(`Dropped by restart: ${plural(dropped.chunks.length, 'request')} (${plural(dropped.people, 'user')}) accepted but not processed when the job was restarted at ${dropped.restartedAt}. Send them again with \`scimport resume --resend-dropped ${run.id}\`.\n`);
    }
    if (!history) io.out(`Nothing was sent yet. Send it with \`scimport resume ${run.id}\`.\n`);
    else if (status.accepted < status.total) io.out(`Continue with \`scimport resume ${run.id}\`.\n`);
    if (results) printResults(io, results, lines, csv);
    io.out(later);
    if (annotated) io.out(`Wrote the results into a copy of the file: ${annotated.out} (${plural(annotated.rows, 'row')}, each with its Status and What to do).\n`);
  }
  return failedChunks.length > 0 || (dropped?.chunks.length ?? 0) > 0 || hasFailures(lines) ? EXIT.FINDINGS : EXIT.OK;
}

/** Adds `status` to the program; `setStatus` receives its exit status. */
export function registerStatusCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('status')
    .description("a run's requests and the provisioning results of its users")
    .argument('<run-id>', 'run id, as `scimport runs` lists them')
    .option('--wait', 'keep reading the provisioning logs until every user has a result (or the time is up)')
    .option('--wait-minutes <m>', 'how long --wait waits (default: 15 for Entra, 1 for the sandbox)', positiveNumber)
    .option('--json', 'print one JSON document')
    .option('--annotated <file.xlsx>', "write the run's input file as an .xlsx copy with each person's outcome in a Status and a What to do column, problem cells filled and commented, and a Summary sheet")
    .option('--input <file>', 'the run\'s input file as it was uploaded (needed with --annotated only for runs that did not record its path, made before this option existed)')
    .action(async (runId: string, opts: StatusOptions) => {
      setStatus(await statusCommand(io, runId, opts));
    });
}
