// A worker thread of the transform: compiles the profile once, then maps and validates batches of rows.
// Before each row it notes in shared memory which row it is on and since when, so the pool can end a
// row that runs past the time limit (a backtracking regular expression never yields to a timer).
import { parentPort, workerData } from 'node:worker_threads';
import { RowProcessor } from './row-mapper';
import type { SourceRow } from '../types';
import { ROW_STATE, type WorkerData } from './row-state';

const data = workerData as WorkerData;
const processor = new RowProcessor(data.setup);
const state = new Int32Array(data.state);

parentPort!.on('message', async (message: { id: number; rows: SourceRow[]; skip?: number[] }) => {
  const skip = new Set(message.skip);
  try {
    const results = [];
    for (let i = 0; i < message.rows.length; i++) {
      const row = message.rows[i]!;
      if (skip.has(i)) {
        results.push(processor.stopped(row));
        continue;
      }
      Atomics.store(state, ROW_STATE.job, message.id);
      Atomics.store(state, ROW_STATE.index, i);
      Atomics.store(state, ROW_STATE.since, Date.now() - data.epoch);
      results.push(await processor.process(row));
      Atomics.store(state, ROW_STATE.since, -1);
    }
    parentPort!.postMessage({ id: message.id, results });
  } catch (error) {
    Atomics.store(state, ROW_STATE.since, -1);
    parentPort!.postMessage({ id: message.id, error: { message: (error as Error).message, code: (error as { code?: string }).code } });
  }
});
parentPort!.postMessage({ ready: true });
