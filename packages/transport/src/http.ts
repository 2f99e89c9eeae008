import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { TransportError, abortError, redact } from './errors';

/** One HTTP reply, body as text. Header names are lower case. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpRequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Give up on a request that has not completed after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Allow an http: URL (sent without the agent). Only for endpoints on the machine itself, such as the
   * managed-identity endpoint of App Service, which the platform serves over plain HTTP on loopback.
   */
  allowPlainHttp?: boolean;
}

/**
 * The one https agent of a connection: MSAL's token calls and the Graph calls both go through it, so a custom
 * CA (the emulator's certificate) is trusted everywhere or nowhere. System roots stay trusted too.
 */
export function createHttpsAgent(options: { caPem?: string; maxSockets?: number } = {}): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxSockets: options.maxSockets ?? 16,
    ...(options.caPem ? { ca: [...tls.rootCertificates, options.caPem] } : {}),
  });
}

// Socket-level failures after which the same request can simply be sent again.
const RETRYABLE_ERRNO = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

// TLS trust failures are configuration problems: retrying cannot help.
const TLS_ERRNO = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

function networkError(url: string, err: NodeJS.ErrnoException): TransportError {
  const errno = err.code ?? (err.message === 'socket hang up' ? 'ECONNRESET' : 'UNKNOWN');
  const host = safeHost(url);
  if (TLS_ERRNO.has(errno)) {
    return new TransportError(
      'NETWORK',
      `The certificate of ${host} is not trusted (${errno}). For the local emulator, pass its CA certificate (caPem) in the custom endpoint settings; otherwise check for a proxy that intercepts HTTPS.`,
      { details: { errno, retryable: false }, cause: err },
    );
  }
  return new TransportError('NETWORK', `Could not reach ${host}: ${errno} (${redact(err.message)}).`, {
    details: { errno, retryable: RETRYABLE_ERRNO.has(errno) || errno === 'UNKNOWN' },
    cause: err,
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the service';
  }
}

/** Send one HTTPS request through `agent`. Rejects only for transport failures (TransportError NETWORK or ABORTED), never for an HTTP status. */
export function httpRequest(agent: https.Agent, options: HttpRequestOptions): Promise<HttpResponse> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const plain = options.allowPlainHttp === true && options.url.startsWith('http:');
    const req = (plain ? http : https).request(options.url, { method: options.method, ...(plain ? {} : { agent }), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err) => finish(() => reject(networkError(options.url, err))));
      res.on('aborted', () => finish(() => reject(networkError(options.url, Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })))));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        }
        finish(() => resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    const onAbort = (): void => {
      req.destroy();
      finish(() => reject(abortError(signal)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.setTimeout(options.timeoutMs ?? 60_000, () => {
      req.destroy(Object.assign(new Error(`no reply within ${options.timeoutMs ?? 60_000} ms`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(() => reject(networkError(options.url, err))));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * `Retry-After` in milliseconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent
 * or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The human message inside a Graph (`{error:{code,message}}`), SCIM (`{detail}`) or OAuth error body. */
export function errorMessageOf(body: string): { code?: string; message?: string } {
  if (!body) return {};
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return { code: typeof e.code === 'string' ? e.code : undefined, message: typeof e.message === 'string' ? redact(e.message) : undefined };
    }
    if (typeof parsed.detail === 'string') {
      return { code: typeof parsed.scimType === 'string' ? parsed.scimType : undefined, message: redact(parsed.detail) };
    }
    if (typeof parsed.error_description === 'string') return { code: String(parsed.error ?? ''), message: redact(parsed.error_description) };
    if (typeof parsed.message === 'string') return { message: redact(parsed.message) };
    return {};
  } catch {
    const text = body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return text ? { message: redact(text.slice(0, 300)) } : {};
  }
}
