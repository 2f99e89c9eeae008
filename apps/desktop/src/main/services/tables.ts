/**
 * Open spreadsheets. Opening reads only up to the header and the first rows, answers at once, and keeps
 * reading the rest in the background, so the first rows are on screen while a large file is still loading.
 * Rows are held compactly (one array of values per row) for the grid, the mapping preview and auto-mapping.
 *
 * Which sheet and header row: what the person chose, else what the profile says, else the first sheet with a
 * header and rows of people (a "Read me" or an empty sheet is passed over) and the header detected past title
 * rows; the answer says what was chosen and why.
 */
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { isCoreError, listSheets, openTable, type CellValue, type ColumnInfo, type SourceRow, type Table } from '@scimport/core';
import { t } from '@scimport/messages';
import { BridgeError, type CellText, type ColumnType, type ColumnView, type Responses, type RowView, type TableInfo, type TableStatus } from '../../shared/contract';
import { fail, toErrorData } from './errors';
import { BoundedMap, newId } from './ids';
import { compileOrProblem } from './mapping';

/** Rows to have before `file:open` answers: enough to show a screenful and guess the column types. */
const FIRST_ROWS = 100;
/** Open tables kept at once; opening another drops the oldest. */
const MAX_TABLES = 4;

interface StoredRow {
  row: number;
  values: (CellValue | undefined)[];
  errors?: Record<string, string>;
}

export interface OpenedTable {
  info: TableInfo;
  columns: ColumnInfo[];
  rows: StoredRow[];
  done: boolean;
  error?: ReturnType<typeof toErrorData>;
  table: Table;
  /** Approximate bytes read so far (CSV), for the estimate of the total. */
  bytes: number;
  /** Resolves when every row is read (or reading failed). */
  finished: Promise<void>;
  /** Options the table was opened with, to read it again for a whole-file check. */
  options: { sheet?: string | number; headerRow?: number };
}

type OpenOptions = { sheet?: string | number; headerRow?: number };

/** A table whose first data row has been read (to tell a sheet of people from a notes sheet), and the rest. */
interface Peeked {
  table: Table;
  first?: SourceRow;
  rest: AsyncIterator<SourceRow>;
  error?: unknown;
}

async function peek(table: Table): Promise<Peeked> {
  const rest = table.rows()[Symbol.asyncIterator]();
  try {
    const next = await rest.next();
    return { table, ...(next.done ? {} : { first: next.value }), rest };
  } catch (error) {
    return { table, rest, error };
  }
}

/** Why a sheet is not the one to open, or undefined when it has a header and rows of people. */
function unfit(peeked: Peeked): 'notes' | 'headerOnly' | undefined {
  if (peeked.error !== undefined || peeked.table.columns.length < 2) return 'notes';
  return peeked.first ? undefined : 'headerOnly';
}

function hasSheet(sheets: string[], wanted: string | number): boolean {
  if (typeof wanted === 'number') return wanted < sheets.length;
  return sheets.some((name) => name.trim().toLowerCase() === wanted.trim().toLowerCase());
}

const SKIPPED_KEY = { notes: 'services.table.skipped.notes', empty: 'services.table.skipped.empty', headerOnly: 'services.table.skipped.headerOnly' } as const;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A cell as a person sees it: dates as 2021-05-01 (with the time when there is one), yes/no as TRUE/FALSE. */
export function cellText(value: CellValue | undefined): CellText {
  if (value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    const date = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    const hasTime = value.getUTCHours() + value.getUTCMinutes() + value.getUTCSeconds() > 0;
    return hasTime ? `${date} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}` : date;
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}

const YES_NO = /^(true|false|yes|no|y|n|active|inactive)$/i;

/** The look of a column's values in the first rows: what the grid shows above each column. */
export function columnType(values: (CellValue | undefined)[]): ColumnType {
  const present = values.filter((v): v is CellValue => v !== undefined && !(typeof v === 'string' && v.trim() === ''));
  if (present.length === 0) return 'empty';
  if (present.every((v) => v instanceof Date)) return 'date';
  if (present.every((v) => typeof v === 'boolean' || (typeof v === 'string' && YES_NO.test(v.trim())))) return 'yes/no';
  if (present.every((v) => typeof v === 'string' && /^\d+$/.test(v.trim())) && present.some((v) => (v as string).trim().startsWith('0'))) return 'identifier';
  if (present.every((v) => typeof v === 'number')) return 'number';
  if (present.every((v) => typeof v === 'string' && /^[A-Za-z]{0,6}\d{2,}$/.test(v.trim()))) return 'identifier';
  if (present.every((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?Z?)?$/.test(v.trim()))) return 'date';
  return 'text';
}

export class TableService {
  private readonly tables = new BoundedMap<OpenedTable>(MAX_TABLES, (t) => void t.table.close().catch(() => undefined));

  /**
   * Opens a spreadsheet and starts reading its rows; answers once the first rows are in. `options` are the
   * person's choice, `profile` the profile's input (applied where the person did not choose).
   */
  async open(path: string, options: OpenOptions = {}, profile: OpenOptions = {}): Promise<TableInfo> {
    const format = ['.xlsx', '.xlsm'].includes(extname(path).toLowerCase()) ? 'xlsx' : 'csv';
    const sheets = format === 'xlsx' ? await listSheets(path) : [];
    // A profile made on another workbook may name a sheet this one lacks: then the sheet is found as without one.
    const profileSheet = format === 'xlsx' && profile.sheet !== undefined && hasSheet(sheets, profile.sheet) ? profile.sheet : undefined;
    const lost = format === 'xlsx' && options.sheet === undefined && profile.sheet !== undefined && profileSheet === undefined;
    const sheet = options.sheet ?? profileSheet;
    const headerRow = options.headerRow ?? (lost ? undefined : profile.headerRow);
    const fromProfile = (options.sheet === undefined && sheet !== undefined) || (options.headerRow === undefined && headerRow !== undefined);
    const wanted: OpenOptions = { ...(sheet !== undefined ? { sheet } : {}), ...(headerRow !== undefined ? { headerRow } : {}) };
    const { peeked, skipped, none } = sheet === undefined && format === 'xlsx' ? await this.firstSheetOfPeople(path, sheets, wanted) : { peeked: await peek(await openTable(path, wanted)), skipped: [], none: false };
    const table = peeked.table;
    const reasons: string[] = [];
    if (lost) reasons.push(t('services.table.chosen.profileMissing', { sheet: String(profile.sheet) }));
    if (fromProfile) reasons.push(table.sheet !== undefined && sheet !== undefined ? t('services.table.chosen.profile', { sheet: table.sheet, headerRow: table.headerRow }) : t('services.table.chosen.profileHeader', { headerRow: table.headerRow }));
    else if (none) reasons.push(t('services.table.chosen.none', { sheet: table.sheet ?? '' }));
    else if (skipped.length > 0) reasons.push(t('services.table.chosen.skipped', { sheet: table.sheet ?? '', skipped: skipped.map((s) => t(SKIPPED_KEY[s.why], { sheet: s.sheet })).join('; ') }));
    else if (sheet === undefined && sheets.length > 1) reasons.push(t('services.table.chosen.first', { sheet: table.sheet ?? '' }));
    if (headerRow === undefined && table.headerRow > 1) reasons.push(t('services.table.chosen.header', { headerRow: table.headerRow, count: table.headerRow - 1 }));
    const sizeBytes = await stat(path).then((s) => s.size, () => 0);
    const tableId = newId('table');
    const info: TableInfo = {
      tableId,
      file: table.file,
      path,
      format: table.format,
      sheets,
      ...(table.sheet !== undefined ? { sheet: table.sheet } : {}),
      headerRow: table.headerRow,
      columns: table.columns.map((c) => ({ ...c, type: 'text' as ColumnType })),
      ...(table.encoding ? { encoding: table.encoding } : {}),
      ...(table.delimiter ? { delimiter: table.delimiter } : {}),
      sizeBytes,
      ...(reasons.length > 0 ? { chosen: { ...(table.sheet !== undefined ? { sheet: table.sheet } : {}), headerRow: table.headerRow, reason: reasons.join(' ') } } : {}),
    };
    let firstRows: () => void = () => undefined;
    const haveFirstRows = new Promise<void>((resolve) => (firstRows = resolve));
    // The sheet and header row read, so a whole-file check reads exactly this table.
    const used: OpenOptions = { ...(table.sheet !== undefined ? { sheet: table.sheet } : {}), headerRow: table.headerRow };
    const opened: OpenedTable = { info, columns: table.columns, rows: [], done: false, table, bytes: 0, finished: Promise.resolve(), options: used };
    opened.finished = this.readAll(opened, peeked, () => {
      if (opened.rows.length >= FIRST_ROWS) firstRows();
    }).finally(firstRows);
    this.tables.set(tableId, opened);
    await haveFirstRows;
    if (opened.error && opened.rows.length === 0) {
      this.tables.delete(tableId);
      throw new BridgeError(opened.error);
    }
    info.columns = table.columns.map((c): ColumnView => ({ header: c.header, letter: c.letter, index: c.index, type: columnType(opened.rows.map((r) => r.values[c.index])) }));
    return info;
  }

  /**
   * The sheet to open when none was named: the first visible one when it has a header and rows of people, else
   * the first in tab order that has; when none has, the first visible one after all. Sheets passed over are said.
   */
  private async firstSheetOfPeople(path: string, sheets: string[], options: OpenOptions): Promise<{ peeked: Peeked; skipped: { sheet: string; why: keyof typeof SKIPPED_KEY }[]; none: boolean }> {
    const skipped: { sheet: string; why: keyof typeof SKIPPED_KEY }[] = [];
    let fallback: Peeked | undefined;
    let empty: unknown;
    try {
      fallback = await peek(await openTable(path, options));
    } catch (error) {
      // A sheet without any text has no header: empty as far as people go.
      if (!(isCoreError(error) && error.code === 'HEADER_NOT_FOUND')) throw error;
      empty = error;
    }
    const why = fallback ? unfit(fallback) : 'empty';
    if (fallback && !why) return { peeked: fallback, skipped, none: false };
    const tried = fallback?.table.sheet ?? sheets[0];
    if (why) skipped.push({ sheet: tried ?? '', why });
    for (const name of sheets) {
      if (name === tried) continue;
      let candidate: Peeked;
      try {
        candidate = await peek(await openTable(path, { ...options, sheet: name }));
      } catch (error) {
        if (isCoreError(error) && error.code === 'HEADER_NOT_FOUND') skipped.push({ sheet: name, why: 'empty' });
        continue;
      }
      const reason = unfit(candidate);
      if (!reason) {
        await fallback?.table.close().catch(() => undefined);
        return { peeked: candidate, skipped: skipped.filter((s) => sheets.indexOf(s.sheet) < sheets.indexOf(name)), none: false };
      }
      skipped.push({ sheet: name, why: reason });
      await candidate.table.close().catch(() => undefined);
    }
    if (fallback) return { peeked: fallback, skipped: [], none: true };
    throw empty;
  }

  private async readAll(opened: OpenedTable, peeked: Peeked, onRow: () => void): Promise<void> {
    const { columns } = opened;
    const index = new Map(columns.map((c) => [c.header, c.index]));
    const take = (row: SourceRow) => {
      opened.rows.push(store(row, index, columns.length));
      for (const value of Object.values(row.values)) opened.bytes += typeof value === 'string' ? value.length + 1 : 8;
      opened.bytes += 2;
      onRow();
    };
    try {
      if (peeked.error !== undefined) throw peeked.error;
      if (peeked.first) take(peeked.first);
      for (let next = await peeked.rest.next(); !next.done; next = await peeked.rest.next()) take(next.value);
    } catch (error) {
      opened.error = toErrorData(error);
    } finally {
      opened.done = true;
    }
  }

  get(tableId: string): OpenedTable {
    const opened = this.tables.get(tableId);
    if (!opened) fail('NOT_FOUND', t('services.table.gone'));
    return opened;
  }

  status(tableId: string): TableStatus {
    const opened = this.get(tableId);
    const estimate = opened.info.format === 'csv' && opened.rows.length > 0 && !opened.done ? Math.max(opened.rows.length, Math.round(opened.info.sizeBytes / (opened.bytes / opened.rows.length))) : undefined;
    return {
      tableId,
      rowsRead: opened.rows.length,
      done: opened.done,
      ...(estimate !== undefined ? { estimatedRows: estimate } : {}),
      findings: opened.table.findings.slice(0, 200),
      ...(opened.error ? { error: opened.error } : {}),
    };
  }

  rows(tableId: string, start: number, count: number): { rows: RowView[]; rowsRead: number; done: boolean } {
    const opened = this.get(tableId);
    const rows = opened.rows.slice(start, start + count).map((r, i) => view(r, start + i));
    return { rows, rowsRead: opened.rows.length, done: opened.done };
  }

  /**
   * Whether a mapping fits the open file: the columns it reads that the file has and has not (names as written in
   * the mapping, which reads them case-sensitively). The app says a mapping that does not fit and offers auto-map.
   */
  fit(tableId: string, mapping: string): Responses['mapping:fit'] {
    const opened = this.get(tableId);
    const compiled = compileOrProblem({ mapping });
    if ('problem' in compiled) fail('MAPPING', t('services.fit.syntax'));
    const headers = new Set(opened.columns.map((c) => c.header));
    const referenced = [...new Set(compiled.compiled.referencedHeaders)];
    const missing = referenced.filter((h) => !headers.has(h));
    return { fits: missing.length === 0, missing, present: referenced.filter((h) => headers.has(h)) };
  }

  /** The row with this number as Excel shows it (rows are in file order, so a binary search finds it). */
  rowAt(tableId: string, rowNumber: number): { row?: RowView; columns: ColumnView[] } {
    const opened = this.get(tableId);
    let lo = 0;
    let hi = opened.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = opened.rows[mid]!;
      if (r.row === rowNumber) return { row: view(r, mid), columns: opened.info.columns };
      if (r.row < rowNumber) lo = mid + 1;
      else hi = mid - 1;
    }
    return { columns: opened.info.columns };
  }

  /** One row as the core sees it (for the mapping preview). */
  sourceRow(tableId: string, index: number): { source: SourceRow; view: RowView } {
    const opened = this.get(tableId);
    const stored = opened.rows[index];
    if (!stored) fail('NOT_FOUND', t(opened.done ? 'services.table.noRow' : 'services.table.noRowYet', { row: index + 1 }));
    const values: Record<string, CellValue> = {};
    opened.columns.forEach((c) => {
      const v = stored.values[c.index];
      if (v !== undefined) values[c.header] = v;
    });
    const cellErrors = stored.errors ? Object.entries(stored.errors).map(([letter, err]) => ({ letter, error: err, header: opened.columns.find((c) => c.letter === letter)?.header ?? letter })) : undefined;
    const source: SourceRow = { origin: { file: opened.info.file, ...(opened.info.sheet ? { sheet: opened.info.sheet } : {}), row: stored.row }, values, ...(cellErrors ? { cellErrors } : {}) };
    return { source, view: view(stored, index) };
  }

  /** The first rows keyed by header, for auto-mapping's checks of its guesses. */
  sample(tableId: string, count = 50): Record<string, unknown>[] {
    const opened = this.get(tableId);
    return opened.rows.slice(0, count).map((r) => {
      const out: Record<string, unknown> = {};
      opened.columns.forEach((c) => {
        const v = r.values[c.index];
        if (v !== undefined) out[c.header] = v instanceof Date ? cellText(v) : v;
      });
      return out;
    });
  }

  close(tableId: string): boolean {
    return this.tables.delete(tableId);
  }

  async closeAll(): Promise<void> {
    for (const opened of [...this.tables.values()]) this.tables.delete(opened.info.tableId);
  }
}

function store(row: SourceRow, index: Map<string, number>, width: number): StoredRow {
  const values: (CellValue | undefined)[] = new Array(width);
  for (const [header, value] of Object.entries(row.values)) {
    const at = index.get(header);
    if (at !== undefined) values[at] = value;
  }
  const stored: StoredRow = { row: row.origin.row, values };
  if (row.cellErrors?.length) stored.errors = Object.fromEntries(row.cellErrors.map((e) => [e.letter, e.error]));
  return stored;
}

function view(r: StoredRow, index: number): RowView {
  const cells: CellText[] = [];
  for (let i = 0; i < r.values.length; i++) cells.push(cellText(r.values[i]));
  return { index, row: r.row, cells, ...(r.errors ? { errors: r.errors } : {}) };
}

/** A file name safe to write under an uploads folder: the base name, without control or path characters. */
export function safeFileName(name: string): string {
  const base = [...basename(name.replace(/\\/g, '/'))].map((ch) => (ch.charCodeAt(0) < 32 || '<>:"/\\|?*'.includes(ch) ? '_' : ch)).join('').trim();
  return base === '' || base === '.' || base === '..' ? 'upload.csv' : base.slice(0, 200);
}
