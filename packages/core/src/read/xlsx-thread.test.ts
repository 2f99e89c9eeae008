/**
 * A workbook read on its own thread must read exactly as one read on the main thread: the same sheet,
 * header, columns, findings and rows, the same errors naming the same file, sheet and row, and the same
 * lifecycle (close lets go of the file, an abandoned table does not hold the process). Each case reads real
 * files both ways, with the size from which the thread is used set to 0 (always) and to Infinity (never).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { SHEET_HEAD, SHEET_TAIL, cell, writeWorkbook } from '../../../../test-data/hostile/zip';
import { openTable } from './index';
import type { OpenTableOptions } from './index';
import { XLSX_THREAD, openSheetOnThread } from './xlsx-thread';
import { descriptorsOn, expectCloseReleases, readAll, settle } from './test-support';

const quirks = fileURLToPath(new URL('../../../../test-data/quirks/', import.meta.url));
const fixture = (name: string) => join(quirks, name);
const DEFAULTS = { ...XLSX_THREAD };

let dir: string;
/** 20,000 rows of three columns: many batches, ids under a number format, text split across zip chunks. */
let big: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-xlsx-thread-'));
  big = join(dir, 'big.xlsx');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: big, useSharedStrings: true, useStyles: true });
  const ws = wb.addWorksheet('Staff');
  ws.addRow(['Id', 'Name', 'Started', 'City']).commit();
  for (let i = 0; i < 20_000; i++) {
    // Every seventh row leaves the city empty: rows with holes travel as well as full ones.
    const row = ws.addRow([i, `Zoë Müller-Weiß ${i}`, new Date(Date.UTC(2020, 0, 1 + (i % 365))), i % 7 === 0 ? null : `Orléans ${i % 100}`]);
    row.getCell(1).numFmt = '000000';
    row.getCell(3).numFmt = 'yyyy-mm-dd';
    row.commit();
  }
  ws.commit();
  await wb.commit();
});

afterEach(() => {
  Object.assign(XLSX_THREAD, DEFAULTS);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything openTable gives for the file (or its error), as one comparable value. */
async function outcome(path: string, options: OpenTableOptions = {}): Promise<unknown> {
  try {
    const table = await openTable(path, options);
    const rows = await readAll(table);
    return { sheet: table.sheet, headerRow: table.headerRow, columns: table.columns, rows, findings: table.findings };
  } catch (error) {
    const { name, code, message, location, details } = error as { name: string; code: string; message: string; location: unknown; details: unknown };
    return { name, code, message, location, details };
  }
}

const probed = new Set<string>();

/**
 * The outcome read on a thread of its own and on this thread. Checks first (once per file) that a thread
 * really starts for the file: a fallback to this thread would make the comparison say nothing.
 */
async function bothWays(path: string, options: OpenTableOptions = {}): Promise<{ threaded: unknown; here: unknown }> {
  if (!probed.has(path)) {
    probed.add(path);
    const probe = await openSheetOnThread({ path, file: 'probe.xlsx', sheet: options.sheet }).catch(() => 'started, and failed as the file does');
    expect(probe).toBeDefined();
    if (typeof probe === 'object') await probe.close();
  }
  XLSX_THREAD.fromBytes = 0;
  const threaded = await outcome(path, options);
  XLSX_THREAD.fromBytes = Number.POSITIVE_INFINITY;
  const here = await outcome(path, options);
  return { threaded, here };
}

describe('a workbook read on its own thread', () => {
  it('starts from the TypeScript sources and reads the sheet the main thread would choose', async () => {
    const sheet = await openSheetOnThread({ path: fixture('quirks.xlsx'), file: 'quirks.xlsx', sheet: undefined });
    expect(sheet?.sheet).toBe('Employees');
    const first = await sheet!.rows.next();
    expect(first.done).toBe(false);
    await sheet!.close();
    await sheet!.close();
  });

  it('gives the same table: header past title rows, blank and duplicate headers, dates, formats, error cells', async () => {
    const cases: [string, OpenTableOptions][] = [
      ['quirks.xlsx', {}],
      ['quirks.xlsx', { sheet: 'Contractors' }],
      ['quirks.xlsx', { sheet: 0 }],
      ['quirks.xlsx', { sheet: ' employees ', headerRow: 5 }],
      ['inline-strings.xlsx', {}],
    ];
    for (const [name, options] of cases) {
      const { threaded, here } = await bothWays(fixture(name), options);
      expect(threaded, `${name} ${JSON.stringify(options)}`).toEqual(here);
    }
  });

  it('gives the same 20,000 rows of a larger workbook, in order, with every id formatted and every date a Date', async () => {
    const { threaded, here } = await bothWays(big);
    expect(threaded).toEqual(here);
    const rows = (threaded as { rows: { values: Record<string, unknown> }[] }).rows;
    expect(rows).toHaveLength(20_000);
    expect(rows[19_998]!.values).toEqual({ Id: '019998', Name: 'Zoë Müller-Weiß 19998', Started: new Date(Date.UTC(2020, 0, 1 + (19_998 % 365))), City: 'Orléans 98' });
    expect(rows[19_999]!.values.City).toBeUndefined();
  });

  it('fails as the main thread does, naming the file, the sheet and the row', async () => {
    const lateBadCell = join(dir, 'late-bad-cell.xlsx');
    // Row 250 is past the rows read to find the header: opening succeeds, the failure comes with the rows.
    const rows = Array.from({ length: 300 }, (_, i) => `<row r="${i + 1}">${cell(`A${i + 1}`, i === 0 ? 'Id' : String(i))}${cell(`B${i + 1}`, i === 0 ? 'Name' : `n${i}`)}</row>`);
    rows[249] = `<row r="250"><c r="A250" t="s"><v>99</v></c></row>`;
    writeWorkbook(lateBadCell, { sheet: { data: SHEET_HEAD + rows.join('') + SHEET_TAIL } });
    const farColumn = join(dir, 'far-column.xlsx');
    writeWorkbook(farColumn, { sheet: { data: SHEET_HEAD + `<row r="1">${cell('A1', 'Id')}${cell('B1', 'Name')}</row><row r="2">${cell('A2', '1')}${cell('ZZZZZZ2', 'x')}</row>` + SHEET_TAIL } });
    const longShared = join(dir, 'long-shared.xlsx');
    writeWorkbook(longShared, {
      sheet: { data: SHEET_HEAD + `<row r="1">${cell('A1', 'Id')}</row>` + SHEET_TAIL },
      sharedStrings: { data: `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>${'x'.repeat(40_000)}</t></si></sst>` },
    });
    const cases: [string, OpenTableOptions, RegExp][] = [
      [lateBadCell, {}, /near row 250/],
      [farColumn, {}, /beyond XFD1048576.*near row 2/],
      [longShared, {}, /more than 32,767 characters/],
      [fixture('bad-string-index.xlsx'), {}, /near row 6/],
      [fixture('missing-sheet.xlsx'), {}, /"Employees"/],
      [fixture('truncated.xlsx'), {}, /damaged/],
      [fixture('quirks.xlsx'), { sheet: 'Payroll' }, /Its worksheets are: "Lookup", "Employees", "Contractors"/],
      [fixture('quirks.xlsx'), { headerRow: 1000 }, /row 1000 is empty or past the end/],
    ];
    for (const [path, options, expected] of cases) {
      const { threaded, here } = await bothWays(path, options);
      expect(threaded, path).toEqual(here);
      expect((threaded as { name: string }).name, path).toBe('CoreError');
      expect((threaded as { message: string }).message, path).toMatch(expected);
    }
  });

  it('reads on the main thread when no thread can start (a build without the worker, an embedding that forbids threads)', async () => {
    XLSX_THREAD.entry = pathToFileURL(join(dir, 'no-such-worker.mjs'));
    expect(await openSheetOnThread({ path: big, file: 'big.xlsx', sheet: undefined })).toBeUndefined();
    XLSX_THREAD.fromBytes = 0;
    const fallback = await outcome(fixture('quirks.xlsx'));
    XLSX_THREAD.fromBytes = Number.POSITIVE_INFINITY;
    expect(fallback).toEqual(await outcome(fixture('quirks.xlsx')));
  });

  it('close() lets go of the file while rows are still unread, and so does breaking out of the rows', async () => {
    XLSX_THREAD.fromBytes = 0;
    await expectCloseReleases(big, (path) => openTable(path));
    const table = await openTable(big);
    let n = 0;
    for await (const _row of table.rows()) if (++n === 1000) break;
    if (descriptorsOn(big) !== undefined) expect(await settle(() => descriptorsOn(big) === 0)).toBe(true);
    expect(await readAll(table).catch((error: Error) => error.message)).toMatch(/only once/);
  });

  it('holds the process while it waits for the thread, and not a moment longer', async () => {
    // Processes of their own, with nothing else to keep them running: whether they end by themselves, and how, is
    // the point. tsx loads the sources as in the tests.
    const run = async (...lines: string[]) => {
      const script = [
        `import { openTable } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'index.ts')).href)};`,
        `import { XLSX_THREAD } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'xlsx-thread.ts')).href)};`,
        'XLSX_THREAD.fromBytes = 0;',
        ...lines,
      ].join('\n');
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
      return stdout;
    };
    // A table opened, one row read and the rest left: the process ends.
    expect(await run(`const table = await openTable(${JSON.stringify(big)});`, 'await table.rows()[Symbol.asyncIterator]().next();', "process.stdout.write('read one row');")).toBe(
      'read one row',
    );
    // Files the thread refuses at once: the process waits for the refusal. (Whether it would otherwise end first
    // depends on how fast the thread lets go of the file: the CLI's hostile-input corpus once caught it so, exit 13.)
    const bomb = join(dir, 'whitespace.xlsx');
    writeWorkbook(bomb, { sheet: { repeat: { head: SHEET_HEAD, block: ' '.repeat(1024 * 1024), times: 1100, tail: SHEET_TAIL } } });
    for (const [path, options, code] of [[bomb, {}, 'FILE_UNREADABLE'], [fixture('missing-sheet.xlsx'), { sheet: 'Payroll' }, 'SHEET_NOT_FOUND']] as const) {
      expect(await run(`await openTable(${JSON.stringify(path)}, ${JSON.stringify(options)}).catch((error) => process.stdout.write(error.code));`)).toBe(code);
    }
    // Every row read and the table closed, with nothing else to wait for.
    expect(await run(`const table = await openTable(${JSON.stringify(big)});`, 'let n = 0;', 'for await (const _ of table.rows()) n++;', 'process.stdout.write(String(n));')).toBe('20000');
  });
});
