import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { listSheets, openTable } from './index';
import type { Table } from './index';
import type { SourceRow } from '../types';
import { CoreError } from '../errors';
import { expectCloseReleases, failure, readAll } from './test-support';

const quirks = fileURLToPath(new URL('../../../../test-data/quirks/', import.meta.url));
const fixture = (name: string) => join(quirks, name);


describe('openTable on quirks.xlsx (the Employees sheet)', () => {
  let table: Table;
  let rows: SourceRow[];
  beforeAll(async () => {
    table = await openTable(fixture('quirks.xlsx'));
    rows = await readAll(table);
  });

  it('skips the hidden first sheet and detects the header past the title, blank and preamble rows', () => {
    expect(table.format).toBe('xlsx');
    expect(table.file).toBe('quirks.xlsx');
    expect(table.sheet).toBe('Employees');
    expect(table.headerRow).toBe(4);
  });

  it('names columns by trimmed header, with placeholders for blank and suffixes for duplicate headers', () => {
    expect(table.columns.map((c) => `${c.letter}:${c.header}`)).toEqual([
      'A:EmployeeId', 'B:FirstName', 'C:LastName', 'D:Email', 'E:HireDate', 'F:StartDate', 'G:Website',
      'H:FullName', 'I:Score', 'J:Ratio', 'K:(blank K)', 'L:Email (2)', 'M:Salary', 'N:Active', 'O:ShiftStart', 'P:Rate',
    ]);
    expect(table.columns[10]).toEqual({ header: '(blank K)', letter: 'K', index: 10 });
  });

  it('reports the duplicate header naming both columns, and the blank header over data', () => {
    const duplicate = table.findings.find((f) => f.code === 'header.duplicate');
    expect(duplicate).toMatchObject({ severity: 'warning', file: 'quirks.xlsx', sheet: 'Employees', row: 4 });
    expect(duplicate?.message).toContain('columns D and L');
    expect(duplicate?.cells).toEqual([{ header: 'Email', letter: 'D' }, { header: 'Email (2)', letter: 'L' }]);
    const blank = table.findings.find((f) => f.code === 'header.blank');
    expect(blank?.message).toContain('column K');
    expect(blank?.cells).toEqual([{ header: '(blank K)', letter: 'K' }]);
    expect(table.findings).toHaveLength(2);
  });

  it('skips the empty row and numbers rows as Excel shows them', () => {
    expect(rows.map((r) => r.origin)).toEqual([
      { file: 'quirks.xlsx', sheet: 'Employees', row: 5 },
      { file: 'quirks.xlsx', sheet: 'Employees', row: 6 },
      { file: 'quirks.xlsx', sheet: 'Employees', row: 8 },
    ]);
  });

  it('keeps leading zeros that the number format shows', () => {
    expect(rows.map((r) => r.values.EmployeeId)).toEqual(['000042', '001234', '000007']);
  });

  it('gives dates as Dates: date cells and plain numbers under a date format alike', () => {
    expect(rows[0]!.values.HireDate).toEqual(new Date('2021-05-01T00:00:00Z'));
    expect(rows[0]!.values.StartDate).toEqual(new Date('2021-05-01T00:00:00Z'));
    expect(rows[1]!.values.StartDate).toEqual(new Date('1999-12-31T00:00:00Z'));
    expect(rows[2]!.values.HireDate).toEqual(new Date('2020-02-29T00:00:00Z'));
  });

  it('renders other formats as displayed and keeps General numbers and booleans as they are', () => {
    expect(rows[0]!.values.Rate).toBe('12.50%');
    expect(rows[0]!.values.ShiftStart).toBe('9:00');
    expect(rows[0]!.values.Salary).toBe(55000.5);
    expect(rows[0]!.values.Active).toBe(true);
  });

  it('reads hyperlinks and rich text as their text, formulas as their cached result', () => {
    expect(rows[0]!.values.Website).toBe('Contoso site');
    expect(rows[1]!.values.LastName).toBe('Müller');
    expect(rows[0]!.values.FullName).toBe('Ada Lovelace');
    expect(rows[1]!.values.FullName).toBe('Zoë Müller');
    expect(rows[1]!.values.Score).toBe(2);
    expect(rows[1]!.values.Ratio).toBe(true);
  });

  it('lists error cells, plain or from a formula, as cellErrors and leaves them out of values', () => {
    expect(rows[0]!.cellErrors).toEqual([
      { header: 'Score', letter: 'I', error: '#N/A' },
      { header: 'Ratio', letter: 'J', error: '#DIV/0!' },
    ]);
    expect(rows[0]!.values).not.toHaveProperty('Score');
    expect(rows[0]!.values).not.toHaveProperty('Ratio');
    expect(rows[1]!.cellErrors).toBeUndefined();
  });

  it('keys values by the de-duplicated headers and keeps values untrimmed; empty cells are absent', () => {
    expect(rows[0]!.values['Email (2)']).toBe('ada.private@example.org');
    expect(rows[0]!.values['(blank K)']).toBe('no header above me');
    expect(rows[2]!.values.Email).toBe('  grace@contoso.com ');
    expect(rows[1]!.values).not.toHaveProperty('Website');
  });
});

describe('sheet choice and header row', () => {
  it('lists worksheet names in tab order, hidden ones included', async () => {
    expect(await listSheets(fixture('quirks.xlsx'))).toEqual(['Lookup', 'Employees', 'Contractors']);
  });

  it('opens a sheet by name or by zero-based index', async () => {
    const byName = await openTable(fixture('quirks.xlsx'), { sheet: 'Contractors' });
    expect(byName.sheet).toBe('Contractors');
    expect(byName.headerRow).toBe(1);
    const rows = await readAll(byName);
    expect(rows.map((r) => r.values)).toEqual([
      { WorkerID: 'C-001', Name: 'Alan Turing', Agency: 'Bletchley Staffing' },
      { WorkerID: 'C-002', Name: 'Katherine Johnson', Agency: 'Langley Temps' },
    ]);
    expect(rows[0]!.origin).toEqual({ file: 'quirks.xlsx', sheet: 'Contractors', row: 2 });
    const byIndex = await openTable(fixture('quirks.xlsx'), { sheet: 0 });
    expect(byIndex.sheet).toBe('Lookup');
    await byIndex.close();
  });

  it('says which sheets exist when the requested one does not', async () => {
    const error = await failure(openTable(fixture('quirks.xlsx'), { sheet: 'Staff' }));
    expect(error.code).toBe('SHEET_NOT_FOUND');
    expect(error.message).toContain('"Lookup", "Employees", "Contractors"');
    expect(error.details).toEqual(['Lookup', 'Employees', 'Contractors']);
    expect((await failure(openTable(fixture('quirks.xlsx'), { sheet: 7 }))).code).toBe('SHEET_NOT_FOUND');
  });

  it('uses a given header row', async () => {
    const table = await openTable(fixture('quirks.xlsx'), { sheet: 'Employees', headerRow: 4 });
    expect(table.headerRow).toBe(4);
    expect(table.columns[0]?.header).toBe('EmployeeId');
    expect((await readAll(table)).map((r) => r.origin.row)).toEqual([5, 6, 8]);
  });

  it('refuses an empty header row, or one past the data, with HEADER_NOT_FOUND', async () => {
    const empty = await failure(openTable(fixture('quirks.xlsx'), { sheet: 'Employees', headerRow: 2 }));
    expect(empty.code).toBe('HEADER_NOT_FOUND');
    expect(empty.message).toContain('row 2');
    expect(empty.location).toMatchObject({ file: 'quirks.xlsx', sheet: 'Employees', row: 2 });
    expect((await failure(openTable(fixture('quirks.xlsx'), { headerRow: 7 }))).code).toBe('HEADER_NOT_FOUND');
    expect((await failure(openTable(fixture('quirks.xlsx'), { headerRow: 99 }))).code).toBe('HEADER_NOT_FOUND');
  });
});

describe('zip part order', () => {
  async function summary(name: string) {
    const table = await openTable(fixture(name));
    return { columns: table.columns, findings: table.findings.map((f) => f.code), rows: await readAll(table) };
  }

  it('reads the same values whatever order the workbook parts come in', async () => {
    const reference = await summary('quirks.xlsx');
    const strip = (s: typeof reference) => ({ ...s, rows: s.rows.map((r) => ({ ...r, origin: { ...r.origin, file: '' } })) });
    expect(strip(await summary('streamable.xlsx'))).toEqual(strip(reference));
    // Shared strings before the sheets but styles after: formats must still apply (no numbers for dates).
    expect(strip(await summary('styles-last.xlsx'))).toEqual(strip(reference));
    // Excel's own order: workbook first, sheets, then styles and shared strings.
    expect(strip(await summary('excel-order.xlsx'))).toEqual(strip(reference));
  });

  it('finds parts by following the relationships: other names, absolute targets, another letter case', async () => {
    expect(await listSheets(fixture('renamed-parts.xlsx'))).toEqual(['Lookup', 'Employees', 'Contractors']);
    const reference = await summary('quirks.xlsx');
    const renamed = await summary('renamed-parts.xlsx');
    expect(renamed.rows.map((r) => r.values)).toEqual(reference.rows.map((r) => r.values));
    expect(renamed.columns).toEqual(reference.columns);
    const contractors = await openTable(fixture('renamed-parts.xlsx'), { sheet: 'Contractors' });
    expect((await readAll(contractors)).map((r) => r.values.WorkerID)).toEqual(['C-001', 'C-002']);
  });

  it('reads inline strings, rich inline strings and plain string cells without shared strings', async () => {
    const table = await openTable(fixture('inline-strings.xlsx'));
    expect(table.columns.map((c) => c.header)).toEqual(['Id', 'Name', 'Note']);
    expect((await readAll(table)).map((r) => r.values)).toEqual([
      { Id: '001', Name: 'José & <Ann>', Note: 'plain' },
      { Id: '002', Name: 'Bob', Note: 'x < y & z' },
    ]);
  });
});

describe('files that cannot be read', () => {
  it('FILE_UNREADABLE for a text file named .xlsx and for a damaged workbook, naming the file', async () => {
    const text = await failure(openTable(fixture('not-a-zip.xlsx')));
    expect(text.code).toBe('FILE_UNREADABLE');
    expect(text.message).toContain('not-a-zip.xlsx');
    expect(text.message).toContain('rename it to .csv');
    const cut = await failure(openTable(fixture('truncated.xlsx')));
    expect(cut.code).toBe('FILE_UNREADABLE');
    expect(cut.message).toContain('truncated.xlsx');
    expect(cut.message).not.toMatch(/FILE_ENDED|at \w+ \(/);
    expect((await failure(listSheets(fixture('not-a-zip.xlsx')))).code).toBe('FILE_UNREADABLE');
  });

  it('FILE_UNREADABLE naming the sheet whose part is missing; the other sheets still open', async () => {
    expect(await listSheets(fixture('missing-sheet.xlsx'))).toEqual(['Lookup', 'Employees', 'Contractors']);
    const missing = await failure(openTable(fixture('missing-sheet.xlsx')));
    expect(missing.code).toBe('FILE_UNREADABLE');
    expect(missing.message).toContain('missing-sheet.xlsx');
    expect(missing.message).toContain('"Employees"');
    expect(missing.location).toEqual({ file: 'missing-sheet.xlsx', sheet: 'Employees' });
    const other = await openTable(fixture('missing-sheet.xlsx'), { sheet: 'Contractors' });
    expect(await readAll(other)).toHaveLength(2);
  });

  it('FILE_UNREADABLE near the row, not an empty cell, when a cell points past the shared strings', async () => {
    // Row 6 is within the rows read ahead to check the header, so opening already fails.
    const error = await failure(openTable(fixture('bad-string-index.xlsx')));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toContain('bad-string-index.xlsx');
    expect(error.message).toContain('near row 6');
    expect(error.location).toEqual({ file: 'bad-string-index.xlsx', row: 6 });
  });

  it('FILE_NOT_FOUND for a missing file, FILE_UNSUPPORTED for other extensions', async () => {
    const missing = await failure(openTable(fixture('no-such-file.xlsx')));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toContain('no-such-file.xlsx');
    const unsupported = await failure(openTable(fixture('make-fixtures.ts')));
    expect(unsupported.code).toBe('FILE_UNSUPPORTED');
    expect(unsupported.message).toContain('.xlsx');
    expect(unsupported.message).toContain('.csv');
    expect((await failure(openTable(fixture('old.xls')))).message).toContain('save it as "Excel Workbook');
    expect((await failure(openTable(quirks))).code).toBe('FILE_UNSUPPORTED');
  });
});

describe('table lifecycle', () => {
  it('closes on break, tolerates a second close, and refuses a second pass', async () => {
    const table = await openTable(fixture('quirks.xlsx'));
    for await (const row of table.rows()) {
      expect(row.origin.row).toBe(5);
      break;
    }
    await table.close();
    await table.close();
    expect(() => table.rows()).toThrow(CoreError);
  });

  it('yields nothing after an early close', async () => {
    const table = await openTable(fixture('quirks.xlsx'));
    await table.close();
    expect(await readAll(table)).toEqual([]);
  });
});

describe('a larger generated workbook', () => {
  let dir: string;
  const count = 20_000;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scimport-read-test-'));
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: join(dir, 'big.xlsx'), useSharedStrings: true, useStyles: true });
    const ws = wb.addWorksheet('Staff');
    ws.addRow(['Id', 'Name', 'City']).commit();
    for (let i = 0; i < count; i++) {
      const row = ws.addRow([i, `Zoë Müller-Weiß ${i}`, `Orléans ${i % 100}`]);
      row.getCell(1).numFmt = '000000';
      row.commit();
    }
    ws.commit();
    await wb.commit();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('close() lets go of the file while rows are still unread', async () => {
    await expectCloseReleases(join(dir, 'big.xlsx'), (path) => openTable(path));
  });

  it('decodes multi-byte characters split across zip chunks and formats every id', async () => {
    const table = await openTable(join(dir, 'big.xlsx'));
    let n = 0;
    for await (const row of table.rows()) {
      if (row.values.Name !== `Zoë Müller-Weiß ${n}` || row.values.Id !== String(n).padStart(6, '0') || row.origin.row !== n + 2) {
        throw new Error(`row ${row.origin.row} read wrongly: ${JSON.stringify(row.values)}`);
      }
      n++;
    }
    expect(n).toBe(count);
  });
});
