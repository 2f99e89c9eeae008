/**
 * Open spreadsheets. Opening reads only up to the header and the first rows, answers at once, and keeps
 * reading the rest in the background, so the first rows are on screen while a large file is still loading.
 * Rows are held compactly (one array of values per row) for the grid, the mapping preview and auto-mapping.
 */
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { listSheets, openTable, type CellValue, type ColumnInfo, type SourceRow, type Table } from '@scimport/core';
import { BridgeError, type CellText, type ColumnType, type ColumnView, type RowView, type TableInfo, type TableStatus } from '../../shared/contract';
import { fail, toErrorData } from './errors';
import { BoundedMap, newId } from './ids';

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

  /** Opens a spreadsheet and starts reading its rows; answers once the first rows are in. */
  async open(path: string, options: { sheet?: string | number; headerRow?: number } = {}): Promise<TableInfo> {
    const format = ['.xlsx', '.xlsm'].includes(extname(path).toLowerCase()) ? 'xlsx' : 'csv';
    const sheets = format === 'xlsx' ? await listSheets(path) : [];
    const table = await openTable(path, options);
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
    };
    let firstRows: () => void = () => undefined;
    const haveFirstRows = new Promise<void>((resolve) => (firstRows = resolve));
    const opened: OpenedTable = { info, columns: table.columns, rows: [], done: false, table, bytes: 0, finished: Promise.resolve(), options };
    opened.finished = this.readAll(opened, () => {
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

  private async readAll(opened: OpenedTable, onRow: () => void): Promise<void> {
    const { columns } = opened;
    const index = new Map(columns.map((c) => [c.header, c.index]));
    try {
      for await (const row of opened.table.rows()) {
        opened.rows.push(store(row, index, columns.length));
        for (const value of Object.values(row.values)) opened.bytes += typeof value === 'string' ? value.length + 1 : 8;
        opened.bytes += 2;
        onRow();
      }
    } catch (error) {
      opened.error = toErrorData(error);
    } finally {
      opened.done = true;
    }
  }

  get(tableId: string): OpenedTable {
    const opened = this.tables.get(tableId);
    if (!opened) fail('NOT_FOUND', 'This file is no longer open (the app keeps the last few files). Open it again from the start screen.');
    return opened;
  }

  status(tableId: string): TableStatus {
    const t = this.get(tableId);
    const estimate = t.info.format === 'csv' && t.rows.length > 0 && !t.done ? Math.max(t.rows.length, Math.round(t.info.sizeBytes / (t.bytes / t.rows.length))) : undefined;
    return {
      tableId,
      rowsRead: t.rows.length,
      done: t.done,
      ...(estimate !== undefined ? { estimatedRows: estimate } : {}),
      findings: t.table.findings.slice(0, 200),
      ...(t.error ? { error: t.error } : {}),
    };
  }

  rows(tableId: string, start: number, count: number): { rows: RowView[]; rowsRead: number; done: boolean } {
    const t = this.get(tableId);
    const rows = t.rows.slice(start, start + count).map((r, i) => view(r, start + i));
    return { rows, rowsRead: t.rows.length, done: t.done };
  }

  /** The row with this number as Excel shows it (rows are in file order, so a binary search finds it). */
  rowAt(tableId: string, rowNumber: number): { row?: RowView; columns: ColumnView[] } {
    const t = this.get(tableId);
    let lo = 0;
    let hi = t.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = t.rows[mid]!;
      if (r.row === rowNumber) return { row: view(r, mid), columns: t.info.columns };
      if (r.row < rowNumber) lo = mid + 1;
      else hi = mid - 1;
    }
    return { columns: t.info.columns };
  }

  /** One row as the core sees it (for the mapping preview). */
  sourceRow(tableId: string, index: number): { source: SourceRow; view: RowView } {
    const t = this.get(tableId);
    const stored = t.rows[index];
    if (!stored) fail('NOT_FOUND', `Row ${index + 1} of the data is not there${t.done ? '' : ' yet (the file is still loading)'}; choose another row.`);
    const values: Record<string, CellValue> = {};
    t.columns.forEach((c) => {
      const v = stored.values[c.index];
      if (v !== undefined) values[c.header] = v;
    });
    const cellErrors = stored.errors ? Object.entries(stored.errors).map(([letter, err]) => ({ letter, error: err, header: t.columns.find((c) => c.letter === letter)?.header ?? letter })) : undefined;
    const source: SourceRow = { origin: { file: t.info.file, ...(t.info.sheet ? { sheet: t.info.sheet } : {}), row: stored.row }, values, ...(cellErrors ? { cellErrors } : {}) };
    return { source, view: view(stored, index) };
  }

  /** The first rows keyed by header, for auto-mapping's checks of its guesses. */
  sample(tableId: string, count = 50): Record<string, unknown>[] {
    const t = this.get(tableId);
    return t.rows.slice(0, count).map((r) => {
      const out: Record<string, unknown> = {};
      t.columns.forEach((c) => {
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
    for (const t of [...this.tables.values()]) this.tables.delete(t.info.tableId);
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
