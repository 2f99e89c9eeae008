/**
 * The one error type of @scimport/core. Every failure the core raises is a CoreError with a code from
 * CORE_ERROR_CODES, a message written for the person at the keyboard (what happened and what to do), and
 * where it applies the file, row, column or profile field it concerns. Shells (CLI, desktop) print
 * `message` and never a stack trace.
 */
export const CORE_ERROR_CODES = {
  FILE_NOT_FOUND: 'The input file does not exist or cannot be opened.',
  FILE_UNSUPPORTED: 'The input file is not a .xlsx, .csv or .txt file.',
  FILE_UNREADABLE: 'The input file is damaged, is not what its extension says, or goes past a bound that keeps reading it finite (a part inflating too far, a cell past XFD1048576 or over 32,767 characters).',
  SHEET_NOT_FOUND: 'The requested worksheet is not in the workbook.',
  HEADER_NOT_FOUND: 'No header row could be found (or the given header row is empty).',
  ENCODING_UNSUPPORTED: 'The text encoding is not known: a declared one does not exist, or a guessed one is doubtful (the text reads as more than one encoding) and must be declared.',
  CSV_MALFORMED: 'The CSV text cannot be parsed (for example an unclosed quote).',
  PROFILE_UNREADABLE: 'The profile file cannot be read or is not JSON.',
  PROFILE_INVALID: 'The profile does not match the profile schema.',
  PROFILE_SECRET: 'The profile contains something that looks like a secret.',
  MAPPING_SYNTAX: 'The JSONata mapping has a syntax error.',
  MAPPING_RUNTIME: 'The JSONata mapping failed while evaluating a row.',
  MAPPING_TIMEOUT: 'The JSONata mapping took too long on a row.',
  MAPPING_TOO_LARGE: 'The JSONata mapping produced too much output for a row.',
  MAPPING_TOO_DEEP: 'The JSONata mapping recursed too deeply.',
  PSD1_SYNTAX: 'The CSV2SCIM .psd1 file cannot be parsed.',
  OUTPUT_FAILED: 'The output could not be written.',
  OUTPUT_IS_INPUT: 'The output would overwrite the input file (an annotated copy never replaces the original).',
  INVALID_ARGUMENT: 'A function of the core was called with an invalid argument.',
  CANCELLED: 'The work was cancelled by the user.',
  SNAPSHOT_UNREADABLE: 'The snapshot of the last upload cannot be read: a different key, or a damaged file.',
  UNDO_UNAVAILABLE: 'The upload cannot be undone: nothing was kept of it (never sent, past the undo retention, or already undone).',
} as const;

export type CoreErrorCode = keyof typeof CORE_ERROR_CODES;

/** Where a problem sits, as far as it is known. Row numbers are as Excel (or a text editor) shows them. */
export interface ErrorLocation {
  file?: string;
  sheet?: string;
  row?: number;
  column?: string;
  header?: string;
  /** A JSON-pointer-like field path inside a profile (`/input/headerRow`) or a SCIM path. */
  field?: string;
  /** Zero-based character offset in a JSONata expression. */
  position?: number;
}

export class CoreError extends Error {
  override readonly name = 'CoreError';
  readonly code: CoreErrorCode;
  readonly location: ErrorLocation;
  /** Extra, structured detail (for example every schema violation of a profile). */
  readonly details: readonly string[];

  constructor(
    code: CoreErrorCode,
    message: string,
    options: { location?: ErrorLocation; details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location ?? {};
    this.details = options.details ?? [];
  }
}

export function isCoreError(value: unknown): value is CoreError {
  return value instanceof CoreError || (value instanceof Error && value.name === 'CoreError' && 'code' in value);
}

/** "file.csv, row 12, column D (UserID)" — the prefix every user-facing message about a cell starts with. */
export function describeLocation(location: ErrorLocation): string {
  const parts: string[] = [];
  if (location.file) parts.push(location.file);
  if (location.sheet) parts.push(`sheet "${location.sheet}"`);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.column || location.header) {
    const col = location.column ?? '';
    const header = location.header ? ` (${location.header})` : '';
    parts.push(`column ${col}${header}`.replace('column  (', 'column ('));
  }
  if (location.field) parts.push(`field ${location.field}`);
  if (location.position !== undefined) parts.push(`position ${location.position}`);
  return parts.join(', ');
}
