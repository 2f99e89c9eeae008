import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHEET_HEAD, SHEET_TAIL, cell, sheetXml, writeWorkbook } from '../../../../test-data/hostile/zip';
import { openTable } from './index';
import { failure, readAll } from './test-support';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-xlsx-limits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEADER = cell('A1', 'Id') + cell('B1', 'Name');

/** Reads the whole table; returns the failure and how long it took to fail. */
async function refusal(name: string, build: (path: string) => void): Promise<{ message: string; code: string; ms: number }> {
  const path = join(dir, name);
  build(path);
  const started = performance.now();
  const error = await failure(openTable(path).then(readAll));
  return { message: error.message, code: error.code, ms: performance.now() - started };
}

describe('xlsx reading is bounded', () => {
  it('refuses a sheet part of whitespace that inflates to 1.1 GB (by its size) or 900 MB (by its compression ratio), at once', async () => {
    const build = (times: number) => (path: string) =>
      writeWorkbook(path, { sheet: { repeat: { head: SHEET_HEAD + `<row r="1">${HEADER}</row>`, block: ' '.repeat(1024 * 1024), times, tail: SHEET_TAIL } } });
    const big = await refusal('whitespace.xlsx', build(1100));
    expect(big.code).toBe('FILE_UNREADABLE');
    expect(big.message).toMatch(/^whitespace\.xlsx was not read: its part xl\/worksheets\/sheet1\.xml inflates to 1100 MB, more than the 1024 MB allowed\./);
    expect(big.message).toContain('export it again from the HR system');
    expect(big.ms).toBeLessThan(2000);
    const dense = await refusal('dense.xlsx', build(900));
    expect(dense.message).toMatch(/^dense\.xlsx was not read: its part xl\/worksheets\/sheet1\.xml is compressed \d+ to 1 \(900 MB from \d+ KB\)/);
    expect(dense.ms).toBeLessThan(2000);
  });

  it('refuses the same part when its header lies about the size: the run of characters without markup gives it away', async () => {
    const result = await refusal('lying.xlsx', (path) =>
      writeWorkbook(path, {
        sheet: { repeat: { head: SHEET_HEAD + `<row r="1">${HEADER}</row><row r="2">` + `<c r="A2"><v>`, block: ' '.repeat(1024 * 1024), times: 1100, tail: `</v></c></row>${SHEET_TAIL}` }, declaredSize: 10 * 1024 * 1024 },
      }),
    );
    expect(result.message).toMatch(/holds a run of more than 1,048,576 characters without any markup|a cell holds more than 32,767 characters/);
    expect(result.ms).toBeLessThan(3000);
  });

  it('refuses a cell reference past XFD instead of making a row of billions of empty slots', async () => {
    const result = await refusal('far-column.xlsx', (path) =>
      writeWorkbook(path, { sheet: { data: SHEET_HEAD + `<row r="1">${HEADER}</row><row r="2">${cell('A2', '1')}${cell('ZZZZZZ2', 'x')}</row>` + SHEET_TAIL } }),
    );
    expect(result.message).toContain('a cell reference (ZZZZZZ2) lies beyond XFD1048576, the last cell of an Excel sheet (near row 2)');
    expect(result.ms).toBeLessThan(1000);
  });

  it('refuses a row past 1,048,576, and a million rows without numbers running past it', async () => {
    const far = await refusal('far-row.xlsx', (path) =>
      writeWorkbook(path, { sheet: { data: SHEET_HEAD + `<row r="1">${HEADER}</row><row r="2000000">${cell('A2000000', '1')}</row>` + SHEET_TAIL } }),
    );
    expect(far.message).toContain('row 2000000 lies beyond XFD1048576');
    const empty = await refusal('empty-rows.xlsx', (path) =>
      writeWorkbook(path, { sheet: { repeat: { head: SHEET_HEAD + `<row>${HEADER}</row>`, block: '<row/>'.repeat(1000), times: 1100, tail: SHEET_TAIL } } }),
    );
    expect(empty.message).toContain('row 1048577 lies beyond XFD1048576');
    expect(empty.ms).toBeLessThan(5000);
  });

  it('refuses a cell or shared text longer than 32,767 characters, and reads one of exactly 32,767', async () => {
    const long = await refusal('long-cell.xlsx', (path) =>
      writeWorkbook(path, { sheet: { data: sheetXml([['Id', 'Name'], ['1', 'x'.repeat(32_768)]]) } }),
    );
    expect(long.message).toContain('a cell holds more than 32,767 characters, the most an Excel cell can hold (near row 2)');

    const shared = await refusal('long-shared.xlsx', (path) =>
      writeWorkbook(path, {
        sheet: { data: SHEET_HEAD + `<row r="1">${HEADER}</row><row r="2"><c r="A2" t="s"><v>0</v></c></row>` + SHEET_TAIL },
        sharedStrings: { data: `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>${'y'.repeat(40_000)}</t></si></sst>` },
      }),
    );
    expect(shared.message).toContain('shared text number 1 holds more than 32,767 characters');

    const path = join(dir, 'longest.xlsx');
    writeWorkbook(path, { sheet: { data: sheetXml([['Id', 'Name'], ['1', 'z'.repeat(32_767)]]) } });
    const rows = await readAll(await openTable(path));
    expect(String(rows[0]!.values.Name)).toHaveLength(32_767);
  });

  it('refuses a shared-string part of 700 MB crafted from a few megabytes before reading any of it', async () => {
    const result = await refusal('huge-shared.xlsx', (path) =>
      writeWorkbook(path, {
        sheet: { data: SHEET_HEAD + `<row r="1">${HEADER}</row>` + SHEET_TAIL },
        sharedStrings: { repeat: { head: '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', block: '<si><t>a</t></si>'.repeat(61_681), times: 700, tail: '</sst>' } },
      }),
    );
    expect(result.message).toMatch(/its part xl\/sharedStrings\.xml inflates to 700 MB, more than the 256 MB allowed/);
    expect(result.ms).toBeLessThan(1000);
  });
});
