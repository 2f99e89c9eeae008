/**
 * Writes the small, hand-made fixtures in this folder: spreadsheets and text files with the quirks real HR
 * exports have (preamble rows, odd encodings, delimiters, embedded newlines, error cells…). The outputs are
 * committed; run again after changing this script:
 *
 *     npx tsx test-data/quirks/make-fixtures.ts
 *
 * Every file stays a few KB. What each file holds is described beside the code that writes it, and the
 * reader tests in packages/core/src/read/ assert on exactly these contents.
 */
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// exceljs and iconv-lite are dependencies of @scimport/core; resolve them from there so this script runs
// from the repository root without its own package.json.
const here = dirname(fileURLToPath(import.meta.url));
const requireFromCore = createRequire(join(here, '../../packages/core/package.json'));
const ExcelJS = requireFromCore('exceljs') as typeof import('exceljs');
const iconv = requireFromCore('iconv-lite') as { encode(text: string, encoding: string): Buffer };
// jszip comes with exceljs; it re-packs a workbook with its parts in another order.
const JSZip = createRequire(requireFromCore.resolve('exceljs'))('jszip') as {
  loadAsync(data: Buffer): Promise<{
    files: Record<string, { dir: boolean }>;
    file(name: string): { async(type: 'nodebuffer'): Promise<Buffer> } | null;
  }>;
  new (): {
    file(name: string, data: Buffer, options: { date: Date; createFolders: boolean }): void;
    generateAsync(options: { type: 'nodebuffer'; compression: 'DEFLATE' }): Promise<Buffer>;
  };
};

const out = (name: string) => join(here, name);

async function quirksWorkbook(): Promise<void> {
  const wb = new ExcelJS.Workbook();
  // Fixed metadata so that re-running the script gives the same bytes.
  wb.created = new Date(Date.UTC(2024, 0, 1));
  wb.modified = new Date(Date.UTC(2024, 0, 1));
  wb.creator = 'scimport fixtures';

  // A hidden first sheet: the reader's default must skip it and take the first visible one.
  const lookup = wb.addWorksheet('Lookup', { state: 'hidden' });
  lookup.addRow(['Code', 'Meaning']);
  lookup.addRow(['A', 'Active']);

  const ws = wb.addWorksheet('Employees');
  ws.getCell('A1').value = 'Contoso HR export';
  // Row 2 stays blank; row 3 is preamble with two text cells (too narrow to be the header).
  ws.getCell('A3').value = 'Exported by:';
  ws.getCell('B3').value = 'HR Bot';
  // Row 4: the real header. K is blank over a column that has data; L repeats "Email"; M has spaces.
  const header = ['EmployeeId', 'FirstName', 'LastName', 'Email', 'HireDate', 'StartDate', 'Website',
    'FullName', 'Score', 'Ratio', '', 'Email', '  Salary  ', 'Active', 'ShiftStart', 'Rate'];
  ws.getRow(4).values = header;

  const people = [
    { row: 5, id: 42, first: 'Ada', last: 'Lovelace', hire: Date.UTC(2021, 4, 1), start: 44317 },
    { row: 6, id: 1234, first: 'Zoë', last: 'Müller', hire: Date.UTC(1999, 11, 31), start: 36525 },
    // Row 7 is empty on purpose (rows in the middle of the data may be blank).
    { row: 8, id: 7, first: 'Grace', last: 'Hopper', hire: Date.UTC(2020, 1, 29), start: 43890 },
  ];
  for (const p of people) {
    const r = ws.getRow(p.row);
    r.getCell('A').value = p.id;
    r.getCell('A').numFmt = '000000';
    r.getCell('B').value = p.first;
    r.getCell('C').value = p.last;
    r.getCell('D').value = `${p.first.toLowerCase()}@contoso.com`;
    r.getCell('E').value = new Date(p.hire);
    r.getCell('E').numFmt = 'yyyy-mm-dd';
    // A plain number that only the date format turns into a date.
    r.getCell('F').value = p.start;
    r.getCell('F').numFmt = 'dd/mm/yyyy';
    r.getCell('H').value = { formula: `B${p.row}&" "&C${p.row}`, result: `${p.first} ${p.last}` };
    r.getCell('M').value = 55000.5;
    r.getCell('N').value = true;
    r.getCell('O').value = 0.375;
    r.getCell('O').numFmt = 'h:mm';
    r.getCell('P').value = 0.125;
    r.getCell('P').numFmt = '0.00%';
  }
  // Row 5: a hyperlink cell, a formula whose cached result is #N/A, an error cell, a blank-header value.
  ws.getCell('G5').value = { text: 'Contoso site', hyperlink: 'https://contoso.example/' };
  ws.getCell('I5').value = { formula: 'VLOOKUP(A5,Lookup!A:B,2,FALSE)', result: { error: '#N/A' } };
  ws.getCell('J5').value = { error: '#DIV/0!' };
  ws.getCell('K5').value = 'no header above me';
  ws.getCell('L5').value = 'ada.private@example.org';
  // Row 6: rich text (styled runs) that must come out as plain text.
  ws.getCell('C6').value = { richText: [{ text: 'Mü', font: { bold: true } }, { text: 'ller' }] };
  ws.getCell('I6').value = { formula: '1+1', result: 2 };
  ws.getCell('J6').value = { formula: 'A6>0', result: true };
  // Row 8: a text cell made of spaces keeps its content (values are never trimmed).
  ws.getCell('D8').value = '  grace@contoso.com ';

  const second = wb.addWorksheet('Contractors');
  second.addRow(['WorkerID', 'Name', 'Agency']);
  second.addRow(['C-001', 'Alan Turing', 'Bletchley Staffing']);
  second.addRow(['C-002', 'Katherine Johnson', 'Langley Temps']);

  // Re-zipped with fixed timestamps so that running the script again gives the same bytes.
  const buffer = await repack(Buffer.from(await wb.xlsx.writeBuffer()), 'quirks.xlsx', []);

  // The same workbook with its parts in two other orders. Excel and exceljs put the shared strings after the
  // worksheets; other writers put them first, which sends the reader down its direct (untemped) path.
  // "stylesLast" has shared strings before the sheets but styles after them (number formats arrive late).
  await repack(buffer, 'streamable.xlsx', ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/sharedStrings.xml']);
  await repack(buffer, 'styles-last.xlsx', ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml'], ['xl/styles.xml']);
  // The order Excel itself writes: the workbook first, then the sheets, with styles and shared strings after
  // them (a streaming reader has to hold the sheet back until the strings arrive).
  await repack(buffer, 'excel-order.xlsx', ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels'],
    ['xl/theme/theme1.xml', 'xl/styles.xml', 'xl/sharedStrings.xml', 'docProps/core.xml', 'docProps/app.xml']);
  // Parts away from their usual names, as other writers do: found only by following the relationships
  // (absolute targets, a target whose case differs from the stored name).
  await repack(buffer, 'renamed-parts.xlsx', [], [], renameParts);
  // Damaged in ways a streaming reader could miss: the Employees sheet's part is gone; a cell of row 6 points
  // past the end of the shared-string table.
  await repack(buffer, 'missing-sheet.xlsx', [], [], (name, data) => (name === 'xl/worksheets/sheet2.xml' ? undefined : [name, data]));
  await repack(buffer, 'bad-string-index.xlsx', [], [], (name, data) =>
    [name, name === 'xl/worksheets/sheet2.xml' ? Buffer.from(data.toString('utf8').replace('<c r="B6" t="s"><v>27</v>', '<c r="B6" t="s"><v>999</v>'), 'utf8') : data]);

  // Buffer tricks: a damaged copy (cut in the middle) and a text file that only claims to be a workbook.
  writeFileSync(out('truncated.xlsx'), buffer.subarray(0, Math.floor(buffer.length * 0.6)));
  writeFileSync(out('not-a-zip.xlsx'), 'EmployeeId,Name\n1,Ada\n');
}

/** Where renamed-parts.xlsx keeps each part, and how the relationships point at it. */
const RENAMED: [from: string, to: string, target: string][] = [
  ['xl/workbook.xml', 'xl/book.xml', '/xl/book.xml'],
  ['xl/_rels/workbook.xml.rels', 'xl/_rels/book.xml.rels', ''],
  ['xl/worksheets/sheet1.xml', 'xl/worksheets/lookup.xml', '/xl/worksheets/lookup.xml'],
  ['xl/worksheets/sheet2.xml', 'xl/worksheets/staff.xml', '/xl/worksheets/staff.xml'],
  ['xl/worksheets/_rels/sheet2.xml.rels', 'xl/worksheets/_rels/staff.xml.rels', ''],
  ['xl/worksheets/sheet3.xml', 'xl/worksheets/contractors.xml', '/xl/worksheets/contractors.xml'],
  ['xl/sharedStrings.xml', 'xl/strings/SST.xml', 'strings/sst.xml'],
];

function renameParts(name: string, data: Buffer): [string, Buffer] {
  const moved = RENAMED.find(([from]) => from === name)?.[1] ?? name;
  if (!/\.rels$|\[Content_Types\]\.xml$/.test(name)) return [moved, data];
  let text = data.toString('utf8');
  for (const [from, to, target] of RENAMED) {
    text = text.replace(`PartName="/${from}"`, `PartName="/${to}"`);
    if (target) text = text.replace(new RegExp(`Target="(/?xl/|)${from.replace(/^xl\//, '').replace(/[.]/g, '\\.')}"`), `Target="${target}"`);
  }
  return [moved, Buffer.from(text, 'utf8')];
}

/**
 * Re-zips `source` (fixed timestamps) with the `first` parts at the front and the `last` parts at the end;
 * `rewrite` may rename a part, change its bytes, or leave it out (undefined).
 */
async function repack(source: Buffer, name: string, first: string[], last: string[] = [], rewrite?: (name: string, data: Buffer) => [string, Buffer] | undefined): Promise<Buffer> {
  const zip = await JSZip.loadAsync(source);
  const names = Object.keys(zip.files).filter((n) => !zip.files[n]?.dir);
  const middle = names.filter((n) => !first.includes(n) && !last.includes(n));
  const repacked = new JSZip();
  const date = new Date(Date.UTC(2024, 0, 1));
  for (const n of [...first, ...middle, ...last]) {
    const entry = zip.file(n);
    if (!entry) continue;
    const part = rewrite ? rewrite(n, await entry.async('nodebuffer')) : [n, await entry.async('nodebuffer')] as const;
    if (part) repacked.file(part[0], part[1], { date, createFolders: false });
  }
  const bytes = await repacked.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  writeFileSync(out(name), bytes);
  return bytes;
}

/** Written by the streaming writer without shared strings: inline rich strings and t="str" cells. */
async function inlineStringsWorkbook(): Promise<void> {
  const path = out('inline-strings.xlsx');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
  wb.created = new Date(Date.UTC(2024, 0, 1));
  wb.modified = new Date(Date.UTC(2024, 0, 1));
  const ws = wb.addWorksheet('People');
  ws.addRow(['Id', 'Name', 'Note']).commit();
  ws.addRow(['001', { richText: [{ text: 'Jo', font: { italic: true } }, { text: 'sé & ' }, { text: '<Ann>' }] }, 'plain']).commit();
  ws.addRow(['002', 'Bob', 'x < y & z']).commit();
  ws.commit();
  await wb.commit();
  await repack(readFileSync(path), 'inline-strings.xlsx', []);
}

function text(name: string, content: Buffer | string): void {
  writeFileSync(out(name), content);
}

function csvFiles(): void {
  const people = 'EmployeeId,Name,City\n1,José Müller,Zürich\n2,Björn Weiß,Köln\n3,Renée Dupré,Orléans\n';
  text('utf8-bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(people, 'utf8')]));
  text('utf8-plain.csv', people);

  // Excel's "Unicode Text" export: UTF-16 LE with BOM, tab-delimited, CRLF.
  const tabbed = people.replaceAll(',', '\t').replaceAll('\n', '\r\n');
  text('utf16le-bom.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(tabbed, 'utf16-le')]));
  text('utf16be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(people, 'utf16-be')]));
  text('utf16le-nobom.csv', iconv.encode(people, 'utf16-le'));

  // European Excel: Windows-1252 and semicolons; € is 0x80, which ISO-8859-1 does not have.
  const european = 'EmployeeId;Name;City;Bonus\n1;José Müller;Zürich;100 €\n2;Björn Weiß;Köln;5,5\n3;Renée Dupré;Orléans;\n';
  text('windows-1252-semicolon.csv', iconv.encode(european, 'windows-1252'));

  text('pipe.csv', 'EmployeeId|Name|Title\n1|Ada Lovelace|Analyst, Senior\n2|Alan Turing|"Cryptanalyst | Lead"\n');
  text('tab.txt', 'EmployeeId\tName\tTitle\n1\tAda Lovelace\tAnalyst, Senior\n2\tAlan Turing\tCryptanalyst; Lead\n');
  text('sep-line.csv', 'sep=;\nEmployeeId;Name\n1;Ada, Countess\n2;Alan\n');

  // A quoted address spanning two lines: rows after it start one line later than their record count.
  text('embedded-newline.csv', [
    'EmployeeId,Name,Address,City',
    '1,Ada Lovelace,"12 St James\'s Square',
    'London SW1Y 4JH",London',
    '2,Alan Turing,"Hollymeade, ""Wilmslow""",Wilmslow',
    '',
    '3,Grace Hopper,  padded value  ,Arlington',
    ',,,',
    '4,Bob "Bobby" Tables,,Springfield',
    '',
  ].join('\n'));

  text('unclosed-quote.csv', 'EmployeeId,Name,City\n1,Ada,London\n2,"Alan,Wilmslow\n3,Grace,Arlington\n');

  // Title and blank line before the header; duplicate and blank headers; short and long rows.
  text('ragged.csv', [
    'Employees of Contoso',
    '',
    'EmployeeId,Email, Name ,,Email,Dept',
    '1,ada@contoso.com,Ada,note,ada@example.org,R&D',
    '2,alan@contoso.com,Alan',
    '3,grace@contoso.com,Grace,,,Navy,extra1,extra2',
    '',
  ].join('\r\n'));
}

mkdirSync(here, { recursive: true });
await quirksWorkbook();
await inlineStringsWorkbook();
csvFiles();
console.log('fixtures written to', here);
// Keep the script honest about fixture size: committed outputs must stay small.
for (const name of ['quirks.xlsx', 'inline-strings.xlsx']) {
  const size = readFileSync(out(name)).length;
  if (size > 32_000) throw new Error(`${name} is ${size} bytes; keep fixtures small`);
}
