/**
 * The journal of a run's chunk states (journal.jsonl in the run folder): appended by the uploader with group
 * commits, read back by resume, status and the results poller.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TransportError } from './errors';
import { PRIVATE_FILE_MODE, readJsonIfExists, syncDir, tightenMode } from './fsutil';
import { type ChunkState, type Run, chunkName } from './run-store';

/** The run's journal: one JSON line per chunk state change, appended in order; a chunk's last line wins. */
export const JOURNAL_FILE = 'journal.jsonl';
const CHUNK_STATES = new Set<string>(['pending', 'sending', 'accepted', 'failed']);

/** A promise with its settle functions, which also never counts as an unhandled rejection. */
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface JournalEntry {
  line: string;
  written: Deferred;
  durable: Deferred;
}

/**
 * Appends chunk states to a run's journal. Lines appended while a write is under way go out together in the next
 * write, and every write is followed by one fsync covering all lines written so far (a group commit): the previous
 * design, one atomic file per state with two fsyncs each, delayed the sends by tens of milliseconds at Entra's pace.
 *
 * Each append reports two moments. `written`: the line is in the file, so it survives the process being killed.
 * `durable`: it is fsynced, so it survives a power cut too. A chunk is sent once its `sending` line is written: if a
 * power cut loses that line, the chunk reads as pending and a resume sends it, exactly as it would a chunk found
 * `sending`. `accepted` lines are waited for until durable before the upload returns.
 *
 * A crash can leave the last line torn; such a line never took effect, so readers skip it, and the writer starts
 * on a fresh line.
 */
export class JournalWriter {
  private handle: FileHandle | undefined;
  private queue: JournalEntry[] = [];
  private unsynced: JournalEntry[] = [];
  private writing: Promise<void> | undefined;
  private syncing: Promise<void> | undefined;
  /** A torn or failed write may have left the file without a final newline. */
  private startFresh = false;

  constructor(private readonly file: string) {}

  append(index: number, state: ChunkState): { written: Promise<void>; durable: Promise<void> } {
    const entry: JournalEntry = { line: `${JSON.stringify({ chunk: index, ...state })}\n`, written: deferred(), durable: deferred() };
    this.queue.push(entry);
    this.writing ??= this.writeLoop();
    return { written: entry.written.promise, durable: entry.durable.promise };
  }

  private async open(): Promise<FileHandle> {
    const created = !(await fs.access(this.file).then(() => true, () => false));
    // Owner-only: the journal names the chunks of people's data. A journal from an earlier version is tightened.
    const handle = await fs.open(this.file, 'a+', PRIVATE_FILE_MODE);
    if (!created) await tightenMode(this.file, PRIVATE_FILE_MODE);
    const { size } = await handle.stat();
    if (size > 0) {
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      this.startFresh = buffer[0] !== 0x0a;
    }
    // The file's existence must survive a power cut too, or its first lines would vanish with it.
    if (created) await syncDir(path.dirname(this.file));
    return handle;
  }

  private failure(err: unknown): TransportError {
    return new TransportError('IO', `Could not write the upload journal ${this.file}: ${(err as Error).message}. Check that the data folder is writable and the disk is not full, then resume the run.`, {
      details: { file: this.file },
      cause: err,
    });
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          this.handle ??= await this.open();
          const text = `${this.startFresh ? '\n' : ''}${batch.map((e) => e.line).join('')}`;
          this.startFresh = true; // until this write is known complete
          await this.handle.appendFile(text, 'utf8');
          this.startFresh = false;
        } catch (err) {
          const failure = this.failure(err);
          for (const e of batch) {
            e.written.reject(failure);
            e.durable.reject(failure);
          }
          continue;
        }
        for (const e of batch) e.written.resolve();
        this.unsynced.push(...batch);
        this.syncing ??= this.syncLoop();
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async syncLoop(): Promise<void> {
    try {
      while (this.unsynced.length > 0 && this.handle) {
        // Lines written before the fsync starts are covered by it.
        const batch = this.unsynced.splice(0);
        try {
          await this.handle.sync();
          for (const e of batch) e.durable.resolve();
        } catch (err) {
          const failure = this.failure(err);
          for (const e of batch) e.durable.reject(failure);
        }
      }
    } finally {
      this.syncing = undefined;
    }
  }

  /** Wait for every append to be durable (or to have failed), then close the file. */
  async close(): Promise<void> {
    while (this.writing || this.syncing) await Promise.all([this.writing, this.syncing]);
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}

/**
 * The journal state of every chunk, in chunk order. Runs written by earlier versions kept one file per chunk in
 * `state/`; those are read first and the journal, being newer, overrides them.
 */
export async function readChunkStates(run: Run): Promise<ChunkState[]> {
  const states: ChunkState[] = run.manifest.chunks.map(() => ({ state: 'pending' as const }));
  const legacyDir = path.join(run.dir, 'state');
  const legacy = await fs.readdir(legacyDir).catch(() => [] as string[]);
  const wanted = new Set(legacy);
  await Promise.all(
    run.manifest.chunks.map(async (chunk, i) => {
      const name = chunkName(chunk.index);
      if (!wanted.has(name)) return;
      const state = await readJsonIfExists<ChunkState>(path.join(legacyDir, name));
      if (state) states[i] = state;
    }),
  );
  let text: string;
  try {
    text = await fs.readFile(path.join(run.dir, JOURNAL_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return states;
    throw new TransportError('IO', `The upload journal of run ${run.id} cannot be read: ${(err as Error).message}.`, { details: { runId: run.id, file: path.join(run.dir, JOURNAL_FILE) }, cause: err });
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // torn by a crash mid-write: it never took effect
    }
    if (!entry || typeof entry !== 'object') continue;
    const { chunk, ...state } = entry as { chunk?: unknown; state?: unknown };
    if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1 || chunk > states.length || typeof state.state !== 'string' || !CHUNK_STATES.has(state.state)) continue;
    states[chunk - 1] = state as ChunkState;
  }
  return states;
}

/** Counts per state, for a status display. */
export async function runStatus(run: Run): Promise<{ total: number; pending: number; sending: number; accepted: number; failed: number }> {
  const states = await readChunkStates(run);
  const count = (s: ChunkState['state']): number => states.filter((x) => x.state === s).length;
  return { total: states.length, pending: count('pending'), sending: count('sending'), accepted: count('accepted'), failed: count('failed') };
}
