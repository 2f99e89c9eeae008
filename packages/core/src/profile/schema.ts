/**
 * The JSON Schema of a profile. Every object is closed (`additionalProperties: false`) so a misspelt
 * field is reported instead of silently ignored. Each constraint carries an `x-must-be` phrase, which
 * is what the person reads: "field /input/headerRow must be an integer ≥ 1".
 */

/** Longest feed name a profile may give (and `deriveFeedName` makes). */
export const FEED_NAME_MAX = 64;

const GUID = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';

function guid(what: string): Record<string, unknown> {
  return {
    type: 'string',
    pattern: GUID,
    'x-must-be': `a GUID such as 8a2b6f34-1c2d-4e5f-9a0b-1c2d3e4f5a6b (${what})`,
  };
}

const nonEmptyText = (mustBe = 'non-empty text'): Record<string, unknown> => ({
  type: 'string',
  minLength: 1,
  pattern: '\\S',
  'x-must-be': mustBe,
});

/**
 * The profile document format this build reads and writes. `scimport --version` prints it so an admin can tell
 * whether a profile shared by a colleague on another release will load; raise it only when a change to the
 * schema below makes older builds refuse newer profiles (or the other way round).
 */
export const PROFILE_FORMAT_VERSION = 1;

/** JSON Schema (draft 2020-12) of a scimport profile. */
export const PROFILE_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://scimport.dev/schemas/profile.schema.json',
  title: 'scimport mapping profile',
  type: 'object',
  'x-must-be': 'a JSON object',
  additionalProperties: false,
  required: ['name', 'version', 'mapping'],
  properties: {
    $schema: { type: 'string', format: 'uri-reference', 'x-must-be': 'the address of the profile schema' },
    name: nonEmptyText(),
    version: { type: 'integer', minimum: 1, 'x-must-be': 'an integer ≥ 1' },
    description: { type: 'string', 'x-must-be': 'text' },
    input: {
      type: 'object',
      'x-must-be': 'an object',
      additionalProperties: false,
      properties: {
        sheet: {
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'integer', minimum: 0 },
          ],
          'x-must-be': 'a worksheet name or a zero-based worksheet number',
        },
        headerRow: { type: 'integer', minimum: 1, 'x-must-be': 'an integer ≥ 1' },
        encoding: {
          type: 'string',
          pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
          'x-must-be': 'an encoding name such as "utf-8", "utf-16le" or "windows-1252"',
        },
        delimiter: {
          type: 'string',
          minLength: 1,
          maxLength: 1,
          'x-must-be': 'a single character such as ",", ";", "|" or a tab',
        },
        dateFormat: {
          type: 'string',
          pattern: '^(?:d{1,2}|M{1,2}|yyyy|H{1,2}|mm|ss|[ ./,:T-])+$',
          'x-must-be': 'a date pattern made of dd, MM, yyyy (and optionally HH, mm, ss), such as "dd/MM/yyyy"',
        },
      },
    },
    mapping: nonEmptyText('a non-empty JSONata expression'),
    extension: {
      type: 'object',
      'x-must-be': 'an object with a namespace and attributes',
      additionalProperties: false,
      required: ['namespace', 'attributes'],
      properties: {
        namespace: {
          type: 'string',
          pattern: '^urn:ietf:params:scim:schemas:extension:[A-Za-z0-9_-]+:1\\.0:User$',
          'x-must-be': 'a URN of the form urn:ietf:params:scim:schemas:extension:<name>:1.0:User',
        },
        attributes: {
          type: 'array',
          minItems: 1,
          'x-must-be': 'a list of at least one attribute',
          items: {
            type: 'object',
            'x-must-be': 'an object with a name and a type',
            additionalProperties: false,
            required: ['name', 'type'],
            properties: {
              name: {
                type: 'string',
                pattern: '^[A-Za-z][A-Za-z0-9_]*$',
                'x-must-be': 'a name that starts with a letter and holds only letters, digits and _',
              },
              type: { enum: ['string', 'integer', 'boolean', 'dateTime'] },
              multiValued: { type: 'boolean', 'x-must-be': 'true or false' },
              required: { type: 'boolean', 'x-must-be': 'true or false' },
              description: { type: 'string', 'x-must-be': 'text' },
            },
          },
        },
      },
    },
    lookups: {
      type: 'object',
      'x-must-be': 'an object of lookup tables (table name → key → value)',
      propertyNames: { minLength: 1 },
      additionalProperties: {
        type: 'object',
        'x-must-be': 'a lookup table: an object of key → text value',
        additionalProperties: { type: 'string', 'x-must-be': 'text' },
      },
    },
    tests: {
      type: 'array',
      'x-must-be': 'a list of tests',
      items: {
        type: 'object',
        'x-must-be': 'an object with a row and the user it must give (expect)',
        additionalProperties: false,
        required: ['row', 'expect'],
        properties: {
          name: { type: 'string', 'x-must-be': 'text' },
          row: {
            type: 'object',
            'x-must-be': 'an object of column header → cell value',
            additionalProperties: {
              type: ['string', 'number', 'boolean'],
              'x-must-be': 'text, a number or true/false',
            },
          },
          expect: { type: 'object', 'x-must-be': 'an object: the SCIM user the row must give' },
        },
      },
    },
    output: {
      type: 'object',
      'x-must-be': 'an object',
      additionalProperties: false,
      properties: {
        chunkSize: { type: 'integer', minimum: 1, maximum: 50, 'x-must-be': 'an integer from 1 to 50' },
        failOnErrors: { type: 'integer', minimum: 1, 'x-must-be': 'an integer ≥ 1' },
      },
    },
    target: {
      type: 'object',
      'x-must-be': 'an object',
      additionalProperties: false,
      properties: {
        cloud: { enum: ['global', 'usgov', 'dod', 'china'] },
        // Entra accepts the tenant as its GUID or as one of its verified domain names.
        tenantId: {
          type: 'string',
          pattern: '^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$',
          'x-must-be': 'the Directory (tenant) ID, a GUID such as 8a2b6f34-1c2d-4e5f-9a0b-1c2d3e4f5a6b, or a domain such as contoso.onmicrosoft.com',
        },
        clientId: guid('the Application (client) ID'),
        servicePrincipalId: guid('the Object ID of the provisioning enterprise application'),
        jobId: nonEmptyText('the provisioning job ID, such as API2AAD.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef'),
        // federated: a token file from GitHub Actions or Kubernetes; managedIdentity: the Azure resource scimport runs on.
        auth: { enum: ['secret', 'certificate', 'interactive', 'deviceCode', 'federated', 'managedIdentity'] },
        certificatePath: nonEmptyText('the path of a PEM certificate file'),
        // Named "assertion", not "token": a key named like a secret is refused, and this holds only a path.
        assertionFile: nonEmptyText('the path of the file the platform writes its OIDC token to (default: the AZURE_FEDERATED_TOKEN_FILE variable)'),
        managedIdentityClientId: guid('the Client ID of a user-assigned managed identity'),
        managedIdentityResourceId: {
          type: 'string',
          pattern: '^/subscriptions/[^/]+/resource[Gg]roups/[^/]+/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities/[^/]+$',
          'x-must-be': 'the resource ID of a user-assigned managed identity, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>',
        },
      },
      allOf: [
        {
          // One user-assigned identity is named one way: by its client ID or by its resource ID.
          not: { properties: { managedIdentityClientId: true, managedIdentityResourceId: true }, required: ['managedIdentityClientId', 'managedIdentityResourceId'] },
          'x-must-be': 'naming a user-assigned managed identity by managedIdentityClientId or by managedIdentityResourceId, not both',
        },
      ],
    },
    leavers: {
      type: 'object',
      'x-must-be': 'an object with a policy',
      additionalProperties: false,
      required: ['policy'],
      properties: {
        policy: { enum: ['ignore', 'disable'] },
        maxDisablePercent: { type: 'number', minimum: 0, maximum: 100, 'x-must-be': 'a number from 0 to 100' },
        maxDisableCount: { type: 'integer', minimum: 0, 'x-must-be': 'an integer ≥ 0' },
        maxChangePercent: { type: 'number', minimum: 0, maximum: 100, 'x-must-be': 'a number from 0 to 100' },
        maxChangeCount: { type: 'integer', minimum: 0, 'x-must-be': 'an integer ≥ 0' },
      },
    },
    // Kept in the snapshot with every person, and shown in messages: short, and without spaces or quotes.
    feed: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      maxLength: FEED_NAME_MAX,
      'x-must-be': `a short name of letters, digits, ".", "_" or "-" (at most ${FEED_NAME_MAX} characters, starting with a letter or digit), such as "contractors"`,
    },
    precedence: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      'x-must-be': 'a whole number from 1 to 1000: the rank of this feed when two feeds list the same person (1 wins over 2)',
    },
  },
} as const;
