import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { BulkOperation, BulkRequest, ScimUser } from '../types';
import { SCIM_BULK_REQUEST, SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';
import { isCoreError } from '../errors';
import { BulkChunker, bulkFileName, bulkIdFor, toBulkRequest, toOperation, MAX_BULK_OPERATIONS } from './index';

const MS = new URL('../../../../test-data/microsoft/', import.meta.url);
const NS = 'urn:ietf:params:scim:schemas:extension:acme:1.0:User';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function ops(count: number, from = 0): BulkOperation[] {
  return Array.from({ length: count }, (_, i) => toOperation({ externalId: `E${from + i}`, userName: `u${from + i}@x.com` }));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCoreError(error) ? error.code : `not a CoreError: ${String(error)}`;
  }
  return undefined;
}

describe('bulkIdFor', () => {
  it('is a version-8 UUID, deterministic for an externalId', () => {
    const id = bulkIdFor('701984');
    expect(id).toMatch(UUID);
    expect(bulkIdFor('701984')).toBe(id);
    // Computed independently (Python: SHA-256 of namespace bytes + name, RFC 9562 B.2 bit layout); guards
    // against an accidental change of namespace or algorithm between releases.
    expect(id).toBe('2ad43562-0fa3-845d-b13b-84582f65bf4d');
  });

  it('differs between externalIds, including by case and by accents', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(bulkIdFor(String(i)));
    for (const extra of ['e1', 'E1', 'é1', 'e\u03011', ' e1']) ids.add(bulkIdFor(extra));
    expect(ids.size).toBe(20_005);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(UUID);
  });
});

describe('toOperation', () => {
  it('builds a POST /Users with schemas first, then externalId, then the mapped keys in order', () => {
    const user: ScimUser = {
      userName: 'ada@x.com',
      schemas: ['something else'],
      active: true,
      externalId: 'E1',
      [SCIM_ENTERPRISE_USER]: { department: 'Maths' },
      [NS]: { grade: 3 },
    };
    const op = toOperation(user, NS);
    expect(op).toEqual({
      method: 'POST',
      bulkId: bulkIdFor('E1'),
      path: '/Users',
      data: {
        schemas: [SCIM_CORE_USER, SCIM_ENTERPRISE_USER, NS],
        externalId: 'E1',
        userName: 'ada@x.com',
        active: true,
        [SCIM_ENTERPRISE_USER]: { department: 'Maths' },
        [NS]: { grade: 3 },
      },
    });
    expect(Object.keys(op.data)).toEqual(['schemas', 'externalId', 'userName', 'active', SCIM_ENTERPRISE_USER, NS]);
    expect(Object.keys(op)).toEqual(['method', 'bulkId', 'path', 'data']);
  });

  it('always lists core and enterprise, and a custom URN only when the user carries it', () => {
    expect(toOperation({ externalId: 'E1', userName: 'a' }, NS).data.schemas).toEqual([SCIM_CORE_USER, SCIM_ENTERPRISE_USER]);
    expect(toOperation({ externalId: 'E1', [NS]: {} }).data.schemas).toEqual([SCIM_CORE_USER, SCIM_ENTERPRISE_USER, NS]);
    expect(toOperation({ externalId: 'E1', [NS]: undefined }).data.schemas).toEqual([SCIM_CORE_USER, SCIM_ENTERPRISE_USER]);
  });

  it('does not mutate the user', () => {
    const user: ScimUser = { externalId: 'E1', schemas: ['x'] };
    toOperation(user);
    expect(user).toEqual({ externalId: 'E1', schemas: ['x'] });
  });

  it('refuses users without a text externalId', () => {
    expect(codeOf(() => toOperation({ externalId: 701984 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toOperation({ externalId: ' ' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toOperation({ userName: 'x' }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses an extension other than the declared namespace', () => {
    const other = 'urn:ietf:params:scim:schemas:extension:sap:2.0:User';
    expect(codeOf(() => toOperation({ externalId: 'E1', [other]: {} }, NS))).toBe('INVALID_ARGUMENT');
  });

  it("turns Microsoft's sample data into operations Entra accepts", () => {
    const sample = JSON.parse(readFileSync(new URL('Extended-SCIM-bulk-request-Core+Enterprise.json', MS), 'utf8')) as BulkRequest;
    // The sample reuses one bulkId for two operations and writes "/users"; rebuilt operations do neither.
    const rebuilt = sample.Operations.map((op) => toOperation(op.data));
    expect(rebuilt.map((op) => op.path)).toEqual(['/Users', '/Users', '/Users']);
    expect(new Set(rebuilt.map((op) => op.bulkId)).size).toBe(3);
    expect(rebuilt[0]!.data.schemas).toEqual([SCIM_CORE_USER, SCIM_ENTERPRISE_USER, 'urn:ietf:params:scim:schemas:extension:sap:2.0:User']);
    const request = toBulkRequest(rebuilt);
    expect(request).not.toHaveProperty('failOnErrors');
    // The sample as published would be refused: its second and third operations share a bulkId.
    expect(codeOf(() => toBulkRequest(sample.Operations.map((op) => ({ ...op, path: '/Users' as const }))))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toBulkRequest(sample.Operations))).toBe('INVALID_ARGUMENT');
  });
});

describe('toBulkRequest', () => {
  it('wraps operations in a BulkRequest without failOnErrors unless set', () => {
    const list = ops(3);
    const request = toBulkRequest(list);
    expect(request).toEqual({ schemas: [SCIM_BULK_REQUEST], Operations: list });
    expect(JSON.stringify(request)).not.toContain('failOnErrors');
    expect(toBulkRequest(list, { failOnErrors: 5 }).failOnErrors).toBe(5);
  });

  it('takes 50 operations and refuses 51', () => {
    expect(toBulkRequest(ops(50)).Operations).toHaveLength(50);
    expect(codeOf(() => toBulkRequest(ops(51)))).toBe('INVALID_ARGUMENT');
  });

  it('refuses more operations than the chunk size, and an empty list', () => {
    expect(codeOf(() => toBulkRequest(ops(11), { chunkSize: 10 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toBulkRequest([]))).toBe('INVALID_ARGUMENT');
  });

  it('refuses duplicate bulkIds', () => {
    const [a, b] = ops(2);
    expect(codeOf(() => toBulkRequest([a!, { ...b!, bulkId: a!.bulkId }]))).toBe('INVALID_ARGUMENT');
  });

  it.each([0, 51, 2.5, -1, Number.NaN])('refuses chunk size %s', (chunkSize) => {
    expect(codeOf(() => toBulkRequest(ops(1), { chunkSize }))).toBe('INVALID_ARGUMENT');
  });

  it.each([0, -1, 1.5])('refuses failOnErrors %s', (failOnErrors) => {
    expect(codeOf(() => toBulkRequest(ops(1), { failOnErrors }))).toBe('INVALID_ARGUMENT');
  });
});

describe('BulkChunker', () => {
  function chunk(count: number, options?: ConstructorParameters<typeof BulkChunker>[0]): BulkRequest[] {
    const chunker = new BulkChunker(options);
    const requests: BulkRequest[] = [];
    for (const op of ops(count)) {
      const full = chunker.push(op);
      if (full) requests.push(full);
    }
    const last = chunker.flush();
    if (last) requests.push(last);
    expect(chunker.flush()).toBeUndefined();
    return requests;
  }

  it.each([
    [0, []],
    [1, [1]],
    [50, [50]],
    [51, [50, 1]],
    [120, [50, 50, 20]],
  ])('cuts %i operations into requests of %j', (count, sizes) => {
    const requests = chunk(count);
    expect(requests.map((r) => r.Operations.length)).toEqual(sizes);
    // Every operation appears once, in order.
    expect(requests.flatMap((r) => r.Operations.map((op) => op.data.externalId))).toEqual(ops(count).map((op) => op.data.externalId));
    for (const request of requests) {
      expect(request.schemas).toEqual([SCIM_BULK_REQUEST]);
      expect(request.Operations.length).toBeLessThanOrEqual(MAX_BULK_OPERATIONS);
    }
  });

  it('returns a request from push exactly when the chunk fills', () => {
    const chunker = new BulkChunker({ chunkSize: 2, failOnErrors: 1 });
    const [a, b, c] = ops(3);
    expect(chunker.push(a!)).toBeUndefined();
    expect(chunker.push(b!)).toEqual({ schemas: [SCIM_BULK_REQUEST], Operations: [a, b], failOnErrors: 1 });
    expect(chunker.push(c!)).toBeUndefined();
    expect(chunker.flush()?.Operations).toEqual([c]);
  });

  it('honours a smaller chunk size', () => {
    expect(chunk(25, { chunkSize: 10 }).map((r) => r.Operations.length)).toEqual([10, 10, 5]);
  });

  it('refuses a bad chunk size at construction', () => {
    expect(codeOf(() => new BulkChunker({ chunkSize: 51 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new BulkChunker({ chunkSize: 0 }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses the same person twice in one run, even across requests', () => {
    const chunker = new BulkChunker({ chunkSize: 2 });
    const [a, b] = ops(2);
    chunker.push(a!);
    chunker.push(b!);
    expect(codeOf(() => chunker.push(toOperation({ externalId: 'E0' })))).toBe('INVALID_ARGUMENT');
  });

  it('gives every operation of a large run a distinct bulkId', () => {
    const requests = chunk(2_000);
    const ids = requests.flatMap((r) => r.Operations.map((op) => op.bulkId));
    expect(new Set(ids).size).toBe(2_000);
  });
});

describe('bulkFileName', () => {
  it('numbers files from 1 with four digits', () => {
    expect(bulkFileName(1)).toBe('bulk-0001.json');
    expect(bulkFileName(42)).toBe('bulk-0042.json');
    expect(bulkFileName(9999)).toBe('bulk-9999.json');
    expect(bulkFileName(12345)).toBe('bulk-12345.json');
  });

  it('refuses 0, negatives and fractions', () => {
    for (const n of [0, -1, 1.5]) expect(codeOf(() => bulkFileName(n))).toBe('INVALID_ARGUMENT');
  });
});
