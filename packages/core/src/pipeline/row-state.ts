import type { RowMapperSetup } from './row-mapper';

/**
 * What a mapping worker shares with the pool: slots of an Int32Array over a SharedArrayBuffer, written
 * by the worker before and after each row and read by the pool's watchdog without any message (a
 * worker stuck in a regular expression cannot answer one).
 */
export const ROW_STATE = {
  /** The id of the job (batch) being mapped. */
  job: 0,
  /** The index of the row within the job. */
  index: 1,
  /** Milliseconds since `epoch` when the row started; -1 while no row is being mapped. */
  since: 2,
  size: 3,
} as const;

export interface WorkerData {
  setup: RowMapperSetup;
  state: SharedArrayBuffer;
  /** Date.now() at the pool's start: keeps `since` within an Int32. */
  epoch: number;
}
