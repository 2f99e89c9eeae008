/**
 * What crosses between the xlsx reading thread (./xlsx-worker) and the thread that reads its rows
 * (./xlsx-thread): the messages, rows packed for structured cloning, and failures as plain data.
 *
 * Rows travel as one flat array per batch rather than an array of RawRow objects. A worksheet row with an
 * empty cell is a holey array, which V8 clones as a sparse one, index by index; a flat array of numbers,
 * strings, booleans and Dates is cloned in one pass, and the receiving thread, which is the busy one, builds
 * each row's objects only when it hands the row out.
 */
import type { MessagePort } from 'node:worker_threads';
import { CoreError } from '../errors';
import type { CoreErrorCode, ErrorLocation } from '../errors';
import { ErrorCell } from './columns';
import type { RawCell, RawRow } from './columns';
import { LimitExceeded } from './xlsx-limits';
import { SheetDataError } from './xlsx-parts';

/** What the reading thread is started with (its workerData). */
export interface ReaderSetup {
  path: string;
  /** The file's base name, as every message names it. */
  file: string;
  /** The sheet asked for, as openTable takes it. */
  sheet: string | number | undefined;
}

/**
 * Counters both threads share (an Int32Array over a SharedArrayBuffer), so that neither has to send the other a
 * message per batch: the reading thread counts what it posted, the other side what it took, and each waits on
 * the other's counter with Atomics.waitAsync.
 */
export const SHARED = {
  /** Messages posted on the rows port (batches, the end, a failure); the taker waits on it. */
  posted: 0,
  /** Batches of rows the taker has taken off the port; the reading thread waits on it when far enough ahead. */
  taken: 1,
  /** The `taken` count at which the waiting reading thread wants a notify (0 while it does not wait). */
  wakeAt: 2,
  size: 3,
} as const;

/**
 * Atomics.waitAsync (Node 16 and later; this workspace's TypeScript library predates it): resolves once
 * `array[index]` is notified or no longer holds `value`, at once when it already does not.
 */
export async function changeOf(array: Int32Array, index: number, value: number): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: unknown } }).waitAsync;
  const waiting = waitAsync(array, index, value);
  if (waiting.async) await waiting.value;
}

/** The setup together with the channel it reads into. */
export interface ReaderData extends ReaderSetup {
  /** Where everything the reading thread has to say goes, in order (FromReader). */
  port: MessagePort;
  shared: SharedArrayBuffer;
}

/** A failure, as data: enough to rebuild the error the reader on the main thread would have thrown. */
export type WireError =
  | { kind: 'core'; code: CoreErrorCode; message: string; location: ErrorLocation; details: readonly string[] }
  | { kind: 'limit'; what: string; row: number | undefined }
  | { kind: 'sheet-data'; row: number | undefined; message: string; limit: { what: string; row: number | undefined } | undefined }
  | { kind: 'other'; message: string };

export type FromReader =
  /** The sheet was found and its shared strings and styles read; rows follow. */
  | { kind: 'sheet'; name: string }
  /** Rows packed by packRow, in file order. */
  | { kind: 'rows'; data: unknown[] }
  | { kind: 'end' }
  | { kind: 'error'; error: WireError };

/** The table was closed: stop reading, let go of the file and end the thread. */
export type ToReader = { kind: 'stop' };

/**
 * Appends one row to a batch: its number, how many cells follow, then each filled cell as its zero-based
 * column and value. An Excel error value goes as its text under the column's ones' complement (-1 - column),
 * so no cell needs a wrapper object.
 */
export function packRow(row: RawRow, out: unknown[]): void {
  out.push(row.row, 0);
  const countAt = out.length - 1;
  let count = 0;
  const cells = row.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === undefined) continue;
    if (cell instanceof ErrorCell) out.push(-1 - i, cell.text);
    else out.push(i, cell);
    count++;
  }
  out[countAt] = count;
}

/** Reads the row packed at `data[at]`; returns it and where the next one starts. */
export function unpackRow(data: unknown[], at: number): { row: RawRow; next: number } {
  const number = data[at] as number;
  const count = data[at + 1] as number;
  const cells: (RawCell | undefined)[] = [];
  let k = at + 2;
  for (let n = 0; n < count; n++, k += 2) {
    let column = data[k] as number;
    let value = data[k + 1] as RawCell;
    if (column < 0) {
      column = -1 - column;
      value = new ErrorCell(value as string);
    }
    // Empty cells before this one as undefined (not holes): the array stays packed, and every reader of
    // RawRow treats the two alike.
    while (cells.length < column) cells.push(undefined);
    cells.push(value);
  }
  return { row: { row: number, cells }, next: k };
}

/** A failure of the reading thread as data. */
export function toWire(error: unknown): WireError {
  if (error instanceof CoreError) {
    return { kind: 'core', code: error.code, message: error.message, location: error.location, details: error.details };
  }
  if (error instanceof LimitExceeded) return { kind: 'limit', what: error.what, row: error.row };
  if (error instanceof SheetDataError) {
    const limit = error.cause instanceof LimitExceeded ? { what: error.cause.what, row: error.cause.row } : undefined;
    return { kind: 'sheet-data', row: error.row, message: error.message, limit };
  }
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The error again, of the class the main thread's reader works with: CoreErrors as they were; the zip, XML
 * and limit failures of the rows as the raw errors that `unreadable` in ./xlsx turns into a FILE_UNREADABLE
 * naming the file and the row (on this side, where the last row handed out is known).
 */
export function fromWire(error: WireError): Error {
  switch (error.kind) {
    case 'core':
      return new CoreError(error.code, error.message, { location: error.location, details: error.details });
    case 'limit':
      return new LimitExceeded(error.what, error.row);
    case 'sheet-data':
      return new SheetDataError(error.row, error.limit ? new LimitExceeded(error.limit.what, error.limit.row) : new Error(error.message));
    case 'other':
      return new Error(error.message);
  }
}
