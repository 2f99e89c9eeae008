import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { openTable } from './index';
import { csvTable } from './csv';
import { expectCloseReleases, failure, readAll } from './test-support';

const root = fileURLToPath(new URL('../../../../test-data/', import.meta.url));
const quirk = (name: string) => join(root, 'quirks', name);
const microsoft = (name: string) => join(root, 'microsoft', name);


const people = [
  { EmployeeId: '1', Name: 'José Müller', City: 'Zürich' },
  { EmployeeId: '2', Name: 'Björn Weiß', City: 'Köln' },
  { EmployeeId: '3', Name: 'Renée Dupré', City: 'Orléans' },
];

describe("Microsoft's sample exports", () => {
  it('csv-with-1000-records.csv has 24 columns and 1000 data rows on lines 2–1001', async () => {
    const table = await openTable(microsoft('csv-with-1000-records.csv'));
    expect(table).toMatchObject({ format: 'csv', file: 'csv-with-1000-records.csv', headerRow: 1, encoding: 'utf-8', delimiter: ',' });
    expect(table.sheet).toBeUndefined();
    expect(table.columns).toHaveLength(24);
    expect(table.columns[23]).toEqual({ header: 'ZipCode', letter: 'X', index: 23 });
    const rows = await readAll(table);
    expect(rows).toHaveLength(1000);
    expect(rows[0]!.origin).toEqual({ file: 'csv-with-1000-records.csv', row: 2 });
    expect(rows[999]!.origin.row).toBe(1001);
    expect(rows[0]!.values).toMatchObject({ WorkerID: '1222', UserID: 'EMP1222', HireDate: '2013-01-01', OnLeave: 'True' });
    // An empty field is absent, not "".
    expect(rows[1]!.values).not.toHaveProperty('StreetAddress');
    expect(table.findings).toEqual([]);
  });

  it.each([
    ['sample1-employeeData.csv', 332],
    ['sample1-contractorData.csv', 331],
    ['sample1-internData.csv', 337],
  ])('%s (every field quoted) reads %i rows without quotes in values', async (name, count) => {
    const table = await openTable(microsoft(name));
    const rows = await readAll(table);
    expect(rows).toHaveLength(count);
    expect(table.columns[0]?.header).toBe('WorkerID');
    for (const row of rows) for (const value of Object.values(row.values)) expect(String(value)).not.toMatch(/^"|"$/);
    expect(rows.at(-1)!.origin.row).toBe(count + 1);
    expect(table.findings).toEqual([]);
  });

  it('csv-with-5-records.txt (CRLF) reads as comma-separated with 5 rows and no stray carriage returns', async () => {
    const table = await openTable(microsoft('csv-with-5-records.txt'));
    const rows = await readAll(table);
    expect(table.delimiter).toBe(',');
    expect(rows.map((r) => r.origin.row)).toEqual([2, 3, 4, 5, 6]);
    expect(rows[0]!.values.ZipCode).toBe('85434');
    expect(table.columns.at(-1)?.header).toBe('ZipCode');
  });
});

describe('encodings', () => {
  it.each([
    ['utf8-plain.csv', 'utf-8', ','],
    ['utf8-bom.csv', 'utf-8', ','],
    ['utf16le-bom.txt', 'utf-16le', '\t'],
    ['utf16be-bom.csv', 'utf-16be', ','],
    ['utf16le-nobom.csv', 'utf-16le', ','],
  ])('%s is read as %s with delimiter %j', async (name, encoding, delimiter) => {
    const table = await openTable(quirk(name));
    expect(table.encoding).toBe(encoding);
    expect(table.delimiter).toBe(delimiter);
    // No BOM left on the first header.
    expect(table.columns.map((c) => c.header)).toEqual(['EmployeeId', 'Name', 'City']);
    const rows = await readAll(table);
    expect(rows.map((r) => r.values)).toEqual(people);
    expect(rows.map((r) => r.origin.row)).toEqual([2, 3, 4]);
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8 (é, ü, ß and €)', async () => {
    const table = await openTable(quirk('windows-1252-semicolon.csv'));
    expect(table.encoding).toBe('windows-1252');
    expect(table.delimiter).toBe(';');
    const rows = await readAll(table);
    expect(rows.map((r) => r.values.Name)).toEqual(['José Müller', 'Björn Weiß', 'Renée Dupré']);
    expect(rows[0]!.values.Bonus).toBe('100 €');
    expect(rows[1]!.values.Bonus).toBe('5,5');
  });

  it('uses a declared encoding over detection, and rejects an unknown one', async () => {
    const latin = await openTable(quirk('utf8-plain.csv'), { encoding: 'latin1' });
    expect(latin.encoding).toBe('latin1');
    expect((await readAll(latin))[0]!.values.Name).toBe('JosÃ© MÃ¼ller');
    const error = await failure(openTable(quirk('utf8-plain.csv'), { encoding: 'klingon-8' }));
    expect(error.code).toBe('ENCODING_UNSUPPORTED');
    expect(error.message).toContain('klingon-8');
  });
});

describe('delimiters', () => {
  it('detects pipe and tab, ignoring other candidates inside values and quotes', async () => {
    const pipe = await openTable(quirk('pipe.csv'));
    expect(pipe.delimiter).toBe('|');
    expect((await readAll(pipe)).map((r) => r.values.Title)).toEqual(['Analyst, Senior', 'Cryptanalyst | Lead']);
    const tab = await openTable(quirk('tab.txt'));
    expect(tab.delimiter).toBe('\t');
    expect((await readAll(tab)).map((r) => r.values.Title)).toEqual(['Analyst, Senior', 'Cryptanalyst; Lead']);
  });

  it("honours Excel's sep= first line and keeps line numbers", async () => {
    const table = await openTable(quirk('sep-line.csv'));
    expect(table.delimiter).toBe(';');
    expect(table.headerRow).toBe(2);
    const rows = await readAll(table);
    expect(rows.map((r) => [r.origin.row, r.values.Name])).toEqual([[3, 'Ada, Countess'], [4, 'Alan']]);
  });

  it('uses a declared delimiter over detection ("tab" spelled out too)', async () => {
    const table = await openTable(quirk('tab.txt'), { delimiter: ',', headerRow: 1 });
    expect(table.delimiter).toBe(',');
    expect(table.columns.map((c) => c.header)).toEqual(['EmployeeId\tName\tTitle']);
    await table.close();
    const tab = await openTable(quirk('tab.txt'), { delimiter: 'tab' });
    expect(tab.delimiter).toBe('\t');
    await tab.close();
  });
});

describe('rows and line numbers', () => {
  it('numbers each record by the line it starts on, past quoted line breaks, blank and empty rows', async () => {
    const table = await openTable(quirk('embedded-newline.csv'));
    const rows = await readAll(table);
    expect(rows.map((r) => r.origin.row)).toEqual([2, 4, 6, 8]);
    expect(rows[0]!.values.Address).toBe("12 St James's Square\nLondon SW1Y 4JH");
    expect(rows[1]!.values.Address).toBe('Hollymeade, "Wilmslow"');
    // Values keep their spaces; a stray quote in an unquoted value stays as text.
    expect(rows[2]!.values.Address).toBe('  padded value  ');
    expect(rows[3]!.values.Name).toBe('Bob "Bobby" Tables');
    expect(rows[3]!.values).not.toHaveProperty('Address');
  });

  it('reports an unclosed quote as CSV_MALFORMED with the line where it opens', async () => {
    // The file is small enough to fail while openTable reads ahead of the header; a big one fails in rows().
    const error = await failure((async () => readAll(await openTable(quirk('unclosed-quote.csv'))))());
    expect(error.code).toBe('CSV_MALFORMED');
    expect(error.location).toEqual({ file: 'unclosed-quote.csv', row: 3 });
    expect(error.message).toContain('unclosed-quote.csv, line 3');
  });

  it('reports an unclosed quote far down a file from rows(), with the rows before it delivered', async () => {
    let text = 'Id,Name\n';
    for (let i = 0; i < 5000; i++) text += `${i},"Person ${i}"\r\n`;
    text += '5000,"Broken\n5001,Next\n';
    const table = await csvTable(Readable.from([Buffer.from(text)]), 'late.csv', {});
    const seen: number[] = [];
    const error = await failure((async () => {
      for await (const row of table.rows()) seen.push(row.origin.row);
    })());
    expect(error.code).toBe('CSV_MALFORMED');
    expect(error.location.row).toBe(5002);
    expect(seen.at(-1)).toBe(5001);
  });

  it('finds the header past a title line, and reports short, long, blank-headed and duplicate columns', async () => {
    const table = await openTable(quirk('ragged.csv'));
    expect(table.headerRow).toBe(3);
    expect(table.columns.map((c) => c.header)).toEqual(['EmployeeId', 'Email', 'Name', '(blank D)', 'Email (2)', 'Dept']);
    const rows = await readAll(table);
    expect(rows.map((r) => r.origin.row)).toEqual([4, 5, 6]);
    expect(rows[0]!.values).toEqual({ EmployeeId: '1', Email: 'ada@contoso.com', Name: 'Ada', '(blank D)': 'note', 'Email (2)': 'ada@example.org', Dept: 'R&D' });
    expect(rows[2]!.values).toEqual({ EmployeeId: '3', Email: 'grace@contoso.com', Name: 'Grace', Dept: 'Navy' });
    const codes = table.findings.map((f) => [f.code, f.row]);
    expect(codes).toEqual([
      ['header.duplicate', 3],
      ['header.blank', 3],
      ['row.missingValues', 5],
      ['row.extraValues', 6],
    ]);
    expect(table.findings.find((f) => f.code === 'header.duplicate')?.message).toContain('columns B and E');
    expect(table.findings.every((f) => f.severity === 'warning' && f.file === 'ragged.csv')).toBe(true);
  });

  it('uses a given header line', async () => {
    const table = await openTable(quirk('ragged.csv'), { headerRow: 1 });
    expect(table.columns.map((c) => c.header)).toEqual(['Employees of Contoso']);
    await table.close();
    expect((await failure(openTable(quirk('ragged.csv'), { headerRow: 2 }))).code).toBe('HEADER_NOT_FOUND');
  });

  it('recognises a workbook saved under a .csv name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scimport-csv-'));
    try {
      const { copyFile } = await import('node:fs/promises');
      await copyFile(quirk('quirks.xlsx'), join(dir, 'export.csv'));
      const error = await failure(openTable(join(dir, 'export.csv')));
      expect(error.code).toBe('FILE_UNREADABLE');
      expect(error.message).toContain('Rename it to .xlsx');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('streaming', () => {
  let dir: string;
  const count = 50_000;
  const line = (i: number) => `${i},Person ${i},"Street ${i}, Town",${i % 7 === 0 ? '' : 'x'}\n`;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scimport-stream-'));
    let text = 'Id,Name,Address,Flag\n';
    for (let i = 0; i < count; i++) text += line(i);
    await writeFile(join(dir, 'big.csv'), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('yields the first row of a 50k-row file before the file has been read to its end', async () => {
    const path = join(dir, 'big.csv');
    const size = (await stat(path)).size;
    const source = createReadStream(path, { highWaterMark: 16 * 1024 });
    const table = await csvTable(source, 'big.csv', {});
    const iterator = table.rows()[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.values.Name).toBe('Person 0');
    expect(source.bytesRead).toBeLessThan(size / 4);
    let n = 1;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) n++;
    expect(n).toBe(count);
    expect(source.bytesRead).toBe(size);
  });

  it('close() lets go of the file while rows are still unread', async () => {
    await expectCloseReleases(join(dir, 'big.csv'), (path) => openTable(path));
  });

  it('pulls from a generator source only as fast as rows are consumed', async () => {
    let produced = 0;
    const chunks = 500;
    const perChunk = count / chunks;
    async function* generate() {
      yield Buffer.from('Id,Name,Address,Flag\n');
      for (let c = 0; c < chunks; c++) {
        let text = '';
        for (let i = c * perChunk; i < (c + 1) * perChunk; i++) text += line(i);
        produced++;
        yield Buffer.from(text);
      }
    }
    const table = await csvTable(Readable.from(generate(), { objectMode: false }), 'generated.csv', {});
    let n = 0;
    let producedAtFirstRow = -1;
    for await (const row of table.rows()) {
      if (n === 0) producedAtFirstRow = produced;
      if (row.origin.row !== n + 2) throw new Error(`row ${n} numbered ${row.origin.row}`);
      n++;
    }
    expect(producedAtFirstRow).toBeGreaterThan(0);
    expect(producedAtFirstRow).toBeLessThan(chunks / 5);
    expect(n).toBe(count);
  });

  it('caps findings of one kind and says how many more there were', async () => {
    let text = 'Id,Name,City\n';
    for (let i = 0; i < 700; i++) text += `${i},only two\n`;
    const table = await csvTable(Readable.from([Buffer.from(text)]), 'short.csv', {});
    await readAll(table);
    const short = table.findings.filter((f) => f.code === 'row.missingValues');
    expect(short).toHaveLength(501);
    expect(short.at(-1)?.message).toContain('200 more rows');
  });
});

describe('line numbers, property-based', () => {
  const field = fc.oneof(
    fc.constantFrom('', 'a', 'Zoë', 'x y'),
    fc.constantFrom('"q,uoted"', '"two\nlines"', '"crlf\r\ninside"', '"say ""hi"""'),
  );
  const record = fc.array(field, { minLength: 1, maxLength: 4 });
  const file = fc.record({
    records: fc.array(fc.tuple(record, fc.constantFrom('\n', '\r\n'), fc.boolean()), { minLength: 1, maxLength: 12 }),
    chunk: fc.integer({ min: 1, max: 17 }),
  });

  it('every record is numbered by the line it starts on, whatever the line endings and chunk sizes', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ records, chunk }) => {
        let text = 'H1,H2,H3,H4\n';
        let lineNo = 2;
        const expected: number[] = [];
        for (const [fields, ending, blankAfter] of records) {
          const raw = fields.join(',');
          if (fields.some((f) => f !== '')) expected.push(lineNo);
          text += raw + ending;
          lineNo += 1 + (raw.match(/\r\n|\n|\r/g)?.length ?? 0);
          if (blankAfter) {
            text += ending;
            lineNo++;
          }
        }
        const bytes = Buffer.from(text);
        const pieces: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
        const table = await csvTable(Readable.from(pieces), 'prop.csv', { delimiter: ',', headerRow: 1 });
        const rows = await readAll(table);
        expect(rows.map((r) => r.origin.row)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
