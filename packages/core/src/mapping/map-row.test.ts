import { describe, expect, it } from 'vitest';
import type { ColumnInfo, SourceRow } from '../types';
import { compileMapping } from './compile';
import { mapRow, stripEmpty, toMappingInput } from './map-row';

const columns: ColumnInfo[] = ['WorkerID', 'FirstName', 'HireDate', 'Email', 'Phone'].map((header, index) => ({
  header,
  letter: String.fromCharCode(65 + index),
  index,
}));

function row(values: SourceRow['values'], extra: Partial<SourceRow> = {}): SourceRow {
  return { origin: { file: 'staff.xlsx', sheet: 'Export', row: 7 }, values, ...extra };
}

describe('toMappingInput', () => {
  it('turns dates into Entra text and keeps other values as they are', () => {
    const input = toMappingInput(
      row({ HireDate: new Date(Date.UTC(2021, 4, 1)), Id: 42, Active: true, Name: 'Ann', Bad: new Date(Number.NaN) }),
    );
    expect(input).toEqual({ HireDate: '2021-05-01T00:00:00Z', Id: 42, Active: true, Name: 'Ann' });
  });

  it('keeps a header named __proto__ as data', () => {
    const values = JSON.parse('{"__proto__": "x", "A": "1"}') as SourceRow['values'];
    const input = toMappingInput(row(values));
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.keys(input)).toEqual(['__proto__', 'A']);
  });
});

describe('stripEmpty', () => {
  it('removes blanks recursively so empty means absent', () => {
    expect(
      stripEmpty({
        a: '',
        b: '   ',
        c: undefined,
        d: {},
        e: [],
        f: { g: '', h: [{ i: '' }] },
        j: 0,
        k: false,
        l: null,
        m: 'x',
        emails: [{ type: 'work', primary: true }, { type: 'home', value: 'a@b.c' }],
        n: () => 1,
      }),
    ).toEqual({ j: 0, k: false, l: null, m: 'x', emails: [{ type: 'home', value: 'a@b.c' }] });
    expect(stripEmpty({ a: { b: '' } })).toBeUndefined();
  });
});

describe('mapRow', () => {
  const mapping = compileMapping({
    mapping: `{
      "externalId": $str(WorkerID),
      "name": { "givenName": FirstName },
      "emails": [{ "type": "work", "value": Email }],
      "phoneNumbers": [{ "type": "work", "value": Phone }],
      "urn:ietf:params:scim:schemas:extension:csv:1.0:User": { "HireDate": $entraDate(HireDate, 'dd/MM/yyyy') }
    }`,
  });

  it('builds a user without blanks', async () => {
    const result = await mapRow(mapping, row({ WorkerID: 7, FirstName: 'Ann', Phone: '' }), columns);
    expect(result).toEqual({ user: { externalId: '7', name: { givenName: 'Ann' } }, findings: [] });
  });

  it('turns a runtime error into one finding naming the row, cell and what to do', async () => {
    const result = await mapRow(mapping, row({ WorkerID: 7, HireDate: '31/02/2021' }), columns);
    expect(result.user).toBeUndefined();
    expect(result.findings).toEqual([
      {
        severity: 'error',
        code: 'mapping.runtime',
        message:
          'staff.xlsx, sheet "Export", row 7, column C (HireDate): no user was built (the mapping failed at ' +
          'urn:ietf:params:scim:schemas:extension:csv:1.0:User.HireDate). $entraDate: "31/02/2021" is not a real date ' +
          '(read with the pattern dd/MM/yyyy). Correct the value in the spreadsheet, or adjust the mapping, and run again.',
        path: 'urn:ietf:params:scim:schemas:extension:csv:1.0:User.HireDate',
        file: 'staff.xlsx',
        sheet: 'Export',
        row: 7,
        cells: [{ header: 'HireDate', letter: 'C' }],
      },
    ]);
  });

  it('reports limits as their own codes', async () => {
    const slow = compileMapping({ mapping: '($f := function($x){$f($x)}; $f(1))' }, { timeoutMs: 100 });
    const timeout = await mapRow(slow, row({}), columns);
    expect(timeout.findings.map((f) => f.code)).toEqual(['mapping.timeout']);
    expect(timeout.findings[0]?.message).toMatch(/^staff\.xlsx, sheet "Export", row 7: no user was built\. The mapping ran longer than 100 ms/);

    const deep = await mapRow(compileMapping({ mapping: '($f := function($x){1 + $f($x)}; $f(1))' }), row({}), columns);
    expect(deep.findings.map((f) => f.code)).toEqual(['mapping.tooDeep']);

    const large = await mapRow(compileMapping({ mapping: '{"a": $pad("", 20000000)}' }), row({}), columns);
    expect(large.findings.map((f) => f.code)).toEqual(['mapping.tooLarge']);
    expect(large.findings[0]?.path).toBe('a');
  });

  it('requires a single object', async () => {
    for (const [expression, what] of [
      ['[{"a": 1}, {"a": 2}]', 'a list of 2'],
      ['"hello"', 'the string "hello"'],
      ['42', 'the number 42'],
      ['null', 'null'],
    ] as const) {
      const result = await mapRow(compileMapping({ mapping: expression }), row({}), columns);
      expect(result.user).toBeUndefined();
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]).toMatchObject({ severity: 'error', code: 'mapping.notObject', row: 7, file: 'staff.xlsx' });
      expect(result.findings[0]?.message).toContain(`the mapping produced ${what} instead of one user object`);
    }
  });

  it('warns when a row maps to nothing at all', async () => {
    const skip = await mapRow(compileMapping({ mapping: 'Kind = "x" ? {"a": 1}' }), row({}), columns);
    expect(skip.findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'mapping.empty']]);
    const blank = await mapRow(mapping, row({ FirstName: ' ' }), columns);
    expect(blank.user).toBeUndefined();
    expect(blank.findings.map((f) => f.code)).toEqual(['mapping.empty']);
  });

  it('flags Excel error cells the mapping reads, and ignores those it does not', async () => {
    const result = await mapRow(
      mapping,
      row(
        { WorkerID: 7, FirstName: 'Ann' },
        {
          cellErrors: [
            { header: 'Email', letter: 'D', error: '#N/A' },
            { header: 'Unused', letter: 'Z', error: '#REF!' },
          ],
        },
      ),
      columns,
    );
    expect(result.user).toEqual({ externalId: '7', name: { givenName: 'Ann' } });
    expect(result.findings).toEqual([
      {
        severity: 'error',
        code: 'mapping.cellError',
        message:
          'staff.xlsx, sheet "Export", row 7, column D (Email): the cell holds the Excel error #N/A, so the mapping sees it as empty. ' +
          'Fix the formula or the value in the spreadsheet.',
        file: 'staff.xlsx',
        sheet: 'Export',
        row: 7,
        cells: [{ header: 'Email', letter: 'D' }],
      },
    ]);
  });
});
