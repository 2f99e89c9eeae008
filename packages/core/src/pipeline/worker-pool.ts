import { Worker } from 'node:worker_threads';
import jsonata from 'jsonata';
import { CoreError, CORE_ERROR_CODES, type CoreErrorCode } from '../errors';
import type { SourceRow } from '../types';
import { DEFAULT_MAPPING_LIMITS } from '../mapping';
import type { RowMapper, RowMapperSetup, RowResult } from './row-mapper';
import { ROW_STATE, type WorkerData } from './row-state';

const WORKER_OLD_SPACE_MB = 96;
const WORKER_YOUNG_SPACE_MB = 16;
/** How often the watchdog looks at the workers' rows. */
const WATCH_EVERY_MS = 50;

interface Job {
  id: number;
  rows: SourceRow[];
  /** Rows (by index) stopped at the time limit: a replacement worker gives them a timeout finding instead of mapping them again. */
  skip: number[];
  resolve: (results: RowResult[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  state: Int32Array;
  /** Jobs sent to this worker and not answered yet, in the order sent (a worker answers in order). */
  jobs: Job[];
  ready: Promise<void>;
}

/**
 * Maps batches of rows on worker threads so reading (main thread) and mapping (workers) overlap and both
 * cores work. Batches go round-robin; callers await them in order, so output order is the file's order.
 *
 * A watchdog ends any row that runs past the mapping's time limit: the evaluator's own timer cannot
 * interrupt synchronous work such as a backtracking regular expression (/^(a+)+$/ on 65 characters
 * runs for minutes), but terminating its thread can. The worker is replaced, the rows of its jobs are
 * sent again with the stopped row marked, and that row gets a timeout finding, so no row ever takes
 * much longer than the limit and one hostile cell never stalls the run.
 */
export class WorkerPoolRowMapper implements RowMapper {
  private readonly slots: Slot[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly epoch = Date.now();
  private readonly timeoutMs: number;
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly setup: RowMapperSetup, size: number) {
    this.timeoutMs = setup.limits?.timeoutMs ?? DEFAULT_MAPPING_LIMITS.timeoutMs;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const state = new Int32Array(new SharedArrayBuffer(ROW_STATE.size * Int32Array.BYTES_PER_ELEMENT));
    Atomics.store(state, ROW_STATE.since, -1);
    const data: WorkerData = { setup: this.setup, state: state.buffer as SharedArrayBuffer, epoch: this.epoch };
    // Mapping allocates a lot of short-lived garbage; a modest heap cap makes V8 collect it instead of
    // growing (peak memory stays flat with the file's length). Retained data per worker is small.
    const worker = new Worker(new URL('./map-worker-entry.mjs', import.meta.url), {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_SPACE_MB },
    });
    const slot: Slot = {
      worker,
      state,
      jobs: [],
      ready: new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        const onReady = (message: { ready?: boolean }) => {
          if (message.ready) {
            worker.off('message', onReady);
            resolve();
          }
        };
        worker.on('message', onReady);
      }),
    };
    slot.ready.catch(() => undefined);
    worker.on('message', (message: { id?: number; results?: RowResult[]; error?: { message: string; code?: string } }) => {
      if (message.id === undefined) return;
      const job = this.jobs.get(message.id);
      if (!job) return;
      this.jobs.delete(message.id);
      slot.jobs = slot.jobs.filter((j) => j !== job);
      if (message.error) {
        const code = message.error.code && message.error.code in CORE_ERROR_CODES ? (message.error.code as CoreErrorCode) : 'MAPPING_RUNTIME';
        job.reject(new CoreError(code, message.error.message));
      } else job.resolve(message.results ?? []);
    });
    worker.on('error', (error) => {
      if (this.slots.includes(slot)) this.fail(error);
    });
    worker.on('exit', (code) => {
      // A worker the watchdog ended is no longer in `slots`; only an unexpected stop fails the run.
      if (code !== 0 && !this.closing && this.slots.includes(slot)) this.fail(new Error(`a mapping worker stopped unexpectedly (exit code ${code})`));
    });
    return slot;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
    for (const slot of this.slots) slot.jobs = [];
  }

  async start(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
    this.watchdog = setInterval(() => this.watch(), WATCH_EVERY_MS);
    // The watchdog never keeps the process alive on its own.
    this.watchdog.unref();
  }

  /** Ends every worker whose current row has run past the time limit, and hands its jobs to a new one. */
  private watch(): void {
    const now = Date.now() - this.epoch;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      const since = Atomics.load(slot.state, ROW_STATE.since);
      if (since < 0 || now - since < this.timeoutMs) continue;
      const job = this.jobs.get(Atomics.load(slot.state, ROW_STATE.job));
      const index = Atomics.load(slot.state, ROW_STATE.index);
      if (job && !job.skip.includes(index)) job.skip.push(index);
      const replacement = this.spawn();
      this.slots[i] = replacement;
      void slot.worker.terminate();
      replacement.jobs = slot.jobs;
      for (const pending of replacement.jobs) this.send(replacement, pending);
    }
  }

  private send(slot: Slot, job: Job): void {
    slot.worker.postMessage({ id: job.id, rows: job.rows, skip: job.skip });
  }

  map(rows: SourceRow[]): Promise<RowResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const slot = this.slots[id % this.slots.length]!;
    return new Promise<RowResult[]>((resolve, reject) => {
      const job: Job = { id, rows, skip: [], resolve, reject };
      this.jobs.set(id, job);
      slot.jobs.push(job);
      this.send(slot, job);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}

/**
 * Whether a mapping can block its thread beyond the evaluator's reach: a regular expression (native
 * RegExp matching runs to its end, however long) or $eval (which can build one at run time). Such a
 * mapping is always run on a worker under the watchdog, whatever the file's size.
 */
export function needsWatchdog(expression: string): boolean {
  let ast: unknown;
  try {
    ast = jsonata(expression).ast();
  } catch {
    return false; // A syntax error is reported by the compiler before any row is mapped.
  }
  const seen = new Set<unknown>();
  const walk = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return false;
    seen.add(node);
    const n = node as { type?: string; value?: unknown; procedure?: { value?: unknown } };
    if (n.type === 'regex') return true;
    if (n.type === 'function' && n.procedure?.value === 'eval') return true;
    return Object.values(node).some(walk);
  };
  return walk(ast);
}
