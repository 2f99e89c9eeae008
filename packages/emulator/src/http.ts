import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from './scim';
import type { BulkCallRecord } from './types';

/** Graph's content type on every JSON reply (clients must not depend on its parameters, but some log them). */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type ParsedBody = { value: unknown } | { error: string };

/** One request as the routes see it. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
  requestId: string;
  clientRequestId: string;
  record?: BulkCallRecord;
  /** The body of a bulkUpload, parsed once. */
  json?: ParsedBody;
}

/**
 * Writes replies shaped as Graph and Entra's token endpoint shape them. `latencyMs` is read on every Graph reply
 * so a fault set mid-run applies to the next one.
 */
export class Replies {
  constructor(
    private readonly latencyMs: () => number,
    private readonly baseUrl: () => string,
  ) {}

  send(ctx: Ctx, status: number, body?: unknown, headers: Record<string, string> = {}, contentType = 'application/json; charset=utf-8'): void {
    if (ctx.record) ctx.record.status = status;
    if (ctx.res.destroyed) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    ctx.res.writeHead(status, {
      'request-id': ctx.requestId,
      'client-request-id': ctx.clientRequestId,
      'Cache-Control': 'no-store, no-cache',
      ...(body === undefined ? {} : { 'Content-Type': contentType }),
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    ctx.res.end(text);
  }

  /** Graph replies carry the fault latency. */
  async graphSend(ctx: Ctx, status: number, body?: unknown, headers: Record<string, string> = {}): Promise<void> {
    const latency = this.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    this.send(ctx, status, body, headers, GRAPH_JSON);
  }

  async graphError(ctx: Ctx, status: number, code: string, message: string, headers: Record<string, string> = {}, details?: unknown[]): Promise<void> {
    await this.graphSend(ctx, status, graphErrorBody(ctx, code, message, details), headers);
  }

  aadError(ctx: Ctx, status: number, error: string, aadsts: number, description: string): void {
    const now = new Date();
    const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    this.send(ctx, status, {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${ctx.requestId} Correlation ID: ${ctx.clientRequestId} Timestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: ctx.requestId,
      correlation_id: ctx.clientRequestId,
      error_uri: `${this.baseUrl()}/error?code=${aadsts}`,
    });
  }

  notFound(ctx: Ctx, segments: string[]): Promise<void> {
    return this.graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${segments.join('/')}'.`);
  }

  methodNotAllowed(ctx: Ctx): Promise<void> {
    return this.graphError(ctx, 405, 'Request_BadRequest', `The method ${ctx.req.method ?? ''} is not allowed on ${ctx.url.pathname}.`);
  }
}

export function graphErrorBody(ctx: Ctx, code: string, message: string, details?: unknown[]): Record<string, unknown> {
  return {
    error: {
      code,
      message,
      ...(details && details.length > 0 ? { details } : {}),
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        'request-id': ctx.requestId,
        'client-request-id': ctx.clientRequestId,
      },
    },
  };
}

export function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'InvalidAuthenticationToken';
    case 403: return 'Authorization_RequestDenied';
    case 404: return 'Request_ResourceNotFound';
    case 429: return 'TooManyRequests';
    case 503: return 'ServiceUnavailable';
    case 504: return 'GatewayTimeout';
    default: return status >= 500 ? 'InternalServerError' : 'BadRequest';
  }
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseJson(body: Buffer): ParsedBody {
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function describeCall(parsed: ParsedBody): { operations: number; bulkIds: string[] } {
  const ops = 'value' in parsed && isRecord(parsed.value) ? parsed.value['Operations'] : undefined;
  if (!Array.isArray(ops)) return { operations: 0, bulkIds: [] };
  return {
    operations: ops.length,
    bulkIds: ops.map((op) => (isRecord(op) && typeof op['bulkId'] === 'string' ? op['bulkId'] : '')).filter((id) => id !== ''),
  };
}

export function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
