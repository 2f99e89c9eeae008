/**
 * The one guard against formula injection (OWASP "CSV injection") for every CSV the tools write: error reports,
 * upload results. Headers, values and Entra's reasons come from files and services anyone may have written, and
 * Excel or LibreOffice run a cell that starts like a formula when the file is opened.
 */

/**
 * A cell that a spreadsheet program would read as a formula: one starting with = + - @ — also after leading
 * spaces (Excel skips them) and in their full-width forms ＝ ＋ － ＠ (which Japanese and Chinese input methods
 * type, and which spreadsheet programs take as the ASCII signs) — or with a tab or carriage return. Leading
 * apostrophes are looked through, so that text already starting with `'=` is quoted once more and
 * `restoreFormula` gives it back exactly.
 */
const FORMULA_START = /^'*(?:\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|[\t\r])/;

/** True when a spreadsheet program would run `text` as a formula (see FORMULA_START). */
export function startsLikeFormula(text: string): boolean {
  return FORMULA_START.test(text);
}

/** `text` with a leading `'` when it would run as a formula: spreadsheet programs then show it as text. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes `neutraliseFormula` (for reading a report back): `restoreFormula(neutraliseFormula(s)) === s`. */
export function restoreFormula(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell for a file people open in a spreadsheet program: neutralised against formulas, then quoted per
 * RFC 4180 when it holds a comma, quote or line break. `undefined` and `null` are empty cells.
 */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const safe = neutraliseFormula(text);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
