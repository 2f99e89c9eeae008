// A worker thread of the transform: compiles the profile once, then maps and validates batches of rows.
import { parentPort, workerData } from 'node:worker_threads';
import { RowProcessor, type RowMapperSetup } from './row-mapper';
import type { SourceRow } from '../types';

const processor = new RowProcessor(workerData as RowMapperSetup);

parentPort!.on('message', async (message: { id: number; rows: SourceRow[] }) => {
  try {
    const results = [];
    for (const row of message.rows) results.push(await processor.process(row));
    parentPort!.postMessage({ id: message.id, results });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: { message: (error as Error).message, code: (error as { code?: string }).code } });
  }
});
parentPort!.postMessage({ ready: true });
