import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluateWithStandins, withoutEmptyCells } from '../__tests__/mapping-standins';
import { isCoreError } from '../errors';
import { importPsd1 } from './import';

// Mappings may call $entraDate from the mapping-helper library written in parallel; where evaluated,
// the trivial stand-ins from src/__tests__/mapping-standins.ts are bound (the Microsoft files need none).

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const MS = fileURLToPath(new URL('../../../../test-data/microsoft/', import.meta.url));
const read = (name: string): string => readFileSync(`${MS}${name}`, 'utf8');
const csvRows = (name: string): Record<string, string>[] =>
  (parse(read(name), { columns: true, skip_empty_lines: true }) as Record<string, string>[]).map(withoutEmptyCells);

describe('importPsd1 on Microsoft\'s CSV2SCIM mappings', () => {
  const files = [
    'AttributeMapping.psd1',
    'sample1-AttributeMapping.Contractor.psd1',
    'sample1-AttributeMapping.Employee.psd1',
    'sample1-AttributeMapping.Intern.psd1',
  ];

  it.each(files)('imports %s completely into a mapping that compiles', (file) => {
    const { profile, untranslated } = importPsd1(read(file), { file });
    expect(untranslated).toEqual([]);
    expect(() => jsonata(profile.mapping)).not.toThrow();
    expect(profile).toMatchObject({ name: `Imported from ${file}`, version: 1, tests: [] });
    expect(profile.extension).toBeUndefined();
  });

  it('writes AttributeMapping.psd1 as a readable mapping', () => {
    const { profile } = importPsd1(read('AttributeMapping.psd1'), { file: 'AttributeMapping.psd1', name: 'Woodgrove HR' });
    expect(profile.name).toBe('Woodgrove HR');
    // -eq in PowerShell ignores case, hence $lowercase(...) = 'active' rather than = 'Active'.
    expect(profile.mapping).toBe(`{
  "externalId": WorkerID,
  "name": $exists(LastName) or $exists(FirstName) ? {
    "familyName": LastName,
    "givenName": FirstName
  },
  "active": $lowercase(WorkerStatus) = 'active',
  "userName": UserID,
  "displayName": FullName,
  "nickName": UserID,
  "userType": WorkerType,
  "title": JobTitle,
  "addresses": $exists(StreetAddress) or $exists(City) or $exists(ZipCode) or $exists(CountryCode) ? [
    {
      "type": 'work',
      "streetAddress": StreetAddress,
      "locality": City,
      "postalCode": ZipCode,
      "country": CountryCode
    }
  ],
  "phoneNumbers": $exists(OfficePhone) ? [
    {
      "type": 'work',
      "value": OfficePhone
    }
  ],
  "${ENT}": {
    "employeeNumber": WorkerID,
    "costCenter": CostCenter,
    "organization": Company,
    "division": Division,
    "department": Department,
    "manager": $exists(ManagerID) ? {
      "value": ManagerID
    }
  }
}`);
  });

  it('maps the first record of csv-with-2-records.csv to the SCIM user CSV2SCIM would build', async () => {
    const { profile } = importPsd1(read('AttributeMapping.psd1'));
    const [first, second] = csvRows('csv-with-2-records.csv');
    expect(await jsonata(profile.mapping).evaluate(first)).toEqual({
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
      [ENT]: {
        employeeNumber: '1222',
        costCenter: 'CC3035',
        organization: 'Woodgrove',
        division: 'Electronics',
        department: 'Sales',
        manager: { value: '1684' },
      },
    });
    expect(await jsonata(profile.mapping).evaluate(second)).toMatchObject({ externalId: '1513', active: true });
  });

  it('reads a value equal to its key as a column name (sample1 convention)', async () => {
    const { profile } = importPsd1(read('sample1-AttributeMapping.Intern.psd1'));
    expect(profile.mapping).toContain('"externalId": externalId,');
    const out = await jsonata(profile.mapping).evaluate({ externalId: 'X1', email: 'x1@example.com', manager: 'M1', active: 'True' });
    expect(out).toEqual({ externalId: 'X1', active: 'True', emails: [{ value: 'x1@example.com' }], [ENT]: { manager: { value: 'M1' } } });
  });
});

describe('importPsd1 on other mappings', () => {
  it('declares a custom extension and keeps the enterprise URN key in its usual spelling', async () => {
    const { profile, untranslated } = importPsd1(`@{
      externalId = 'WorkerID'
      "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER" = @{ department = 'Dept' }
      "urn:ietf:params:scim:schemas:extension:kbcorp2021:1.0:User" = @{
          othermails = 'Custom01'
          HireDate   = { ([datetime]$_.'HireDate').ToString('yyyy-MM-ddTHH:mm:ssZ') }
          Tags       = @('a', 'b')
      }
      "urn:ietf:params:scim:schemas:extension:other:1.0:User" = @{ x = 'X' }
    }`);
    expect(profile.extension).toEqual({
      namespace: 'urn:ietf:params:scim:schemas:extension:kbcorp2021:1.0:User',
      attributes: [
        { name: 'othermails', type: 'string' },
        { name: 'HireDate', type: 'string' },
      ],
    });
    expect(untranslated).toEqual([
      {
        key: 'urn:ietf:params:scim:schemas:extension:kbcorp2021:1.0:User.Tags',
        source: "@('a', 'b')",
        reason: 'Custom extension attributes hold single values; map this to one column or one script block.',
      },
      {
        key: 'urn:ietf:params:scim:schemas:extension:other:1.0:User',
        source: "@{ x = 'X' }",
        reason:
          'A profile holds one custom extension and urn:ietf:params:scim:schemas:extension:kbcorp2021:1.0:User came first; move these attributes into it.',
      },
    ]);
    expect(profile.mapping).toContain(`"${ENT}": $exists(Dept) ? {`);
    expect(profile.mapping).toContain('"HireDate": $entraDate(HireDate)');
    expect(await evaluateWithStandins(profile.mapping, { WorkerID: '1', Dept: 'Sales', Custom01: 'a@b.c', HireDate: '2021-05-01' })).toEqual({
      externalId: '1',
      [ENT]: { department: 'Sales' },
      'urn:ietf:params:scim:schemas:extension:kbcorp2021:1.0:User': { othermails: 'a@b.c', HireDate: '2021-05-01T00:00:00Z' },
    });
  });

  it('leaves out what it cannot translate and says why, quoting the original text', () => {
    const { profile, untranslated } = importPsd1(`@{
      externalId = 'WorkerID'
      userName   = { $_.'UserID' -replace '^EMP', '' }
      active     = { $_.'WorkerStatus' -eq 'Active' }
      title      = 7
      nickName   = $null
      displayName = "$First $Last"
      emails = @( @{ value = { $_.Mail | Select-Object -First 1 }; type = { 'work' } } )
    }`, { file: 'custom.psd1' });
    expect(untranslated).toEqual([
      {
        key: 'userName',
        source: "{ $_.'UserID' -replace '^EMP', '' }",
        reason: 'It uses -replace, which the importer does not translate; write this attribute in the JSONata mapping by hand.',
      },
      {
        key: 'title',
        source: '7',
        reason: "CSV2SCIM reads a column named by this number; write the column name in quotes ('Column'), or a fixed value in a script block ({ 'value' }).",
      },
      {
        key: 'nickName',
        source: '$null',
        reason: "CSV2SCIM reads a column named by this value; write the column name in quotes ('Column'), or a fixed value in a script block ({ 'value' }).",
      },
      {
        key: 'displayName',
        source: '"$First $Last"',
        reason: 'PowerShell would expand the variables in "$First $Last"; write the column name in single quotes.',
      },
      {
        key: 'emails[0].value',
        source: '{ $_.Mail | Select-Object -First 1 }',
        reason: 'It uses a pipeline (|); write this attribute in the JSONata mapping by hand.',
      },
    ]);
    expect(profile.mapping).toBe(`{
  "externalId": WorkerID,
  "active": $lowercase(WorkerStatus) = 'active',
  "emails": [
    {
      "type": 'work'
    }
  ]
}`);
    expect(profile.description).toBe('Translated from the CSV2SCIM attribute mapping custom.psd1.');
  });

  it('throws PSD1_SYNTAX with the line and column of a broken file', () => {
    const broken = "@{\n    externalId   = 'WorkerID'\n    name         = @{\n        familyName = 'LastName\n    }\n}";
    let caught: unknown;
    try {
      importPsd1(broken, { file: 'AttributeMapping.psd1' });
    } catch (err) {
      caught = err;
    }
    expect(isCoreError(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'PSD1_SYNTAX',
      location: { file: 'AttributeMapping.psd1', row: 4, column: '22' },
      message: 'AttributeMapping.psd1, line 4, column 22: this quoted text is never closed. Add the closing quote.',
    });
  });

  it('survives hostile nesting and length without exhausting the stack', () => {
    expect(() => importPsd1(`@{ a = ${'@{ a = '.repeat(5000)}`)).toThrowError(
      expect.objectContaining({ code: 'PSD1_SYNTAX', message: expect.stringContaining('nested more than 64 deep') }),
    );
    const { untranslated } = importPsd1(`@{
      a = { ${'('.repeat(5000)}'x'${')'.repeat(5000)} }
      b = { ${"'x' + ".repeat(5000)}'x' }
      c = { ${'if ($_.A) { '.repeat(100)}'x'${' }'.repeat(100)} }
    }`);
    expect(untranslated.map((u) => [u.key, u.reason])).toEqual([
      ['a', 'It is longer than 2000 words and symbols; write this attribute in the JSONata mapping by hand.'],
      ['b', 'It is longer than 2000 words and symbols; write this attribute in the JSONata mapping by hand.'],
      ['c', 'It nests expressions too deeply; write this attribute in the JSONata mapping by hand.'],
    ]);
    expect(importPsd1(`@{ a = { ${'('.repeat(100)}'x'${')'.repeat(100)} } }`).untranslated[0]?.reason).toMatch(/^It nests expressions too deeply/);
  });

  it('throws PSD1_SYNTAX when the file is not one table', () => {
    expect(() => importPsd1("@( 'a' )", { file: 'list.psd1' })).toThrowError(
      expect.objectContaining({ code: 'PSD1_SYNTAX', message: expect.stringContaining('list.psd1, line 1, column 1: a CSV2SCIM mapping is one @{ … } table') }),
    );
  });
});
