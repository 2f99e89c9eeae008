import { describe, it, expect } from 'vitest';
import iconv from 'iconv-lite';
import { columnLetter } from './index';
import { detectHeader, ErrorCell, FindingSink, HeaderLayout } from './columns';
import type { RawRow } from './columns';
import { decideFormat, displayNumber, serialToDate } from './cells';
import { detectDelimiter, detectEncoding } from './sniff';
import { CoreError } from '../errors';
import type { Finding } from '../types';

describe('columnLetter', () => {
  it('letters columns as Excel does', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702, 16383].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
  });

  it('refuses negative and fractional indexes', () => {
    expect(() => columnLetter(-1)).toThrow(CoreError);
    expect(() => columnLetter(1.5)).toThrow(CoreError);
  });
});

const row = (n: number, ...cells: (string | number | undefined)[]): RawRow => ({ row: n, cells });

describe('detectHeader', () => {
  it('passes over a title, and a preamble row narrower than the table', () => {
    const window = [
      row(1, 'Contoso HR export'),
      row(3, 'Exported by:', 'HR Bot'),
      row(4, 'Id', 'Name', 'Email', 'Dept'),
      row(5, 1, 'Ada', 'ada@contoso.com', 'R&D'),
    ];
    expect(detectHeader(window)).toBe(2);
  });

  it('takes the first row when it is the header', () => {
    expect(detectHeader([row(1, 'Id', 'Name'), row(2, 1, 'Ada'), row(3, 2, 'Alan')])).toBe(0);
  });

  it('does not take a row of numbers and dates', () => {
    expect(detectHeader([row(1, 2024, 5, 1), row(2, 'Id', 'Name', 'Start'), row(3, 1, 'Ada', 44317)])).toBe(1);
  });

  it('falls back for a single-column table, and finds nothing without text', () => {
    expect(detectHeader([row(1, 'Email'), row(2, 'ada@contoso.com')])).toBe(0);
    expect(detectHeader([row(1, 1, 2), row(2, 3, 4)])).toBeUndefined();
    expect(detectHeader([])).toBeUndefined();
  });
});

describe('HeaderLayout', () => {
  it('numbers repeated headers and names blank ones by letter, without clashing with real headers', () => {
    const findings: Finding[] = [];
    const layout = new HeaderLayout({ file: 'f.csv' }, 1, row(1, 'A', 'A', '', 'A (2)', 'A'), [], new FindingSink(findings), true);
    expect(layout.columns.map((c) => c.header)).toEqual(['A', 'A (3)', '(blank C)', 'A (2)', 'A (4)']);
    expect(findings.map((f) => f.code)).toEqual(['header.duplicate', 'header.duplicate']);
  });

  it('trims header text and turns error cells into CellErrors', () => {
    const layout = new HeaderLayout({ file: 'f.xlsx', sheet: 'S' }, 2, row(2, '  Id ', 'Score'), [], new FindingSink([]), false);
    expect(layout.columns.map((c) => c.header)).toEqual(['Id', 'Score']);
    const source = layout.toSourceRow({ row: 3, cells: ['7', new ErrorCell('#REF!')] });
    expect(source).toEqual({ origin: { file: 'f.xlsx', sheet: 'S', row: 3 }, values: { Id: '7' }, cellErrors: [{ header: 'Score', letter: 'B', error: '#REF!' }] });
  });

  it('reports a value right of the header once per column in a workbook, and ignores it', () => {
    const findings: Finding[] = [];
    const layout = new HeaderLayout({ file: 'f.xlsx', sheet: 'S' }, 1, row(1, 'Id', 'Name'), [], new FindingSink(findings), false);
    const r = layout.toSourceRow(row(30, 1, 'Ada', undefined, 'stray'));
    layout.toSourceRow(row(31, 2, 'Alan', undefined, 'again'));
    expect(r.values).toEqual({ Id: 1, Name: 'Ada' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'column.noHeader', row: 30, cells: [{ header: '', letter: 'D' }] });
  });

  it('refuses an empty header row', () => {
    expect(() => new HeaderLayout({ file: 'f.csv' }, 3, row(3, '', ' '), [], new FindingSink([]), true)).toThrow(/row 3 is empty/);
  });
});

describe('number formats', () => {
  it('keeps General numbers, renders formats with leading zeros, percent and currency as shown', () => {
    expect(displayNumber(42, decideFormat('General'), false)).toBe(42);
    expect(displayNumber(42, decideFormat(undefined), false)).toBe(42);
    expect(displayNumber(42, decideFormat('000000'), false)).toBe('000042');
    expect(displayNumber(0.125, decideFormat('0.00%'), false)).toBe('12.50%');
    expect(displayNumber(1234.5, decideFormat('#,##0.00'), false)).toBe('1,234.50');
    expect(displayNumber(7, decideFormat('@'), false)).toBe(7);
  });

  it('turns date and date-time formats into Dates, and time-only formats into text', () => {
    expect(displayNumber(44317, decideFormat('mm-dd-yy'), false)).toEqual(new Date('2021-05-01T00:00:00Z'));
    expect(displayNumber(44317.5, decideFormat('yyyy-mm-dd hh:mm'), false)).toEqual(new Date('2021-05-01T12:00:00Z'));
    expect(displayNumber(44317, decideFormat('[$-409]d-mmm-yy;@'), false)).toEqual(new Date('2021-05-01T00:00:00Z'));
    expect(displayNumber(0.75, decideFormat('h:mm'), false)).toBe('18:00');
  });

  it('decides once per format string', () => {
    expect(decideFormat('0000')).toBe(decideFormat('0000'));
  });

  it('converts serials with the 1900 leap-year quirk and the 1904 date system', () => {
    expect(serialToDate(1, false)).toEqual(new Date('1900-01-01T00:00:00Z'));
    expect(serialToDate(59, false)).toEqual(new Date('1900-02-28T00:00:00Z'));
    expect(serialToDate(61, false)).toEqual(new Date('1900-03-01T00:00:00Z'));
    expect(serialToDate(0, true)).toEqual(new Date('1904-01-01T00:00:00Z'));
    expect(serialToDate(44317.999999, false)).toEqual(new Date('2021-05-02T00:00:00Z'));
    expect(serialToDate(-1, false)).toBeUndefined();
    expect(serialToDate(3e6, false)).toBeUndefined();
  });
});

describe('detectEncoding', () => {
  it('reads byte-order marks and NUL patterns', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), true)).toEqual({ encoding: 'utf-8', reason: 'bom' });
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0]), true).encoding).toBe('utf-16le');
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]), true).encoding).toBe('utf-16be');
    expect(detectEncoding(iconv.encode('Id,Name\n1,Ada\n', 'utf16-be'), true)).toEqual({ encoding: 'utf-16be', reason: 'nul-pattern' });
  });

  it('accepts UTF-8 when a multi-byte character is cut by the end of the sample only', () => {
    const text = Buffer.from('Name\nZoë', 'utf8');
    const cut = text.subarray(0, text.length - 1);
    expect(detectEncoding(cut, false).encoding).toBe('utf-8');
    expect(detectEncoding(cut, true).encoding).toBe('windows-1252');
  });

  it('lets chardet name a clearly different code page, and otherwise falls back to Windows-1252', () => {
    const russian = 'Табельный номер;Фамилия;Имя;Отдел\n1;Иванов;Иван;Бухгалтерия\n2;Петрова;Мария;Отдел кадров\n3;Сидоров;Пётр;Производство\n';
    expect(detectEncoding(iconv.encode(russian, 'windows-1251'), true)).toEqual({ encoding: 'windows-1251', reason: 'chardet' });
    const german = 'Personalnummer;Nachname;Straße\n1;Müller;Hauptstraße 5\n2;Weiß;Königsallee 1\n';
    expect(detectEncoding(iconv.encode(german, 'windows-1252'), true)).toEqual({ encoding: 'windows-1252', reason: 'fallback' });
  });
});

describe('detectDelimiter', () => {
  it('prefers the delimiter that splits lines consistently, outside quotes', () => {
    expect(detectDelimiter('a;b;c\n1;"x,y,z";3\n2;"p,q";4\n').delimiter).toBe(';');
    expect(detectDelimiter('Title line\n\na,b,c\n1,2,3\n').delimiter).toBe(',');
    expect(detectDelimiter('a|b\n"multi\nline, with, commas"|2\n').delimiter).toBe('|');
    expect(detectDelimiter('just one column\nvalue\n')).toEqual({ delimiter: ',', sepLine: false });
    expect(detectDelimiter('\uFEFFsep=|\r\na|b\n')).toEqual({ delimiter: '|', sepLine: true });
  });
});
