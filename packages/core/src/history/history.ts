/**
 * The run history: one JSON line per run (who, when, which file by name and SHA-256, which profile
 * version, what the diff found, how many calls it used, how it ended), appended to `history.jsonl` in the
 * data folder. It answers "what did we send on Tuesday, and from which file?" without keeping the file.
 *
 * The history holds names of files and users, so it is created with mode 0600 in a 0700 directory like
 * the snapshots. Each entry is written with one `write` on a file opened for appending (atomic for lines
 * this short on local file systems, also between processes) and fsynced.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { CoreError } from '../errors';
import type { DiffCounts } from '../diff/diff';

/** File name of the history inside the data folder. */
export const HISTORY_FILE = 'history.jsonl';

/**
 * How a run ended. `uploaded`: every chunk answered 202. `partial`: some chunks were not accepted.
 * `failed`: nothing was accepted. `blocked`: the safety gate stopped it. `nothing-to-send`: no differences.
 * `dry-run`: planned only. `cancelled`: stopped by the user.
 */
export type RunOutcome = 'uploaded' | 'partial' | 'failed' | 'blocked' | 'nothing-to-send' | 'dry-run' | 'cancelled';

export interface HistoryEntry {
  /** Unique id of the run (a random UUID), also used by journals and logs of the same run. */
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** Operating-system account that ran it. */
  user: string;
  host: string;
  /** The input file: base name and SHA-256 (hex) of its bytes. */
  file?: { name: string; sha256: string };
  profile: { name: string; version: number };
  /** The feed the run uploaded as (`feedOf(profile)`), when several HR files share the job. */
  feed?: string;
  target?: { tenantId?: string; jobId?: string };
  /** What the diff found. */
  counts?: DiffCounts;
  /** Operations and disables sent (or planned, for a dry run or a blocked run). */
  operations?: number;
  disables?: number;
  /** bulkUpload calls made (each counts against the tenant's daily quota). */
  calls: number;
  outcome: RunOutcome;
  /** One sentence for a person, e.g. the gate's reason or the error. Never a secret. */
  message?: string;
  /** The run this one undid (`scimport undo`, "Undo this upload"): an undo is an upload, and can be undone too. */
  undoOf?: string;
  /** Whether the run used --full or --allow-mass-changes. */
  full?: boolean;
  allowMassChanges?: boolean;
}

/** An entry as the caller knows it; id, user, host and finish time are filled in when absent. */
export type HistoryEntryInput = Omit<HistoryEntry, 'runId' | 'user' | 'host' | 'finishedAt'> &
  Partial<Pick<HistoryEntry, 'runId' | 'user' | 'host' | 'finishedAt'>>;

/** A fresh run id. */
export function newRunId(): string {
  return randomUUID();
}

/** The operating-system user running this process; falls back to USER / USERNAME, then "unknown". */
export function currentUser(env: Record<string, string | undefined> = process.env): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // userInfo throws when the uid has no passwd entry (containers); the environment may still know.
  }
  return env.USER || env.USERNAME || 'unknown';
}

/**
 * Appends one run to `dir/history.jsonl` (creating the folder with mode 0700 and the file with 0600) and
 * returns the entry as written. If an earlier write was cut short, the new entry starts on a line of its own.
 * Throws CoreError OUTPUT_FAILED when the file cannot be written.
 */
export async function appendHistory(dir: string, input: HistoryEntryInput): Promise<HistoryEntry> {
  const entry: HistoryEntry = {
    ...input,
    runId: input.runId ?? newRunId(),
    user: input.user ?? currentUser(),
    host: input.host ?? hostname(),
    finishedAt: input.finishedAt ?? new Date().toISOString(),
  };
  const path = join(dir, HISTORY_FILE);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fh = await open(path, 'a+', 0o600);
    try {
      const { size } = await fh.stat();
      let lead = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) lead = '\n';
      }
      await fh.write(lead + JSON.stringify(entry) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (error) {
    throw new CoreError('OUTPUT_FAILED',
      `The run history ${path} could not be written (${(error as NodeJS.ErrnoException).code ?? String(error)}); check free space and the permissions of the data folder.`,
      { location: { file: path }, cause: error });
  }
  return entry;
}

function isEntry(value: unknown): value is HistoryEntry {
  const v = value as Partial<HistoryEntry> | null;
  return typeof v === 'object' && v !== null && typeof v.runId === 'string' && typeof v.startedAt === 'string' && typeof v.outcome === 'string';
}

/**
 * Every run recorded in `dir/history.jsonl`, oldest first; an empty list when there is none. Lines that
 * are not entries (a write cut short by a crash) are skipped, so one damaged line never hides the rest.
 */
export async function readHistory(dir: string): Promise<HistoryEntry[]> {
  const path = join(dir, HISTORY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CoreError('FILE_NOT_FOUND',
      `The run history ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the permissions of the data folder.`,
      { location: { file: path }, cause: error });
  }
  const entries: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isEntry(value)) entries.push(value);
    } catch {
      // A line cut short by a crash: skip it (see above).
    }
  }
  return entries;
}

/**
 * SHA-256 (hex) of a file's bytes, read as a stream so a large workbook is never held in memory.
 * Throws CoreError FILE_NOT_FOUND naming the file when it cannot be read.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CoreError('FILE_NOT_FOUND',
      `${basename(path)} cannot be read to compute its checksum (${code ?? String(error)}); check that the file exists and is not open with a lock in another program.`,
      { location: { file: path }, cause: error });
  }
  return hash.digest('hex');
}
