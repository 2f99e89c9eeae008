import type { SchemaAttribute } from './types';

export const BULK_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Attribute types Graph's synchronization schema uses for attributeDefinition.type. */
export const ATTRIBUTE_TYPES = ['String', 'Integer', 'Boolean', 'DateTime', 'Reference', 'Binary'] as const;

// Top-level names a SCIM User may carry (RFC 7643 §4.1 plus the common attributes). Kept lower-case because
// SCIM attribute names are case-insensitive (Microsoft's own samples send `username`).
const CORE_ATTRIBUTES = [
  'schemas', 'id', 'externalId', 'meta', 'resourceType',
  'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage',
  'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses',
  'groups', 'entitlements', 'roles', 'x509Certificates',
];
const ENTERPRISE_ATTRIBUTES = ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'];

export const CORE_ATTRIBUTE_SET = new Set(CORE_ATTRIBUTES.map((a) => a.toLowerCase()));
export const ENTERPRISE_ATTRIBUTE_SET = new Set(ENTERPRISE_ATTRIBUTES.map((a) => a.toLowerCase()));

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** SCIM attribute names are case-insensitive: find `name` in `obj` whatever its case. */
export function getCI(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

export function sameUrn(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The job schema as scimport models it: the built-in core and enterprise attributes plus custom attributes
 * under extension namespaces. Served in Entra's shape (one `API` directory whose `User` object lists core
 * attributes by plain name and extension attributes fully qualified, `urn:…:1.0:User:HireDate`); a PUT may
 * use that shape or one object per namespace (`name` = the URN, plain attribute names).
 */
export class JobSchema {
  private custom: SchemaAttribute[] = [];

  constructor(initial: SchemaAttribute[] = []) {
    this.replace(initial);
  }

  attributes(): SchemaAttribute[] {
    return this.custom.map((a) => ({ ...a }));
  }

  replace(attributes: SchemaAttribute[]): void {
    const seen = new Map<string, SchemaAttribute>();
    for (const a of attributes) {
      const type = ATTRIBUTE_TYPES.find((t) => t.toLowerCase() === a.type.toLowerCase()) ?? a.type;
      seen.set(`${a.namespace}:${a.name}`.toLowerCase(), { name: a.name, type, namespace: a.namespace, multivalued: a.multivalued ?? false });
    }
    this.custom = [...seen.values()];
  }

  hasNamespace(namespace: string): boolean {
    return this.custom.some((a) => sameUrn(a.namespace, namespace));
  }

  find(namespace: string, name: string): SchemaAttribute | undefined {
    return this.custom.find((a) => sameUrn(a.namespace, namespace) && a.name.toLowerCase() === name.toLowerCase());
  }

  toGraph(jobId: string): Record<string, unknown> {
    const def = (name: string, type: string, multivalued = false) => ({
      name,
      type,
      multivalued,
      anchor: name === 'externalId',
      caseExact: false,
      required: name === 'externalId',
      mutability: 'ReadWrite',
      flowNullValues: false,
      defaultValue: null,
      metadata: [],
      referencedObjects: [],
      apiExpressions: [],
    });
    const attributes = [
      ...CORE_ATTRIBUTES.filter((a) => !['schemas', 'meta', 'resourceType'].includes(a)).map((a) =>
        def(a, a === 'active' ? 'Boolean' : 'String'),
      ),
      ...ENTERPRISE_ATTRIBUTES.map((a) => def(`${ENTERPRISE_USER_URN}:${a}`, a === 'manager' ? 'Reference' : 'String')),
      ...this.custom.map((a) => def(`${a.namespace}:${a.name}`, a.type, a.multivalued ?? false)),
    ];
    return {
      id: jobId.split('.')[0] ?? jobId,
      version: 'Date:' + new Date(0).toUTCString(),
      synchronizationRules: [],
      directories: [
        {
          id: 'API',
          name: 'API',
          discoveryDateTime: null,
          discoverabilities: 'None',
          objects: [{ name: 'User', supportedApis: [], metadata: [], attributes }],
        },
      ],
    };
  }
}

/**
 * Read the custom attributes out of a synchronizationSchema sent with PUT. Returns the attributes or a list
 * of problems (each naming the JSON path), so the caller can answer 400 with all of them at once.
 */
export function parseSchemaBody(body: unknown): { attributes: SchemaAttribute[] } | { problems: string[] } {
  const problems: string[] = [];
  if (!isRecord(body)) return { problems: ['The body must be a synchronizationSchema JSON object.'] };
  const directories = body['directories'];
  if (!Array.isArray(directories)) return { problems: ["'directories' must be an array."] };
  const api = directories.find((d) => isRecord(d) && typeof d['name'] === 'string' && d['name'].toLowerCase() === 'api');
  if (!isRecord(api)) return { problems: ["'directories' must contain the source directory named 'API'."] };
  const objects = api['objects'];
  if (!Array.isArray(objects)) return { problems: ["directories['API'].objects must be an array."] };
  const attributes: SchemaAttribute[] = [];
  objects.forEach((obj, oi) => {
    if (!isRecord(obj) || !Array.isArray(obj['attributes'])) {
      problems.push(`directories['API'].objects[${oi}] must be an object with an 'attributes' array.`);
      return;
    }
    const objectName = typeof obj['name'] === 'string' ? obj['name'] : '';
    const objectNamespace = objectName.toLowerCase().startsWith('urn:') ? objectName : undefined;
    obj['attributes'].forEach((attr: unknown, ai: number) => {
      const where = `directories['API'].objects[${oi}].attributes[${ai}]`;
      if (!isRecord(attr) || typeof attr['name'] !== 'string' || attr['name'] === '') {
        problems.push(`${where} must have a non-empty 'name'.`);
        return;
      }
      const fullName = attr['name'];
      let namespace: string | undefined;
      let name: string;
      if (fullName.toLowerCase().startsWith('urn:')) {
        const cut = fullName.lastIndexOf(':');
        namespace = fullName.slice(0, cut);
        name = fullName.slice(cut + 1);
      } else {
        namespace = objectNamespace;
        name = fullName;
      }
      // Core and enterprise attributes are built in; only extension attributes are the job's own.
      if (namespace === undefined || sameUrn(namespace, CORE_USER_URN) || sameUrn(namespace, ENTERPRISE_USER_URN)) return;
      if (name === '' || !/^urn:[^:]+(:[^:]+)+$/i.test(namespace)) {
        problems.push(`${where}: '${fullName}' is not an extension attribute name like urn:ietf:params:scim:schemas:extension:<name>:1.0:User:<attribute>.`);
        return;
      }
      const rawType = typeof attr['type'] === 'string' ? attr['type'] : 'String';
      const type = ATTRIBUTE_TYPES.find((t) => t.toLowerCase() === rawType.toLowerCase());
      if (!type) {
        problems.push(`${where}: type '${rawType}' is not one of ${ATTRIBUTE_TYPES.join(', ')}.`);
        return;
      }
      attributes.push({ name, namespace, type, multivalued: attr['multivalued'] === true });
    });
  });
  return problems.length > 0 ? { problems } : { attributes };
}
