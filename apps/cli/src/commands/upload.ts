import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type DiffCounts, type HistoryEntryInput, type Profile, type RunOutcome, isCoreError, loadProfile, sha256File, snapshotKeyFromEnv } from '@scimport/core';
import {
  DAILY_QUOTAS,
  TokenCacheFile,
  createCredential,
  type Run,
  type RunResults,
  type UploadSummary,
  QuotaLedger,
  describeMs,
  isTransportError,
  listRuns,
  openRun,
  pollResults,
  readChunkStates,
  readUploadHistory,
  redact,
  runStatus,
  sourceUserObject,
  startRun,
  uploadRun,
} from '@scimport/transport';
import { CliError, EXIT } from '../errors';
import type { CliIo } from '../io';
import { formatFinding, plural } from '../format';
import { ensureDataDir } from '../data-dir';
import { chunkPlan, computeDelta, countsJson, printCounts, printGate, recordAccepted, recordFailures, registerDiffCommands, snapshotStore } from './diff';
import { recordHistory, registerHistoryCommands } from './history';
import {
  type Connection,
  type AuthKind,
  type ConnectionSpec,
  ENV,
  credentialConfig,
  describeTarget,
  openConnection,
  requireSavedSignIn,
  specFromProfile,
  specFromRun,
  targetOf,
  toCliError,
  tokenCacheOptions,
} from './upload-connection';
import { uploadProgressBar } from './upload-progress';
import { type ResultLine, hasFailures, printResults, readRowIndex, resultLines, resultsJson, writeResultsCsv, writeRowIndex } from './upload-results';
import { emulatorCommand } from './upload-sandbox';

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return Number(value);
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError('must be a number of minutes greater than 0.');
  return n;
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return Number(value);
}

const ENV_LINES: [string, string][] = [
  [ENV.secret, 'client secret for targets with auth "secret" (never on the command line or in the profile)'],
  [ENV.certificate, "PEM (key + certificate) when the profile's target names no certificatePath"],
  [ENV.passphrase, 'passphrase of an encrypted certificate key'],
  [ENV.graph, "a custom endpoint (e.g. `scimport emulator`) instead of Microsoft's; ids default to the sandbox's"],
  [ENV.authority, `its sign-in host (default: ${ENV.graph})`],
  [ENV.ca, 'PEM of a CA to trust for that endpoint'],
  [ENV.dataDir, 'data folder for runs, snapshots, history, quota ledger and sandbox (default: the per-user data folder)'],
  ['SCIMPORT_SNAPSHOT_KEY', 'key that encrypts the snapshots of accepted uploads (32 bytes: 64 hex or 44 base64 characters)'],
];
const DELTA_HELP = `
What is sent: only people new, changed or returning since the last accepted upload to the target (--full: everyone),
plus a disable for each person missing from the file when the profile's leavers policy is "disable". The safety gate
stops the upload before anything is sent when disables or changes exceed the profile's leavers thresholds
(--allow-mass-changes to send anyway). See \`scimport diff\` for the details and \`scimport history\` for past runs.
`;
const ENV_HELP = `
Where uploads go:
  no "target" in the profile   the built-in sandbox tenant in the data folder (a rehearsal; nothing leaves this computer)
  a "target" in the profile    that Microsoft Entra tenant and provisioning job

Environment:
${ENV_LINES.map(([name, what]) => `  ${name.padEnd(32)} ${what}`).join('\n')}
`;

interface SendOptions {
  json?: boolean;
  wait?: boolean;
  waitMinutes?: number;
  allowOverQuota?: boolean;
  maxCalls?: number;
  dailyQuota?: number;
}

interface UploadArgs extends SendOptions {
  input: string;
  profile: string;
  sheet?: string;
  headerRow?: number;
  dryRun?: boolean;
  /** Send everyone in the file, not only what changed since the last accepted upload. */
  full?: boolean;
  /** Send although the safety gate trips (many disables or changes at once). */
  allowMassChanges?: boolean;
}

/** What a run's history entries repeat (kept in the run's meta, so that resume records the same). */
interface RunHistoryMeta {
  file: { name: string; sha256: string };
  counts: DiffCounts;
  operations: number;
  disables: number;
  full?: boolean;
  allowMassChanges?: boolean;
}

/** One line for the history from anything thrown (transport messages are redacted; none carries a secret). */
function errorSentence(error: unknown): string {
  if (error instanceof CliError || isCoreError(error) || isTransportError(error)) return redact(error.message);
  return redact(error instanceof Error ? error.message : String(error));
}

/** What the transform found, kept in the run's meta so that resume and status can report it. */
interface RowCounts {
  rows: number;
  valid: number;
  invalid: number;
}

/** The parts of a profile a sandbox run needs later (the sandbox's job schema must know the custom attributes). */
function extensionMeta(profile: Profile): Profile['extension'] | undefined {
  return profile.extension && profile.extension.attributes.length > 0 ? profile.extension : undefined;
}

/**
 * Refuse an upload that needs more calls than `--max-calls` or than the tenant's daily quota has left (as counted
 * in this data folder), unless --allow-over-quota. Prints the budget unless JSON is wanted.
 */
async function checkBudget(io: CliIo, dataDir: string, tenantId: string, needed: number, options: SendOptions): Promise<void> {
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

/**
 * `scimport upload`: transform, compare with the target's snapshot, plan (only what changed, leavers per the
 * profile, the safety gate), send, wait for the provisioning logs, report per row, record the run.
 *
 * Nothing changed: nothing is sent and no run is created (the history records it). The gate tripped: nothing
 * is sent, exit 2 with the reason. Exit 1 when rows were left out because of errors or users failed.
 */
export async function uploadCommand(io: CliIo, args: UploadArgs): Promise<number> {
  const startedAt = new Date().toISOString();
  const profilePath = resolve(io.cwd, args.profile);
  const profile = await loadProfile(profilePath);
  const spec = specFromProfile(profile, profilePath, io);
  // A missing secret or a malformed snapshot key is reported before the file is read, not after a long transform.
  if (spec.mode !== 'sandbox') await credentialConfig(spec, io);
  snapshotKeyFromEnv(io.env);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  if (spec.mode !== 'sandbox' && !args.dryRun) await requireSavedSignIn(await credentialConfig(spec, io, { dataDir, profilePath }));
  const target = targetOf(spec);

  await mkdir(join(dataDir, 'tmp'), { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(dataDir, 'tmp', 'upload-'));
  let run: Run | undefined;
  let counts: RowCounts;
  let index: Map<string, number> | undefined;
  let diffJson: ReturnType<typeof countsJson>;
  try {
    const delta = await computeDelta(io, {
      input: args.input,
      profile: args.profile,
      ...(args.sheet !== undefined ? { sheet: args.sheet } : {}),
      ...(args.headerRow !== undefined ? { headerRow: args.headerRow } : {}),
      staging,
      dataDir,
      target,
      ...(args.full ? { full: true } : {}),
      ...(args.allowMassChanges ? { allowMassChanges: true } : {}),
    });
    const { summary, plan } = delta;
    counts = { rows: summary.rows, valid: summary.valid, invalid: summary.invalid };
    diffJson = countsJson(delta);
    const runMeta: RunHistoryMeta = {
      file: { name: summary.file, sha256: await sha256File(resolve(io.cwd, args.input)) },
      counts: delta.diff.counts,
      operations: plan.operations.length,
      disables: plan.disables.length,
      ...(args.full ? { full: true } : {}),
      ...(args.allowMassChanges ? { allowMassChanges: true } : {}),
    };
    const record = (outcome: RunOutcome, message?: string) =>
      recordHistory(io, dataDir, {
        startedAt,
        ...runMeta,
        profile: { name: profile.name, version: profile.version },
        target: { tenantId: target.tenantId, jobId: target.jobId },
        calls: 0,
        outcome,
        ...(message ? { message } : {}),
      });
    const needed = plan.calls;
    if (!args.json) {
      const where = summary.sheet ? `${summary.file}, sheet ${summary.sheet}` : summary.file;
      io.out(`Read ${plural(summary.rows, 'row')} from ${where}: ${plural(summary.valid, 'row')} valid, ${plural(summary.invalid, 'row')} left out because of errors.\n`);
      const errors = summary.findings.filter((f) => f.severity === 'error');
      for (const finding of errors.slice(0, 5)) io.out(formatFinding(finding) + '\n');
      if (summary.errors > 5) io.out(`… and ${plural(summary.errors - 5, 'more error')} (all of them in errors.csv, or run \`scimport validate\`).\n`);
      io.out(`Target: ${describeTarget(spec)}.\n`);
    }
    // A file without one valid row says nothing about who left: never turn it into disables.
    if (summary.operations === 0) {
      await record('nothing-to-send', 'No row of the file is valid; nothing was sent.');
      if (args.json) io.out(JSON.stringify({ runId: null, ...counts, diff: diffJson, requests: 0, calls: 0, throttled: 0, accepted: 0, results: null }) + '\n');
      else io.out('Nothing to upload: no row is valid.\n');
      return counts.invalid > 0 ? EXIT.FINDINGS : EXIT.OK;
    }
    if (!args.json) {
      printCounts(io, delta);
      if (args.dryRun || plan.gate.reasons.length > 0) printGate(io, delta);
    }
    const gateSentence = plan.gate.tripped
      ? `Nothing was sent: ${plan.gate.reasons.join(' ')} To see who, run \`scimport diff ${args.input} --profile ${args.profile}\`.`
      : undefined;
    if (gateSentence && !args.dryRun) {
      await record('blocked', plan.gate.reasons.join(' '));
      throw new CliError('REFUSED', gateSentence);
    }
    if (plan.operations.length + plan.disables.length === 0) {
      const message = 'Nothing changed since the last upload; nothing sent.';
      await record('nothing-to-send', message);
      if (args.json) io.out(JSON.stringify({ runId: null, ...counts, diff: diffJson, operations: 0, disables: 0, requests: 0, calls: 0, throttled: 0, accepted: 0, results: null }) + '\n');
      else io.out(message + '\n');
      return counts.invalid > 0 ? EXIT.FINDINGS : EXIT.OK;
    }
    try {
      await checkBudget(io, dataDir, target.tenantId, needed, args);
    } catch (error) {
      await record('blocked', errorSentence(error));
      throw error;
    }
    if (args.dryRun) {
      await record('dry-run', gateSentence ? plan.gate.reasons.join(' ') : undefined);
      if (args.json) {
        io.out(
          JSON.stringify({
            dryRun: true,
            runId: null,
            ...counts,
            diff: diffJson,
            requests: needed,
            operations: plan.operations.length,
            disables: plan.disables.length,
            gate: { tripped: plan.gate.tripped, reasons: plan.gate.reasons },
            calls: 0,
            throttled: 0,
            accepted: 0,
            results: null,
          }) + '\n',
        );
      } else {
        const disables = plan.disables.length > 0 ? ` and disable ${plural(plan.disables.length, 'leaver')}` : '';
        io.out(`Dry run: would upload ${plural(plan.operations.length, 'user')}${disables} in ${plural(needed, 'request')} to ${describeTarget(spec)}. Nothing was sent.\n`);
        if (counts.invalid > 0) io.out(`${plural(counts.invalid, 'row')} would be left out: fix them in the file and run again.\n`);
      }
      // The dry run ends as the upload would: refused by the gate, or with the rows left out.
      if (gateSentence) throw new CliError('REFUSED', gateSentence.replace('Nothing was sent: ', 'An upload would be stopped: '));
      return counts.invalid > 0 ? EXIT.FINDINGS : EXIT.OK;
    }
    const extension = extensionMeta(profile);
    try {
      run = await startRun({
        dataDir,
        target,
        chunks: chunkPlan(plan, profile),
        meta: {
          connection: spec,
          profile: { name: profile.name, version: profile.version, file: profilePath },
          input: { file: summary.file, ...(summary.sheet ? { sheet: summary.sheet } : {}), headerRow: summary.headerRow },
          counts,
          history: runMeta,
          ...(extension ? { extension } : {}),
        },
      });
    } catch (error) {
      await record('failed', errorSentence(error));
      throw toCliError(error);
    }
    await copyFile(join(staging, 'errors.csv'), join(run.dir, 'errors.csv')).catch(() => undefined);
    // The transform says which row each uploaded user came from; results are joined back through it.
    index = new Map(summary.sent.map((s) => [s.externalId, s.row]));
    await writeRowIndex(run, index);
    if (!args.json && counts.invalid > 0) io.out(`The rows left out are listed in ${join(run.dir, 'errors.csv')}.\n`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return send(io, run, spec, dataDir, counts, index, args, startedAt, diffJson);
}

/** `scimport resume`: send what an interrupted run has not had accepted, then report like upload. */
export async function resumeCommand(io: CliIo, runId: string, options: SendOptions): Promise<number> {
  const startedAt = new Date().toISOString();
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const run = await openRun(dataDir, runId).catch((error: unknown) => Promise.reject(toCliError(error)));
  const spec = specFromRun(run.manifest.meta, run.id, io);
  // What is accepted must reach the snapshot: find out now, not after sending, that it cannot be read (a key missing).
  await snapshotStore(io, dataDir).load(run.manifest.target);
  const counts = (run.manifest.meta.counts as RowCounts | undefined) ?? { rows: 0, valid: 0, invalid: 0 };
  const status = await runStatus(run);
  const needed = status.total - status.accepted;
  if (!options.json) {
    io.out(`Run ${run.id}: ${status.accepted} of ${plural(status.total, 'request')} accepted, ${needed} to send. Target: ${describeTarget(spec)}.\n`);
  }
  if (needed > 0) await checkBudget(io, dataDir, run.manifest.target.tenantId, needed, options);
  return send(io, run, spec, dataDir, counts, await readRowIndex(run), options, startedAt);
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

/** Upload a run, record accepted chunks in the snapshot, wait for results, mark failures, record the run. */
async function send(
  io: CliIo,
  run: Run,
  spec: ConnectionSpec,
  dataDir: string,
  counts: RowCounts,
  index: Map<string, number> | undefined,
  options: SendOptions,
  startedAt: string,
  diff?: ReturnType<typeof countsJson>,
): Promise<number> {
  let outcome: RunOutcome | undefined;
  let message: string | undefined;
  let calls = 0;
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
  }

  async function sendAndReport(): Promise<number> {
    const connection = await openConnection(spec, io, dataDir, {}, (run.manifest.meta.profile as { file?: string } | undefined)?.file).catch((error: unknown) => Promise.reject(toCliError(error)));
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    // The first Ctrl+C stops cleanly (the journal says what was sent); a second one kills as usual.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      let upload: UploadSummary | undefined;
      let failure: unknown;
      const bar = uploadProgressBar(io);
      try {
        if (connection.sandbox) await prepareSandbox(io, connection, run, options.json);
        else await checkJobSchema(io, connection, run);
        if (!options.json) io.out(`Run ${run.id}: uploading ${plural(run.manifest.chunks.reduce((n, c) => n + c.operations, 0), 'user')} in ${plural(run.manifest.chunks.length, 'request')}…\n`);
        upload = await uploadRun(run, {
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
      // Whatever happened, the chunks answered 202 are now Entra's state: into the snapshot with them.
      try {
        await recordAccepted(io, run);
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
      if (options.wait !== false) {
        const minutes = options.waitMinutes ?? connection.waitMinutes;
        if (!options.json && connection.spec.mode === 'cloud') io.out(`Waiting up to ${minutes} min for the provisioning logs (Entra usually writes them within 5–10 minutes; Ctrl+C stops waiting)…\n`);
        try {
          results = await pollResults(run, { client: connection.client, minutes, intervalMs: connection.pollIntervalMs, signal: controller.signal });
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
        // Failed people are sent again by the next upload, even when their row does not change.
        await recordFailures(io, run, results);
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

/** `scimport status`: the journal's chunk states, then the results from the provisioning logs. */
export async function statusCommand(io: CliIo, runId: string, options: { wait?: boolean; waitMinutes?: number; json?: boolean }): Promise<number> {
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const run = await openRun(dataDir, runId).catch((error: unknown) => Promise.reject(toCliError(error)));
  const spec = specFromRun(run.manifest.meta, run.id, io);
  // status also repairs the snapshot after a crash between a 202 and its recording.
  const snapshotNote = (error: unknown) => io.err(`scimport: warning: the snapshot was not updated (${errorSentence(error)}).\n`);
  await recordAccepted(io, run).catch(snapshotNote);
  const status = await runStatus(run);
  const states = await readChunkStates(run);
  const history = await readUploadHistory(run);
  const failedChunks = states.flatMap((s, i) => (s.state === 'failed' ? [{ chunk: i + 1, code: s.code, reason: s.reason }] : []));
  const counts = (run.manifest.meta.counts as RowCounts | undefined) ?? null;
  const input = (run.manifest.meta.input as { file?: string } | undefined)?.file ?? null;

  let results: RunResults | undefined;
  let lines: ResultLine[] = [];
  if (history && status.accepted > 0) {
    const connection = await openConnection(spec, io, dataDir).catch((error: unknown) => Promise.reject(toCliError(error)));
    try {
      const minutes = options.wait ? (options.waitMinutes ?? connection.waitMinutes) : 0;
      results = await pollResults(run, { client: connection.client, minutes, intervalMs: connection.pollIntervalMs });
    } catch (error) {
      throw toCliError(error);
    } finally {
      await connection.close();
    }
    lines = resultLines(results, await readRowIndex(run));
    await recordFailures(io, run, results).catch(snapshotNote);
  }
  const csv = results ? await writeResultsCsv(run, lines) : undefined;

  if (options.json) {
    io.out(
      JSON.stringify({
        runId: run.id,
        createdAt: run.manifest.createdAt,
        file: input,
        target: run.manifest.target,
        counts,
        chunks: status,
        failedChunks,
        uploadStartedAt: history?.startedAt ?? null,
        results: resultsJson(results, lines),
      }) + '\n',
    );
  } else {
    io.out(`Run ${run.id}, created ${run.manifest.createdAt}${input ? ` from ${input}` : ''}.\n`);
    io.out(`Target: ${describeTarget(spec)}.\n`);
    io.out(`Requests: ${status.accepted} accepted, ${status.pending} pending, ${status.sending} interrupted while sending, ${status.failed} failed, of ${status.total}.\n`);
    for (const f of failedChunks) io.out(`failed  request ${f.chunk}: ${f.reason}\n`);
    if (!history) io.out(`Nothing was sent yet. Send it with \`scimport resume ${run.id}\`.\n`);
    else if (status.accepted < status.total) io.out(`Continue with \`scimport resume ${run.id}\`.\n`);
    if (results) printResults(io, results, lines, csv);
  }
  return failedChunks.length > 0 || hasFailures(lines) ? EXIT.FINDINGS : EXIT.OK;
}

/** `scimport runs`: every run in the data folder, oldest first. */
export async function runsCommand(io: CliIo, options: { json?: boolean }): Promise<number> {
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const ids = await listRuns(dataDir).catch((error: unknown) => Promise.reject(toCliError(error)));
  const rows = [];
  for (const id of ids) {
    try {
      const run = await openRun(dataDir, id);
      const status = await runStatus(run);
      const input = (run.manifest.meta.input as { file?: string } | undefined)?.file ?? null;
      rows.push({ id, createdAt: run.manifest.createdAt, file: input, target: run.manifest.target.cloud ?? null, accepted: status.accepted, total: status.total });
    } catch {
      rows.push({ id, createdAt: null, file: null, target: null, accepted: null, total: null });
    }
  }
  if (options.json) io.out(JSON.stringify(rows) + '\n');
  else if (rows.length === 0) io.out(`No upload runs in ${join(dataDir, 'runs')}.\n`);
  else {
    for (const r of rows) {
      const when = r.createdAt ? `${r.createdAt.slice(0, 19).replace('T', ' ')} UTC` : 'unreadable';
      io.out(`${r.id}  ${when}  ${r.accepted ?? '?'}/${r.total ?? '?'} requests accepted  ${r.target ?? ''}  ${r.file ?? ''}\n`);
    }
  }
  return EXIT.OK;
}

/** `scimport schema push`: add the profile's custom attributes to the provisioning job's schema. */
export async function schemaPushCommand(io: CliIo, options: { profile: string; json?: boolean }): Promise<number> {
  const profilePath = resolve(io.cwd, options.profile);
  const profile = await loadProfile(profilePath);
  const extension = extensionMeta(profile);
  if (!extension) {
    if (options.json) io.out(JSON.stringify({ added: [], existing: [], typeMismatches: [] }) + '\n');
    else io.out(`${profilePath} defines no custom extension attributes: nothing to add to the job schema.\n`);
    return EXIT.OK;
  }
  const spec = specFromProfile(profile, profilePath, io);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const connection = await openConnection(spec, io, dataDir, {}, profilePath).catch((error: unknown) => Promise.reject(toCliError(error)));
  let result;
  try {
    result = await connection.client.ensureCustomAttributes(
      extension.namespace,
      extension.attributes.map((a) => ({ name: a.name, type: a.type, ...(a.multiValued ? { multivalued: true } : {}) })),
    );
  } catch (error) {
    throw toCliError(error);
  } finally {
    await connection.close();
  }
  if (options.json) io.out(JSON.stringify(result) + '\n');
  else {
    io.out(`Job schema of ${describeTarget(spec)}:\n`);
    for (const name of result.added) io.out(`added     ${name}\n`);
    for (const name of result.existing) io.out(`existing  ${name}\n`);
    for (const m of result.typeMismatches) {
      io.out(`mismatch  ${m.name}: the schema has type ${m.schemaType}, the profile says ${m.wantedType}. Left unchanged; change the profile's type, or the attribute in the job's schema editor.\n`);
    }
  }
  return result.typeMismatches.length > 0 ? EXIT.FINDINGS : EXIT.OK;
}

/** The target of a profile that signs in to a real tenant (login and logout make no sense for the sandbox). */
async function delegatedTarget(io: CliIo, profileArg: string): Promise<{ profilePath: string; spec: Exclude<ConnectionSpec, { mode: 'sandbox' }> }> {
  const profilePath = resolve(io.cwd, profileArg);
  const spec = specFromProfile(await loadProfile(profilePath), profilePath, io);
  if (spec.mode === 'sandbox') {
    throw new CliError('USAGE', `${profilePath} has no target: the sandbox needs no sign-in. Add a target (tenantId, clientId, servicePrincipalId, jobId) to sign in to a real tenant.`);
  }
  return { profilePath, spec };
}

/**
 * `scimport login`: sign in with delegated permissions (system browser, or a device code) and keep the sign-in in
 * `<data dir>/msal-cache/<tenant>-<client>.json` (0600), so that later uploads, job commands and preflight with
 * this profile sign in silently — also from CI or cron — until the sign-in expires or `scimport logout`.
 */
export async function loginCommand(io: CliIo, options: { profile: string; deviceCode?: boolean }): Promise<number> {
  const { profilePath, spec } = await delegatedTarget(io, options.profile);
  const auth: AuthKind = options.deviceCode || spec.auth === 'deviceCode' ? 'deviceCode' : 'interactive';
  const dataDir = await ensureDataDir(io.env, io.cwd);
  // The person typed `login`: a browser or a device code is what they asked for, terminal or not.
  const config = await credentialConfig({ ...spec, auth }, io, { dataDir, prompt: true, profilePath });
  let who: string | undefined;
  try {
    const credential = await createCredential(config);
    try {
      await credential.getToken();
      who = credential.account?.()?.username;
    } finally {
      credential.close();
    }
  } catch (error) {
    throw toCliError(error);
  }
  const file = 'tokenCache' in config && config.tokenCache ? config.tokenCache.file : '';
  const encrypted = Boolean(io.env.SCIMPORT_SNAPSHOT_KEY?.trim());
  io.out(
    `Signed in to tenant ${spec.tenantId} (app ${spec.clientId}) as ${who ?? 'an unnamed account'}.
` +
      `The sign-in is kept in ${file} (readable only by you${encrypted ? ', encrypted with SCIMPORT_SNAPSHOT_KEY' : ''}); ` +
      `upload, job and preflight with this profile use it until it expires. \`scimport logout --profile ${options.profile}\` removes it.
`,
  );
  if (spec.auth !== 'interactive' && spec.auth !== 'deviceCode') {
    io.err(`Note: ${profilePath} has target.auth "${spec.auth}", so uploads sign in as the app, not as you. Set target.auth to "interactive" or "deviceCode" to upload with this sign-in.\n`);
  }
  return EXIT.OK;
}

/** `scimport logout`: delete the saved sign-in of the profile's tenant and app from this computer. */
export async function logoutCommand(io: CliIo, options: { profile: string }): Promise<number> {
  const { spec } = await delegatedTarget(io, options.profile);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const cache = new TokenCacheFile(await tokenCacheOptions(dataDir, spec, io));
  // Who it was is a courtesy: a cache that cannot be read (other key, damaged) is deleted all the same.
  const who = await cache.signedInAccount().catch(() => undefined);
  let removed: boolean;
  try {
    removed = await cache.remove();
  } catch (error) {
    throw toCliError(error);
  }
  io.out(
    removed
      ? `Signed out${who ? ` ${who.username}` : ''}: removed the saved sign-in for tenant ${spec.tenantId} (app ${spec.clientId}) from ${cache.file}.\n`
      : `No saved sign-in for tenant ${spec.tenantId} (app ${spec.clientId}) on this computer: nothing to remove.\n`,
  );
  return EXIT.OK;
}

/**
 * Adds `upload`, `resume`, `status`, `runs`, `schema push`, `login`, `logout`, `diff`, `history` and `emulator` to the program. `setStatus`
 * receives each command's exit status (errors are thrown as CliError and reported by runCli).
 */
export function registerUploadCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const waitOptions = (command: Command) =>
    command
      .option('--no-wait', 'do not wait for the provisioning logs')
      .option('--wait-minutes <m>', 'how long to wait for the provisioning logs (default: 15 for Entra, 1 for the sandbox)', positiveNumber)
      .option('--max-calls <n>', 'refuse when the upload needs more bulkUpload calls than this', positiveInteger)
      .option('--daily-quota <n>', "the tenant's bulkUpload calls per 24 h: 2000 (Entra ID P1/P2) or 6000 (Governance)", positiveInteger)
      .option('--allow-over-quota', "send even when the tenant's daily quota (as counted here) will not last")
      .option('--json', 'print one JSON document');

  waitOptions(
    program
      .command('upload')
      .description('transform a file and upload the valid rows to Entra (or the built-in sandbox), then report each row')
      .argument('<input>', '.xlsx, .csv or .txt file')
      .requiredOption('-p, --profile <file>', 'mapping profile (JSON)')
      .option('--sheet <name|index>', 'worksheet name, or zero-based index (xlsx)')
      .option('--header-row <n>', 'header row number as Excel shows it', positiveInteger)
      .option('--dry-run', 'do everything except sending: print the plan')
      .option('--full', 'send everyone in the file, not only what changed since the last accepted upload')
      .option('--allow-mass-changes', 'send although the safety gate would stop it (many disables or changes at once)'),
  )
    .addHelpText('after', DELTA_HELP + ENV_HELP)
    .action(async (input: string, opts: Omit<UploadArgs, 'input'>) => {
      setStatus(await uploadCommand(io, { ...opts, input }));
    });

  waitOptions(program.command('resume').description('continue an interrupted upload run exactly where it stopped').argument('<run-id>', 'run id, as `scimport runs` lists them'))
    .addHelpText('after', ENV_HELP)
    .action(async (runId: string, opts: SendOptions) => {
      setStatus(await resumeCommand(io, runId, opts));
    });

  program
    .command('status')
    .description("a run's requests and the provisioning results of its users")
    .argument('<run-id>', 'run id, as `scimport runs` lists them')
    .option('--wait', 'keep reading the provisioning logs until every user has a result (or the time is up)')
    .option('--wait-minutes <m>', 'how long --wait waits (default: 15 for Entra, 1 for the sandbox)', positiveNumber)
    .option('--json', 'print one JSON document')
    .action(async (runId: string, opts: { wait?: boolean; waitMinutes?: number; json?: boolean }) => {
      setStatus(await statusCommand(io, runId, opts));
    });

  program
    .command('runs')
    .description('list the upload runs in the data folder')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      setStatus(await runsCommand(io, opts));
    });

  program
    .command('schema')
    .description("the provisioning job's schema")
    .command('push')
    .description("add the profile's custom extension attributes to the job schema (needs Synchronization.ReadWrite.All)")
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON)')
    .option('--json', 'print JSON')
    .addHelpText('after', ENV_HELP)
    .action(async (opts: { profile: string; json?: boolean }) => {
      setStatus(await schemaPushCommand(io, opts));
    });

  program
    .command('login')
    .description("sign in with your own account (system browser, or a device code) and keep the sign-in for later commands")
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON) with a target')
    .option('--device-code', 'sign in on another device with a code instead of opening a browser')
    .action(async (opts: { profile: string; deviceCode?: boolean }) => {
      setStatus(await loginCommand(io, opts));
    });

  program
    .command('logout')
    .description("remove the profile's saved delegated sign-in (kept by `scimport login`) from this computer")
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON) with a target')
    .action(async (opts: { profile: string }) => {
      setStatus(await logoutCommand(io, opts));
    });

  registerDiffCommands(program, io, setStatus);
  registerHistoryCommands(program, io, setStatus);

  program
    .command('emulator')
    .description('run the sandbox tenant as a server until Ctrl+C, and print how to reach it')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', port)
    .option('--state-dir <dir>', 'folder of the sandbox state (default: <data folder>/sandbox)')
    .action(async (opts: { port?: number; stateDir?: string }) => {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        setStatus(await emulatorCommand(io, opts, controller.signal));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
