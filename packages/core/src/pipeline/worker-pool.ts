import { Worker } from 'node:worker_threads';
import { CoreError } from '../errors';
import type { SourceRow } from '../types';
import type { RowMapper, RowMapperSetup, RowResult } from './row-mapper';

const WORKER_OLD_SPACE_MB = 96;
const WORKER_YOUNG_SPACE_MB = 16;

interface Pending {
  resolve: (results: RowResult[]) => void;
  reject: (error: Error) => void;
}

/**
 * Maps batches of rows on worker threads so reading (main thread) and mapping (workers) overlap and both
 * cores work. Batches go round-robin; callers await them in order, so output order is the file's order.
 */
export class WorkerPoolRowMapper implements RowMapper {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly ready: Promise<void>[] = [];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(setup: RowMapperSetup, size: number) {
    for (let i = 0; i < size; i++) {
      // Mapping allocates a lot of short-lived garbage; a modest heap cap makes V8 collect it instead of
      // growing (peak memory stays flat with the file's length). Retained data per worker is small.
      const worker = new Worker(new URL('./map-worker-entry.mjs', import.meta.url), {
        workerData: setup,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_SPACE_MB },
      });
      this.ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          const onReady = (message: { ready?: boolean }) => {
            if (message.ready) {
              worker.off('message', onReady);
              resolve();
            }
          };
          worker.on('message', onReady);
        }),
      );
      worker.on('message', (message: { id?: number; results?: RowResult[]; error?: { message: string } }) => {
        if (message.id === undefined) return;
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.error) waiting.reject(new CoreError('MAPPING_RUNTIME', message.error.message));
        else waiting.resolve(message.results ?? []);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`a mapping worker stopped unexpectedly (exit code ${code})`));
      });
      this.workers.push(worker);
    }
  }

  private closing = false;

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  async start(): Promise<void> {
    await Promise.all(this.ready);
  }

  map(rows: SourceRow[]): Promise<RowResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise<RowResult[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, rows });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
