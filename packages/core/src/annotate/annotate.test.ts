import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../read/test-support';
import { loadProfile } from '../profile';
import { transformFile } from '../pipeline';
import type { Finding } from '../types';
import { type RowOutcome, readErrorReport, writeAnnotatedCopy } from './index';

const run = promisify(execFile);
const repo = resolve(__dirname, '../../../..');
const microsoft = (name: string) => join(repo, 'test-data/microsoft', name);
const PROFILE = join(repo, 'test-data/profiles/microsoft-attribute-mapping.json');
const HIRED = new Date(Date.UTC(2021, 4, 1));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-annotate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A workbook as HR sends it: a "Read me" sheet first, the people on the second with a title above the
 * header (row 3), an id with leading zeros kept as text, a real date, and a comment someone already wrote.
 */
async function handMadeWorkbook(path: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Read me').getCell('A1').value = 'Export of 2026-11-20. Do not edit the ids.';
  const ws = wb.addWorksheet('People');
  ws.getCell('A1').value = 'HR export';
  ws.getRow(3).values = ['EmployeeId', 'Name', 'HireDate', 'Country'];
  ws.getRow(4).values = ['000042', 'Ada Lovelace', HIRED, 'UK'];
  ws.getRow(5).values = ['000043', 'Alan Turing', HIRED, 'GB'];
  ws.getRow(6).values = ['000044', 'Grace Hopper', HIRED, 'US'];
  ws.getCell('C4').numFmt = 'yyyy-mm-dd';
  ws.getCell('C5').numFmt = 'yyyy-mm-dd';
  ws.getCell('C6').numFmt = 'yyyy-mm-dd';
  ws.getCell('B6').note = 'Checked by payroll';
  await wb.xlsx.writeFile(path);
}

const cell = (letter: string, header: string) => ({ letter, header });
const handFindings: Finding[] = [
  { severity: 'error', code: 'externalId.duplicate', message: 'EmployeeId 000042 is used twice.', row: 4, sheet: 'People', cells: [cell('A', 'EmployeeId')] },
  { severity: 'warning', code: 'country.notIso', message: 'Country `UK` is not a country code Entra accepts: use `GB`.', row: 4, sheet: 'People', cells: [cell('D', 'Country')] },
  { severity: 'warning', code: 'name.short', message: 'Check this name.', row: 6, sheet: 'People', cells: [cell('B', 'Name')] },
  { severity: 'warning', code: 'header.note', message: 'About the whole file.' },
];

async function load(path: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb;
}

const noteText = (c: ExcelJS.Cell): string => {
  const note = c.note as unknown;
  if (typeof note === 'string') return note;
  return ((note as { texts?: { text: string }[] } | undefined)?.texts ?? []).map((r) => r.text).join('');
};
const fillOf = (c: ExcelJS.Cell): string | undefined => (c.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;

describe('writeAnnotatedCopy on an xlsx workbook', () => {
  it('keeps every sheet and value, adds Status and What to do, fills and comments the cells, and a summary', async () => {
    const input = join(dir, 'people.xlsx');
    await handMadeWorkbook(input);
    const before = await readFile(input);
    const out = join(dir, 'people-checked.xlsx');
    const result = await writeAnnotatedCopy({ input, sheet: 'People', out, findings: handFindings });
    expect(result).toEqual({ out, sheet: 'People', rows: 3, annotated: 2 });
    expect(await readFile(input)).toEqual(before);

    const wb = await load(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Read me', 'People', 'Summary']);
    expect(wb.getWorksheet('Read me')!.getCell('A1').value).toBe('Export of 2026-11-20. Do not edit the ids.');
    const ws = wb.getWorksheet('People')!;
    expect(ws.getCell('A1').value).toBe('HR export');
    expect(ws.getRow(3).values).toEqual([undefined, 'EmployeeId', 'Name', 'HireDate', 'Country', 'Status', 'What to do']);
    expect(ws.getCell('A4').value).toBe('000042');
    expect(ws.getCell('C4').value).toEqual(HIRED);
    expect(ws.getCell('C4').numFmt).toBe('yyyy-mm-dd');

    expect(ws.getCell('E4').value).toBe('Fix needed');
    expect(ws.getCell('F4').value).toBe('EmployeeId 000042 is used twice.\nCountry `UK` is not a country code Entra accepts: use `GB`.');
    expect(ws.getCell('E5').value).toBe('OK');
    expect(ws.getCell('F5').value).toBeNull();
    expect(ws.getCell('E6').value).toBe('Check');
    expect(fillOf(ws.getCell('A4'))).toBe('FFFFC7CE');
    expect(fillOf(ws.getCell('D4'))).toBe('FFFFEB9C');
    expect(fillOf(ws.getCell('A5'))).toBeUndefined();
    expect(noteText(ws.getCell('A4'))).toBe('EmployeeId 000042 is used twice.');
    // The person's own comment stays, ours comes after it.
    expect(noteText(ws.getCell('B6'))).toBe('Checked by payroll\n\nCheck this name.');

    const summary = wb.getWorksheet('Summary')!;
    const text = JSON.stringify(summary.getSheetValues());
    expect(text).toContain('Checked copy of people.xlsx');
    expect(text).toContain('["Rows to fix (not sent until fixed)",1]'.slice(1, -1));
    expect(text).toContain('externalId.duplicate');
    expect(text).toContain('the whole file');
  });

  it('opens in LibreOffice with every original value, the added columns and the comments', async (context) => {
    const soffice = ['/usr/bin/soffice', '/usr/local/bin/soffice'].find((p) => existsSync(p));
    if (!soffice) {
      context.skip('LibreOffice (soffice) is not installed here: apt-get install libreoffice-calc to run this test.');
      return;
    }
    const input = join(dir, 'lo-people.xlsx');
    await handMadeWorkbook(input);
    const out = join(dir, 'lo-people-checked.xlsx');
    await writeAnnotatedCopy({ input, sheet: 'People', out, findings: handFindings });
    const convert = async (format: string, outdir: string) => {
      // An own profile folder: never the user's, and no clash with another soffice running meanwhile.
      await run(soffice, [`-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--headless', '--convert-to', format, '--outdir', outdir, out], { timeout: 120_000 });
    };
    // Every sheet to its own CSV, cells as shown (the -1 and the "as shown" flag of the CSV filter).
    await convert('csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1', join(dir, 'lo-csv'));
    const people = parse(await readFile(join(dir, 'lo-csv', 'lo-people-checked-People.csv'), 'utf8'), { relax_column_count: true }) as string[][];
    expect(people[0]?.[0]).toBe('HR export');
    expect(people[2]).toEqual(['EmployeeId', 'Name', 'HireDate', 'Country', 'Status', 'What to do']);
    expect(people[3]?.slice(0, 5)).toEqual(['000042', 'Ada Lovelace', '2021-05-01', 'UK', 'Fix needed']);
    expect(people[4]?.slice(0, 5)).toEqual(['000043', 'Alan Turing', '2021-05-01', 'GB', 'OK']);
    const readMe = await readFile(join(dir, 'lo-csv', 'lo-people-checked-Read me.csv'), 'utf8');
    expect(readMe).toContain('Do not edit the ids.');
    expect(await readFile(join(dir, 'lo-csv', 'lo-people-checked-Summary.csv'), 'utf8')).toContain('Problems by kind');

    // LibreOffice saves the comments it read: they come back from its own .xlsx.
    await convert('xlsx', join(dir, 'lo-xlsx'));
    const again = (await load(join(dir, 'lo-xlsx', 'lo-people-checked.xlsx'))).getWorksheet('People')!;
    expect(noteText(again.getCell('A4'))).toContain('EmployeeId 000042 is used twice.');
    expect(noteText(again.getCell('B6'))).toContain('Checked by payroll');
  }, 240_000);

  it('writes the provisioning outcome of each person after an upload', async () => {
    const input = join(dir, 'outcomes.xlsx');
    await handMadeWorkbook(input);
    const out = join(dir, 'outcomes-results.xlsx');
    const outcomes = new Map<number, RowOutcome>([
      [5, { status: 'success', action: 'create' }],
      [6, { status: 'failure', action: 'update', errorCode: 'UnableToResolveReferenceAttributeValue', reason: 'The manager was not found.', recommendedAction: 'Provision the manager first.' }],
    ]);
    const result = await writeAnnotatedCopy({ input, sheet: 'People', out, findings: handFindings, outcomes });
    expect(result.annotated).toBe(3);
    const ws = (await load(out)).getWorksheet('People')!;
    expect(ws.getCell('E4').value).toBe('Not sent: fix needed');
    expect(ws.getCell('E5').value).toBe('Created');
    expect(fillOf(ws.getCell('E5'))).toBe('FFC6EFCE');
    expect(ws.getCell('E6').value).toBe('Failed');
    expect(ws.getCell('F6').value).toBe('The manager was not found. Provision the manager first.\nCheck this name.');
    expect(fillOf(ws.getCell('E6'))).toBe('FFFFC7CE');
    const summary = JSON.stringify((await load(out)).getWorksheet('Summary')!.getSheetValues());
    expect(summary).toContain('Upload results for outcomes.xlsx');
    expect(summary).toContain('"Created",1');
  });
});

describe('writeAnnotatedCopy on a CSV file', () => {
  it("writes Microsoft's 1,000-row sample with every cell as the text read, and the findings of a real check", async () => {
    const input = microsoft('csv-with-1000-records.csv');
    const findings: Finding[] = [];
    const summary = await transformFile({ input, profile: await loadProfile(PROFILE), onFinding: (f) => findings.push(f) });
    const out = join(dir, 'sample-checked.xlsx');
    const result = await writeAnnotatedCopy({ input, out, findings });
    expect(result.rows).toBe(1000);
    expect(result.sheet).toBe('csv-with-1000-records');

    const original = parse(await readFile(input, 'utf8'), { relax_column_count: true }) as string[][];
    const ws = (await load(out)).getWorksheet('csv-with-1000-records')!;
    expect(ws.rowCount).toBe(original.length);
    original.forEach((record, i) => {
      const row = ws.getRow(i + 1);
      record.forEach((value, j) => expect(row.getCell(j + 1).value ?? '', `row ${i + 1}, column ${j + 1}`).toBe(value));
    });
    expect(ws.getCell('Y1').value).toBe('Status');
    expect(ws.getCell('Z1').value).toBe('What to do');
    const fixNeeded = [...Array(1000).keys()].filter((i) => ws.getCell(`Y${i + 2}`).value === 'Fix needed').length;
    expect(fixNeeded).toBe(summary.invalid);
    // Row 2 (Talya Fleeta, WorkerID 1222) is one of the duplicates: its id cell is red and says so.
    expect(fillOf(ws.getCell('A2'))).toBe('FFFFC7CE');
    expect(noteText(ws.getCell('A2'))).toContain('1222');
  });

  it('keeps a leading-zero id and a date as the text they are', async () => {
    const input = join(dir, 'zeros.csv');
    await writeFile(input, 'EmployeeId;Name;HireDate\r\n000042;Zoë Ørsted;2021-05-01\r\n0007;"Bob ""B"" Tables";01/05/2021\r\n');
    const out = join(dir, 'zeros.xlsx');
    const result = await writeAnnotatedCopy({ input, out, findings: [{ severity: 'error', code: 'x', message: 'Fix me.', row: 3, cells: [cell('B', 'Name')] }] });
    expect(result).toMatchObject({ rows: 2, annotated: 1 });
    const ws = (await load(out)).worksheets[0]!;
    expect(ws.getRow(2).values).toEqual([undefined, '000042', 'Zoë Ørsted', '2021-05-01', 'OK']);
    expect(ws.getCell('A3').value).toBe('0007');
    expect(ws.getCell('B3').value).toBe('Bob "B" Tables');
    expect(ws.getCell('C3').value).toBe('01/05/2021');
    expect(ws.getCell('D3').value).toBe('Fix needed');
    expect(noteText(ws.getCell('B3'))).toBe('Fix me.');
  });

  it('reads the findings of a run back from its errors.csv', async () => {
    const input = microsoft('csv-with-1000-records.csv');
    const outDir = join(dir, 'transform-out');
    const summary = await transformFile({ input, profile: await loadProfile(PROFILE), outDir });
    const findings: Finding[] = [];
    for await (const f of readErrorReport(join(outDir, 'errors.csv'))) findings.push(f);
    expect(findings.length).toBe(summary.errors + summary.warnings);
    // The report keeps what a person reads and where; richer fields (the person named, the value) stay in memory only.
    const { severity, code, message, path, file, row, cells } = summary.findings[0]!;
    expect(findings[0]).toEqual({ severity, code, message, path, file, row, cells });
  });
});

describe('writeAnnotatedCopy refuses what would hurt', () => {
  it('never writes over the input, by its name or through a link', async () => {
    const input = join(dir, 'mine.xlsx');
    await handMadeWorkbook(input);
    const error = await failure(writeAnnotatedCopy({ input, out: input, findings: [] }));
    expect(error.code).toBe('OUTPUT_IS_INPUT');
    expect(error.message).toBe('The checked copy cannot be written over mine.xlsx itself: your original must stay as it is. Choose another file name, for example mine-checked.xlsx.');
    await symlink(input, join(dir, 'link.xlsx'));
    expect((await failure(writeAnnotatedCopy({ input, out: join(dir, 'link.xlsx'), findings: [] }))).code).toBe('OUTPUT_IS_INPUT');
  });

  it('says which folder is missing, and that the copy must be .xlsx', async () => {
    const input = join(dir, 'mine2.xlsx');
    await handMadeWorkbook(input);
    const missing = await failure(writeAnnotatedCopy({ input, out: join(dir, 'no-such-folder', 'copy.xlsx'), findings: [] }));
    expect(missing.code).toBe('OUTPUT_FAILED');
    expect(missing.message).toContain(`The folder ${join(dir, 'no-such-folder')} does not exist`);
    const csv = await failure(writeAnnotatedCopy({ input, out: join(dir, 'copy.csv'), findings: [] }));
    expect(csv.code).toBe('INVALID_ARGUMENT');
    expect(csv.message).toContain('ending in .xlsx');
  });

  it('names an unreadable or missing input, and leaves nothing behind', async () => {
    const folder = await mkdtemp(join(dir, 'hostile-'));
    const broken = join(folder, 'broken.xlsx');
    await writeFile(broken, 'this is not a workbook');
    const damaged = await failure(writeAnnotatedCopy({ input: broken, out: join(folder, 'copy.xlsx'), findings: [] }));
    expect(damaged.code).toBe('FILE_UNREADABLE');
    expect(damaged.message).toContain('broken.xlsx');
    const truncated = join(folder, 'truncated.xlsx');
    await copyFile(join(dir, 'mine2.xlsx'), truncated);
    await writeFile(truncated, (await readFile(truncated)).subarray(0, 2000));
    expect((await failure(writeAnnotatedCopy({ input: truncated, out: join(folder, 'copy.xlsx'), findings: [] }))).code).toBe('FILE_UNREADABLE');
    const gone = await failure(writeAnnotatedCopy({ input: join(folder, 'gone.xlsx'), out: join(folder, 'copy.xlsx'), findings: [] }));
    expect(gone.code).toBe('FILE_NOT_FOUND');
    expect(gone.message).toContain('gone.xlsx');
    expect((await readdir(folder)).sort()).toEqual(['broken.xlsx', 'truncated.xlsx']);
  });
});
