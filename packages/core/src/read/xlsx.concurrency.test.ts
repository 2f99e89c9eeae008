/**
 * The xlsx reader must give the same answer however the work interleaves. The reader it replaced lost
 * zip entries when its consumer fell behind the zip parser, which happened under load: a valid workbook
 * then read as damaged now and then. These tests read the same workbook, stored with its parts in every
 * order the fixtures have, many times at once, and many times in a row while other work competes for
 * libuv's thread pool (which runs both file reads and zlib inflation, so their completions get reordered).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { pbkdf2 } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSheets, openTable } from './index';

const quirks = fileURLToPath(new URL('../../../../test-data/quirks/', import.meta.url));

// The same workbook, its parts stored in different orders or under different names.
const FIXTURES = ['quirks.xlsx', 'streamable.xlsx', 'styles-last.xlsx', 'excel-order.xlsx', 'renamed-parts.xlsx'];
const TIMES = 30;
const IN_A_ROW = 40;
// Three of libuv's four threads kept busy with short jobs: enough to shuffle the order in which file reads
// and inflation finish (the old reader failed this test in most runs), little enough to stay quick.
const WORKERS = 3;
const ITERATIONS = 500;

/** Everything a reader returns for the file, as one comparable string (file name left out), or the error. */
async function outcome(name: string): Promise<string> {
  try {
    const path = join(quirks, name);
    const table = await openTable(path);
    const rows = [];
    for await (const row of table.rows()) rows.push(row);
    const sheets = await listSheets(path);
    return JSON.stringify({ sheets, header: table.headerRow, columns: table.columns, findings: table.findings, rows }).replaceAll(name, '(file)');
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return `failed: ${(error as Error).message}${cause === undefined ? '' : ` (${String(cause)})`}`;
  }
}

/** Keeps most of libuv's thread pool busy until the returned function is called. */
function competingWork(): () => Promise<void> {
  let running = true;
  const workers: Promise<void>[] = [];
  for (let i = 0; i < WORKERS; i++) {
    workers.push((async () => {
      while (running) await new Promise<void>((resolve) => pbkdf2('scimport', 'salt', ITERATIONS, 32, 'sha256', () => resolve()));
    })());
  }
  return async () => {
    running = false;
    await Promise.all(workers);
  };
}

describe('reading a workbook is deterministic', () => {
  let reference: string;
  beforeAll(async () => {
    reference = await outcome('quirks.xlsx');
    // The reference itself is checked in detail by xlsx.test.ts; here only that it is a real reading.
    expect(reference).toContain('"sheets":["Lookup","Employees","Contractors"]');
    expect(reference).toContain('"HireDate":"2021-05-01T00:00:00.000Z"');
  });

  for (const name of FIXTURES) {
    it(`${name}: ${TIMES} readings at once all agree`, async () => {
      const outcomes = await Promise.all(Array.from({ length: TIMES }, () => outcome(name)));
      expect(outcomes.filter((o) => o !== reference)).toEqual([]);
    });

    it(`${name}: ${IN_A_ROW} readings in a row agree while other work competes`, async () => {
      const stop = competingWork();
      const outcomes: string[] = [];
      try {
        for (let i = 0; i < IN_A_ROW; i++) outcomes.push(await outcome(name));
      } finally {
        await stop();
      }
      expect(outcomes.filter((o) => o !== reference)).toEqual([]);
    });
  }
});
