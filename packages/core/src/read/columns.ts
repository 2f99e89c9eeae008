/**
 * What both readers share once a file has become a stream of raw rows (sparse arrays of cell values by
 * zero-based column): column letters, choosing the header row, turning the header into ColumnInfo (with
 * findings for blank and duplicate headers), and turning each raw row into a SourceRow.
 */
import type { CellError, CellValue, ColumnInfo, Finding, SourceRow } from '../types';
import { CoreError } from '../errors';

/** Excel's column letter for a zero-based column index: 0 → "A", 25 → "Z", 26 → "AA", 701 → "ZZ". */
export function columnLetter(index: number): string {
  if (!Number.isInteger(index) || index < 0) {
    throw new CoreError('INVALID_ARGUMENT', `A column index must be a whole number from 0 up; got ${index}.`);
  }
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** An Excel error value (#N/A, #REF!, …) as it sits in a raw row, before it becomes a CellError. */
export class ErrorCell {
  constructor(readonly text: string) {}
}

/** A cell as a reader produces it. Absent (undefined) means empty. */
export type RawCell = CellValue | ErrorCell;

/** One row as a reader produces it: the row number as the user sees it and the cells by column index. */
export interface RawRow {
  row: number;
  cells: (RawCell | undefined)[];
}

/** How many non-empty rows the header detection looks at. */
export const HEADER_LOOKAHEAD = 20;

/** Findings of the same code beyond this many are counted, not stored, so memory stays bounded. */
const MAX_FINDINGS_PER_CODE = 500;

function hasValue(cell: RawCell | undefined): boolean {
  return cell !== undefined && cell !== '';
}

function filledCount(row: RawRow): number {
  let n = 0;
  for (const cell of row.cells) if (hasValue(cell)) n++;
  return n;
}

function textCount(row: RawRow): number {
  let n = 0;
  for (const cell of row.cells) if (typeof cell === 'string' && cell.trim() !== '') n++;
  return n;
}

/**
 * Picks the header among the first non-empty rows of a sheet (`window`, in file order, at most
 * HEADER_LOOKAHEAD rows). Heuristic: the header is the first row that
 *   1. has at least two non-empty cells, at least two of them text, and text in at least half of them
 *      (headers are words; data rows are often numbers and dates);
 *   2. is about as wide as the table: it fills at least 60% as many cells as the widest row in the window
 *      (so a preamble like "Exported by: | HR Bot" above a 4-column table is passed over);
 *   3. is followed by at least one more non-empty row (a header is followed by data), unless it is the
 *      only candidate in the window.
 * Title rows ("Contoso HR export" in A1) have one cell and fail rule 1. When no row qualifies, the first
 * row holding any text is taken; a window without text has no header (HEADER_NOT_FOUND).
 * Returns the position of the chosen row in `window`.
 */
export function detectHeader(window: readonly RawRow[]): number | undefined {
  let widest = 0;
  for (const row of window) widest = Math.max(widest, filledCount(row));
  let lastResort: number | undefined;
  for (let i = 0; i < window.length; i++) {
    const row = window[i]!;
    const filled = filledCount(row);
    const texts = textCount(row);
    if (texts > 0 && lastResort === undefined) lastResort = i;
    const wordy = filled >= 2 && texts >= 2 && texts * 2 >= filled;
    const wide = filled >= widest * 0.6;
    const followed = i < window.length - 1;
    if (wordy && wide && followed) return i;
  }
  for (let i = 0; i < window.length; i++) {
    const row = window[i]!;
    const filled = filledCount(row);
    if (filled >= 2 && textCount(row) * 2 >= filled) return i;
  }
  return lastResort;
}

/** Header text of a raw cell: trimmed text, numbers as written, dates as yyyy-mm-dd. */
function headerText(cell: RawCell | undefined): string {
  if (cell === undefined) return '';
  if (cell instanceof ErrorCell) return cell.text;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return String(cell).trim();
}

/** Where rows come from, for findings and errors. */
export interface SourceContext {
  file: string;
  sheet?: string;
}

/**
 * Collects findings, capping each code at MAX_FINDINGS_PER_CODE so a file with a problem on every row
 * cannot exhaust memory; `summarize()` adds one finding saying how many more there were.
 */
export class FindingSink {
  readonly findings: Finding[];
  private readonly counts = new Map<string, number>();

  constructor(findings: Finding[]) {
    this.findings = findings;
  }

  push(finding: Finding): void {
    const n = (this.counts.get(finding.code) ?? 0) + 1;
    this.counts.set(finding.code, n);
    if (n <= MAX_FINDINGS_PER_CODE) this.findings.push(finding);
  }

  summarize(ctx: SourceContext): void {
    for (const [code, n] of this.counts) {
      if (n <= MAX_FINDINGS_PER_CODE) continue;
      this.findings.push({
        severity: 'warning',
        code,
        message: `${n - MAX_FINDINGS_PER_CODE} more rows have the same problem (${code}); only the first ${MAX_FINDINGS_PER_CODE} are listed.`,
        file: ctx.file,
        ...(ctx.sheet === undefined ? {} : { sheet: ctx.sheet }),
      });
    }
  }
}

/**
 * The header of a table and the per-row conversion that depends on it. Knows which columns are blank-
 * headed (to warn once when data shows up under them) and which columns lie outside the header.
 */
export class HeaderLayout {
  readonly columns: ColumnInfo[];
  /** Column index → header key, for columns inside the table span. */
  private readonly keys: (string | undefined)[] = [];
  private readonly blank = new Set<number>();
  private readonly reportedBlank = new Set<number>();
  private readonly reportedOutside = new Set<number>();
  private readonly first: number;
  private readonly last: number;
  /** Index of the last column with a header text; rows shorter than this are reported (CSV). */
  private readonly lastNamed: number;

  constructor(
    private readonly ctx: SourceContext,
    readonly headerRow: number,
    header: RawRow,
    lookahead: readonly RawRow[],
    private readonly sink: FindingSink,
    /** CSV reports values beyond the header per row; xlsx once per column. */
    private readonly extraValuesPerRow: boolean,
  ) {
    const texts = header.cells.map(headerText);
    let first = Number.POSITIVE_INFINITY;
    let last = -1;
    texts.forEach((text, i) => {
      if (text !== '') {
        first = Math.min(first, i);
        last = Math.max(last, i);
      }
    });
    if (last < 0) {
      throw new CoreError('HEADER_NOT_FOUND', `${describe(ctx)}: row ${headerRow} is empty, so it cannot be the header row. Choose the row that holds the column names.`, {
        location: { ...ctx, row: headerRow },
      });
    }
    this.lastNamed = last;
    // Data right under the header widens the table: a column with values but no name is still a column.
    // In a CSV file only as far as the header line has fields: values past its last delimiter are not a
    // column but a broken row, reported per row instead.
    const limit = extraValuesPerRow ? texts.length - 1 : Number.POSITIVE_INFINITY;
    for (const row of lookahead) {
      row.cells.forEach((cell, i) => {
        if (hasValue(cell) && i <= limit) {
          first = Math.min(first, i);
          last = Math.max(last, i);
        }
      });
    }
    this.first = first;
    this.last = last;

    const seen = new Map<string, number>();
    const used = new Set(texts.filter((t) => t !== ''));
    const columns: ColumnInfo[] = [];
    for (let i = first; i <= last; i++) {
      const letter = columnLetter(i);
      const text = texts[i] ?? '';
      let key: string;
      if (text === '') {
        key = uniqueKey(`(blank ${letter})`, used);
        this.blank.add(i);
      } else if (seen.has(text)) {
        key = uniqueKey(text, used, 2);
        const firstIndex = seen.get(text)!;
        const firstLetter = columnLetter(firstIndex);
        sink.push({
          severity: 'warning',
          code: 'header.duplicate',
          message: `${describe(ctx)}: columns ${firstLetter} and ${letter} both have the header "${text}"; column ${letter} is read as "${key}". Rename one of them in the file so the mapping uses the column you mean.`,
          ...where(ctx, headerRow),
          cells: [
            { header: text, letter: firstLetter },
            { header: key, letter },
          ],
        });
      } else {
        key = text;
        seen.set(text, i);
      }
      used.add(key);
      this.keys[i] = key;
      columns.push({ header: key, letter, index: i });
    }
    this.columns = columns;
    for (const row of lookahead) this.noticeBlankColumns(row);
  }

  /** Turns a raw row into a SourceRow, reporting data under blank headers or beyond the header. */
  toSourceRow(raw: RawRow): SourceRow {
    // No prototype: a column headed "__proto__" is kept as data (on a plain object the assignment would set the
    // prototype and the value would vanish), and an absent "constructor" column reads as undefined, not a function.
    const values = Object.create(null) as Record<string, CellValue>;
    let cellErrors: CellError[] | undefined;
    let extra = 0;
    const cells = raw.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      if (cell === undefined || cell === '') continue;
      const key = i >= this.first && i <= this.last ? this.keys[i] : undefined;
      if (key === undefined) {
        extra++;
        if (!this.extraValuesPerRow) this.reportOutside(i, raw.row);
        continue;
      }
      if (this.blank.has(i) && !this.reportedBlank.has(i)) this.reportBlank(i, raw.row);
      if (cell instanceof ErrorCell) {
        (cellErrors ??= []).push({ header: key, letter: columnLetter(i), error: cell.text });
      } else {
        values[key] = cell;
      }
    }
    if (extra > 0 && this.extraValuesPerRow) this.reportExtraValues(raw, extra);
    const origin = this.ctx.sheet === undefined
      ? { file: this.ctx.file, row: raw.row }
      : { file: this.ctx.file, sheet: this.ctx.sheet, row: raw.row };
    return cellErrors ? { origin, values, cellErrors } : { origin, values };
  }

  /** True when a row has no value and no error in any column. */
  static isEmpty(raw: RawRow): boolean {
    for (const cell of raw.cells) if (hasValue(cell)) return false;
    return true;
  }

  /** CSV only: a row with fewer fields than the header has columns is likely a row broken in two. */
  reportShortRow(raw: RawRow, fieldCount: number): void {
    const expected = this.lastNamed + 1;
    if (fieldCount >= expected) return;
    this.sink.push({
      severity: 'warning',
      code: 'row.missingValues',
      message: `${describe(this.ctx)}, row ${raw.row}: the row has ${fieldCount} values but the header has ${expected} columns, so its last columns are read as empty. If a value on this row contains a line break, put that value in quotes.`,
      ...where(this.ctx, raw.row),
    });
  }

  private noticeBlankColumns(row: RawRow): void {
    for (const i of this.blank) {
      if (!this.reportedBlank.has(i) && hasValue(row.cells[i])) this.reportBlank(i, row.row);
    }
  }

  private reportBlank(index: number, row: number): void {
    this.reportedBlank.add(index);
    const letter = columnLetter(index);
    const key = this.keys[index]!;
    this.sink.push({
      severity: 'warning',
      code: 'header.blank',
      message: `${describe(this.ctx)}: column ${letter} has values (first in row ${row}) but no header in row ${this.headerRow}; it is read as "${key}". Type a header for it in the file.`,
      ...where(this.ctx, this.headerRow),
      cells: [{ header: key, letter }],
    });
  }

  private reportOutside(index: number, row: number): void {
    if (this.reportedOutside.has(index)) return;
    this.reportedOutside.add(index);
    const letter = columnLetter(index);
    this.sink.push({
      severity: 'warning',
      code: 'column.noHeader',
      message: `${describe(this.ctx)}: column ${letter} has a value in row ${row} but lies outside the header (columns ${columnLetter(this.first)}–${columnLetter(this.last)} of row ${this.headerRow}); its values are ignored. Type a header for it in row ${this.headerRow} if it is needed.`,
      ...where(this.ctx, row),
      cells: [{ header: '', letter }],
    });
  }

  private reportExtraValues(raw: RawRow, extra: number): void {
    this.sink.push({
      severity: 'warning',
      code: 'row.extraValues',
      message: `${describe(this.ctx)}, row ${raw.row}: the row has ${extra} more value${extra === 1 ? '' : 's'} than the header has columns; ${extra === 1 ? 'it is' : 'they are'} ignored. A value containing the delimiter probably lacks quotes.`,
      ...where(this.ctx, raw.row),
    });
  }
}

function uniqueKey(base: string, used: ReadonlySet<string>, start?: number): string {
  if (start === undefined && !used.has(base)) return base;
  for (let n = start ?? 2; ; n++) {
    const candidate = `${base} (${n})`;
    if (!used.has(candidate)) return candidate;
  }
}

function where(ctx: SourceContext, row: number): Pick<Finding, 'file' | 'sheet' | 'row'> {
  return ctx.sheet === undefined ? { file: ctx.file, row } : { file: ctx.file, sheet: ctx.sheet, row };
}

/** "people.xlsx, sheet "Staff"" or "people.csv". */
export function describe(ctx: SourceContext): string {
  return ctx.sheet === undefined ? ctx.file : `${ctx.file}, sheet "${ctx.sheet}"`;
}
