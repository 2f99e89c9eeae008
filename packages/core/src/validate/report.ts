/**
 * The error report HR staff open in Excel: one line per finding, pointing at file, sheet, row and cell.
 */
import type { Finding } from '../types';

const HEADER = ['severity', 'file', 'sheet', 'row', 'column', 'header', 'path', 'code', 'message'] as const;
const BOM = '\uFEFF';
const EOL = '\r\n';
/** Characters that make Excel or LibreOffice read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell: neutralised against formula injection (a leading `'` makes spreadsheet programs show
 * the text instead of evaluating it — headers and values come from files anyone may have written),
 * then quoted per RFC 4180 when it holds a comma, quote or line break.
 */
function cell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The findings as CSV text with the columns severity, file, sheet, row, column, header, path, code,
 * message. A finding fed by several cells lists their letters and headers separated by "; ". Lines end
 * in CRLF (RFC 4180) and the text starts with a UTF-8 byte order mark so Excel shows accents correctly.
 */
export function errorReportCsv(findings: Finding[]): string {
  return errorReportHeader() + findings.map(errorReportLine).join('');
}

/** The report's first line (with the byte order mark), for writing it as a stream. */
export function errorReportHeader(): string {
  return BOM + HEADER.join(',') + EOL;
}

/** One finding as one report line, ending in CRLF. */
export function errorReportLine(f: Finding): string {
  const cells = f.cells ?? [];
  return (
      [
        f.severity,
        f.file ?? '',
        f.sheet ?? '',
        f.row === undefined ? '' : String(f.row),
        cells.map((c) => c.letter).join('; '),
        cells.map((c) => c.header).join('; '),
        f.path ?? '',
        f.code,
        f.message,
      ]
        .map(cell)
        .join(',') + EOL
  );
}
