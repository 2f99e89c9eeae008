import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Profile, type RunOutcome, type Snapshot, loadProfile, sha256File, snapshotKeyFromEnv } from '@scimport/core';
import { type Run, lockTarget, startRun } from '@scimport/transport';
import { CliError, EXIT } from '../errors';
import type { CliIo } from '../io';
import { formatFinding, plural } from '../format';
import { ensureDataDir } from '../data-dir';
import { chunkPlan, computeDelta, countsJson, printCounts, printGate, recordFeedRun } from './diff';
import { recordHistory } from './history';
import { DELTA_HELP, ENV_HELP, positiveInteger, waitOptions } from './options';
import { type ConnectionSpec, credentialConfig, describeTarget, requireSavedSignIn, specFromProfile, targetOf, toCliError } from './upload-connection';
import { writeRowIndex } from './upload-results';
import { SKIP_PROFILE_TESTS, requireProfileTestsPass } from './profile-gate';
import { type RowCounts, type RunHistoryMeta, type SendOptions, checkBudget, errorSentence, extensionMeta, send } from './upload-send';

export interface UploadArgs extends SendOptions {
  input: string;
  profile: string;
  sheet?: string;
  headerRow?: number;
  dryRun?: boolean;
  /** Send everyone in the file, not only what changed since the last accepted upload. */
  full?: boolean;
  /** Send although the safety gate trips (many disables or changes at once). */
  allowMassChanges?: boolean;
  /** Go on although the profile's own tests fail. */
  skipProfileTests?: boolean;
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
  if (!args.skipProfileTests) await requireProfileTestsPass(profile, args.profile);
  const spec = specFromProfile(profile, profilePath, io);
  // A missing secret or a malformed snapshot key is reported before the file is read, not after a long transform.
  if (spec.mode !== 'sandbox') await credentialConfig(spec, io);
  snapshotKeyFromEnv(io.env);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  if (spec.mode !== 'sandbox' && !args.dryRun) await requireSavedSignIn(await credentialConfig(spec, io, { dataDir, profilePath }));
  const target = targetOf(spec);
  // One upload per target and data folder at a time: planned, sent and recorded against the same snapshot. A
  // second one is refused with a sentence naming the first (a dry run sends and records nothing: it needs none).
  const lock = args.dryRun ? undefined : await lockTarget(dataDir, target, { purpose: 'an upload' }).catch((error: unknown) => Promise.reject(toCliError(error)));
  try {
    return await planAndSend(io, args, { startedAt, profilePath, profile, spec, dataDir, target });
  } finally {
    await lock?.release();
  }
}

interface UploadContext {
  startedAt: string;
  profilePath: string;
  profile: Profile;
  spec: ConnectionSpec;
  dataDir: string;
  target: ReturnType<typeof targetOf>;
}

async function planAndSend(io: CliIo, args: UploadArgs, { startedAt, profilePath, profile, spec, dataDir, target }: UploadContext): Promise<number> {
  await mkdir(join(dataDir, 'tmp'), { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(dataDir, 'tmp', 'upload-'));
  let run: Run | undefined;
  let counts: RowCounts;
  let index: Map<string, number> | undefined;
  let diffJson: ReturnType<typeof countsJson> & { feed: string; movedIn: number; movedOut: number };
  let snapshot: Snapshot | undefined;
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
    diffJson = { ...countsJson(delta), feed: delta.feed, movedIn: plan.feed?.movedIn.length ?? 0, movedOut: plan.feed?.movedOut.length ?? 0 };
    const runMeta: RunHistoryMeta = {
      file: { name: summary.file, sha256: await sha256File(resolve(io.cwd, args.input)) },
      counts: delta.diff.counts,
      feed: delta.feed,
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
      // Hand-overs and dropped claims change no payload: they are recorded although nothing is sent.
      if (!args.dryRun) await recordFeedRun(io, dataDir, target, delta);
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
      // Ownership first (saved before sending): a crash mid-way must not leave a moved person to their old feed.
      await recordFeedRun(io, dataDir, target, delta);
      snapshot = delta.snapshot;
      run = await startRun({
        dataDir,
        target,
        chunks: chunkPlan(plan, profile),
        meta: {
          connection: spec,
          profile: { name: profile.name, version: profile.version, file: profilePath },
          // The path lets `status --annotated` find the file again without asking for it.
          input: { file: summary.file, path: resolve(io.cwd, args.input), ...(summary.sheet ? { sheet: summary.sheet } : {}), headerRow: summary.headerRow },
          counts,
          // The feed is kept with the run: `status` and `resume` record its chunks as this feed's.
          feed: delta.feed,
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
  return send(io, run, spec, dataDir, counts, index, args, startedAt, { diff: diffJson, ...(snapshot ? { snapshot } : {}), locked: true });
}

/** Adds `upload` to the program; `setStatus` receives its exit status (errors are thrown and reported by runCli). */
export function registerUploadCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {
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
      .option('--allow-mass-changes', 'send although the safety gate would stop it (many disables or changes at once)')
      .option(...SKIP_PROFILE_TESTS),
  )
    .addHelpText('after', DELTA_HELP + ENV_HELP)
    .action(async (input: string, opts: Omit<UploadArgs, 'input'>) => {
      setStatus(await uploadCommand(io, { ...opts, input }));
    });
}
