import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoMap } from '../../automap/automap';
import { importPsd1 } from '../../psd1/import';
import type { Profile } from '../../profile/types';
import { openTable } from '../../read/index';
import type { ColumnInfo, SourceRow } from '../../types';
import { compileMapping } from '../compile';
import { mapRow } from '../map-row';
import { formToMapping, mappingToForm, type FormField, type MappingForm } from './form';
import { shape, type FieldValue } from './values';

const root = (p: string): string => fileURLToPath(new URL(`../../../../../${p}`, import.meta.url));
const MS = root('test-data/microsoft/');
const SHARED = root('../shared/samples/microsoft/');
const PROFILES = root('test-data/profiles/');

interface Sample {
  name: string;
  columns: ColumnInfo[];
  rows: SourceRow[];
}

async function readSample(file: string, limit: number): Promise<Sample> {
  const table = await openTable(file);
  const rows: SourceRow[] = [];
  for await (const row of table.rows()) {
    rows.push(row);
    if (rows.length >= limit) break;
  }
  await table.close();
  return { name: file, columns: table.columns, rows };
}

/** The users a mapping builds from the rows (an error is part of the result: the same error must come back). */
async function usersOf(profile: Pick<Profile, 'mapping' | 'lookups' | 'input' | 'extension'>, sample: Sample): Promise<unknown[]> {
  const compiled = compileMapping(profile);
  const out: unknown[] = [];
  for (const row of sample.rows) {
    const { user, findings } = await mapRow(compiled, row, sample.columns);
    out.push(user ?? findings.map((f) => f.code));
  }
  return out;
}

function roundTrip(mapping: string, extension?: Profile['extension']): { first: string; second: string; form: MappingForm } {
  const form = mappingToForm(mapping, extension);
  const first = formToMapping(form, extension).mapping;
  const second = formToMapping(mappingToForm(first, extension), extension).mapping;
  return { first, second, form };
}

let samples: Sample[] = [];
beforeAll(async () => {
  samples = [
    await readSample(`${MS}csv-with-1000-records.csv`, 300),
    await readSample(`${MS}sample1-employeeData.csv`, 50),
    await readSample(`${MS}csv-with-2-records.csv`, 10),
  ];
});

/** Every mapping the project ships or generates for Microsoft's samples. */
function knownMappings(): { name: string; profile: Profile }[] {
  const out: { name: string; profile: Profile }[] = [];
  for (const file of readdirSync(PROFILES).filter((f) => f.endsWith('.json'))) {
    out.push({ name: file, profile: JSON.parse(readFileSync(`${PROFILES}${file}`, 'utf8')) as Profile });
  }
  for (const dir of [MS, SHARED].filter((d) => existsSync(d))) {
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.psd1')) out.push({ name: `${dir}${file}`, profile: importPsd1(readFileSync(`${dir}${file}`, 'utf8'), { file }).profile });
      if (/\.(csv|txt)$/.test(file)) {
        const text = readFileSync(`${dir}${file}`, 'utf8').replace(/^\uFEFF/, '');
        const headers = (text.split(/\r?\n/)[0] ?? '').split(/[,\t]/).map((h) => h.replace(/^"|"$/g, ''));
        out.push({ name: `auto-map of ${dir}${file}`, profile: autoMap(headers).profile });
      }
    }
  }
  return out;
}

describe('the form reads and writes every known mapping without changing the people it builds', () => {
  const mappings = knownMappings();

  it('finds the mappings to test', () => {
    expect(mappings.length).toBeGreaterThanOrEqual(10);
  });

  it.each(mappings.map((m) => [m.name, m.profile] as const))('%s', async (_name, profile) => {
    const { first, second, form } = roundTrip(profile.mapping, profile.extension);
    // Written twice, the text settles: form → JSONata → form → JSONata gives the same text.
    expect(second).toBe(first);
    const again = { ...profile, mapping: first };
    for (const sample of samples) {
      expect(await usersOf(again, sample)).toEqual(await usersOf(profile, sample));
    }
    // Advanced values and extras keep their text exactly.
    for (const field of form.fields) {
      if (field.value?.kind === 'advanced') expect(profile.mapping).toContain(field.value.text);
    }
    for (const extra of form.extras) expect(profile.mapping).toContain(extra.text);
  });
});

describe('mappingToForm', () => {
  it('shows Microsoft\'s profile attribute by attribute in words', () => {
    const profile = JSON.parse(readFileSync(`${PROFILES}microsoft-attribute-mapping.json`, 'utf8')) as Profile;
    const form = mappingToForm(profile.mapping, profile.extension);
    const value = (id: string): FieldValue | undefined => form.fields.find((f) => f.id === id)?.value;
    expect(form.verbatim).toBeUndefined();
    expect(value('userName')).toEqual({ kind: 'column', column: 'UserID', change: 'asIs' });
    expect(value('externalId')).toEqual({ kind: 'column', column: 'WorkerID', change: 'text' });
    expect(value('active')).toEqual({ kind: 'enabledWhen', column: 'WorkerStatus', value: 'Active', ignoreCase: false, blankLeavesOut: false });
    expect(value('manager')).toEqual({ kind: 'column', column: 'ManagerID', change: 'text' });
    expect(value('hireDate')).toEqual({ kind: 'date', column: 'HireDate' });
    expect(value('custom:OnLeave')).toEqual({ kind: 'yesNo', column: 'OnLeave' });
    expect(form.fields.find((f) => f.id === 'hireDate')?.path).toEqual(['urn:ietf:params:scim:schemas:extension:csv:1.0:User', 'HireDate']);
    expect(form.extras.map((e) => e.path.at(-1))).toEqual(['nickName', 'userType', 'employeeNumber', 'costCenter', 'division']);
  });

  it('keeps an attribute it cannot show as advanced, with its text exactly', () => {
    const text = "$substring(FirstName, 0, 1) & '.' & LastName   /* initial */";
    const form = mappingToForm(`{\n  "displayName": ${text},\n  "userName": UserID\n}`);
    expect(form.fields.find((f) => f.id === 'displayName')?.value).toEqual({ kind: 'advanced', text });
    expect(formToMapping(form).mapping).toContain(`"displayName": ${text}`);
  });

  it('keeps a mapping that is not one object whole', () => {
    const mapping = '(\n  $id := $str(WorkerID);\n  { "externalId": $id }\n)';
    const form = mappingToForm(mapping);
    expect(form.verbatim).toBe(mapping);
    expect(formToMapping(form).mapping).toBe(mapping);
  });

  it('locks an attribute set inside a list it cannot take apart', () => {
    const form = mappingToForm('{ "emails": [{ "type": Kind, "value": Mail }] }');
    expect(form.fields.find((f) => f.id === 'email')?.locked).toBe(true);
    expect(form.extras).toEqual([{ path: ['emails'], text: '[{ "type": Kind, "value": Mail }]' }]);
  });
});

describe('formToMapping', () => {
  it('writes readable JSONata, quoting odd headers, and declares the hire date it needs', () => {
    const form = mappingToForm('{}');
    const set = (id: string, value: FieldValue): void => {
      (form.fields.find((f) => f.id === id) as FormField).value = value;
    };
    set('userName', { kind: 'upn', given: 'First Name', family: 'Last Name', domain: 'contoso.com' });
    set('externalId', { kind: 'column', column: 'Employee ID', change: 'text' });
    set('active', { kind: 'enabledWhen', column: 'Status', value: 'Active', ignoreCase: true, blankLeavesOut: true });
    set('email', { kind: 'column', column: 'E-mail', change: 'lower' });
    set('hireDate', { kind: 'date', column: 'Start', format: 'dd/MM/yyyy' });
    const { mapping, extension } = formToMapping(form);
    expect(mapping).toBe(
      [
        '{',
        "  \"userName\": $upn(`First Name`, `Last Name`, 'contoso.com'),",
        '  "externalId": $str(`Employee ID`),',
        "  \"active\": $exists(Status) ? $lowercase(Status) = 'active',",
        '  "emails": $exists(`E-mail`) ? [',
        '    {',
        "      \"type\": 'work',",
        '      "primary": true,',
        '      "value": $lower(`E-mail`)',
        '    }',
        '  ],',
        '  "urn:ietf:params:scim:schemas:extension:scimport:1.0:User": $exists(Start) ? {',
        "    \"hireDate\": $entraDate(Start, 'dd/MM/yyyy')",
        '  }',
        '}',
      ].join('\n'),
    );
    expect(extension?.attributes.map((a) => a.name)).toEqual(['hireDate']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Every form the form can produce

const HEADERS = ['WorkerID', 'WorkerStatus', 'UserID', 'FirstName', 'LastName', 'FullName', 'ManagerID', 'HireDate', 'OnLeave', 'Department', 'Company', 'City', 'CountryCode', 'ZipCode', 'OfficePhone'];
const column = fc.constantFrom(...HEADERS);
const text = fc.string({ maxLength: 12 });
const valueArb: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.record({ kind: fc.constant('column' as const), column, change: fc.constantFrom('asIs', 'text', 'trim', 'title', 'upper', 'lower') as fc.Arbitrary<'asIs'> }),
  fc.record({ kind: fc.constant('date' as const), column: fc.constant('HireDate'), format: fc.constantFrom('yyyy-MM-dd') }),
  fc.record({ kind: fc.constant('date' as const), column: fc.constant('HireDate') }),
  fc.record({ kind: fc.constant('enabledWhen' as const), column, value: text, ignoreCase: fc.boolean(), blankLeavesOut: fc.boolean() }),
  fc.record({ kind: fc.constant('yesNo' as const), column: fc.constant('OnLeave') }),
  fc.record({ kind: fc.constant('lookup' as const), column, table: fc.constant('Countries') }, { requiredKeys: ['kind', 'column', 'table'] }),
  fc.record({ kind: fc.constant('join' as const), columns: fc.array(column, { minLength: 2, maxLength: 4 }), separator: fc.constantFrom(' ', ', ', '.', '-', "'") }),
  fc.record({ kind: fc.constant('upn' as const), given: fc.constant('FirstName'), family: fc.constant('LastName'), domain: fc.constantFrom('contoso.com', 'woodgrove.example') }),
  fc.record({ kind: fc.constant('constant' as const), value: fc.oneof(text, fc.boolean(), fc.integer({ min: 0, max: 99999 })) }),
);

describe('every form the form can produce', () => {
  it('reads back as the same choices and builds the same people after form → JSONata → form → JSONata', async () => {
    const lookups = { Countries: { UK: 'GB', US: 'US', DE: 'DE' } };
    const ids = mappingToForm('{}').fields.map((f) => f.id);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...ids), valueArb, { maxKeys: 10 }), async (chosen) => {
        const form = mappingToForm('{}');
        for (const field of form.fields) if (chosen[field.id]) field.value = chosen[field.id];
        const { mapping: first, extension } = formToMapping(form);
        const reread = mappingToForm(first, extension);
        const second = formToMapping(reread, extension).mapping;
        expect(shape(second)).toBe(shape(first));
        for (const field of reread.fields) {
          const original = chosen[field.id];
          // Ignoring case is written as a comparison with the lower-case word, so that is what comes back.
          if (original?.kind === 'enabledWhen' && original.ignoreCase) expect(field.value).toEqual({ ...original, value: original.value.toLowerCase() });
          else if (original) expect(field.value).toEqual(original);
        }
        const sample = samples[0] as Sample;
        const few = { ...sample, rows: sample.rows.slice(0, 20) };
        expect(await usersOf({ mapping: second, lookups }, few)).toEqual(await usersOf({ mapping: first, lookups }, few));
      }),
      { numRuns: 60 },
    );
  });
});
