import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluateWithStandins, withoutEmptyCells } from '../__tests__/mapping-standins';
import { autoMap } from './automap';
import { normaliseHeader } from './normalise';
import { NEAR_MISSES, SCIMPORT_EXTENSION, SLOTS } from './synonyms';

// Generated mappings call $str/$bool/$entraDate from the mapping-helper library, which is written in
// parallel; these tests check the generated TEXT and evaluate it with plain jsonata plus the trivial
// stand-ins in src/__tests__/mapping-standins.ts.

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const MS = fileURLToPath(new URL('../../../../test-data/microsoft/', import.meta.url));

function readCsv(name: string): { headers: string[]; rows: Record<string, string>[] } {
  const text = readFileSync(`${MS}${name}`, 'utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const headers = (parse(text, { to_line: 1 }) as string[][])[0] ?? [];
  return { headers, rows };
}

const pathsOf = (r: ReturnType<typeof autoMap>): Record<string, string> =>
  Object.fromEntries(r.placements.map((p) => [p.path, p.header]));

describe('autoMap on Microsoft\'s CSV2SCIM sample export', () => {
  const { headers, rows } = readCsv('csv-with-1000-records.csv');
  const result = autoMap(headers, { sample: rows.slice(0, 5) });

  it('places every SCIM-relevant column and leaves the rest unplaced', () => {
    expect(result.placements).toEqual([
      { header: 'WorkerID', path: 'externalId', confidence: 'synonym' },
      { header: 'WorkerID', path: `${ENT}.employeeNumber`, confidence: 'synonym' },
      { header: 'WorkerStatus', path: 'active', confidence: 'synonym' },
      { header: 'WorkerType', path: 'userType', confidence: 'synonym' },
      { header: 'UserID', path: 'userName', confidence: 'synonym' },
      { header: 'FirstName', path: 'name.givenName', confidence: 'synonym' },
      { header: 'LastName', path: 'name.familyName', confidence: 'synonym' },
      { header: 'FullName', path: 'displayName', confidence: 'synonym' },
      { header: 'ManagerID', path: `${ENT}.manager.value`, confidence: 'synonym' },
      { header: 'HireDate', path: `${SCIMPORT_EXTENSION}.hireDate`, confidence: 'exact' },
      { header: 'Department', path: `${ENT}.department`, confidence: 'exact' },
      { header: 'Division', path: `${ENT}.division`, confidence: 'exact' },
      { header: 'CostCenter', path: `${ENT}.costCenter`, confidence: 'exact' },
      { header: 'Company', path: `${ENT}.organization`, confidence: 'synonym' },
      { header: 'JobTitle', path: 'title', confidence: 'synonym' },
      { header: 'StreetAddress', path: 'addresses[type eq "work"].streetAddress', confidence: 'exact' },
      { header: 'City', path: 'addresses[type eq "work"].locality', confidence: 'synonym' },
      { header: 'CountryCode', path: 'addresses[type eq "work"].country', confidence: 'synonym' },
      { header: 'OfficePhone', path: 'phoneNumbers[type eq "work"].value', confidence: 'synonym' },
      { header: 'ZipCode', path: 'addresses[type eq "work"].postalCode', confidence: 'synonym' },
    ]);
    expect(result.unplaced).toEqual(['GenderPronoun', 'OnLeave', 'Location', 'Custom01', 'Custom02']);
    expect(result.missingRequired).toEqual([]);
  });

  it('writes a readable mapping and a profile with the hire-date extension', () => {
    expect(result.profile.mapping).toBe(`{
  "externalId": $str(WorkerID),
  "userName": UserID,
  "active": $bool(WorkerStatus),
  "displayName": FullName,
  "name": $exists(FirstName) or $exists(LastName) ? {
    "givenName": FirstName,
    "familyName": LastName
  },
  "title": JobTitle,
  "userType": WorkerType,
  "phoneNumbers": $exists(OfficePhone) ? [
    {
      "type": 'work',
      "value": $str(OfficePhone)
    }
  ],
  "addresses": $exists(StreetAddress) or $exists(City) or $exists(ZipCode) or $exists(CountryCode) ? [
    {
      "type": 'work',
      "streetAddress": StreetAddress,
      "locality": City,
      "postalCode": $str(ZipCode),
      "country": CountryCode
    }
  ],
  "${ENT}": {
    "employeeNumber": $str(WorkerID),
    "costCenter": CostCenter,
    "organization": Company,
    "division": Division,
    "department": Department,
    "manager": $exists(ManagerID) ? {
      "value": $str(ManagerID)
    }
  },
  "${SCIMPORT_EXTENSION}": $exists(HireDate) ? {
    "hireDate": $entraDate(HireDate)
  }
}`);
    expect(result.profile).toMatchObject({
      name: 'Auto-mapped from 24 columns',
      version: 1,
      tests: [],
      extension: { namespace: SCIMPORT_EXTENSION, attributes: [{ name: 'hireDate', type: 'dateTime' }] },
    });
  });

  it('maps the second record (blank street address) to the expected SCIM user', async () => {
    const row = withoutEmptyCells(rows[1] ?? {});
    expect(await evaluateWithStandins(result.profile.mapping, row)).toEqual({
      externalId: '1727',
      userName: 'EMP1727',
      active: false,
      displayName: 'Myriam Durware',
      name: { givenName: 'Myriam', familyName: 'Durware' },
      title: 'Vice President',
      userType: 'Contractor',
      phoneNumbers: [{ type: 'work', value: '259-915-1098' }],
      addresses: [{ type: 'work', locality: 'Chicago', postalCode: '53965', country: 'DE' }],
      [ENT]: {
        employeeNumber: '1727',
        costCenter: 'CC3035',
        organization: 'Woodgrove',
        division: 'Electronics',
        department: 'Sales',
        manager: { value: '1405' },
      },
      [SCIMPORT_EXTENSION]: { hireDate: '2017-03-09T00:00:00Z' },
    });
  });

  it('leaves out complex attributes whose columns are all blank instead of sending empty shells', async () => {
    const out = await evaluateWithStandins(result.profile.mapping, { WorkerID: '9', UserID: 'u9' });
    expect(out).toEqual({ externalId: '9', userName: 'u9', [ENT]: { employeeNumber: '9' } });
  });
});

describe('autoMap on other HR systems', () => {
  it('reads a Workday-like export, with yes/no status and month-first dates from the sample', async () => {
    const headers = [
      'Employee ID', 'Legal First Name', 'Legal Last Name', 'Preferred Name', 'Business Title',
      'Supervisory Organization', 'Cost Center', 'Company', 'Manager - ID', 'Primary Work Email', 'Hire Date',
      'Worker Type', 'Active Status', 'Work Phone', 'Location', 'Time Type',
    ];
    const row = {
      'Employee ID': '21001', 'Legal First Name': 'Logan', 'Legal Last Name': 'McNeil', 'Preferred Name': 'Logan McNeil',
      'Business Title': 'Vice President, HR', 'Supervisory Organization': 'Human Resources', 'Cost Center': '41600 HR',
      Company: 'Global Modern Services', 'Manager - ID': '21072', 'Primary Work Email': 'lmcneil@example.com',
      'Hire Date': '05/21/2019', 'Worker Type': 'Employee', 'Active Status': 'Yes', 'Work Phone': '+1 (415) 555-0100',
      Location: 'San Francisco', 'Time Type': 'Full time',
    };
    const r = autoMap(headers, { sample: [row, { ...row, 'Active Status': 'No', 'Hire Date': '11/03/2020' }] });
    expect(pathsOf(r)).toEqual({
      externalId: 'Employee ID',
      [`${ENT}.employeeNumber`]: 'Employee ID',
      'name.givenName': 'Legal First Name',
      'name.familyName': 'Legal Last Name',
      displayName: 'Preferred Name',
      title: 'Business Title',
      [`${ENT}.department`]: 'Supervisory Organization',
      [`${ENT}.costCenter`]: 'Cost Center',
      [`${ENT}.organization`]: 'Company',
      [`${ENT}.manager.value`]: 'Manager - ID',
      'emails[type eq "work"].value': 'Primary Work Email',
      [`${SCIMPORT_EXTENSION}.hireDate`]: 'Hire Date',
      userType: 'Worker Type',
      active: 'Active Status',
      'phoneNumbers[type eq "work"].value': 'Work Phone',
      userName: 'Primary Work Email',
    });
    expect(r.unplaced).toEqual(['Location', 'Time Type']);
    // No UPN-like column: the work email becomes the sign-in name, and the notes say so.
    expect(r.missingRequired).toEqual([]);
    expect(r.placements).toContainEqual({ header: 'Primary Work Email', path: 'userName', confidence: 'synonym' });
    expect(r.profile.mapping).toContain('"userName": `Primary Work Email`,');
    expect(r.notes).toContain(
      'No column looks like a sign-in name, so the email column “Primary Work Email” is used as the sign-in name. Change it if people sign in with another name.',
    );
    expect(r.profile.mapping).toContain('"active": $bool(`Active Status`),');
    expect(r.profile.mapping).toContain('"hireDate": $entraDate(`Hire Date`, \'MM/dd/yyyy\')');
    expect(r.profile.mapping).toContain(`"emails": $exists(\`Primary Work Email\`) ? [
    {
      "type": 'work',
      "primary": true,
      "value": \`Primary Work Email\`
    }
  ],`);
    const out = (await evaluateWithStandins(r.profile.mapping, row)) as Record<string, unknown>;
    expect(out).toMatchObject({
      externalId: '21001',
      active: true,
      emails: [{ type: 'work', primary: true, value: 'lmcneil@example.com' }],
      [SCIMPORT_EXTENSION]: { hireDate: '2019-05-21T00:00:00Z' },
      [ENT]: { manager: { value: '21072' }, department: 'Human Resources' },
    });
  });

  it('reads a SAP-like export whose status has more words than active/inactive', async () => {
    const headers = [
      'Personnel No.', 'First name', 'Last name', 'Org. Unit', 'Cost Center', 'Company Code', 'Employment Status',
      'Position', 'Employee Group', 'E-Mail', 'User ID', 'Supervisor ID', 'Start Date', 'Country/Region',
      'Postal Code', 'City',
    ];
    const sample = ['Active', 'Withdrawn', 'Terminated', 'Active'].map((status, i) => ({
      'Personnel No.': `0000100${i}`, 'Employment Status': status, 'Start Date': '2020-02-01', 'E-Mail': `p${i}@example.com`,
      'Supervisor ID': '00001000',
    }));
    const r = autoMap(headers, { sample, name: 'SAP HCM export' });
    expect(r.profile.name).toBe('SAP HCM export');
    expect(pathsOf(r)).toMatchObject({
      externalId: 'Personnel No.',
      [`${ENT}.department`]: 'Org. Unit',
      [`${ENT}.organization`]: 'Company Code',
      active: 'Employment Status',
      title: 'Position',
      userType: 'Employee Group',
      'emails[type eq "work"].value': 'E-Mail',
      userName: 'User ID',
      [`${ENT}.manager.value`]: 'Supervisor ID',
      [`${SCIMPORT_EXTENSION}.hireDate`]: 'Start Date',
      'addresses[type eq "work"].country': 'Country/Region',
      'addresses[type eq "work"].postalCode': 'Postal Code',
    });
    expect(r.unplaced).toEqual([]);
    expect(r.profile.mapping).toContain(`"active": $exists(\`Employment Status\`) ? \`Employment Status\` = 'Active',`);
    expect(r.notes).toContain(
      'active: "Employment Status" = \'Active\' means active; Withdrawn, Terminated and any other value means inactive (the account is disabled).',
    );
    const active = async (status?: string): Promise<unknown> =>
      ((await evaluateWithStandins(r.profile.mapping, {
        'Personnel No.': '1',
        ...(status === undefined ? {} : { 'Employment Status': status }),
      })) as Record<string, unknown>).active;
    expect(await active('Active')).toBe(true);
    expect(await active('Terminated')).toBe(false);
    expect(await active(undefined)).toBeUndefined();
  });

  it('reads a German export (diacritics, dotted day-first dates, aktiv/ausgetreten)', async () => {
    const headers = [
      'Personalnummer', 'Vorname', 'Nachname', 'Abteilung', 'Kostenstelle', 'Eintrittsdatum', 'E-Mail',
      'Benutzername', 'Status', 'Vorgesetzter Personalnummer', 'Straße', 'PLZ', 'Ort', 'Land', 'Mobil', 'Telefon',
      'Stellenbezeichnung', 'Firma', 'Bereich', 'Mitarbeitertyp', 'Sprache', 'Geburtsdatum',
    ];
    const row = {
      Personalnummer: '4711', Vorname: 'Jürgen', Nachname: 'Größe', Abteilung: 'Vertrieb', Kostenstelle: 'KST-100',
      Eintrittsdatum: '01.04.2019', 'E-Mail': 'j.groesse@example.de', Benutzername: 'jgroesse@example.de',
      Status: 'aktiv', 'Vorgesetzter Personalnummer': '4000', 'Straße': 'Hauptstraße 1', PLZ: '01067', Ort: 'Dresden',
      Land: 'DE', Mobil: '+49 151 0000000', Telefon: '+49 351 000000', Stellenbezeichnung: 'Vertriebsleiter',
      Firma: 'Beispiel GmbH', Bereich: 'Nord', Mitarbeitertyp: 'Angestellter', Sprache: 'de-DE', Geburtsdatum: '02.03.1980',
    };
    const r = autoMap(headers, { sample: [row, { ...row, Status: 'ausgetreten', Eintrittsdatum: '15.10.2018' }] });
    // The mobile number is recognised but left out: Entra ignores phone numbers that are not work numbers.
    expect(r.unplaced).toEqual(['Mobil', 'Geburtsdatum']);
    expect(r.notes).toContain('The column “Mobil” looks like a mobile number. Entra only takes work phone numbers and ignores other kinds, so it was left out. If it is the only number people have, choose it as the work phone.');
    expect(r.missingRequired).toEqual([]);
    expect(r.placements.every((p) => p.confidence === 'synonym')).toBe(true);
    expect(r.profile.mapping).toContain(`"active": $exists(Status) ? Status = 'aktiv',`);
    expect(r.profile.mapping).toContain(`"hireDate": $entraDate(Eintrittsdatum, 'dd.MM.yyyy')`);
    expect(r.profile.mapping).toContain('"streetAddress": `Straße`,');
    expect(await evaluateWithStandins(r.profile.mapping, row)).toEqual({
      externalId: '4711',
      userName: 'jgroesse@example.de',
      active: true,
      name: { givenName: 'Jürgen', familyName: 'Größe' },
      title: 'Vertriebsleiter',
      userType: 'Angestellter',
      preferredLanguage: 'de-DE',
      emails: [{ type: 'work', primary: true, value: 'j.groesse@example.de' }],
      phoneNumbers: [{ type: 'work', value: '+49 351 000000' }],
      addresses: [{ type: 'work', streetAddress: 'Hauptstraße 1', locality: 'Dresden', postalCode: '01067', country: 'DE' }],
      [ENT]: {
        employeeNumber: '4711',
        costCenter: 'KST-100',
        organization: 'Beispiel GmbH',
        division: 'Nord',
        department: 'Vertrieb',
        manager: { value: '4000' },
      },
      [SCIMPORT_EXTENSION]: { hireDate: '2019-04-01T00:00:00Z' },
    });
    // A person with a mobile number but no office number gets no phone entry at all (never a non-work one).
    const mobileOnly = (await evaluateWithStandins(r.profile.mapping, { Personalnummer: '1', Mobil: '+49 1' })) as Record<string, unknown>;
    expect(mobileOnly.phoneNumbers).toBeUndefined();
  });

  it('normalises spelling, punctuation and accents before matching', () => {
    const r = autoMap(['EMPLOYEE_ID', 'first-name', 'Prénom ', 'e-mail', 'Work E-Mail', 'Kostenstelle', 'Personnel No.']);
    expect(pathsOf(r)).toMatchObject({
      externalId: 'EMPLOYEE_ID',
      'name.givenName': 'first-name',
      'emails[type eq "work"].value': 'e-mail',
      [`${ENT}.costCenter`]: 'Kostenstelle',
    });
    // One column per attribute: the weaker candidates are reported and left unplaced.
    expect(r.unplaced).toEqual(['Prénom ', 'Work E-Mail', 'Personnel No.']);
    expect(r.notes).toContain('"Personnel No." also looks like externalId, which already comes from "EMPLOYEE_ID"; it was left unplaced.');
    expect(r.profile.mapping).toContain('"givenName": `first-name`');
    expect(normaliseHeader('Prénom')).toBe('prenom');
    expect(normaliseHeader('Employee #')).toBe('employeenumber');
  });

  it('matches near spellings as fuzzy but never known look-alikes such as County or Manager', () => {
    const r = autoMap(['Frist Name', 'Departmnet', 'Cost Centres', 'Employee ID', 'County', 'Manager', 'Manager Name']);
    expect(r.placements.filter((p) => p.confidence === 'fuzzy')).toEqual([
      { header: 'Frist Name', path: 'name.givenName', confidence: 'fuzzy' },
      { header: 'Departmnet', path: `${ENT}.department`, confidence: 'fuzzy' },
      { header: 'Cost Centres', path: `${ENT}.costCenter`, confidence: 'fuzzy' },
    ]);
    expect(r.unplaced).toEqual(['County', 'Manager', 'Manager Name']);
  });

  it('vetoes guesses the sample contradicts: names in a manager column, non-status words, non-dates', () => {
    const headers = ['Employee #', 'Reports To', 'Employment Status', 'Hire Date', 'Email'];
    const sample = [
      { 'Employee #': '7', 'Reports To': 'Jane Doe', 'Employment Status': 'Full-Time', 'Hire Date': 'n/a', Email: 'none' },
      { 'Employee #': '8', 'Reports To': 'Doe, John', 'Employment Status': 'Part-Time', 'Hire Date': 'tbd', Email: '' },
    ];
    const r = autoMap(headers, { sample });
    expect(pathsOf(r)).toEqual({ externalId: 'Employee #', [`${ENT}.employeeNumber`]: 'Employee #' });
    expect(r.unplaced).toEqual(['Reports To', 'Employment Status', 'Hire Date', 'Email']);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        '"Reports To" holds names (Jane Doe, Doe, John), but manager.value must be the manager\'s employee ID; it was left unplaced.',
        '"Employment Status" has values (Full-Time, Part-Time) that do not say whether a person is active; it was not used for active.',
      ]),
    );
    expect(r.profile.extension).toBeUndefined();
    expect(r.profile.mapping).toContain('"externalId": $str(`Employee #`)');
  });

  it('says when a date order cannot be told from the sample', () => {
    const r = autoMap(['Employee ID', 'Hire Date'], { sample: [{ 'Hire Date': '03/04/2021' }, { 'Hire Date': '1/2/2020' }] });
    expect(r.profile.mapping).toContain('"hireDate": $entraDate(`Hire Date`)');
    expect(r.notes.some((n) => n.includes('could be day-first or month-first'))).toBe(true);
    const dmy = autoMap(['Employee ID', 'Hire Date'], { sample: [{ 'Hire Date': '25/4/2021' }] });
    expect(dmy.profile.mapping).toContain(`$entraDate(\`Hire Date\`, 'dd/MM/yyyy')`);
    const short = autoMap(['Employee ID', 'Hire Date'], { sample: [{ 'Hire Date': '25/04/21' }] });
    expect(short.profile.mapping).toContain('"hireDate": $entraDate(`Hire Date`)');
    expect(short.notes).toContain('hireDate: "Hire Date" has two-digit years (25/04/21), which cannot be read safely; export the dates with four-digit years.');
  });

  it('reports missing required attributes and still returns a compilable mapping', () => {
    const r = autoMap(['Department', 'Job Title']);
    expect(r.missingRequired).toEqual(['externalId', 'userName']);
    expect(() => jsonata(r.profile.mapping)).not.toThrow();
    expect(autoMap([]).profile.mapping).toBe('{}');
  });

  it('quotes header names JSONata cannot read bare, including ones holding a back-quote', async () => {
    const r = autoMap(['Employee`ID', 'Date d\'embauche', 'Title']);
    expect(r.profile.mapping).toContain('"externalId": $str($sift($$, function($v, $k) { $k = \'Employee`ID\' }).*)');
    const out = await evaluateWithStandins(r.profile.mapping, { 'Employee`ID': '12', "Date d'embauche": '2020-01-02', Title: 'CEO' });
    expect(out).toMatchObject({ externalId: '12', title: 'CEO', [SCIMPORT_EXTENSION]: { hireDate: '2020-01-02T00:00:00Z' } });
  });

  it('rejects a header row that is not a list of texts', () => {
    expect(() => autoMap([1 as unknown as string])).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('the synonym table', () => {
  it('sends each normalised name to one attribute only, and never lists a near miss as a synonym', () => {
    const owner = new Map<string, string>();
    for (const slot of SLOTS) {
      for (const form of [...slot.exact, ...slot.synonyms]) {
        expect(owner.get(form) ?? slot.path, `"${form}" is listed for two attributes`).toBe(slot.path);
        owner.set(form, slot.path);
        expect(NEAR_MISSES.has(form), `"${form}" is both a synonym and a near miss`).toBe(false);
      }
    }
  });
});
