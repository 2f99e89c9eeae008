/**
 * The one error type of the CLI. Its code decides the exit status; its message is the one line the user
 * sees (no stack trace).
 */
export const CLI_ERROR_CODES = {
  USAGE: 'The command line is not valid (unknown option, missing argument).',
  INPUT: 'An input file or profile cannot be read or is not valid.',
  OUTPUT: 'An output file cannot be written.',
  FINDINGS: 'The data has findings of severity error.',
  REFUSED: 'The command refused to go on for safety (quota, thresholds).',
  REMOTE: 'The remote service failed or rejected the request.',
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

/** Exit statuses are a contract with scripts and schedulers. */
export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly exitCode: number = code === 'FINDINGS' ? EXIT.FINDINGS : EXIT.USAGE,
  ) {
    super(message);
  }
}

export function isCliError(value: unknown): value is CliError {
  return value instanceof CliError;
}
