/**
 * Turns whatever a service throws into error data for the bridge. Core and transport errors already carry
 * messages written for HR staff; they are passed through (secrets scrubbed) with a category. Anything else is
 * an app bug: the person gets a calm sentence, never a stack trace.
 */
import { isCoreError, type CoreErrorCode } from '@scimport/core';
import { isTransportError, redact, type TransportErrorCode } from '@scimport/transport';
import { isEmulatorError } from '@scimport/emulator';
import { ZodError } from 'zod';
import { BridgeError, type BridgeErrorCode, type BridgeErrorData } from '../../shared/contract';

/** Throws a BridgeError from a service (the only error class the services raise themselves). */
export function fail(code: BridgeErrorCode, message: string, location?: BridgeErrorData['location']): never {
  throw new BridgeError({ code, message, ...(location ? { location } : {}) });
}

const CORE_CATEGORY: Record<CoreErrorCode, BridgeErrorCode> = {
  FILE_NOT_FOUND: 'FILE',
  FILE_UNSUPPORTED: 'FILE',
  FILE_UNREADABLE: 'FILE',
  SHEET_NOT_FOUND: 'FILE',
  HEADER_NOT_FOUND: 'FILE',
  ENCODING_UNSUPPORTED: 'FILE',
  CSV_MALFORMED: 'FILE',
  PROFILE_UNREADABLE: 'PROFILE',
  PROFILE_INVALID: 'PROFILE',
  PROFILE_SECRET: 'PROFILE',
  MAPPING_SYNTAX: 'MAPPING',
  MAPPING_RUNTIME: 'MAPPING',
  MAPPING_TIMEOUT: 'MAPPING',
  MAPPING_TOO_LARGE: 'MAPPING',
  MAPPING_TOO_DEEP: 'MAPPING',
  PSD1_SYNTAX: 'PROFILE',
  OUTPUT_FAILED: 'FILE',
  OUTPUT_IS_INPUT: 'FILE',
  INVALID_ARGUMENT: 'INVALID_INPUT',
  CANCELLED: 'CANCELLED',
  SNAPSHOT_UNREADABLE: 'SNAPSHOT',
  UNDO_UNAVAILABLE: 'REFUSED',
};

const TRANSPORT_CATEGORY: Partial<Record<TransportErrorCode, BridgeErrorCode>> = {
  QUOTA_EXCEEDED: 'REFUSED',
  RUN_LOCKED: 'REFUSED',
  CONFIRMATION_REQUIRED: 'REFUSED',
  ABORTED: 'CANCELLED',
  RUN_NOT_FOUND: 'NOT_FOUND',
  IO: 'FILE',
  INVALID_ARGUMENT: 'INVALID_INPUT',
};

function zodMessage(error: ZodError): string {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? ` (${first.path.join('.')})` : '';
  return `The app sent a request it should not have${where}: ${first?.message ?? 'unexpected shape'}. Restart the app; if it happens again, report it.`;
}

/** The bridge's view of any thrown value. */
export function toErrorData(error: unknown): BridgeErrorData {
  if (error instanceof BridgeError) return error.toData();
  if (error instanceof ZodError) return { code: 'INVALID_INPUT', message: zodMessage(error) };
  if (isCoreError(error)) {
    const loc = error.location;
    const location = Object.fromEntries(
      Object.entries({ file: loc.file, sheet: loc.sheet, row: loc.row, column: loc.column, field: loc.field, position: loc.position }).filter(([, v]) => v !== undefined),
    );
    return { code: CORE_CATEGORY[error.code] ?? 'INTERNAL', message: redact(error.message), ...(Object.keys(location).length ? { location } : {}) };
  }
  if (isTransportError(error)) return { code: TRANSPORT_CATEGORY[error.code] ?? 'CONNECTION', message: redact(error.message) };
  if (isEmulatorError(error)) return { code: 'CONNECTION', message: `The built-in sandbox could not start: ${redact(error.message)}` };
  const detail = error instanceof Error ? redact(error.message) : '';
  return {
    code: 'INTERNAL',
    message: `Something unexpected went wrong inside the app${detail ? ` (${detail.slice(0, 200)})` : ''}. Your files were not changed. Try again; if it keeps happening, report it.`,
  };
}
