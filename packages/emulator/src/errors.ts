/**
 * The one error type of @scimport/emulator. It covers failures of the emulator as a program (bad options,
 * a port already taken, a state folder that cannot be read or written). Protocol errors are never thrown:
 * they are answered over HTTP, shaped like Microsoft Graph or Entra's token endpoint would shape them.
 */
export const EMULATOR_ERROR_CODES = {
  INVALID_OPTION: 'An option given to startEmulator is not valid.',
  CERTIFICATE_INVALID: 'The client certificate (certificatePem) cannot be read as a PEM X.509 certificate.',
  PORT_UNAVAILABLE: 'The emulator could not listen on the requested port.',
  STATE_UNREADABLE: 'The state folder holds a state file that cannot be read.',
  STATE_WRITE_FAILED: 'The emulator state could not be written to the state folder.',
  CLOSED: 'The emulator has been closed.',
} as const;

export type EmulatorErrorCode = keyof typeof EMULATOR_ERROR_CODES;

export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
  readonly code: EmulatorErrorCode;

  constructor(code: EmulatorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** True for an EmulatorError, also one that crossed a realm boundary (worker, vitest module graph). */
export function isEmulatorError(value: unknown): value is EmulatorError {
  return value instanceof EmulatorError || (value instanceof Error && value.name === 'EmulatorError' && 'code' in value);
}
