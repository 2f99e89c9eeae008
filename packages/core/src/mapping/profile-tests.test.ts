import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../profile/io';
import type { Profile } from '../profile/types';
import type { ColumnInfo, SourceRow } from '../types';
import { compileMapping } from './compile';
import { mapRow } from './map-row';
import { describeDifferences, runProfileTests } from './profile-tests';

const testData = (path: string): string => fileURLToPath(new URL(`../../../../test-data/${path}`, import.meta.url));
const PROFILE_PATH = testData('profiles/microsoft-attribute-mapping.json');

/** Microsoft's two-record sample has no quoted fields, so a split is an honest reading of it. */
function readSampleCsv(): { columns: ColumnInfo[]; rows: SourceRow[] } {
  const text = readFileSync(testData('microsoft/csv-with-2-records.csv'), 'utf8');
  expect(text).not.toContain('"');
  const [head = '', ...lines] = text.split(/\r?\n/).filter((l) => l !== '');
  const headers = head.split(',');
  const columns = headers.map((header, index) => ({ header, letter: String.fromCharCode(65 + index), index }));
  const rows = lines.map((line, i) => {
    const cells = line.split(',');
    const values = Object.fromEntries(headers.flatMap((h, j) => (cells[j] ? [[h, cells[j]]] : [])));
    return { origin: { file: 'csv-with-2-records.csv', row: i + 2 }, values };
  });
  return { columns, rows };
}

describe('the Microsoft AttributeMapping.psd1 equivalent', () => {
  it('maps the first record of csv-with-2-records.csv to the full SCIM user', async () => {
    const profile = await loadProfile(PROFILE_PATH);
    const { columns, rows } = readSampleCsv();
    const mapping = compileMapping(profile);
    const [first] = rows;
    if (!first) throw new Error('sample has no rows');
    const result = await mapRow(mapping, first, columns);
    expect(result.findings).toEqual([]);
    expect(result.user).toEqual({
      externalId: '1222',
      name: { familyName: 'Fleeta', givenName: 'Talya' },
      active: false,
      userName: 'EMP1222',
      displayName: 'Talya Fleeta',
      nickName: 'EMP1222',
      userType: 'Contractor',
      title: 'Sales Executive',
      addresses: [{ type: 'work', streetAddress: '303 Mansion Ct', locality: 'Chicago', postalCode: '85434', country: 'UK' }],
      phoneNumbers: [{ type: 'work', value: '259-915-1098' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
        employeeNumber: '1222',
        costCenter: 'CC3035',
        organization: 'Woodgrove',
        division: 'Electronics',
        department: 'Sales',
        manager: { value: '1684' },
      },
      'urn:ietf:params:scim:schemas:extension:csv:1.0:User': { HireDate: '2013-01-01T00:00:00Z', OnLeave: true },
    });
    // Key order follows the mapping, so output files are stable from run to run.
    expect(Object.keys(result.user ?? {}).slice(0, 4)).toEqual(['externalId', 'name', 'active', 'userName']);
  });

  it('maps the second record, and the same values read from Excel as numbers give the same user', async () => {
    const profile = await loadProfile(PROFILE_PATH);
    const { columns, rows } = readSampleCsv();
    const mapping = compileMapping(profile);
    const second = rows[1];
    if (!second) throw new Error('sample has two rows');
    const fromCsv = await mapRow(mapping, second, columns);
    expect(fromCsv.user).toMatchObject({
      externalId: '1513',
      active: true,
      'urn:ietf:params:scim:schemas:extension:csv:1.0:User': { HireDate: '2010-07-10T00:00:00Z', OnLeave: false },
    });
    const asExcel: SourceRow = {
      ...second,
      values: { ...second.values, WorkerID: 1513, ManagerID: 1959, ZipCode: 79985, HireDate: new Date(Date.UTC(2010, 6, 10)), OnLeave: false },
    };
    expect((await mapRow(mapping, asExcel, columns)).user).toEqual(fromCsv.user);
  });

  it('knows which columns feed which attributes', async () => {
    const mapping = compileMapping(await loadProfile(PROFILE_PATH));
    expect(mapping.headersFor('name.givenName')).toEqual(['FirstName']);
    expect(mapping.headersFor('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value')).toEqual(['ManagerID']);
    expect(mapping.headersFor('addresses[0].postalCode')).toEqual(['ZipCode']);
    expect(mapping.referencedHeaders).not.toContain('GenderPronoun');
    expect(mapping.referencedHeaders).toHaveLength(20);
  });

  it('passes its own profile tests', async () => {
    const results = await runProfileTests(await loadProfile(PROFILE_PATH));
    expect(results.map((r) => [r.name, r.passed, r.differences, r.error])).toEqual([
      ['Talya Fleeta (inactive contractor, on leave)', true, [], undefined],
      ['Ginnie Fadiman (active employee)', true, [], undefined],
    ]);
  });
});

describe('runProfileTests', () => {
  const base: Profile = {
    name: 'T',
    version: 1,
    mapping: '{"externalId": Id, "name": {"givenName": First}, "active": $bool(Active)}',
  };

  it('lists differences by SCIM path', async () => {
    const [result] = await runProfileTests({
      ...base,
      tests: [{ row: { Id: 'A1', First: 'B', Active: 'yes' }, expect: { externalId: 'A1', name: { givenName: 'A' }, title: 'Boss', active: true } }],
    });
    expect(result).toMatchObject({ name: 'test 1', passed: false });
    expect(result?.differences).toEqual(["name.givenName: expected 'A', got 'B'", "title: expected 'Boss', got nothing"]);
    expect(result?.actual).toEqual({ externalId: 'A1', name: { givenName: 'B' }, active: true });
  });

  it('compares after stripping empty values from both sides', async () => {
    const [result] = await runProfileTests({
      ...base,
      tests: [{ name: 'blank given name', row: { Id: 'A1', First: '' }, expect: { externalId: 'A1', name: { givenName: '' }, emails: [] } }],
    });
    expect(result).toMatchObject({ name: 'blank given name', passed: true, expected: { externalId: 'A1' }, actual: { externalId: 'A1' } });
  });

  it('reports a mapping error on a test row as the error of that test', async () => {
    const [result] = await runProfileTests({ ...base, tests: [{ row: { Id: 'A1', Active: 'maybe' }, expect: { externalId: 'A1' } }] });
    expect(result?.passed).toBe(false);
    expect(result?.error).toMatch(/^<profile test>, row 1, column B \(Active\): no user was built .*"maybe" is not a yes\/no value/);
  });

  it('fails every test with the syntax error when the mapping does not compile, and returns [] without tests', async () => {
    const results = await runProfileTests({
      ...base,
      mapping: '{"a": }',
      tests: [
        { row: {}, expect: {} },
        { row: {}, expect: {} },
      ],
    });
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.passed).toBe(false);
      expect(r.error).toMatch(/^The mapping has a syntax error at line 1/);
    }
    expect(await runProfileTests(base)).toEqual([]);
  });
});

describe('describeDifferences', () => {
  it('walks objects and arrays and shows values readably', () => {
    expect(
      describeDifferences(
        { a: [{ v: 1 }, { v: 2 }], b: true, c: { d: 'x' } },
        { a: [{ v: 1 }], b: 'true', c: { d: 'x', e: 3 }, f: [1] },
      ),
    ).toEqual(['a[1]: expected {"v":2}, got nothing', "b: expected true, got 'true'", 'c.e: expected nothing, got 3', 'f: expected nothing, got [1]']);
    expect(describeDifferences({ a: 1 }, undefined)).toEqual(['(whole user): expected {"a":1}, got nothing']);
    expect(describeDifferences({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
  });
});
