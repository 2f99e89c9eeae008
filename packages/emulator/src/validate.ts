import {
  BULK_REQUEST_URN,
  CORE_ATTRIBUTE_SET,
  CORE_USER_URN,
  ENTERPRISE_ATTRIBUTE_SET,
  ENTERPRISE_USER_URN,
  getCI,
  isRecord,
  sameUrn,
  type JobSchema,
} from './scim';

export const MAX_OPERATIONS = 50;

export interface BulkOperation {
  bulkId: string;
  externalId: string;
  data: Record<string, unknown>;
}

export interface BulkProblem {
  /** Graph error code for the `details` entry. */
  code: string;
  /** Where in the body (`Operations[3].data.externalId`). */
  target: string;
  message: string;
}

export type BulkValidation = { ok: true; operations: BulkOperation[] } | { ok: false; problems: BulkProblem[] };

/**
 * Check a parsed BulkRequest against the endpoint's documented rules. Every problem is collected (not only the
 * first) so one rehearsal shows everything the HR export has to fix.
 */
export function validateBulkRequest(body: unknown, schema: JobSchema, options: { allowDuplicateBulkIds?: boolean } = {}): BulkValidation {
  const problems: BulkProblem[] = [];
  const add = (target: string, message: string, code = 'InvalidRequest') => problems.push({ code, target, message });

  if (!isRecord(body)) {
    add('', 'The body must be a SCIM BulkRequest JSON object.');
    return { ok: false, problems };
  }
  const schemas = body['schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && sameUrn(s, BULK_REQUEST_URN))) {
    add('schemas', `'schemas' must be an array containing '${BULK_REQUEST_URN}'.`);
  }
  if ('failOnErrors' in body) {
    const f = body['failOnErrors'];
    // null is taken as absent: Microsoft's sample BulkRequests send "failOnErrors": null and the tutorials show them
    // answered 202 (entra-docs inbound-provisioning-api-graph-explorer / -curl-tutorial). Clients should still omit it.
    if (f !== null && (typeof f !== 'number' || !Number.isInteger(f) || f < 0)) {
      add('failOnErrors', `'failOnErrors' must be a non-negative integer when present (got ${JSON.stringify(f)}); leave it out rather than send another type.`);
    }
  }
  const ops = body['Operations'] ?? getCI(body, 'Operations');
  if (!Array.isArray(ops)) {
    add('Operations', "'Operations' must be an array of 1 to 50 operations.");
    return { ok: false, problems };
  }
  if (ops.length === 0) add('Operations', "'Operations' is empty: send 1 to 50 operations.");
  if (ops.length > MAX_OPERATIONS) {
    add('Operations', `Too many operations, max ${MAX_OPERATIONS} per request (got ${ops.length}); split them into several requests.`, 'TooManyOperations');
    return { ok: false, problems };
  }

  const operations: BulkOperation[] = [];
  const bulkIds = new Map<string, number>();
  ops.forEach((op: unknown, i: number) => {
    const at = `Operations[${i}]`;
    if (!isRecord(op)) {
      add(at, `${at} must be an object.`);
      return;
    }
    const method = getCI(op, 'method');
    if (method !== 'POST') add(`${at}.method`, `${at}.method must be "POST" (got ${JSON.stringify(method)}); the endpoint only upserts users.`);
    const path = getCI(op, 'path');
    if (typeof path !== 'string' || path.toLowerCase() !== '/users') add(`${at}.path`, `${at}.path must be "/Users" (got ${JSON.stringify(path)}).`);
    const bulkId = getCI(op, 'bulkId');
    if (typeof bulkId !== 'string' || bulkId === '') {
      add(`${at}.bulkId`, `${at}.bulkId must be a non-empty string.`);
    } else if (bulkIds.has(bulkId) && !options.allowDuplicateBulkIds) {
      add(`${at}.bulkId`, `${at}.bulkId '${bulkId}' is already used by Operations[${bulkIds.get(bulkId)}]; bulkId must be unique within a request.`, 'DuplicateBulkId');
    } else {
      bulkIds.set(bulkId, i);
    }
    const data = getCI(op, 'data');
    if (!isRecord(data)) {
      add(`${at}.data`, `${at}.data must be a SCIM User object.`);
      return;
    }
    const before = problems.length;
    const externalId = validateUser(data, `${at}.data`, schema, add);
    if (problems.length === before && typeof bulkId === 'string' && externalId !== undefined) {
      operations.push({ bulkId, externalId, data });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, operations };
}

function validateUser(
  data: Record<string, unknown>,
  at: string,
  schema: JobSchema,
  add: (target: string, message: string, code?: string) => void,
): string | undefined {
  const schemas = getCI(data, 'schemas');
  const listed = Array.isArray(schemas) ? schemas.filter((s): s is string => typeof s === 'string') : [];
  if (!Array.isArray(schemas)) {
    add(`${at}.schemas`, `${at}.schemas must be an array listing '${CORE_USER_URN}', '${ENTERPRISE_USER_URN}' and every extension used.`);
  } else {
    // Only the core URN is always required; the enterprise one when enterprise attributes are sent (Microsoft's own
    // sample BulkRequests list only the core URN for users without them, and Entra accepts them).
    for (const required of [CORE_USER_URN]) {
      if (!listed.some((s) => sameUrn(s, required))) add(`${at}.schemas`, `${at}.schemas must include '${required}'.`);
    }
  }

  const externalId = getCI(data, 'externalId');
  let result: string | undefined;
  if (typeof externalId !== 'string' || externalId.trim() === '') {
    add(`${at}.externalId`, `${at}.externalId is required: a non-empty string (it is matched to employeeId).`, 'MissingExternalId');
  } else {
    result = externalId;
  }
  const active = getCI(data, 'active');
  if (active !== undefined && typeof active !== 'boolean') {
    add(`${at}.active`, `${at}.active must be true or false (got ${JSON.stringify(active)}).`);
  }
  const userName = getCI(data, 'userName');
  if (userName !== undefined && (typeof userName !== 'string' || userName === '')) {
    add(`${at}.userName`, `${at}.userName must be a non-empty string when present.`);
  }

  for (const [key, value] of Object.entries(data)) {
    if (!key.toLowerCase().startsWith('urn:')) {
      if (!CORE_ATTRIBUTE_SET.has(key.toLowerCase())) {
        add(`${at}.${key}`, `'${key}' is not a valid propertyName: it is not a SCIM core User attribute; put custom attributes under an extension namespace.`, 'InvalidPropertyName');
      }
      continue;
    }
    if (sameUrn(key, CORE_USER_URN)) continue;
    if (!listed.some((s) => sameUrn(s, key))) {
      add(`${at}.schemas`, `${at}.schemas must include '${key}' because the user has attributes under it.`);
    }
    if (!isRecord(value)) {
      add(`${at}.${key}`, `${at}['${key}'] must be an object of attributes.`);
      continue;
    }
    const enterprise = sameUrn(key, ENTERPRISE_USER_URN);
    for (const attr of Object.keys(value)) {
      const known = enterprise ? ENTERPRISE_ATTRIBUTE_SET.has(attr.toLowerCase()) : schema.find(key, attr) !== undefined;
      if (!known) {
        const hint = enterprise
          ? 'the enterprise extension has employeeNumber, costCenter, organization, division, department and manager'
          : 'add it to the job schema (Edit attribute list for API, or PUT .../schema) before uploading';
        add(`${at}['${key}'].${attr}`, `'${key}:${attr}' is not a valid propertyName: ${hint}.`, 'InvalidPropertyName');
      }
    }
    if (enterprise) {
      const manager = getCI(value, 'manager');
      if (manager !== undefined && manager !== null) {
        const managerValue = isRecord(manager) ? getCI(manager, 'value') : undefined;
        if (typeof managerValue !== 'string') {
          add(`${at}['${key}'].manager`, `${at}['${key}'].manager must be an object whose 'value' is the manager's externalId.`);
        }
      }
    }
  }
  return result;
}
