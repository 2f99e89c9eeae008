import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { harness, until, type Harness } from '../../__tests__/services';

let h: Harness;
let workbook: string;

/** A workbook as HR sends it: a "Read me" first, the people on "Staff" below two title rows, notes after. */
async function writeWorkbook(path: string): Promise<void> {
  const book = new ExcelJS.Workbook();
  const readMe = book.addWorksheet('Read me');
  readMe.getCell('A1').value = 'Monthly HR export for the Entra upload.';
  readMe.getCell('A2').value = 'Do not rename the columns on the Staff sheet.';
  readMe.getCell('A4').value = 'Questions: hr-systems@contoso.example';
  const staff = book.addWorksheet('Staff');
  staff.getCell('A1').value = 'Contoso Ltd — staff list';
  staff.getCell('A2').value = 'Exported 2025-03-01 by HR Bot';
  staff.getRow(3).values = ['WorkerID', 'FirstName', 'LastName', 'Email'];
  staff.getRow(4).values = ['1001', 'Ada', 'Lovelace', 'ada@contoso.example'];
  staff.getRow(5).values = ['1002', 'Alan', 'Turing', 'alan@contoso.example'];
  book.addWorksheet('Notes').getCell('A1').value = 'Changed since last month: nobody.';
  await book.xlsx.writeFile(path);
}

beforeEach(async () => {
  h = await harness();
  workbook = join(h.dataDir, 'staff.xlsx');
  await writeWorkbook(workbook);
});
afterEach(async () => {
  await h.close();
});

describe('opening a workbook', () => {
  it('opens the first sheet with a header and rows of people, past the title rows, and says why', async () => {
    const table = await h.call('file:open', { path: workbook });
    expect(table.sheets).toEqual(['Read me', 'Staff', 'Notes']);
    expect(table).toMatchObject({ sheet: 'Staff', headerRow: 3 });
    expect(table.columns.map((c) => c.header)).toEqual(['WorkerID', 'FirstName', 'LastName', 'Email']);
    expect(table.chosen).toMatchObject({ sheet: 'Staff', headerRow: 3 });
    expect(table.chosen?.reason).toBe(
      'Opened the sheet “Staff” — the first with a header and rows of people; “Read me” has notes only. ' +
        'The header is on row 3; the 2 rows above it are a title or notes and are not read as people.',
    );
    const rows = await until(() => h.call('file:rows', { tableId: table.tableId, start: 0, count: 10 }), (r) => r.done);
    expect(rows.rows.map((r) => [r.row, r.cells[1]])).toEqual([
      [4, 'Ada'],
      [5, 'Alan'],
    ]);

    // The whole-file check reads the same sheet and header row.
    const { profile } = await h.call('profile:autoMap', { tableId: table.tableId });
    const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile });
    const checked = await until(() => h.call('validate:status', { jobId }), (s) => s.state !== 'running');
    expect(checked.summary?.rows).toBe(2);
  });

  it('passes over an empty first sheet', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Blank');
    const staff = book.addWorksheet('People');
    staff.getRow(1).values = ['WorkerID', 'FirstName'];
    staff.getRow(2).values = ['1001', 'Ada'];
    const path = join(h.dataDir, 'blank-first.xlsx');
    await book.xlsx.writeFile(path);
    const table = await h.call('file:open', { path });
    expect(table).toMatchObject({ sheet: 'People', headerRow: 1 });
    expect(table.chosen?.reason).toBe('Opened the sheet “People” — the first with a header and rows of people; “Blank” is empty.');
  });

  it('applies the profile’s sheet and header row, and the person’s choice over it', async () => {
    const table = await h.call('file:open', { path: workbook, profile: { sheet: 'Staff', headerRow: 3 } });
    expect(table).toMatchObject({ sheet: 'Staff', headerRow: 3 });
    expect(table.chosen?.reason).toBe('Opened the sheet “Staff” with the header on row 3, as the profile says.');
    const chosen = await h.call('file:open', { path: workbook, sheet: 'Read me', headerRow: 1, profile: { sheet: 'Staff', headerRow: 3 } });
    expect(chosen.sheet).toBe('Read me');
    expect(chosen.chosen).toBeUndefined();
    // A profile made on another workbook: its sheet is not here, so the sheet of people is found and that is said.
    const other = await h.call('file:open', { path: workbook, profile: { sheet: 'Employees', headerRow: 1 } });
    expect(other).toMatchObject({ sheet: 'Staff', headerRow: 3 });
    expect(other.chosen?.reason).toMatch(/^This file has no sheet “Employees”, which the profile names\. Opened the sheet “Staff” — the first/);
  });

  it('says which columns a mapping reads that the file does not have', async () => {
    const table = await h.call('file:open', { path: workbook });
    const fits = await h.call('mapping:fit', { tableId: table.tableId, mapping: '{ "externalId": WorkerID, "name": { "givenName": FirstName } }' });
    expect(fits).toEqual({ fits: true, missing: [], present: ['WorkerID', 'FirstName'] });
    const other = await h.call('mapping:fit', { tableId: table.tableId, mapping: '{ "externalId": $string(EmployeeNumber), "name": { "givenName": FirstName }, "title": JobTitle }' });
    expect(other.fits).toBe(false);
    expect(other.missing.sort()).toEqual(['EmployeeNumber', 'JobTitle']);
    expect(other.present).toEqual(['FirstName']);
    await expect(h.call('mapping:fit', { tableId: table.tableId, mapping: '{ "externalId": WorkerID, ' })).rejects.toMatchObject({ code: 'MAPPING' });
  });
});
