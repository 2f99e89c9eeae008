/**
 * Validated SCIM users → bulk operations → BulkRequests of at most 50 operations, as Entra's
 * bulkUpload endpoint takes them.
 */
import * as crypto from 'node:crypto';
import { CoreError } from '../errors';
import type { BulkOperation, BulkRequest, ScimUser } from '../types';
import { SCIM_BULK_REQUEST, SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';

/** Entra rejects a BulkRequest with more operations than this. */
export const MAX_BULK_OPERATIONS = 50;

/**
 * Namespace of scimport's name-based bulkIds (a fixed random UUID). Changing it changes every bulkId,
 * which would make journals of earlier uploads harder to join to provisioning logs: leave it alone.
 */
const BULK_ID_NAMESPACE = Buffer.from('ee4b2ce316cc483585c9716e42c82772', 'hex');

/**
 * The bulkId of the person with this externalId: a UUID (version 8, name-based with SHA-256 as in
 * RFC 9562 appendix B.2) of a fixed namespace and the externalId. Deterministic, so a re-run of the
 * same file yields the same bulkIds and results can be joined back to people across runs.
 */
export function bulkIdFor(externalId: string): string {
  const bytes = sha256(Buffer.concat([BULK_ID_NAMESPACE, Buffer.from(externalId, 'utf8')])).subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122/9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * SHA-256 in one call: `crypto.hash` (Node 20.12 and later) is about three times faster than a Hash object per
 * id, which showed in the profile of a 100,000-row transform; the Hash object is the fallback for older Node.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'buffer') => Buffer }).hash;
function sha256(data: Buffer): Buffer {
  return oneShot ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest();
}

/**
 * A POST operation for one validated user. `data.schemas` always lists the core and enterprise User
 * schemas (Entra requires both) plus every other schema URN the user carries as a key; a mapped
 * `schemas` is replaced. Key order: schemas, externalId, then the user's keys as mapped (values are
 * shared, not copied).
 *
 * Throws CoreError INVALID_ARGUMENT when externalId is not a non-empty string, or when
 * `extensionNamespace` is given and the user carries another extension URN — validation rejects both,
 * so reaching here means a row skipped validation.
 */
export function toOperation(user: ScimUser, extensionNamespace?: string): BulkOperation {
  const externalId = user.externalId;
  if (typeof externalId !== 'string' || externalId.trim() === '') {
    throw new CoreError('INVALID_ARGUMENT', 'A user without a text externalId cannot become a bulk operation; validate users before building operations.', {
      location: { field: 'externalId' },
    });
  }
  const schemas: string[] = [SCIM_CORE_USER, SCIM_ENTERPRISE_USER];
  const data: Record<string, unknown> = { schemas, externalId };
  for (const [key, value] of Object.entries(user)) {
    if (key === 'schemas' || key === 'externalId') continue;
    data[key] = value;
    if (value === undefined || !key.toLowerCase().startsWith('urn:') || schemas.includes(key)) continue;
    if (extensionNamespace !== undefined && key !== extensionNamespace) {
      throw new CoreError('INVALID_ARGUMENT',
        `The user with externalId ${externalId} carries the extension ${key}, which is not the profile's namespace ${extensionNamespace}; validate users before building operations.`,
        { location: { field: key } });
    }
    schemas.push(key);
  }
  return { method: 'POST', bulkId: bulkIdFor(externalId), path: '/Users', data: data as BulkOperation['data'] };
}

/** How operations are cut into requests. */
export interface ChunkOptions {
  /** Operations per request, 1..50. Default 50. */
  chunkSize?: number;
  /** Sent as the request's failOnErrors (a positive integer) when set; omitted otherwise. */
  failOnErrors?: number;
}

interface ResolvedOptions {
  chunkSize: number;
  failOnErrors: number | undefined;
}

function resolveOptions(options: ChunkOptions = {}): ResolvedOptions {
  const chunkSize = options.chunkSize ?? MAX_BULK_OPERATIONS;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_BULK_OPERATIONS) {
    throw new CoreError('INVALID_ARGUMENT',
      `The chunk size ${String(chunkSize)} is not allowed: Entra takes 1 to ${MAX_BULK_OPERATIONS} operations per request; set output.chunkSize in the profile to a whole number in that range.`,
      { location: { field: '/output/chunkSize' } });
  }
  const failOnErrors = options.failOnErrors;
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || failOnErrors < 1)) {
    throw new CoreError('INVALID_ARGUMENT',
      `failOnErrors ${String(failOnErrors)} is not allowed: it must be a whole number of at least 1; fix output.failOnErrors in the profile or remove it.`,
      { location: { field: '/output/failOnErrors' } });
  }
  return { chunkSize, failOnErrors };
}

function buildRequest(ops: BulkOperation[], options: ResolvedOptions): BulkRequest {
  if (ops.length === 0) {
    throw new CoreError('INVALID_ARGUMENT', 'A bulk request needs at least one operation; there is nothing to send.');
  }
  if (ops.length > options.chunkSize) {
    throw new CoreError('INVALID_ARGUMENT',
      `A bulk request may hold at most ${options.chunkSize} operations but ${ops.length} were given; cut them into chunks with BulkChunker.`);
  }
  const seen = new Map<string, unknown>();
  for (const op of ops) {
    // Operations may come from a JSON file rather than toOperation; the type alone does not protect here.
    if (op.method !== 'POST' || op.path !== '/Users') {
      throw new CoreError('INVALID_ARGUMENT',
        `Operation ${op.bulkId} is ${String(op.method)} ${String(op.path)}, but Entra only accepts POST /Users (the path is case-sensitive).`);
    }
    if (seen.has(op.bulkId)) {
      throw new CoreError('INVALID_ARGUMENT',
        `bulkId ${op.bulkId} is used twice in one request (externalIds ${String(seen.get(op.bulkId))} and ${String(op.data.externalId)}); each operation needs its own bulkId.`);
    }
    seen.set(op.bulkId, op.data.externalId);
  }
  const request: BulkRequest = { schemas: [SCIM_BULK_REQUEST], Operations: [...ops] };
  if (options.failOnErrors !== undefined) request.failOnErrors = options.failOnErrors;
  return request;
}

/**
 * One BulkRequest from up to `chunkSize` (default 50) operations. `failOnErrors` is present only when
 * set (Entra's endpoint and RFC 7644 want an integer, never null). Throws CoreError INVALID_ARGUMENT for
 * no operations, too many, a repeated bulkId, or an operation other than POST /Users.
 */
export function toBulkRequest(ops: BulkOperation[], options?: ChunkOptions): BulkRequest {
  return buildRequest(ops, resolveOptions(options));
}

/**
 * Cuts a stream of operations into BulkRequests without holding more than one chunk. A bulkId seen
 * earlier in the same run is refused (CoreError INVALID_ARGUMENT), even in another request: the same
 * person twice in one upload means a duplicate externalId slipped past validation, and the later
 * operation would silently win.
 */
export class BulkChunker {
  private readonly options: ResolvedOptions;
  private ops: BulkOperation[] = [];
  private readonly seen = new Set<string>();

  /** Throws CoreError INVALID_ARGUMENT at once for a chunk size outside 1..50 or a bad failOnErrors. */
  constructor(options?: ChunkOptions) {
    this.options = resolveOptions(options);
  }

  /** Adds an operation; returns a full request when this operation fills the chunk. */
  push(op: BulkOperation): BulkRequest | undefined {
    if (this.seen.has(op.bulkId)) {
      throw new CoreError('INVALID_ARGUMENT',
        `bulkId ${op.bulkId} (externalId ${String(op.data.externalId)}) was already sent in this upload; the same person must not appear twice.`);
    }
    this.seen.add(op.bulkId);
    this.ops.push(op);
    if (this.ops.length < this.options.chunkSize) return undefined;
    return this.take();
  }

  /** The last, partly filled request, or undefined when nothing is pending. */
  flush(): BulkRequest | undefined {
    return this.ops.length === 0 ? undefined : this.take();
  }

  private take(): BulkRequest {
    const ops = this.ops;
    this.ops = [];
    return buildRequest(ops, this.options);
  }
}

/** Output file name of the n-th request, counting from 1: 1 → `bulk-0001.json`. */
export function bulkFileName(index: number): string {
  if (!Number.isInteger(index) || index < 1) {
    throw new CoreError('INVALID_ARGUMENT', `Bulk file numbers start at 1; ${String(index)} is not a valid number.`);
  }
  return `bulk-${String(index).padStart(4, '0')}.json`;
}
