import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CoreError } from '../errors';
import { findSecrets, parseProfile, PROFILE_JSON_SCHEMA } from './index';
import type { Profile } from './index';

const minimal = { name: 'Contoso HR', version: 1, mapping: '{"externalId": WorkerID}' };

function failure(value: unknown, source = 'team.json'): CoreError {
  try {
    parseProfile(value, source);
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('parseProfile accepted the document');
}

const full: Profile = {
  $schema: './profile.schema.json',
  name: 'Contoso HR',
  version: 3,
  description: 'Weekly Workday export',
  input: { sheet: 'Employees', headerRow: 2, encoding: 'windows-1252', delimiter: ';', dateFormat: 'dd/MM/yyyy HH:mm' },
  mapping: '{"externalId": WorkerID}',
  extension: {
    namespace: 'urn:ietf:params:scim:schemas:extension:contoso_hr:1.0:User',
    attributes: [
      { name: 'HireDate', type: 'dateTime', description: 'First day' },
      { name: 'Badge_No', type: 'string', multiValued: false, required: true },
    ],
  },
  lookups: { departments: { S: 'Sales', E: 'Engineering' } },
  tests: [{ name: 'one', row: { WorkerID: '1', Age: 31, Active: true }, expect: { externalId: '1' } }],
  output: { chunkSize: 25, failOnErrors: 5 },
  target: {
    cloud: 'usgov',
    tenantId: '8a2b6f34-1c2d-4e5f-9a0b-1c2d3e4f5a6b',
    clientId: '11111111-2222-3333-4444-555555555555',
    servicePrincipalId: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE',
    jobId: 'API2AAD.0123456789abcdef.fedcba9876543210',
    auth: 'certificate',
    certificatePath: 'C:\\certs\\scimport.pem',
  },
  leavers: { policy: 'disable', maxDisablePercent: 5, maxDisableCount: 20, maxChangePercent: 12.5, maxChangeCount: 100 },
};

describe('parseProfile', () => {
  it('accepts a minimal and a complete profile and returns a copy', () => {
    expect(parseProfile(minimal)).toEqual(minimal);
    const parsed = parseProfile(full);
    expect(parsed).toEqual(full);
    expect(parsed).not.toBe(full);
    expect(parsed.input).not.toBe(full.input);
  });

  it('names the field and the rule in words', () => {
    const err = failure({ ...minimal, input: { headerRow: 0 } });
    expect(err.code).toBe('PROFILE_INVALID');
    expect(err.message).toBe('team.json: field /input/headerRow must be an integer ≥ 1');
    expect(err.location).toEqual({ file: 'team.json', field: '/input/headerRow' });
    expect(err.details).toEqual(['field /input/headerRow must be an integer ≥ 1']);
    // Same words whether the value is of the wrong type or out of range.
    expect(failure({ ...minimal, input: { headerRow: '3' } }).message).toBe('team.json: field /input/headerRow must be an integer ≥ 1');
  });

  it('reports every problem at once', () => {
    const err = failure({
      name: '  ',
      version: 1.5,
      mapping: '',
      input: { sheet: -1, headerow: 2 },
      extension: { namespace: 'urn:contoso', attributes: [{ name: '1st', type: 'text' }] },
      output: { chunkSize: 51 },
      target: { tenantId: 'contoso onmicrosoft', cloud: 'mars', jobId: '' },
      leavers: {},
    });
    expect(err.details).toEqual(
      expect.arrayContaining([
        'field /name must be non-empty text',
        'field /version must be an integer ≥ 1',
        'field /mapping must be a non-empty JSONata expression',
        'field /input/headerow is not a profile field; did you mean /input/headerRow?',
        'field /input/sheet must be a worksheet name or a zero-based worksheet number',
        'field /extension/namespace must be a URN of the form urn:ietf:params:scim:schemas:extension:<name>:1.0:User',
        'field /extension/attributes/0/name must be a name that starts with a letter and holds only letters, digits and _',
        'field /extension/attributes/0/type must be one of "string", "integer", "boolean", "dateTime"',
        'field /output/chunkSize must be an integer from 1 to 50',
        'field /target/cloud must be one of "global", "usgov", "dod", "china"',
        'field /leavers/policy is required but missing',
      ]),
    );
    expect(err.details.some((d) => d.startsWith('field /target/tenantId must be the Directory (tenant) ID'))).toBe(true);
    expect(err.details.some((d) => d.startsWith('field /target/jobId must be'))).toBe(true);
    expect(err.details).toHaveLength(13);
    expect(err.message.startsWith('team.json has 13 problems:\n- field ')).toBe(true);
    for (const detail of err.details) expect(err.message).toContain(detail);
  });

  it('catches typos at every level, with a suggestion', () => {
    expect(failure({ ...minimal, mappng: 'x' }).details).toContain('field /mappng is not a profile field; did you mean /mapping?');
    expect(failure({ ...minimal, target: { tenantID: '8a2b6f34-1c2d-4e5f-9a0b-1c2d3e4f5a6b' } }).details).toContain(
      'field /target/tenantID is not a profile field; did you mean /target/tenantId?',
    );
    expect(failure({ ...minimal, leavers: { policy: 'ignore', maxDeletes: 3 } }).details[0]).toMatch(
      /^field \/leavers\/maxDeletes is not a profile field; the fields here are policy, /,
    );
    const extension = { namespace: 'urn:ietf:params:scim:schemas:extension:hr:1.0:User', attributes: [{ name: 'A', type: 'string', multivalued: true }] };
    expect(failure({ ...minimal, extension }).details).toEqual([
      'field /extension/attributes/0/multivalued is not a profile field; did you mean /extension/attributes/0/multiValued?',
    ]);
  });

  it('requires name, version and mapping, and an object at the top', () => {
    expect(failure({}).details).toEqual([
      'field /name is required but missing',
      'field /version is required but missing',
      'field /mapping is required but missing',
    ]);
    expect(failure([]).message).toBe('team.json: the profile must be a JSON object');
    expect(failure(null, 'x.json').message).toBe('x.json: the profile must be a JSON object');
  });

  it('refuses duplicate attribute names regardless of case', () => {
    const err = failure({
      ...minimal,
      extension: {
        namespace: 'urn:ietf:params:scim:schemas:extension:csv:1.0:User',
        attributes: [
          { name: 'HireDate', type: 'dateTime' },
          { name: 'hiredate', type: 'string' },
        ],
      },
    });
    expect(err.details).toEqual([
      'field /extension/attributes/1/name repeats the attribute name "hiredate" of /extension/attributes/0/name; attribute names must be unique (case does not count)',
    ]);
  });

  it('checks the date pattern and the shapes of lookups and tests', () => {
    expect(failure({ ...minimal, input: { dateFormat: 'dd/MM/yy' } }).details[0]).toMatch(/^field \/input\/dateFormat must be a date pattern/);
    expect(failure({ ...minimal, input: { dateFormat: 'ddd/MM/yyyy' } }).details[0]).toMatch(
      /^field \/input\/dateFormat is not usable: the date pattern "ddd\/MM\/yyyy" contains "ddd"/,
    );
    expect(failure({ ...minimal, input: { dateFormat: 'MM/yyyy' } }).details[0]).toMatch(/must contain a day/);
    const err = failure({ ...minimal, lookups: { dept: { S: 1 } }, tests: [{ row: { A: null }, expect: 3 }, { row: {} }] });
    expect(err.details).toEqual([
      'field /lookups/dept/S must be text',
      'field /tests/0/row/A must be text, a number or true/false',
      'field /tests/0/expect must be an object: the SCIM user the row must give',
      'field /tests/1/expect is required but missing',
    ]);
  });

  it('uses "profile" as the source when none is given', () => {
    expect(() => parseProfile({ ...minimal, version: 0 })).toThrow('profile: field /version must be an integer ≥ 1');
  });
});

describe('secrets in profiles', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlLXBhcnQ';
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
  const entraSecret = 'Abc8Q~' + 'x'.repeat(34);

  it('refuses keys named like secrets anywhere, whatever their case', () => {
    for (const key of ['clientSecret', 'CLIENT_SECRET', 'password', 'privateKey', 'private-key', 'token', 'accessToken', 'certificateKey', 'apiKey']) {
      const err = failure({ ...minimal, target: { [key]: 'x' } });
      expect(err.code).toBe('PROFILE_SECRET');
      expect(err.details).toEqual([`field /target/${key} is named like a secret`]);
    }
    const deep = failure({ ...minimal, tests: [{ row: { Password: 'Welcome1' }, expect: {} }] });
    expect(deep.details).toEqual(['field /tests/0/row/Password is named like a secret']);
  });

  it('refuses values that look like private keys, tokens or Entra client secrets, without echoing them', () => {
    const err = failure({ ...minimal, description: pem, lookups: { t: { a: `Bearer ${jwt}` } }, target: { jobId: entraSecret } });
    expect(err.code).toBe('PROFILE_SECRET');
    expect(err.details).toEqual([
      'field /description holds what looks like a PEM private key',
      'field /lookups/t/a holds what looks like an access token (JWT)',
      'field /target/jobId holds what looks like an Entra client secret',
    ]);
    expect(err.message).toContain('SCIMPORT_CLIENT_SECRET');
    expect(err.message).toContain('OS keychain');
    expect(err.message).toContain('never in a shared profile');
    for (const secret of [pem, jwt, entraSecret, 'MIIEvQ']) expect(err.message).not.toContain(secret);
    expect(JSON.stringify(err.details)).not.toContain('MIIEvQ');
  });

  it('wins over schema errors, and does not flag ordinary profile content', () => {
    expect(failure({ version: 0, clientSecret: 'x' }).code).toBe('PROFILE_SECRET');
    expect(findSecrets(full)).toEqual([]);
    expect(findSecrets({ certificatePath: '/etc/cert.pem', description: 'Rotate the client secret yearly.' })).toEqual([]);
    expect(findSecrets({ note: '-----BEGIN CERTIFICATE-----\nMIIB' })).toEqual([]);
    // Lookup keys are data; a table named like a secret is still refused.
    expect(findSecrets({ lookups: { departments: { 'Token Ring': 'Networks' } } })).toEqual([]);
    expect(findSecrets({ lookups: { passwords: {} } })).toEqual([{ pointer: '/lookups/passwords', reason: 'is named like a secret' }]);
  });
});

describe('PROFILE_JSON_SCHEMA', () => {
  it('is a closed draft 2020-12 schema', () => {
    expect(PROFILE_JSON_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(PROFILE_JSON_SCHEMA.additionalProperties).toBe(false);
    for (const key of ['input', 'extension', 'output', 'target', 'leavers'] as const) {
      expect(PROFILE_JSON_SCHEMA.properties[key].additionalProperties).toBe(false);
    }
  });

  it('accepts the sample profile shipped in test-data', () => {
    const path = fileURLToPath(new URL('../../../../test-data/profiles/microsoft-attribute-mapping.json', import.meta.url));
    const profile = parseProfile(JSON.parse(readFileSync(path, 'utf8')), 'microsoft-attribute-mapping.json');
    expect(profile.extension?.namespace).toBe('urn:ietf:params:scim:schemas:extension:csv:1.0:User');
  });
});

describe('target tenant', () => {
  it('accepts a tenant GUID or a verified domain, and refuses anything else naming the field', () => {
    const base = { name: 'HR', version: 1, mapping: '{}' };
    expect(parseProfile({ ...base, target: { tenantId: 'contoso.onmicrosoft.com' } }).target?.tenantId).toBe('contoso.onmicrosoft.com');
    expect(parseProfile({ ...base, target: { tenantId: '8a2b6f34-1c2d-4e5f-9a0b-1c2d3e4f5a6b' } }).target?.tenantId).toBeDefined();
    expect(() => parseProfile({ ...base, target: { tenantId: 'not a tenant' } })).toThrow(/\/target\/tenantId/);
  });
});
