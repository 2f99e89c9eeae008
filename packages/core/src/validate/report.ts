/**
 * The error report HR staff open in Excel: one line per finding, pointing at file, sheet, row and cell.
 */
import type { Finding } from '../types';
import { csvCell } from '../formula';

/**
 * `rows` comes last (readers that know only the first nine columns keep working): it is filled only on a line that
 * stands for a warning repeated on many rows, and lists them all (`2–1001, 1005`).
 */
const HEADER = ['severity', 'file', 'sheet', 'row', 'column', 'header', 'path', 'code', 'message', 'rows'] as const;
const BOM = '\uFEFF';
const EOL = '\r\n';
/**
 * One CSV cell: neutralised against formula injection by the core's one guard (headers and values come from
 * files anyone may have written), then quoted per RFC 4180.
 */
const cell = (text: string): string => csvCell(text);

/**
 * The findings as CSV text with the columns severity, file, sheet, row, column, header, path, code,
 * message, rows. A finding fed by several cells lists their letters and headers separated by "; ". Lines end
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
        f.repeats?.rows ?? '',
      ]
        .map(cell)
        .join(',') + EOL
  );
}
