/**
 * The checked copy: the person's own file, as an .xlsx, with the answer written into it. HR staff fix data
 * in Excel, so the findings (and, after an upload, each person's outcome) go where they will look: a Status
 * and a What-to-do column at the end of every data row, the offending cells filled and commented, and a
 * summary sheet.
 *
 * xlsx input is loaded with exceljs and added to, so every sheet, value, number format (dates, ids kept as
 * text), comment and style of the original survives. CSV input becomes a workbook of the CSV's rows with
 * every cell as the text the core's CSV reader read (`000042` stays `000042`), written as a stream; each
 * record lands on the row number the findings name (its line), so "row 12" in a message is row 12 on screen.
 */
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { t } from '@scimport/messages';
import { CoreError, isCoreError } from '../errors';
import { type OpenTableOptions, openTable } from '../read';
import { openCsvSource } from '../read/csv';
import type { Finding } from '../types';
import { FindingIndex, type RowOutcome, RowTally, verdict } from './rows';
import { freeSheetName, markCells, paint, writeSummary, writeTitles } from './sheet';

export interface AnnotatedCopyOptions {
  /** The person's file: .xlsx/.xlsm, or .csv/.tsv/.txt. Never written to. */
  input: string;
  /** The data sheet (xlsx): name or zero-based index, as `openTable` takes it. Default: the first visible sheet. */
  sheet?: string | number;
  /** The header row as Excel shows it. Default: detected, as the transform does. */
  headerRow?: number;
  /** CSV: the encoding and delimiter the profile declares (default: detected, as the transform does). */
  encoding?: string;
  delimiter?: string;
  /** Where to write the copy: a path ending in .xlsx, in an existing folder, not the input itself. Replaced if it exists. */
  out: string;
  /** The findings of a check of `input` (`transformFile`'s `onFinding`, or `readErrorReport` of its errors.csv). */
  findings: Iterable<Finding> | AsyncIterable<Finding>;
  /**
   * After an upload: each sent person's outcome by Excel row number. With it, Status says what Entra did
   * (created, updated, failed, …) and rows held back by errors say "not sent".
   */
  outcomes?: ReadonlyMap<number, RowOutcome>;
}

export interface AnnotatedCopyResult {
  /** Absolute path of the copy written. */
  out: string;
  /** The worksheet that got the Status and What-to-do columns. */
  sheet: string;
  /** Data rows given a Status (rows after the header that hold any value). */
  rows: number;
  /** Data rows that carry a finding or an outcome (the rest read "OK"). */
  annotated: number;
}

/** Width of the Status and What-to-do columns, in characters. */
const STATUS_WIDTH = 20;
const WHAT_TO_DO_WIDTH = 70;

/** Paths of a file compared as the file system does (case-blind on Windows and macOS). */
function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' || process.platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * Refuses an output that would replace the original, is not .xlsx, or has no folder to go to — the checks
 * `writeAnnotatedCopy` starts with, for shells that want to fail before a long transform rather than after.
 * Throws CoreError INVALID_ARGUMENT, OUTPUT_IS_INPUT or OUTPUT_FAILED.
 */
export async function checkAnnotatedCopyTarget(inputPath: string, outPath: string): Promise<void> {
  const input = resolve(inputPath);
  const out = resolve(outPath);
  const file = basename(out);
  const suggestion = `${basename(input, extname(input))}-checked.xlsx`;
  const sameAsInput = () => new CoreError('OUTPUT_IS_INPUT', t('annotate.error.sameAsInput', { file: basename(input), suggestion }), { location: { file } });
  if (samePath(input, out)) throw sameAsInput();
  const [inputInfo, outInfo] = await Promise.all([stat(input).catch(() => undefined), stat(out).catch(() => undefined)]);
  // A link or a second name of the same file is the same file: its inode gives it away.
  if (inputInfo && outInfo && inputInfo.dev === outInfo.dev && inputInfo.ino === outInfo.ino) throw sameAsInput();
  if (inputInfo && outInfo && samePath(await realpath(input), await realpath(out))) throw sameAsInput();
  if (extname(out).toLowerCase() !== '.xlsx') {
    throw new CoreError('INVALID_ARGUMENT', t('annotate.error.notXlsx', { file }), { location: { file } });
  }
  const folder = dirname(out);
  const folderInfo = await stat(folder).catch(() => undefined);
  if (!folderInfo?.isDirectory()) {
    throw new CoreError('OUTPUT_FAILED', t('annotate.error.noFolder', { folder, file }), { location: { file } });
  }
}

/**
 * Writes through a temporary file beside `out` and renames it into place, so `out` is either the previous
 * file or the complete new one, never half a workbook (a crash, a full disk, Excel holding the file).
 */
async function atomically(out: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = join(dirname(out), `.${basename(out)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await write(temporary);
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    if (isCoreError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CoreError('OUTPUT_FAILED', t('annotate.error.writeFailed', { file: out, reason }), { location: { file: basename(out) }, cause: error });
  }
}

/**
 * Writes an annotated .xlsx copy of `options.input` to `options.out` (atomically) and says how many rows
 * it annotated. See AnnotatedCopyOptions; the sentences written come from `@scimport/messages` (`annotate.*`).
 *
 * Throws CoreError: INVALID_ARGUMENT (out is not .xlsx), OUTPUT_IS_INPUT (out is the input, by any name),
 * OUTPUT_FAILED (its folder is missing or not writable), and whatever `openTable` throws for an unreadable
 * input (FILE_NOT_FOUND, FILE_UNREADABLE, SHEET_NOT_FOUND, HEADER_NOT_FOUND, …).
 */
export async function writeAnnotatedCopy(options: AnnotatedCopyOptions): Promise<AnnotatedCopyResult> {
  const input = resolve(options.input);
  const out = resolve(options.out);
  await checkAnnotatedCopyTarget(input, out);
  // The same reader and header detection as the transform, so rows and sheet are the ones the findings name.
  const tableOptions: OpenTableOptions = {
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(options.headerRow !== undefined ? { headerRow: options.headerRow } : {}),
    ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
  };
  const table = await openTable(input, tableOptions);
  await table.close();

  const index = new FindingIndex(table.sheet);
  for await (const finding of options.findings) index.add(finding);
  const tally = new RowTally();
  const afterUpload = options.outcomes !== undefined;
  const context: Context = { input, file: table.file, headerRow: table.headerRow, index, tally, outcomes: options.outcomes, afterUpload };

  let sheet: string;
  if (table.format === 'xlsx') {
    sheet = table.sheet ?? '';
    await atomically(out, (temporary) => annotateWorkbook(context, sheet, temporary));
  } else {
    sheet = csvSheetName(table.file);
    await atomically(out, (temporary) => annotateCsv(context, sheet, { encoding: table.encoding, delimiter: table.delimiter, columns: table.columns.length }, temporary));
  }
  return { out, sheet, rows: tally.rows, annotated: tally.annotated };
}

interface Context {
  input: string;
  file: string;
  headerRow: number;
  index: FindingIndex;
  tally: RowTally;
  outcomes: ReadonlyMap<number, RowOutcome> | undefined;
  afterUpload: boolean;
}

/** Status and What to do of one data row, written and counted. */
function annotateRow(context: Context, row: ExcelJS.Row, rowNumber: number, statusColumn: number): void {
  const findings = context.index.byRow.get(rowNumber);
  const result = verdict(findings, context.outcomes?.get(rowNumber), context.afterUpload);
  context.tally.count(findings, result);
  const status = row.getCell(statusColumn);
  status.value = result.status;
  paint(status, result.tone);
  if (result.whatToDo) {
    const what = row.getCell(statusColumn + 1);
    what.value = result.whatToDo;
    what.alignment = { wrapText: true, vertical: 'top' };
  }
}

async function annotateWorkbook(context: Context, sheetName: string, temporary: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(context.input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CoreError('FILE_UNREADABLE', t('annotate.error.inputUnreadable', { file: context.file, reason }), { location: { file: context.file }, cause: error });
  }
  const ws = workbook.getWorksheet(sheetName);
  if (!ws) {
    // openTable found the sheet; exceljs not finding it means the two readers disagree on the file.
    throw new CoreError('FILE_UNREADABLE', t('annotate.error.inputUnreadable', { file: context.file, reason: `no worksheet "${sheetName}"` }), { location: { file: context.file, sheet: sheetName } });
  }
  const statusColumn = ws.columnCount + 1;
  writeTitles(ws.getRow(context.headerRow), statusColumn);
  ws.getColumn(statusColumn).width = STATUS_WIDTH;
  ws.getColumn(statusColumn + 1).width = WHAT_TO_DO_WIDTH;
  for (const rowNumber of context.index.byRow.keys()) markCells(ws.getRow(rowNumber), context.index.cellNotes(rowNumber));
  ws.eachRow((row, rowNumber) => {
    if (rowNumber > context.headerRow && hasValues(row, statusColumn)) annotateRow(context, row, rowNumber, statusColumn);
  });
  const summary = workbook.addWorksheet(freeSheetName((name) => workbook.getWorksheet(name) !== undefined, t('annotate.summary.sheet')));
  writeSummary(summary, { file: context.file, sheet: sheetName, findings: context.index, tally: context.tally, afterUpload: context.afterUpload });
  await workbook.xlsx.writeFile(temporary);
}

/** A row holds data when a cell left of the added columns has a value (a comment or a fill alone is not a person). */
function hasValues(row: ExcelJS.Row, statusColumn: number): boolean {
  let found = false;
  row.eachCell((cell, column) => {
    if (!found && column < statusColumn && cell.value !== null && cell.value !== undefined && cell.value !== '') found = true;
  });
  return found;
}

/** A worksheet name from a file name: Excel allows 31 characters and none of []:*?/\ . */
function csvSheetName(file: string): string {
  const name = basename(file, extname(file)).replace(/[[\]:*?/\\]/g, '_').slice(0, 31).trim();
  return name || 'Sheet1';
}

interface CsvShape {
  encoding: string | undefined;
  delimiter: string | undefined;
  columns: number;
}

async function csvRecords(context: Context, shape: CsvShape) {
  return openCsvSource(createReadStream(context.input), context.file, {
    ...(shape.encoding !== undefined ? { encoding: shape.encoding } : {}),
    ...(shape.delimiter !== undefined ? { delimiter: shape.delimiter } : {}),
  });
}

async function annotateCsv(context: Context, sheetName: string, shape: CsvShape, temporary: string): Promise<void> {
  // A streamed sheet cannot move a column once written, and a record may be longer than the header: one
  // quick pass finds the widest record so the added columns sit right of every value.
  let width = shape.columns;
  const first = await csvRecords(context, shape);
  try {
    for await (const record of first.rows) width = Math.max(width, record.cells.length);
  } finally {
    first.close();
  }
  const statusColumn = width + 1;

  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: temporary, useStyles: true, useSharedStrings: false });
  const ws = workbook.addWorksheet(sheetName);
  ws.getColumn(statusColumn).width = STATUS_WIDTH;
  ws.getColumn(statusColumn + 1).width = WHAT_TO_DO_WIDTH;
  const source = await csvRecords(context, shape);
  try {
    for await (const record of source.rows) {
      const row = ws.getRow(record.row);
      let filled = false;
      record.cells.forEach((value, i) => {
        if (value === undefined || value === '') return;
        // Text exactly as read: never a number, date or formula, whatever it looks like.
        row.getCell(i + 1).value = typeof value === 'string' ? value : String(value);
        filled = true;
      });
      if (context.index.byRow.has(record.row)) markCells(row, context.index.cellNotes(record.row));
      if (record.row === context.headerRow) writeTitles(row, statusColumn);
      else if (record.row > context.headerRow && filled) annotateRow(context, row, record.row, statusColumn);
      row.commit();
    }
  } finally {
    source.close();
  }
  ws.commit();
  const summary = workbook.addWorksheet(freeSheetName((name) => name === sheetName, t('annotate.summary.sheet')));
  writeSummary(summary, { file: context.file, sheet: sheetName, findings: context.index, tally: context.tally, afterUpload: context.afterUpload });
  summary.commit();
  await workbook.commit();
}
