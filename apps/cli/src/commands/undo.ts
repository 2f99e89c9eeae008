/**
 * `scimport undo <run-id>`: put every person an upload touched back as they were before it. The planning is core's
 * (`prepareUndo`, shared with the app); sending is the upload's own workflow (`send`: target lock, journal, snapshot
 * recording, provisioning logs, history), so an undo is an upload in the history and can be undone in turn.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { type BulkOperation, type BulkRequest, type DiffCounts, type PreparedUndo, BulkChunker, UNDO_DIR, prepareUndo, writeUndoRetention } from '@scimport/core';
import { lockTarget, openRun, startRun } from '@scimport/transport';
import { ensureDataDir } from '../data-dir';
import { CliError, EXIT } from '../errors';
import { plural } from '../format';
import type { CliIo } from '../io';
import { snapshotStore } from './diff';
import { recordHistory } from './history';
import { ENV_HELP, positiveInteger, waitOptions } from './options';
import { describeTarget, specFromRun, toCliError } from './upload-connection';
import { type RunHistoryMeta, type SendOptions, checkBudget, errorSentence, send } from './upload-send';

export interface UndoArgs extends SendOptions {
  runId?: string;
  dryRun?: boolean;
  includeConflicts?: boolean;
  /** Set how many days undo records are kept in this data folder. */
  keepDays?: number;
}

/** Conflicts named one by one in the text preview; the rest are counted (all of them are in --json). */
const LISTED = 20;

/** What `undo --json` prints: each group counted, the conflicts named, the calls needed. */
function undoJson(prepared: PreparedUndo) {
  const p = prepared.plan;
  return {
    runId: p.runId,
    restore: p.restore.length,
    reenable: p.reenable.length,
    disable: p.disable.length,
    conflicts: p.conflicts.length,
    calls: p.calls,
    unchanged: p.unchanged.length,
    conflictsIncluded: p.conflictsIncluded,
    conflictPeople: p.conflicts.map((c) => ({ externalId: c.externalId, reason: c.reason, changedBy: c.changedBy ?? null })),
  };
}

function printPreview(io: CliIo, prepared: PreparedUndo, target: string): void {
  const { plan, entry } = prepared;
  const when = `${entry.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const file = entry.file ? `, file ${entry.file.name}` : entry.undoOf ? `, the undo of run ${entry.undoOf}` : '';
  io.out(`Undo of run ${plan.runId} (${when} by ${entry.user}${file}) on ${target}:\n`);
  const line = (label: string, n: number, note: string) => io.out(`  ${label.padEnd(10)} ${n.toLocaleString('en-US').padStart(7)}  ${note}\n`);
  line('restore', plan.restore.length, 'changed by that upload: their previous record is sent again');
  line('re-enable', plan.reenable.length, 'disabled by that upload: re-enabled with their previous record');
  line('disable', plan.disable.length, 'created by that upload: disabled (bulkUpload cannot delete anyone)');
  if (plan.disable.length > 0) {
    // Said every time, loudly: "created" means "not in this computer's record before the upload". People who had
    // accounts in Entra before scimport first uploaded to this job would be disabled too.
    io.out(`             Check the ${plan.disable.length.toLocaleString('en-US')} to disable: "created" means this computer had no record of them before that upload. If that was the first upload to this job and they already had accounts in Entra, undoing would disable real accounts; use --dry-run --json to list them.\n`);
  }
  line('unchanged', plan.unchanged.length, 'already as they were before it: nothing to send');
  line(
    'conflicts',
    plan.conflicts.length,
    plan.conflicts.length === 0
      ? 'nobody was changed again by a later upload'
      : plan.conflictsIncluded
        ? 'changed again by a later upload: their previous record is sent anyway (--include-conflicts)'
        : 'changed again by a later upload: left alone (--include-conflicts sends their previous record anyway)',
  );
  for (const c of plan.conflicts.slice(0, LISTED)) {
    const by = c.reason === 'gone' ? 'no longer in the snapshot of this target' : c.changedBy ? `changed by run ${c.changedBy}` : 'changed by a later upload';
    io.out(`    externalId ${c.externalId}: ${by}\n`);
  }
  if (plan.conflicts.length > LISTED) io.out(`    … and ${(plan.conflicts.length - LISTED).toLocaleString('en-US')} more (all of them with --json).\n`);
  if (prepared.undoneBy.length > 0) io.out(`This upload was undone before by run ${prepared.undoneBy.join(', ')}.\n`);
}

function chunksOf(operations: BulkOperation[]): BulkRequest[] {
  const chunker = new BulkChunker({});
  const requests: BulkRequest[] = [];
  for (const op of operations) {
    const full = chunker.push(op);
    if (full) requests.push(full);
  }
  const last = chunker.flush();
  if (last) requests.push(last);
  return requests;
}

/**
 * Plans the undo of a run, shows it, and (unless --dry-run) sends it like an upload. Exit 0, or 1 when people failed
 * in the provisioning logs; 2 when the run cannot be undone.
 */
export async function undoCommand(io: CliIo, args: UndoArgs): Promise<number> {
  const dataDir = await ensureDataDir(io.env, io.cwd);
  if (args.keepDays !== undefined) {
    await writeUndoRetention(join(dataDir, UNDO_DIR), args.keepDays);
    if (!args.json) io.out(`Undo records in ${dataDir} are now kept for ${plural(args.keepDays, 'day')}; older ones are removed at the next upload.\n`);
    if (args.runId === undefined) return EXIT.OK;
  }
  if (args.runId === undefined) throw new CliError('USAGE', 'Name the upload to undo: `scimport undo <run-id>` (the run ids are in `scimport history`).');
  const runId = args.runId;
  const startedAt = new Date().toISOString();
  // The run holds the connection and the target it went to: the undo goes to the same place.
  const original = await openRun(dataDir, runId).catch((error: unknown) => Promise.reject(toCliError(error)));
  const spec = specFromRun(original.manifest.meta, runId, io);
  const store = snapshotStore(io, dataDir);
  const lock = args.dryRun ? undefined : await lockTarget(dataDir, original.manifest.target, { purpose: 'an undo' }).catch((error: unknown) => Promise.reject(toCliError(error)));
  try {
    const prepared = await prepareUndo({ dataDir, snapshots: store, runId, ...(args.includeConflicts ? { includeConflicts: true } : {}) });
    const { plan } = prepared;
    if (!args.json) printPreview(io, prepared, describeTarget(spec));
    const counts: DiffCounts = { new: 0, changed: plan.restore.length, unchanged: plan.unchanged.length, missing: plan.disable.length, returning: plan.reenable.length, alreadyDisabled: 0 };
    const runMeta: RunHistoryMeta = { counts, operations: plan.restore.length + plan.reenable.length, disables: plan.disable.length, undoOf: runId };
    const profile = (original.manifest.meta.profile as { name?: string; version?: number; file?: string } | undefined) ?? {};
    const record = (outcome: 'nothing-to-send' | 'dry-run' | 'blocked' | 'failed', message?: string) =>
      recordHistory(io, dataDir, {
        startedAt,
        ...runMeta,
        profile: { name: profile.name ?? 'unknown', version: profile.version ?? 0 },
        target: prepared.target,
        calls: 0,
        outcome,
        ...(message ? { message } : {}),
      });
    if (plan.operations.length === 0) {
      const message = `Nothing to undo: everyone run ${runId} touched is as before it${plan.conflicts.length > 0 && !plan.conflictsIncluded ? ', or was changed again by a later upload' : ''}.`;
      await record('nothing-to-send', message);
      if (args.json) io.out(JSON.stringify({ ...undoJson(prepared), dryRun: args.dryRun ?? false, undoRunId: null }) + '\n');
      else io.out(message + '\n');
      return EXIT.OK;
    }
    try {
      await checkBudget(io, dataDir, original.manifest.target.tenantId, plan.calls, args);
    } catch (error) {
      await record('blocked', errorSentence(error));
      throw error;
    }
    if (args.dryRun) {
      await record('dry-run');
      if (args.json) io.out(JSON.stringify({ ...undoJson(prepared), dryRun: true, undoRunId: null }) + '\n');
      else io.out(`Dry run: would send ${plural(plan.operations.length, 'user')} in ${plural(plan.calls, 'request')}. Nothing was sent.\n`);
      return EXIT.OK;
    }
    const people = plan.operations.length;
    const run = await startRun({
      dataDir,
      target: original.manifest.target,
      chunks: chunksOf(plan.operations),
      meta: {
        ...(original.manifest.meta.connection !== undefined ? { connection: original.manifest.meta.connection } : {}),
        profile,
        counts: { rows: people, valid: people, invalid: 0 },
        history: runMeta,
        // No feed: each person keeps the feed the snapshot gives them.
        undo: { of: runId },
        ...(original.manifest.meta.extension !== undefined ? { extension: original.manifest.meta.extension } : {}),
      },
    }).catch(async (error: unknown) => {
      await record('failed', errorSentence(error));
      return Promise.reject(toCliError(error));
    });
    if (!args.json) {
      return await send(io, run, spec, dataDir, { rows: people, valid: people, invalid: 0 }, undefined, args, startedAt, { snapshot: prepared.snapshot, locked: true });
    }
    // One JSON document: the undo's groups, and what sending it did (send's own document, under `upload`).
    let sent = '';
    const quiet: CliIo = { ...io, out: (text) => void (sent += text) };
    const status = await send(quiet, run, spec, dataDir, { rows: people, valid: people, invalid: 0 }, undefined, args, startedAt, { snapshot: prepared.snapshot, locked: true });
    io.out(JSON.stringify({ ...undoJson(prepared), dryRun: false, undoRunId: run.id, upload: JSON.parse(sent.trim()) as unknown }) + '\n');
    return status;
  } finally {
    await lock?.release();
  }
}

/** Adds `undo` to the program; `setStatus` receives its exit status. */
export function registerUndoCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  waitOptions(
    program
      .command('undo')
      .description('put everyone an upload touched back as they were before it (shown first; itself an upload that can be undone)')
      .argument('[run-id]', 'the upload to undo, as `scimport history` lists it')
      .option('--dry-run', 'show what the undo would send, send nothing')
      .option('--include-conflicts', 'also send the previous record of people a later upload changed again (overwrites that change)')
      .option('--keep-days <n>', 'keep undo records in this data folder for n days (default 30)', positiveInteger),
  )
    .addHelpText(
      'after',
      `
What is sent: people the upload changed get their previous accepted record again, people it disabled are re-enabled
with their previous record, people it created are disabled (bulkUpload cannot delete). People a later upload changed
again are conflicts: left alone unless --include-conflicts. Undo records are kept per data folder for 30 days unless
--keep-days says otherwise, encrypted with SCIMPORT_SNAPSHOT_KEY like the snapshots.
${ENV_HELP}`,
    )
    .action(async (runId: string | undefined, opts: Omit<UndoArgs, 'runId'>) => {
      setStatus(await undoCommand(io, { ...opts, ...(runId !== undefined ? { runId } : {}) }));
    });
}
