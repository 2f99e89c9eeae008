/**
 * `scimport history`, and the one place the CLI appends to the run history: who ran what, from which file,
 * with which profile, what the diff found, how many calls it used and how it ended.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type HistoryEntry, type HistoryEntryInput, SnapshotStore, appendHistory, currentUser, isCoreError, readHistory, undoableRuns } from '@scimport/core';
import { dataDirPath } from '../data-dir';
import { EXIT } from '../errors';
import { plural } from '../format';
import type { CliIo } from '../io';

/**
 * Append one run to the history in `dataDir`. A history that cannot be written is reported on stderr but
 * never changes the command's outcome: the upload itself has happened (or not) either way.
 */
export async function recordHistory(io: CliIo, dataDir: string, entry: HistoryEntryInput): Promise<HistoryEntry | undefined> {
  try {
    return await appendHistory(dataDir, { user: currentUser(io.env), ...entry });
  } catch (error) {
    io.err(`scimport: warning: ${isCoreError(error) ? error.message : String(error)}\n`);
    return undefined;
  }
}

/** Text lines of the history: oldest first, as `runs` lists runs. */
function line(e: HistoryEntry, undoable: boolean): string {
  const when = `${e.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const file = e.file ? `${e.file.name} (sha256 ${e.file.sha256.slice(0, 12)})` : '-';
  const c = e.counts;
  const found = c
    ? `new ${c.new}, changed ${c.changed}, unchanged ${c.unchanged}, missing ${c.missing}, returning ${c.returning}`
    : 'no diff';
  const verb = e.outcome === 'uploaded' || e.outcome === 'partial' || e.outcome === 'cancelled' ? 'sent' : 'planned';
  const sent = `${plural(e.operations ?? 0, 'user')}${e.disables ? ` + ${plural(e.disables, 'disable')}` : ''} ${verb}`;
  const flags = [e.full ? '--full' : '', e.allowMassChanges ? '--allow-mass-changes' : ''].filter(Boolean).join(' ');
  const feed = e.feed ? ` feed "${e.feed}"` : '';
  // An undo is an upload of its own; "undoable" says its record of who was what before is still kept.
  const marks = [e.undoOf ? `undo of run ${e.undoOf}` : '', undoable ? 'undoable' : ''].filter(Boolean).join(', ');
  const head = `${when}  ${e.outcome.padEnd(15)} ${e.user}  ${file}  "${e.profile.name}" v${e.profile.version}${feed}  ${found}; ${sent}; ${plural(e.calls, 'call')}${flags ? `  ${flags}` : ''}  run ${e.runId}${marks ? ` (${marks})` : ''}`;
  return e.message ? `${head}\n    ${e.message}` : head;
}

/**
 * `scimport history`: the runs recorded in the data folder, oldest first; the last `limit` of them (text:
 * 20 by default; JSON: all by default).
 */
export async function historyCommand(io: CliIo, options: { json?: boolean; limit?: number }): Promise<number> {
  const dataDir = dataDirPath(io.env, { cwd: io.cwd });
  const entries = await readHistory(dataDir);
  const limit = options.limit ?? (options.json ? entries.length : 20);
  const shown = entries.slice(Math.max(0, entries.length - limit));
  // Only the ids of the kept records are read (no key needed); a resumed run is undoable from its last entry.
  const undoable = await undoableRuns(dataDir, new SnapshotStore({ dir: dataDir }));
  const last = new Map(entries.map((e, i) => [e.runId, i]));
  const canUndo = (e: HistoryEntry, i: number) => undoable.has(e.runId) && last.get(e.runId) === entries.length - shown.length + i;
  if (options.json) {
    io.out(JSON.stringify(shown.map((e, i) => ({ ...e, undoable: canUndo(e, i) }))) + '\n');
    return EXIT.OK;
  }
  if (entries.length === 0) {
    io.out(`No runs recorded in ${dataDir} yet.\n`);
    return EXIT.OK;
  }
  if (shown.length < entries.length) io.out(`The last ${shown.length} of ${plural(entries.length, 'run')} (--limit to see more):\n`);
  shown.forEach((entry, i) => io.out(line(entry, canUndo(entry, i)) + '\n'));
  return EXIT.OK;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return Number(value);
}

/** Adds `history` to the program; `setStatus` receives its exit status. */
export function registerHistoryCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('history')
    .description('every upload run recorded here: when, by whom, which file (SHA-256) and profile, what changed, calls used, outcome')
    .option('--limit <n>', 'show only the last n runs (default: 20 as text, all as JSON)', positiveInteger)
    .option('--json', 'print JSON (an array, oldest first)')
    .action(async (opts: { json?: boolean; limit?: number }) => {
      setStatus(await historyCommand(io, opts));
    });
}
