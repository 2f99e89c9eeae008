/** Test helpers of the readers (kept beside them: src/__tests__ belongs to the whole package). */
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { expect } from 'vitest';
import { CoreError } from '../errors';
import type { SourceRow } from '../types';
import type { Table } from './index';

/**
 * How many of this process's file descriptors are open on `path` (Linux only; undefined elsewhere), to see
 * that close() really lets go of a file. Counting only that file's descriptors keeps the answer
 * independent of whatever else the process (other tests, the runner) opens and closes meanwhile.
 */
export function descriptorsOn(path: string): number | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  const target = realpathSync(path);
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === target) count++;
    } catch {
      // Closed between listing and reading: not open on the file, then.
    }
  }
  return count;
}

/** Waits (up to a second) for asynchronous stream teardown to make `check` true; returns its last answer. */
export async function settle(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
}

/** Every row of a table, read to the end. */
export async function readAll(table: Table): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of table.rows()) rows.push(row);
  return rows;
}

/** The CoreError a promise rejects with (fails the test when it resolves or rejects with anything else). */
export async function failure(promise: Promise<unknown>): Promise<CoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CoreError);
    return error as CoreError;
  }
  throw new Error('expected a CoreError');
}

/** Opens `path` as a table and checks that close() releases the file with rows still unread (Linux only). */
export async function expectCloseReleases(path: string, open: (path: string) => Promise<Table>): Promise<void> {
  if (descriptorsOn(path) === undefined) return;
  expect(await settle(() => descriptorsOn(path) === 0)).toBe(true);
  const table = await open(path);
  expect(await settle(() => descriptorsOn(path)! > 0)).toBe(true);
  await table.close();
  expect(await settle(() => descriptorsOn(path) === 0)).toBe(true);
}
