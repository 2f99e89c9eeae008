/**
 * The hostile-input corpus: files, profiles and paths a hostile or unlucky user hands to `scimport
 * transform`, each with what the CLI must answer. Everything is generated into a folder given at run
 * time (never committed: binaries in git hide what they test, and some of these would trip scanners).
 *
 *   npx tsx test-data/hostile/make-corpus.ts <folder>    writes the corpus and lists its cases
 *
 * apps/cli/src/hostile.integration.test.ts runs the real CLI on every case.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { SHEET_HEAD, SHEET_TAIL, cell, sheetXml, writeWorkbook, writeZip } from './zip';

// iconv-lite is a dependency of @scimport/core; resolve it from there so this script runs from the root.
const requireFromCore = createRequire(new URL('../../packages/core/package.json', import.meta.url));
const iconv = requireFromCore('iconv-lite') as { encode(text: string, encoding: string): Buffer };

export interface HostileCase {
  name: string;
  /** Arguments after `scimport`. `{out}` is replaced by the case's output folder. */
  args: string[];
  /** The exit status the CLI must give. */
  exit: 0 | 1 | 2;
  /** What the one stderr line must match (exit 2); exit 0 and 1 print nothing on stderr. */
  stderr?: RegExp;
  /** Lines on stderr when it is not the usual one (exit 2) or none (exit 0 and 1). */
  stderrLines?: number;
  /** What stdout (the --json summary, when asked for) must match. */
  stdout?: RegExp;
  /** Wall-clock bound, ms (the CLI's own start-up, about 1.5 s here, included). */
  maxMs: number;
  /** Peak resident memory bound of the CLI process, MB (its start-up alone is about 170 MB). */
  maxMb: number;
}

const HEADER = ['Id', 'First', 'Last', 'UPN'];
const PEOPLE = [
  ['1001', 'Ann', 'Lee', 'ann.lee@contoso.com'],
  ['1002', 'Bob', 'Ray', 'bob.ray@contoso.com'],
  ['1003', 'Cy', 'Dunn', 'cy.dunn@contoso.com'],
];
const csvOf = (rows: string[][], eol = '\n') => rows.map((r) => r.join(',')).join(eol) + eol;
const GOOD_CSV = csvOf([HEADER, ...PEOPLE]);

const MAPPING = `{
  "externalId": $string(Id),
  "userName": UPN,
  "name": { "givenName": First, "familyName": Last },
  "displayName": First & " " & Last,
  "active": true
}`;

function profile(mapping: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 'hostile', version: 1, mapping, ...extra }, null, 2);
}

// Generous against a machine shared with other work (a case takes 2–5 s when it is quiet): the bound is
// there to catch a hang of minutes, which is what these files caused before.
const FAST = { maxMs: 25_000, maxMb: 400 };

/** Writes the corpus into `dir` and returns its cases. */
export function makeCorpus(dir: string): HostileCase[] {
  mkdirSync(dir, { recursive: true });
  const at = (name: string) => join(dir, name);
  const put = (name: string, data: string | Buffer) => {
    writeFileSync(at(name), data);
    return at(name);
  };
  const good = put('good.json', profile(MAPPING));
  const cases: HostileCase[] = [];
  const transform = (input: string, p = good, json = false) => ['transform', input, '--profile', p, '--out', '{out}', ...(json ? ['--json'] : [])];
  const add = (c: Omit<HostileCase, 'maxMs' | 'maxMb'> & Partial<Pick<HostileCase, 'maxMs' | 'maxMb'>>) => cases.push({ ...FAST, ...c });
  const refused = (name: string, input: string, stderr: RegExp, p = good) => add({ name, args: transform(input, p), exit: 2, stderr });
  const ok = (name: string, input: string, people: number, exit: 0 | 1 = 0, p = good) =>
    add({ name, args: transform(input, p, true), exit, stdout: new RegExp(`"operations":${people}[,}]`) });

  // -- Workbooks that would hang or grow without bound -------------------------------------------------
  const head = SHEET_HEAD + `<row r="1">${HEADER.map((h, i) => cell(`${'ABCD'[i]}1`, h)).join('')}</row>`;
  const ws = (name: string, times: number) => writeWorkbook(at(name), { sheet: { repeat: { head, block: ' '.repeat(1024 * 1024), times, tail: SHEET_TAIL } } });
  ws('whitespace-1100mb.xlsx', 1100);
  refused('xlsx: 1 MB of zip inflating to 1.1 GB of whitespace', at('whitespace-1100mb.xlsx'), /inflates to 1100 MB, more than the 1024 MB allowed/);
  ws('whitespace-900mb.xlsx', 900);
  refused('xlsx: a part compressed a thousand to one', at('whitespace-900mb.xlsx'), /is compressed \d+ to 1 \(900 MB/);
  writeWorkbook(at('lying-size.xlsx'), { sheet: { repeat: { head: head + '<row r="2"><c r="A2"><v>', block: ' '.repeat(1024 * 1024), times: 1100, tail: '</v></c></row>' + SHEET_TAIL }, declaredSize: 8 * 1024 * 1024 } });
  refused('xlsx: a part that lies about its size', at('lying-size.xlsx'), /lying-size\.xlsx (was not read|is damaged)/);
  writeWorkbook(at('huge-cell.xlsx'), { sheet: { repeat: { head: head + '<row r="2"><c r="A2" t="inlineStr"><is><t>', block: 'a'.repeat(64 * 1024), times: 40, tail: '</t></is></c></row>' + SHEET_TAIL } } });
  // Either bound may speak first, depending on where the inflated chunks end: both are true.
  refused('xlsx: one cell of 2.5 million characters', at('huge-cell.xlsx'), /a cell holds more than 32,767 characters|a run of more than 1,048,576 characters without any markup/);
  writeWorkbook(at('million-rows.xlsx'), { sheet: { repeat: { head: SHEET_HEAD + `<row>${HEADER.map((h) => `<c t="inlineStr"><is><t>${h}</t></is></c>`).join('')}</row>`, block: '<row/>'.repeat(1024), times: 1100, tail: SHEET_TAIL } } });
  refused('xlsx: a million <row/> running past row 1,048,576', at('million-rows.xlsx'), /row 1048577 lies beyond XFD1048576/);
  writeWorkbook(at('far-column.xlsx'), { sheet: { data: head + `<row r="2">${cell('A2', '1001')}${cell('ZZZZZZZ2', 'x')}</row>` + SHEET_TAIL } });
  refused('xlsx: a cell reference far past XFD', at('far-column.xlsx'), /a cell reference \(ZZZZZZZ2\) lies beyond XFD1048576/);
  writeWorkbook(at('far-row.xlsx'), { sheet: { data: head + `<row r="4000000000">${cell('A4000000000', '1001')}</row>` + SHEET_TAIL } });
  refused('xlsx: a row number of four billion', at('far-row.xlsx'), /row 4000000000 lies beyond XFD1048576/);
  writeWorkbook(at('huge-shared.xlsx'), {
    sheet: { data: head + SHEET_TAIL },
    sharedStrings: { repeat: { head: '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', block: '<si><t>a</t></si>'.repeat(61_681), times: 700, tail: '</sst>' } },
  });
  refused('xlsx: a shared-text part of 700 MB', at('huge-shared.xlsx'), /xl\/sharedStrings\.xml inflates to 700 MB/);
  writeWorkbook(at('dense-shared.xlsx'), {
    sheet: { data: head + SHEET_TAIL },
    sharedStrings: { repeat: { head: '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', block: '<si/>'.repeat(200_000), times: 60, tail: '</sst>' } },
  });
  refused('xlsx: twelve million empty shared texts', at('dense-shared.xlsx'), /sharedStrings\.xml is compressed \d+ to 1/);
  writeWorkbook(at('long-shared.xlsx'), {
    sheet: { data: head + `<row r="2"><c r="A2" t="s"><v>0</v></c></row>` + SHEET_TAIL },
    sharedStrings: { data: `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>${'y'.repeat(40_000)}</t></si></sst>` },
  });
  refused('xlsx: a shared text of 40,000 characters', at('long-shared.xlsx'), /shared text number 1 holds more than 32,767 characters/);
  writeWorkbook(at('tag-run.xlsx'), { sheet: { repeat: { head: head + '<row r="2"><c r="A2" ', block: ' '.repeat(64 * 1024), times: 40, tail: '/></row>' + SHEET_TAIL } } });
  refused('xlsx: a tag padded with 2.5 MB of spaces', at('tag-run.xlsx'), /a run of more than 1,048,576 characters without any markup/);

  // -- Workbooks that are broken or not workbooks ---------------------------------------------------------
  const valid = sheetXml([HEADER, ...PEOPLE]);
  writeWorkbook(at('good.xlsx'), { sheet: { data: valid } });
  ok('xlsx: a plain good workbook (control case)', at('good.xlsx'), 3);
  put('text.xlsx', GOOD_CSV);
  refused('xlsx: a CSV named .xlsx', at('text.xlsx'), /is not an Excel workbook .*looks like a text file/);
  put('ole.xlsx', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4096)]));
  refused('xlsx: an old .xls or password-protected workbook', at('ole.xlsx'), /Excel 97-2003 \(\.xls\) workbook or a password-protected workbook/);
  put('empty.xlsx', Buffer.alloc(0));
  refused('xlsx: an empty file', at('empty.xlsx'), /empty\.xlsx is not an Excel workbook/);
  put('pk-garbage.xlsx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2048, 0x41)]));
  refused('xlsx: PK signature then garbage', at('pk-garbage.xlsx'), /pk-garbage\.xlsx is damaged or not a complete Excel workbook/);
  {
    writeWorkbook(at('truncated-src.xlsx'), { sheet: { data: valid } });
    const bytes = readFileSync(at('truncated-src.xlsx'));
    put('truncated.xlsx', bytes.subarray(0, Math.floor(bytes.length / 2)));
  }
  refused('xlsx: a workbook cut in half', at('truncated.xlsx'), /truncated\.xlsx is damaged or not a complete Excel workbook/);
  writeWorkbook(at('no-workbook.xlsx'), { sheet: { data: valid }, omit: ['xl/workbook.xml'] });
  refused('xlsx: the workbook part missing', at('no-workbook.xlsx'), /no-workbook\.xlsx is damaged/);
  writeWorkbook(at('no-sheet.xlsx'), { sheet: { data: valid }, omit: ['xl/worksheets/sheet1.xml'] });
  refused('xlsx: the sheet part missing', at('no-sheet.xlsx'), /the data of sheet "People" is missing from the workbook/);
  writeWorkbook(at('no-shared.xlsx'), { sheet: { data: valid }, declareSharedStrings: true });
  refused('xlsx: the shared-text part declared but missing', at('no-shared.xlsx'), /no-shared\.xlsx is damaged/);
  writeWorkbook(at('bad-index.xlsx'), { sheet: { data: head + `<row r="2"><c r="A2" t="s"><v>99</v></c></row>` + SHEET_TAIL }, sharedStrings: { data: '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>' } });
  refused('xlsx: a shared-text index past the table', at('bad-index.xlsx'), /bad-index\.xlsx is damaged or not a complete Excel workbook near row 2/);
  writeWorkbook(at('bad-xml.xlsx'), { sheet: { data: head + '<row r="2"><c r="A2"><v>1</c></v></row>' + SHEET_TAIL } });
  refused('xlsx: tags that do not nest', at('bad-xml.xlsx'), /bad-xml\.xlsx is damaged or not a complete Excel workbook/);
  writeZip(at('no-zip-entries.xlsx'), []);
  refused('xlsx: a zip with nothing in it', at('no-zip-entries.xlsx'), /no-zip-entries\.xlsx is damaged/);
  {
    const wide = [...HEADER, ...Array.from({ length: 10_000 }, (_, i) => `Extra${i + 1}`)];
    writeWorkbook(at('wide.xlsx'), { sheet: { data: SHEET_HEAD + [wide, [...PEOPLE[0]!, ...Array.from({ length: 10_000 }, () => 'v')]].map((r, ri) => `<row r="${ri + 1}">${r.map((v) => `<c t="inlineStr"><is><t>${v}</t></is></c>`).join('')}</row>`).join('') + SHEET_TAIL } });
  }
  ok('xlsx: 10,004 columns', at('wide.xlsx'), 1);
  writeWorkbook(at('formulas.xlsx'), {
    sheet: { data: head + `<row r="2">${cell('A2', '1001')}${cell('B2', 'Ann')}<c r="C2" t="str"><f>UPPER("lee")</f><v>LEE</v></c>${cell('D2', 'ann.lee@contoso.com')}</row><row r="3"><c r="A3"><f>1000+2</f><v>1002</v></c>${cell('B3', 'Bob')}${cell('C3', 'Ray')}${cell('D3', 'bob.ray@contoso.com')}</row>` + SHEET_TAIL },
  });
  ok('xlsx: formulas read as their results', at('formulas.xlsx'), 2);
  writeWorkbook(at('error-cells.xlsx'), { sheet: { data: head + `<row r="2"><c r="A2" t="e"><v>#N/A</v></c>${cell('B2', 'Ann')}${cell('C2', 'Lee')}${cell('D2', 'ann.lee@contoso.com')}</row>` + SHEET_TAIL } });
  add({ name: 'xlsx: an Excel error where the id should be', args: transform(at('error-cells.xlsx')), exit: 1 });

  // -- Text exports: encodings, line ends, binary ----------------------------------------------------------
  const jp = csvOf([HEADER, ['2001', '太郎', '山田', 'taro.yamada@contoso.com'], ['2002', '花子', '鈴木', 'hanako.suzuki@contoso.com']], '\r\n');
  put('shift-jis.csv', iconv.encode(jp, 'shift_jis'));
  refused("csv: Shift-JIS guessed: asks, naming how '山田' reads in each", at('shift-jis.csv'), /the text encoding could not be told for certain: .*"太郎" in shift_jis/);
  const sjisProfile = put('shift-jis.json', profile(MAPPING, { input: { encoding: 'shift_jis' } }));
  ok('csv: Shift-JIS declared in the profile', at('shift-jis.csv'), 2, 0, sjisProfile);
  put('gbk.csv', iconv.encode(jp, 'gbk'));
  ok('csv: GBK, the only East Asian reading, detected', at('gbk.csv'), 2);
  put('big5.csv', iconv.encode(jp, 'big5'));
  ok('csv: Big5 detected', at('big5.csv'), 2);
  put('windows-1252.csv', iconv.encode(csvOf([HEADER, ['3001', 'Zoë', 'Müller', 'zoe.muller@contoso.com'], ['3002', 'José', 'Ångström', 'jose.angstrom@contoso.com']]), 'windows-1252'));
  ok('csv: Windows-1252 accents read without asking', at('windows-1252.csv'), 2);
  put('mixed.csv', Buffer.concat([Buffer.from(GOOD_CSV + Array.from({ length: 3000 }, (_, i) => `${5000 + i},P${i},Q${i},p${i}@contoso.com`).join('\n') + '\n'), iconv.encode('9999,Zoë,X,z@contoso.com\n', 'windows-1252')]));
  refused('csv: UTF-8 that turns into Windows-1252 after 64 KB', at('mixed.csv'), /mixed\.csv, line 3005: this line holds characters that are not utf-8/);
  put('utf16le-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(GOOD_CSV, 'utf-16le')]));
  ok('csv: UTF-16LE with a byte-order mark', at('utf16le-bom.csv'), 3);
  put('utf16be-nobom.csv', iconv.encode(GOOD_CSV, 'utf-16be'));
  ok('csv: UTF-16BE without a byte-order mark', at('utf16be-nobom.csv'), 3);
  put('bom-only.csv', Buffer.from([0xef, 0xbb, 0xbf]));
  refused('csv: a byte-order mark and nothing else', at('bom-only.csv'), /bom-only\.csv has no data/);
  put('empty.csv', '');
  refused('csv: an empty file', at('empty.csv'), /empty\.csv has no data/);
  put('blank-lines.csv', '\n\n\r\n  \n');
  refused('csv: only blank lines', at('blank-lines.csv'), /blank-lines\.csv has no/);
  put('random.csv', randomBytes(64 * 1024));
  refused('csv: 64 KB of random bytes', at('random.csv'), /random\.csv is not a text export/);
  put('nul-heavy.csv', Buffer.from('Id,First\n' + '1,\x00\x00\x00\x01\x02\n'.repeat(2000)));
  refused('csv: binary with NULs but no UTF-16 pattern', at('nul-heavy.csv'), /nul-heavy\.csv is not a text export/);
  put('lone-cr.csv', `${HEADER.join(',')}\n${PEOPLE[0]!.join(',')}\r${PEOPLE[1]!.join(',')}\n${PEOPLE[2]!.join(',')}\n`);
  ok('csv: a lone CR between two people', at('lone-cr.csv'), 3);
  put('cr-only.csv', csvOf([HEADER, ...PEOPLE], '\r'));
  ok('csv: CR-only line ends (old Mac)', at('cr-only.csv'), 3);
  put('unclosed.csv', `${GOOD_CSV}1004,"Dan,Ek,dan.ek@contoso.com\n1005,Eve,Fox,eve.fox@contoso.com\n`);
  refused('csv: a quote never closed', at('unclosed.csv'), /unclosed\.csv, line 5: a quoted value starts on this line and its closing quote/);
  put('megabyte-cell.csv', `${HEADER.join(',')}\n1001,${'A'.repeat(1_100_000)},Lee,ann.lee@contoso.com\n`);
  refused('csv: a 1 MB cell', at('megabyte-cell.csv'), /megabyte-cell\.csv, line 2: the row starting on this line is longer than 1 MB/);
  put('duplicate-headers.csv', csvOf([[...HEADER, 'UPN', 'Id'], ...PEOPLE.map((p) => [...p, 'x@contoso.com', '9'])]));
  ok('csv: repeated headers', at('duplicate-headers.csv'), 3);
  {
    const wide = [...HEADER, ...Array.from({ length: 10_000 }, (_, i) => `C${i}`)];
    put('wide.csv', csvOf([wide, ...PEOPLE.map((p) => [...p, ...Array.from({ length: 10_000 }, () => '')])]));
  }
  ok('csv: 10,004 columns', at('wide.csv'), 3);
  put('nul-cell.csv', csvOf([HEADER, ['1001', 'An\x00n', 'Lee', 'ann.lee@contoso.com'], PEOPLE[1]!]));
  ok('csv: a NUL inside a first name is an error for that person only', at('nul-cell.csv'), 1, 1);
  put('escape-cell.csv', csvOf([HEADER, ['1001', 'Ann', 'Lee\x1b[31m', 'ann.lee@contoso.com'], PEOPLE[1]!]));
  ok('csv: a terminal escape inside a last name', at('escape-cell.csv'), 1, 1);
  put('upn-spaces.csv', csvOf([HEADER, ['1001', 'John', 'Smith', 'John Smith'], ['1002', 'Pad', 'Ded', ' padded@contoso.com '], PEOPLE[2]!]));
  ok("csv: sign-in names 'John Smith' and ' padded@contoso.com '", at('upn-spaces.csv'), 1, 1);
  put('formula-cells.csv', csvOf([HEADER, ['1001', '=1+1', '+SUM(A1)', 'ann.lee@contoso.com'], ['1002', '@cmd', '-2+3', 'bob.ray@contoso.com']]));
  ok('csv: values that look like formulas', at('formula-cells.csv'), 2);
  put('header-only.csv', `${HEADER.join(',')}\n`);
  add({ name: 'csv: a header and no people', args: transform(at('header-only.csv')), exit: 1 });
  // In a text file every value is text, so the first row is taken for the header; the mapping's
  // columns are then missing, which is said, and no person is built from a row of numbers.
  put('numbers-only.csv', '1,2,3\n4,5,6\n');
  add({ name: 'csv: no header row at all', args: transform(at('numbers-only.csv')), exit: 1 });
  put('sep-line.csv', `sep=;\n${csvOf([HEADER, ...PEOPLE]).replace(/,/g, ';')}`);
  ok("csv: Excel's sep=; first line", at('sep-line.csv'), 3);
  put('ragged.csv', `${HEADER.join(',')}\n${PEOPLE[0]!.join(',')},extra,more\n1002,Bob\n${PEOPLE[2]!.join(',')}\n`);
  add({ name: 'csv: rows longer and shorter than the header', args: transform(at('ragged.csv')), exit: 1 });
  put('zip-named.csv', Buffer.from('504b0304140000000800', 'hex'));
  refused('csv: a workbook named .csv', at('zip-named.csv'), /zip-named\.csv is an Excel workbook, not a text file/);
  put('huge-row-count.csv', `${HEADER.join(',')}\n` + Array.from({ length: 20_000 }, (_, i) => `${10_000 + i},F${i},L${i},u${i}@contoso.com`).join('\n') + '\n');
  ok('csv: 20,000 people (the bounds do not slow a normal file)', at('huge-row-count.csv'), 20_000);

  // -- Paths ------------------------------------------------------------------------------------------
  symlinkSync(at('loop-b.csv'), at('loop-a.csv'));
  symlinkSync(at('loop-a.csv'), at('loop-b.csv'));
  refused('path: a loop of symbolic links', at('loop-a.csv'), /loop-a\.csv cannot be opened: .*\(symbolic link\) that leads back to itself in a loop/);
  refused('path: a file that does not exist', at('missing.csv'), /missing\.csv was not found at/);
  mkdirSync(at('folder.csv'));
  refused('path: a folder named .csv', at('folder.csv'), /folder\.csv is a folder, not a file/);
  put('old.xls', 'x');
  refused('path: an .xls workbook', at('old.xls'), /only \.xlsx, \.xlsm, \.csv, \.tsv and \.txt files are accepted\. For an old \.xls workbook/);
  symlinkSync(at('nowhere.csv'), at('dangling.csv'));
  refused('path: a link to nothing', at('dangling.csv'), /dangling\.csv was not found/);

  // -- Profiles and mappings that run away ----------------------------------------------------------------
  const people = put('people.csv', GOOD_CSV);
  const withProfile = (name: string, mapping: string, extra: Record<string, unknown> = {}) => put(`${name}.json`, profile(mapping, extra));
  refused('profile: not JSON', people, /not-json\.json/, put('not-json.json', '{ "name": '));
  refused('profile: missing', people, /no-profile\.json/, at('no-profile.json'));
  refused('profile: fails its schema', people, /schema-fail\.json/, put('schema-fail.json', JSON.stringify({ name: 'x', version: 1, mapping: '{}', colour: 'red' })));
  // The one multi-line answer, by design: the expression with a caret under the fault.
  refused('mapping: a syntax error', people, /The mapping has a syntax error at line 1, column 20/, withProfile('syntax', '{ "externalId": Id,, }'));
  cases[cases.length - 1]!.stderrLines = 4;
  add({ name: 'mapping: $error() on every row', args: transform(people, withProfile('throws', '$error("boom")')), exit: 1 });
  add({ name: 'mapping: builds a text, not a person', args: transform(people, withProfile('not-object', '"just text"')), exit: 1 });
  add({ name: 'mapping: [1..1000000000]', args: transform(people, withProfile('range', '{ "externalId": $string(Id), "userName": UPN, "x": $count([1..1000000000]) }')), exit: 1 });
  add({ name: 'mapping: a 10 MB text per row', args: transform(people, withProfile('huge-text', '{ "externalId": $string(Id), "userName": UPN, "title": $pad("", 10000000, "x") }')), exit: 1 });
  add({ name: 'mapping: endless recursion on 3 rows', args: transform(people, withProfile('recursion', '( $f := function($n) { $f($n + 1) }; { "externalId": $string(Id), "userName": UPN, "title": $f(0) } )')), exit: 1, maxMs: 30_000 });
  put('regex-rows.csv', csvOf([HEADER, ['1001', 'a'.repeat(65) + '!', 'Lee', 'ann.lee@contoso.com'], PEOPLE[1]!]));
  // Regular expressions run on a linear-time engine (RE2): the classic catastrophic pattern maps at once.
  add({
    name: 'mapping: a backtracking regex /^(a+)+$/ on a 66-character cell',
    args: transform(at('regex-rows.csv'), withProfile('regex', '{ "externalId": $string(Id), "userName": UPN, "title": $match(First, /^(a+)+$/) ? "a" : "b" }')),
    exit: 0,
    maxMs: 10_000,
  });
  put('many-timeouts.csv', csvOf([HEADER, ...Array.from({ length: 40 }, (_, i) => [`${7000 + i}`, 'X', 'X', `x${i}@contoso.com`])]));
  refused(
    'mapping: 40 rows each timing out stop the run',
    at('many-timeouts.csv'),
    /rows 2 to \d+ each took longer than/i,
    withProfile('recursion-many', '( $f := function($n) { $f($n + 1) }; { "externalId": $string(Id), "userName": UPN, "title": $f(0) } )'),
  );
  cases[cases.length - 1]!.maxMs = 45_000;
  const failing = withProfile('failing-test', MAPPING, {
    tests: [{ name: 'Ann keeps her first name', row: { Id: '1', First: 'Ann', Last: 'Lee', UPN: 'ann@contoso.com' }, expect: { externalId: '1', userName: 'ann@contoso.com', name: { givenName: 'Anne', familyName: 'Lee' }, displayName: 'Ann Lee', active: true } }],
  });
  refused("profile: its own test fails: transform stops before the file", people, /test "Ann keeps her first name" fails/, failing);
  add({ name: 'profile: its own test fails, --skip-profile-tests given', args: [...transform(people, failing), '--skip-profile-tests'], exit: 0 });
  return cases;
}

function randomBytes(n: number): Buffer {
  // Deterministic noise: the same corpus on every run, so a failure can be reproduced.
  const out = Buffer.alloc(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: tsx test-data/hostile/make-corpus.ts <folder>\n');
    process.exit(2);
  }
  for (const c of makeCorpus(resolve(dir))) process.stdout.write(`${c.exit}  ${c.name}\n`);
}
