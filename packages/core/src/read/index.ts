/**
 * Table readers: open an .xlsx, .csv or .txt export and stream its rows as SourceRows whose values look
 * the way the user sees them in Excel (dates as dates, ids with their leading zeros, formulas as their
 * results), each with the file, sheet and row it came from.
 */
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { CoreError } from '../errors';
import { openCsvFile } from './csv';
import { assembleTable } from './table';
import type { Table } from './table';
import { XlsxSession, checkWorkbookSignature, chooseSheet, unreadable } from './xlsx';
import { XLSX_THREAD, openSheetOnThread } from './xlsx-thread';

export { columnLetter } from './columns';
export type { Table } from './table';

/** How to read a file. Every field may be left out; then it is detected. */
export interface OpenTableOptions {
  /** xlsx: sheet name or zero-based index among the worksheets; default the first visible worksheet. */
  sheet?: string | number;
  /** The header row as Excel shows it (1-based; for CSV the line number); absent = detect past title rows. */
  headerRow?: number;
  /** csv: declared text encoding (an iconv-lite name such as utf-8, utf-16le, windows-1252); overrides detection. */
  encoding?: string;
  /** csv: declared delimiter ("," ";" "\t" or "tab" "|" …); overrides detection. */
  delimiter?: string;
}

const EXTENSIONS = new Map<string, 'xlsx' | 'csv'>([
  ['.xlsx', 'xlsx'],
  ['.xlsm', 'xlsx'],
  ['.csv', 'csv'],
  ['.txt', 'csv'],
  ['.tsv', 'csv'],
]);

function formatOf(path: string): 'xlsx' | 'csv' {
  const file = basename(path);
  const format = EXTENSIONS.get(extname(path).toLowerCase());
  if (!format) {
    const old = extname(path).toLowerCase() === '.xls' ? ' For an old .xls workbook, open it in Excel and save it as "Excel Workbook (*.xlsx)".' : '';
    throw new CoreError('FILE_UNSUPPORTED', `${file} cannot be read: only .xlsx, .xlsm, .csv, .tsv and .txt files are accepted.${old}`, { location: { file } });
  }
  return format;
}

/** Checks that `path` is a file that can be opened; returns its size. */
async function ensureFile(path: string): Promise<number> {
  const file = basename(path);
  try {
    const info = await stat(path);
    if (info.isFile()) return info.size;
    throw new CoreError('FILE_NOT_FOUND', `${file} is a folder, not a file. Choose the exported spreadsheet inside it.`, { location: { file } });
  } catch (error) {
    if (error instanceof CoreError) throw error;
    throw new CoreError('FILE_NOT_FOUND', `${file} ${whyNotOpened((error as NodeJS.ErrnoException).code, path)}`, { location: { file }, cause: error });
  }
}

/** The real reason a path cannot be opened: "not found" for a loop of links or a locked folder sends people looking in the wrong place. */
function whyNotOpened(code: string | undefined, path: string): string {
  switch (code) {
    case 'ELOOP':
      return `cannot be opened: ${path} is a shortcut (symbolic link) that leads back to itself in a loop. Point the link at the real file, or choose the file itself.`;
    case 'EACCES':
    case 'EPERM':
      return `cannot be opened: you have no permission to read ${path} or a folder on its way. Ask for access or copy the file somewhere you can read.`;
    case 'ENOTDIR':
      return `was not found: a part of ${path} before the file name is a file, not a folder. Check the path.`;
    case 'ENAMETOOLONG':
      return `cannot be opened: the path ${path.length > 80 ? `${path.slice(0, 77)}...` : path} is longer than the system allows. Move the file to a shorter path.`;
    default:
      return `was not found at ${path}. Check the name and the folder, then try again.`;
  }
}

/**
 * Opens a spreadsheet export for reading. Reads only as far as the header (plus a few rows to check it);
 * the rows themselves are streamed by `rows()`, so memory does not grow with the file.
 *
 * Throws CoreError: FILE_NOT_FOUND, FILE_UNSUPPORTED (extension), FILE_UNREADABLE (damaged or not what
 * its extension says), SHEET_NOT_FOUND (listing the sheets there are), HEADER_NOT_FOUND,
 * ENCODING_UNSUPPORTED, CSV_MALFORMED (unclosed quote, with its line). Rows read later can fail with
 * FILE_UNREADABLE or CSV_MALFORMED too.
 */
export async function openTable(path: string, options: OpenTableOptions = {}): Promise<Table> {
  const format = formatOf(path);
  const size = await ensureFile(path);
  const file = basename(path);
  return format === 'xlsx' ? openXlsx(path, file, size, options) : openCsvFile(path, file, options);
}

async function openXlsx(path: string, file: string, size: number, options: OpenTableOptions): Promise<Table> {
  await checkWorkbookSignature(path, file);
  const headerRow = options.headerRow === undefined ? {} : { headerRow: options.headerRow };
  const failure = (error: unknown, row: number | undefined) => unreadable(file, error, row);
  // A large workbook is read on a thread of its own, so reading overlaps whatever is done with its rows.
  const threaded = size >= XLSX_THREAD.fromBytes ? await openSheetOnThread({ path, file, sheet: options.sheet }) : undefined;
  if (threaded) {
    return assembleTable({ file, sheet: threaded.sheet, format: 'xlsx', rows: threaded.rows, ...headerRow, close: threaded.close, failure });
  }
  const session = new XlsxSession(path, file);
  let opened: Awaited<ReturnType<XlsxSession['openSheet']>>;
  try {
    opened = await session.openSheet((sheets) => chooseSheet(file, sheets, options.sheet));
  } catch (error) {
    await session.close();
    throw error;
  }
  return assembleTable({
    file,
    sheet: opened.sheet.name,
    format: 'xlsx',
    rows: opened.rows,
    ...headerRow,
    close: () => session.close(),
    failure,
  });
}

/** The worksheet names of an .xlsx file, in tab order (hidden sheets included). Reads only the workbook's index part. */
export async function listSheets(path: string): Promise<string[]> {
  const format = formatOf(path);
  const file = basename(path);
  if (format !== 'xlsx') {
    throw new CoreError('INVALID_ARGUMENT', `${file} is a text file and has no worksheets; only .xlsx workbooks do.`, { location: { file } });
  }
  await ensureFile(path);
  await checkWorkbookSignature(path, file);
  const session = new XlsxSession(path, file);
  try {
    return (await session.listSheets()).map((s) => s.name);
  } finally {
    await session.close();
  }
}
