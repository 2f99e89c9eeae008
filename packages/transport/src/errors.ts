/**
 * The one error type of @scimport/transport. Every failure raised by this package is a TransportError
 * with a code from TRANSPORT_ERROR_CODES and a message written for the person at the keyboard: what
 * happened, which chunk or setting it concerns, and what to do. Messages never carry secrets or tokens:
 * anything taken from a server reply passes through `redact` first.
 */
export const TRANSPORT_ERROR_CODES = {
  INVALID_CONFIG: 'The connection settings (cloud, tenant, client id, endpoints) are incomplete or wrong.',
  CERTIFICATE_INVALID: 'The certificate file cannot be used (unreadable, no key, no certificate, expired, key mismatch).',
  AUTH_FAILED: 'Signing in to Microsoft Entra ID failed.',
  UNAUTHORIZED: 'Microsoft Graph kept answering 401 even after a fresh token was fetched.',
  FORBIDDEN: 'Microsoft Graph answered 403: the app or user lacks a permission.',
  BAD_REQUEST: 'Microsoft Graph rejected a request as malformed (400).',
  NOT_FOUND: 'Microsoft Graph answered 404: the service principal or job does not exist.',
  THROTTLED: 'Microsoft Graph kept throttling (429) beyond the configured number of waits.',
  SERVER_ERROR: 'Microsoft Graph kept failing (5xx) beyond the configured number of attempts.',
  NETWORK: 'The service could not be reached (connection reset, refused, timed out) after all attempts.',
  HTTP_ERROR: 'Microsoft Graph answered with an unexpected status.',
  QUOTA_EXCEEDED: "The upload needs more calls than remain in the tenant's rolling 24-hour quota.",
  JOB_NOT_FOUND: 'No API-driven provisioning job was found on the service principal.',
  RUN_NOT_FOUND: 'The upload run does not exist in the data folder.',
  RUN_CORRUPT: 'The files of an upload run cannot be read.',
  RUN_LOCKED: 'Another process is uploading this run, or to this provisioning target, right now.',
  ABORTED: 'The operation was cancelled.',
  IO: 'A file in the data folder could not be read or written.',
  INVALID_ARGUMENT: 'A function of the transport was called with an invalid argument.',
  CONFIRMATION_REQUIRED: 'A destructive action (such as a full reset of the provisioning job) needs an explicit confirmation.',
} as const;

export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

/** Structured context of a TransportError, for shells that want more than the message. */
export interface TransportErrorDetails {
  /** HTTP status of the reply that caused the error, if any. */
  status?: number;
  /** 1-based chunk number within a run. */
  chunk?: number;
  /** bulkIds of the chunk concerned. */
  bulkIds?: readonly string[];
  /** The Graph permission that is missing (403). */
  permission?: string;
  /** `request-id` / `client-request-id` header of the failed reply, for a support ticket. */
  requestId?: string;
  /** Low-level error code such as ECONNRESET. */
  errno?: string;
  /** Whether retrying the same call later can succeed. */
  retryable?: boolean;
  /** The job's queue was full (HTTP 500 "bucket full") and stayed full. */
  bucketFull?: boolean;
  /** Run id, for run-related errors. */
  runId?: string;
  /** File path concerned, for IO / certificate errors. */
  file?: string;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;
  readonly details: TransportErrorDetails;

  constructor(code: TransportErrorCode, message: string, options: { details?: TransportErrorDetails; cause?: unknown } = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Type guard that also works across module copies (e.g. errors rebuilt after crossing IPC). */
export function isTransportError(value: unknown): value is TransportError {
  return value instanceof TransportError || (value instanceof Error && value.name === 'TransportError' && 'code' in value);
}

// Secrets registered at runtime (client secrets, private keys) so that any text leaving this package can
// be scrubbed of them even when a server echoes them back.
const knownSecrets = new Set<string>();

/** Remember a secret so that `redact` removes it from any text. Short strings are ignored (too many false hits). */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 8) knownSecrets.add(secret);
}

const REDACTIONS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[private key redacted]'],
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.?[A-Za-z0-9_-]*/g, '[token redacted]'],
  [/(\b(?:client_secret|client_assertion|access_token|refresh_token|id_token|password)["']?\s*[=:]\s*["']?)[^&"'\s,}]+/gi, '$1[redacted]'],
];

/** Remove tokens, secrets and private keys from a piece of text. */
export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join('[secret redacted]');
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}

/** The signal's reason as a TransportError ABORTED (or the reason itself when it already is one). */
export function abortError(signal: AbortSignal | undefined, what = 'The operation'): TransportError {
  const reason: unknown = signal?.reason;
  if (isTransportError(reason)) return reason;
  return new TransportError('ABORTED', `${what} was cancelled.`, { cause: reason });
}
