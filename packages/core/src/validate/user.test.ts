import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { CellRef, Finding, ScimUser } from '../types';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';
import type { ProfileExtension } from '../profile/types';
import { validateUser, isEntraDateTime, isPlausibleEmail, VALIDATION_CODES, type UserContext } from './index';

const MS = new URL('../../../../test-data/microsoft/', import.meta.url);
const ENT = SCIM_ENTERPRISE_USER;
const NS = 'urn:ietf:params:scim:schemas:extension:acme:1.0:User';
const extension: ProfileExtension = {
  namespace: NS,
  attributes: [
    { name: 'hireDate', type: 'dateTime' },
    { name: 'grade', type: 'integer' },
    { name: 'onLeave', type: 'boolean' },
    { name: 'costCode', type: 'string' },
    { name: 'skills', type: 'string', multiValued: true },
  ],
};

function ctx(row = 2, cells: Record<string, CellRef[]> = {}): UserContext {
  return { file: 'staff.xlsx', sheet: 'People', row, cellsFor: (path) => cells[path] ?? [] };
}

function valid(extra: Record<string, unknown> = {}): ScimUser {
  return {
    externalId: 'E100',
    userName: 'ada@contoso.com',
    active: true,
    displayName: 'Ada Lovelace',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada@contoso.com', type: 'work', primary: true }],
    phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
    addresses: [{ type: 'work', locality: 'London', country: 'GB', primary: true }],
    [ENT]: { department: 'Maths', employeeNumber: 'E100', manager: { value: 'E1' } },
    [NS]: { hireDate: '2021-05-01T00:00:00Z', grade: 3, onLeave: false, costCode: 'X1', skills: ['a', 'b'] },
    ...extra,
  };
}

function check(user: ScimUser, withExtension = true): Finding[] {
  return validateUser(user, withExtension ? { extension } : {}, ctx());
}

function codes(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity}:${f.code}:${f.path}`);
}

function only(findings: Finding[], code: string): Finding {
  const hits = findings.filter((f) => f.code === code);
  expect(hits, codes(findings).join('\n')).toHaveLength(1);
  return hits[0]!;
}

function loadOps(name: string): ScimUser[] {
  const request = JSON.parse(readFileSync(new URL(name, MS), 'utf8')) as { Operations: Array<{ data: ScimUser }> };
  return request.Operations.map((op) => op.data);
}

describe('validateUser on a clean user', () => {
  it('finds nothing', () => {
    expect(check(valid())).toEqual([]);
  });

  it('carries origin, path and the cells the callback names', () => {
    const cells = { externalId: [{ header: 'Worker ID', letter: 'A' }] };
    const [finding] = validateUser(valid({ externalId: 701984 }), { extension }, ctx(7, cells));
    expect(finding).toEqual({
      severity: 'error',
      code: 'value.notString',
      path: 'externalId',
      message: expect.stringContaining('$string'),
      file: 'staff.xlsx',
      sheet: 'People',
      row: 7,
      cells: [{ header: 'Worker ID', letter: 'A' }],
      person: { name: 'Ada Lovelace', externalId: '701984' },
    });
    // The employee id is said by its column's header.
    expect(finding!.message).toMatch(/^Worker ID is the number 701984/);
  });

  it('omits sheet and cells when there are none', () => {
    const [finding] = validateUser(valid({ id: 'x' }), { extension }, { file: 'a.csv', row: 3, cellsFor: () => [] });
    expect(finding).not.toHaveProperty('sheet');
    expect(finding).not.toHaveProperty('cells');
  });

  it('uses only codes from the documented table and one-sentence messages', () => {
    const messy = valid({
      id: '1', username: 'x', emails: [{ value: 'bad', type: 'Work', primary: true }, { value: 'a@b.co', primary: true }],
      active: 'true', title: null, [NS]: { hireDate: '2021-05-01', grade: '3' },
    });
    for (const f of check(messy)) {
      expect(Object.keys(VALIDATION_CODES)).toContain(f.code);
      expect(f.message.trim().length).toBeGreaterThan(20);
      expect(f.message).toMatch(/[.?)]$/);
    }
  });

  it('speaks HR words: no SCIM paths, standard numbers or userName in what a person reads', () => {
    const messy = valid({
      userName: 'EMP1', externalId: ' E1 ', emails: [{ value: 'bad', type: 'Work' }], active: 'true',
      addresses: [{ type: 'work', country: 'UK' }], [ENT]: { manager: { value: ' E1 ' } }, [NS]: { hireDate: '2021-05-01' },
    });
    const findings = check(messy);
    expect(findings.length).toBeGreaterThanOrEqual(6);
    for (const f of findings) {
      expect(f.message).not.toMatch(/SCIM|ISO 3166|userName|externalId|urn:|\[\d+\]|manager\.value/);
      // …while Technical details keep the SCIM path.
      expect(f.path).toBeTruthy();
    }
    expect(only(findings, 'email.invalid').message).toMatch(/^Email `bad` is not an email address Entra accepts/);
    expect(only(findings, 'type.unknown').message).toMatch(/^Email type is `Work`.*use `work`/);
    expect(only(findings, 'value.dateOnly').message).toMatch(/^`hireDate` is the date `2021-05-01` without a time/);
  });
});

describe("Microsoft's sample payloads", () => {
  it('Sample-CSV-2-SCIM-payload: username spelling and an undeclared csv extension', () => {
    const [first, second, third] = loadOps('Sample-CSV-2-SCIM-payload.json');
    const f1 = check(first!, false);
    expect(codes(f1).sort()).toEqual([
      'error:attribute.case:username',
      'error:extension.undeclared:urn:ietf:params:scim:schemas:extension:csv:1.0:User',
      'warning:schemas.unexpected:schemas',
    ]);
    expect(only(f1, 'attribute.case').message).toBe(
      'The mapping writes `username`: did you mean `userName`? Entra tells upper and lower case apart in attribute names, so rename it in the mapping.',
    );
    // The case slip is reported once, not again as a missing userName.
    expect(f1.some((f) => f.code === 'userName.missing')).toBe(false);
    for (const user of [second!, third!]) {
      expect(codes(check(user, false)).sort()).toEqual(['error:attribute.case:username', 'error:attribute.unknown:resourceType']);
    }
  });

  it('the csv extension is accepted once declared, and its text dates are then caught', () => {
    const [first] = loadOps('Sample-CSV-2-SCIM-payload.json');
    const csv: ProfileExtension = {
      namespace: 'urn:ietf:params:scim:schemas:extension:csv:1.0:User',
      attributes: Object.keys((first as Record<string, Record<string, unknown>>)['urn:ietf:params:scim:schemas:extension:csv:1.0:User']!)
        .map((name) => ({ name, type: name === 'HireDate' ? ('dateTime' as const) : ('string' as const) })),
    };
    const findings = validateUser(first!, { extension: csv }, ctx());
    expect(codes(findings).sort()).toEqual([
      'error:attribute.case:username',
      'error:value.dateOnly:urn:ietf:params:scim:schemas:extension:csv:1.0:User.HireDate',
    ]);
  });

  it('Extended-SCIM-bulk-request: id, read-only manager.displayName, undeclared sap extension', () => {
    const [first, second, third] = loadOps('Extended-SCIM-bulk-request-Core+Enterprise.json');
    expect(codes(check(first!, false)).sort()).toEqual([
      'error:extension.undeclared:urn:ietf:params:scim:schemas:extension:sap:2.0:User',
      'error:id.present:id',
      `warning:attribute.readOnly:${ENT}.manager.displayName`,
      'warning:country.notIso:addresses[0].country', // "USA" is not an ISO 3166-1 alpha-2 code
      'warning:schemas.unexpected:schemas',
    ]);
    for (const user of [second!, third!]) {
      expect(codes(check(user, false)).sort()).toEqual(['error:attribute.case:username', 'error:attribute.unknown:resourceType']);
    }
  });

  it('declaring the sap extension with types surfaces its date-only and text-boolean values', () => {
    const [first] = loadOps('Extended-SCIM-bulk-request-Core+Enterprise.json');
    const sap: ProfileExtension = {
      namespace: 'urn:ietf:params:scim:schemas:extension:sap:2.0:User',
      attributes: [
        { name: 'payGrade', type: 'string' },
        { name: 'hireDate', type: 'dateTime' },
        { name: 'onLeave', type: 'boolean' },
      ],
    };
    const findings = validateUser(first!, { extension: sap }, ctx());
    const date = only(findings, 'value.dateOnly');
    expect(date.message).toContain('2020-01-01T00:00:00Z');
    expect(date.message).toContain('$entraDate');
    expect(only(findings, 'value.notBoolean').message).toContain('$bool');
    expect(findings.some((f) => f.code === 'extension.undeclared' || f.code === 'schemas.unexpected')).toBe(false);
  });
});

describe('externalId', () => {
  it('is required', () => {
    const { externalId: _, ...user } = valid();
    expect(only(check(user), 'externalId.missing').severity).toBe('error');
  });

  it('must be text: a number is an error that points at $string', () => {
    const f = only(check(valid({ externalId: 701984 })), 'value.notString');
    expect(f.severity).toBe('error');
    expect(f.message).toBe('Employee id is the number 701984 but must be text; wrap the expression with $string() in the mapping.');
  });

  it('must not be empty, blank or null', () => {
    for (const externalId of ['', '   ', null]) {
      expect(only(check(valid({ externalId })), 'externalId.empty').severity).toBe('error');
    }
  });

  it('warns about surrounding spaces', () => {
    expect(only(check(valid({ externalId: ' E100 ' })), 'externalId.whitespace').severity).toBe('warning');
  });

  it('reports a case slip once (no extra "missing")', () => {
    const { externalId: _, ...rest } = valid();
    const findings = check({ ...rest, ExternalID: 'E100' });
    expect(codes(findings)).toEqual(['error:attribute.case:ExternalID']);
    expect(findings[0]!.message).toContain('did you mean `externalId`?');
  });
});

describe('userName', () => {
  it('is required', () => {
    const { userName: _, ...user } = valid();
    expect(only(check(user), 'userName.missing').severity).toBe('error');
  });

  it('must not be empty or null, and must be text', () => {
    expect(only(check(valid({ userName: ' ' })), 'userName.empty').severity).toBe('error');
    expect(codes(check(valid({ userName: null })))).toEqual(['error:userName.empty:userName']);
    expect(only(check(valid({ userName: 42 })), 'value.notString').path).toBe('userName');
  });
});

describe('unknown attributes', () => {
  it('suggests a close name for a typo', () => {
    const f = only(check(valid({ dispalyName: 'x' })), 'attribute.unknown');
    expect(f.message).toContain('did you mean `displayName`?');
  });

  it('suggests through separators and case', () => {
    expect(only(check(valid({ nick_name: 'x' })), 'attribute.unknown').message).toContain('`nickName`');
  });

  it('says nothing misleading when no name is close', () => {
    const f = only(check(valid({ favouriteColour: 'blue' })), 'attribute.unknown');
    expect(f.message).not.toContain('did you mean');
    expect(f.message).toContain('remove it from the mapping');
  });

  it('points an enterprise or custom attribute at the block it belongs in', () => {
    const f = only(check(valid({ department: 'Maths' })), 'attribute.unknown');
    expect(f.message).toContain(ENT);
    const g = only(check(valid({ hiredate: '2021-05-01T00:00:00Z' })), 'attribute.unknown');
    expect(g.message).toContain(NS);
    expect(g.message).toContain('`hireDate`');
  });

  it('checks sub-attribute names of complex attributes', () => {
    const f = only(check(valid({ name: { givenname: 'Ada', familyName: 'L' } })), 'attribute.case');
    expect(f.path).toBe('name.givenname');
    expect(f.message).toContain('`givenName`');
    const g = only(check(valid({ name: { first: 'Ada' } })), 'attribute.unknown');
    expect(g.path).toBe('name.first');
  });

  it('checks enterprise attribute names', () => {
    const f = only(check(valid({ [ENT]: { Department: 'x' } })), 'attribute.case');
    expect(f.path).toBe(`${ENT}.Department`);
    const g = only(check(valid({ [ENT]: { departmnt: 'x' } })), 'attribute.unknown');
    expect(g.message).toContain('`department`');
  });
});

describe('id and schemas', () => {
  it('refuses id', () => {
    const f = only(check(valid({ id: '2819c223' })), 'id.present');
    expect(f.severity).toBe('error');
    expect(f.message).toContain('Entra assigns ids');
  });

  it('accepts the usual schemas list silently', () => {
    expect(check(valid({ schemas: [SCIM_CORE_USER, ENT, NS] }))).toEqual([]);
    expect(check(valid({ schemas: [SCIM_CORE_USER] }))).toEqual([]);
  });

  it('warns when schemas lists something odd or is not a list', () => {
    const f = only(check(valid({ schemas: [SCIM_CORE_USER, 'urn:example:odd'] })), 'schemas.unexpected');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('urn:example:odd');
    expect(only(check(valid({ schemas: SCIM_CORE_USER })), 'schemas.invalid').severity).toBe('warning');
  });

  it('warns about read-only attributes', () => {
    expect(only(check(valid({ groups: [{ value: 'g' }] })), 'attribute.readOnly').severity).toBe('warning');
    expect(only(check(valid({ meta: { resourceType: 'User' } })), 'attribute.readOnly').path).toBe('meta');
  });
});

describe('types from the SCIM schema', () => {
  it('active must be a boolean; text "true" points at $bool', () => {
    const f = only(check(valid({ active: 'true' })), 'value.notBoolean');
    expect(f.severity).toBe('error');
    expect(f.message).toBe('Account enabled is the text `true` but must be true or false; convert it with $bool() in the mapping.');
    expect(check(valid({ active: false }))).toEqual([]);
  });

  it('strings must be strings', () => {
    expect(only(check(valid({ title: 12 })), 'value.notString').path).toBe('title');
    expect(only(check(valid({ title: { a: 1 } })), 'value.notString').message).toBe(
      'Job title is a group of values but must be text; map a single text value to it.',
    );
  });

  it('multi-valued attributes must be lists and single-valued ones must not', () => {
    const f = only(check(valid({ emails: { value: 'a@b.co' } })), 'value.notList');
    expect(f.path).toBe('emails');
    expect(only(check(valid({ title: ['a', 'b'] })), 'value.notSingle').message).toContain('a list of 2 values');
  });

  it('complex attributes must be objects', () => {
    const f = only(check(valid({ [ENT]: { manager: 'E1' } })), 'value.notObject');
    expect(f.path).toBe(`${ENT}.manager`);
    expect(f.message).toContain('{ "value": ... }');
    expect(only(check(valid({ name: 'Ada' })), 'value.notObject').path).toBe('name');
  });

  it('checks list elements with indexed paths', () => {
    const f = only(check(valid({ phoneNumbers: [{ value: '1', type: 'work' }, { value: 2, type: 'work' }] })), 'value.notString');
    expect(f.path).toBe('phoneNumbers[1].value');
    expect(only(check(valid({ emails: [{ value: 'a@b.co', primary: 'yes' }] })), 'value.notBoolean').path).toBe('emails[0].primary');
  });

  it('warns about null values', () => {
    const f = only(check(valid({ title: null })), 'value.null');
    expect(f.severity).toBe('warning');
  });

  it('never echoes a password value', () => {
    const findings = check(valid({ password: 12345678 }));
    expect(only(findings, 'value.notString').message).not.toContain('12345678');
  });
});

describe('manager', () => {
  it('manager.value must be a string', () => {
    const f = only(check(valid({ [ENT]: { manager: { value: 89607 } } })), 'value.notString');
    expect(f.path).toBe(`${ENT}.manager.value`);
    expect(f.message).toContain('$string');
  });

  it('warns when a person is their own manager', () => {
    expect(only(check(valid({ [ENT]: { manager: { value: 'E100' } } })), 'manager.self').severity).toBe('warning');
  });
});

describe('primary flags', () => {
  it('allows one primary per attribute', () => {
    expect(check(valid({ emails: [{ value: 'a@b.co', type: 'work', primary: true }, { value: 'c@d.co', type: 'work', primary: false }] }))).toEqual([]);
  });

  it('refuses two', () => {
    const f = only(check(valid({ emails: [{ value: 'a@b.co', primary: true }, { value: 'c@d.co', primary: true }] })), 'primary.multiple');
    expect(f.severity).toBe('error');
    expect(f.path).toBe('emails');
    const g = only(check(valid({ addresses: [{ type: 'work', primary: true }, { type: 'home', primary: true }] })), 'primary.multiple');
    expect(g.path).toBe('addresses');
  });
});

describe('emails', () => {
  it.each(['ada@contoso.com', 'a.b+c@sub.example.co.uk', 'o\'neil@x.io'])('accepts %s', (value) => {
    expect(isPlausibleEmail(value)).toBe(true);
    expect(check(valid({ emails: [{ value, type: 'work' }] }))).toEqual([]);
  });

  it.each(['', 'ada', 'ada@', '@contoso.com', 'ada@contoso', 'ada @contoso.com', 'ada@contoso..com', 'a@b@c.com', 'ada@contoso.c'])(
    'refuses %j',
    (value) => {
      expect(isPlausibleEmail(value)).toBe(false);
      const f = only(check(valid({ emails: [{ value }] })), 'email.invalid');
      expect(f.severity).toBe('error');
      expect(f.path).toBe('emails[0].value');
    },
  );
});

describe('canonical type values', () => {
  it.each([
    ['emails', { value: 'a@b.co', type: 'home' }],
    ['emails', { value: 'a@b.co', type: 'other' }],
    ['phoneNumbers', { value: '1', type: 'fax' }],
    ['phoneNumbers', { value: '1', type: 'pager' }],
    ['addresses', { type: 'home', locality: 'Leeds' }],
  ])('accepts %s %j as a type, and warns only that Entra ignores it', (attr, value) => {
    expect(codes(check(valid({ [attr]: [value] })))).toEqual([`warning:entry.notWork:${attr}[0]${attr === 'addresses' ? '' : '.value'}`]);
  });

  it('warns about an unknown type and suggests the right case', () => {
    const f = only(check(valid({ emails: [{ value: 'a@b.co', type: 'Work' }] })), 'type.unknown');
    expect(f.severity).toBe('warning');
    expect(f.path).toBe('emails[0].type');
    expect(f.message).toContain('use `work`');
    // Any other type of a phone, email or address is said once, as what it costs: Entra ignores the entry.
    expect(codes(check(valid({ phoneNumbers: [{ value: '1', type: 'cell' }] })))).toEqual(['warning:entry.notWork:phoneNumbers[0].value']);
  });
});

describe('custom extension', () => {
  it('must be an object under its URN', () => {
    expect(only(check(valid({ [NS]: 'x' })), 'extension.notObject').severity).toBe('error');
    expect(only(check(valid({ [NS]: [{ grade: 1 }] })), 'extension.notObject').path).toBe(NS);
  });

  it('refuses another URN and names the declared one', () => {
    const f = only(check(valid({ 'urn:ietf:params:scim:schemas:extension:other:1.0:User': {} })), 'extension.undeclared');
    expect(f.message).toContain(NS);
  });

  it('refuses a URN that differs only by case', () => {
    const { [NS]: block, ...rest } = valid();
    const f = only(check({ ...rest, [NS.toLowerCase()]: block }), 'attribute.case');
    expect(f.message).toContain(NS);
    const g = only(check(valid({ [ENT.replace('enterprise', 'Enterprise')]: {} })), 'attribute.case');
    expect(g.message).toContain(ENT);
  });

  it('refuses core attributes nested under the core URN', () => {
    expect(only(check(valid({ [SCIM_CORE_USER]: { title: 'x' } })), 'extension.coreUrn').severity).toBe('error');
  });

  it('refuses undeclared attributes, suggesting declared ones', () => {
    const f = only(check(valid({ [NS]: { hireDat: '2021-05-01T00:00:00Z' } })), 'attribute.unknown');
    expect(f.path).toBe(`${NS}.hireDat`);
    expect(f.message).toContain('`hireDate`');
    const g = only(check(valid({ [NS]: { Grade: 3 } })), 'attribute.case');
    expect(g.message).toContain('`grade`');
  });

  it('integer must be a whole number', () => {
    for (const grade of ['3', 3.5, true]) {
      const f = only(check(valid({ [NS]: { grade } })), 'value.notInteger');
      expect(f.path).toBe(`${NS}.grade`);
      expect(f.message).toContain('$number');
    }
    expect(check(valid({ [NS]: { grade: -2 } }))).toEqual([]);
  });

  it('boolean must be a boolean', () => {
    expect(only(check(valid({ [NS]: { onLeave: 'False' } })), 'value.notBoolean').message).toContain('$bool');
  });

  it('string must be a string', () => {
    expect(only(check(valid({ [NS]: { costCode: 9301 } })), 'value.notString').message).toContain('$string');
  });

  it('multi-valued attributes take lists of their type', () => {
    expect(only(check(valid({ [NS]: { skills: 'a' } })), 'value.notList').path).toBe(`${NS}.skills`);
    expect(only(check(valid({ [NS]: { skills: ['a', 1] } })), 'value.notString').path).toBe(`${NS}.skills[1]`);
  });

  it.each(['2021-05-01T00:00:00Z', '2021-05-01T08:30:00.123Z', '2021-05-01T08:30:00+02:00', '2024-02-29T23:59:59-05:30', '2021-05-01T00:00:00.1234567Z'])(
    'accepts the date-time %s',
    (hireDate) => {
      expect(isEntraDateTime(hireDate)).toBe(true);
      expect(check(valid({ [NS]: { hireDate } }))).toEqual([]);
    },
  );

  it('a date without time is an error that shows the fixed value and $entraDate', () => {
    const f = only(check(valid({ [NS]: { hireDate: '2021-05-01' } })), 'value.dateOnly');
    expect(f.severity).toBe('error');
    expect(f.message).toBe(
      '`hireDate` is the date `2021-05-01` without a time, but Entra needs `2021-05-01T00:00:00Z`; convert it with $entraDate() in the mapping.',
    );
  });

  it.each(['2021-05-01T00:00:00', '2021-05-01 00:00:00Z', '01/05/2021', '2021-02-30T00:00:00Z', '2021-13-01T00:00:00Z', '2021-05-01T24:00:00Z', '2021-05-01T10:00Z'])(
    'refuses the date-time %j',
    (hireDate) => {
      expect(isEntraDateTime(hireDate)).toBe(false);
      const f = only(check(valid({ [NS]: { hireDate } })), 'value.notDateTime');
      expect(f.message).toContain('$entraDate');
    },
  );

  it('a date-time must be text', () => {
    expect(only(check(valid({ [NS]: { hireDate: 44317 } })), 'value.notDateTime').message).toContain('the number 44317');
  });

  it('reports required attributes that are missing, with or without the block', () => {
    const strict: ProfileExtension = { namespace: NS, attributes: [{ name: 'hireDate', type: 'dateTime', required: true }] };
    const { [NS]: _, ...noBlock } = valid();
    const f = only(validateUser(noBlock, { extension: strict }, ctx()), 'attribute.required');
    expect(f.path).toBe(`${NS}.hireDate`);
    expect(only(validateUser(valid({ [NS]: {} }), { extension: strict }, ctx()), 'attribute.required').severity).toBe('error');
    expect(validateUser(valid({ [NS]: { hireDate: '2021-05-01T00:00:00Z' } }), { extension: strict }, ctx())).toEqual([]);
  });

  it('without a declared extension, any extension block is undeclared', () => {
    const f = only(check(valid(), false), 'extension.undeclared');
    expect(f.path).toBe(NS);
    expect(f.message).toContain('declare this namespace');
  });
});

describe('mapping output that is not a user', () => {
  it.each([[['a']], ['text'], [null]])('reports %j as one error', (value) => {
    const findings = validateUser(value as unknown as ScimUser, { extension }, ctx());
    expect(codes(findings)).toEqual(['error:user.notObject:']);
  });
});

describe('Entra shape warnings', () => {
  it('warns when userName is not in user@domain form (it becomes the UPN)', () => {
    const finding = only(check(valid({ userName: 'EMP1222' })), 'userName.notUpn');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toBe(
      'Sign-in name `EMP1222` is not an email-style name (name@your-domain), which Entra needs to sign the person in; on the Mapping screen, choose "Built as first.last@domain" for the sign-in name, or a column that holds work email addresses.',
    );
    expect(finding).toMatchObject({ value: 'EMP1222', person: { name: 'Ada Lovelace', externalId: 'E100' } });
    expect(check(valid({ userName: 'talya.fleeta@contoso.com' })).filter((f) => f.code === 'userName.notUpn')).toEqual([]);
  });

  it('warns on country codes that are not ISO 3166-1 alpha-2, suggesting GB for UK', () => {
    const uk = only(check(valid({ addresses: [{ type: 'work', country: 'UK' }] })), 'country.notIso');
    expect(uk.path).toBe('addresses[0].country');
    expect(uk.message).toBe(
      'Country `UK` is not a country code Entra accepts: use `GB` (United Kingdom); correct the country column, or translate it with a lookup table on the Mapping screen.',
    );
    expect(uk.value).toBe('UK');
    const country = (value: string, cells: Record<string, CellRef[]> = {}) =>
      only(validateUser(valid({ addresses: [{ type: 'work', country: value }] }), { extension }, ctx(2, cells)), 'country.notIso').message;
    expect(country('Germany')).toContain('use `DE` (Germany)');
    expect(country('USA')).toContain('use `US`');
    expect(country('gb')).toContain('use `GB`');
    expect(country('EU', { 'addresses[0].country': [{ header: 'CountryCode', letter: 'T' }] })).toBe(
      'Country `EU` is a group of countries, not one country; put the two-letter code of the person\'s country (such as US, GB or DE) in the CountryCode column.',
    );
    expect(country('XX')).toContain('is not a country code Entra accepts; put the two-letter code');
    for (const ok of ['US', 'DE', 'FR', 'GB', 'IN']) {
      expect(check(valid({ addresses: [{ type: 'work', country: ok }] })).filter((f) => f.code === 'country.notIso')).toEqual([]);
    }
  });
});
