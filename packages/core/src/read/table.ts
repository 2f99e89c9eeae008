/**
 * From a stream of raw rows to a Table: find the header (given or detected), build the columns, and
 * hand out the remaining rows once, as SourceRows.
 */
import type { ColumnInfo, Finding, SourceRow } from '../types';
import { CoreError } from '../errors';
import { FindingSink, HEADER_LOOKAHEAD, HeaderLayout, describe, detectHeader } from './columns';
import type { RawRow, SourceContext } from './columns';

/** An opened table: its header and a single pass over its rows. */
export interface Table {
  /** Base name of the file. */
  file: string;
  format: 'xlsx' | 'csv';
  /** xlsx: the worksheet actually read. */
  sheet?: string;
  /** The header row as Excel shows it (1-based); for CSV the line it is on. */
  headerRow: number;
  /**
   * The table's columns: header text trimmed, blank headers as "(blank D)", repeated headers as
   * "Email (2)", with their letter and zero-based index.
   */
  columns: ColumnInfo[];
  /** csv: the encoding used (declared or detected). */
  encoding?: string;
  /** csv: the delimiter used (declared or detected). */
  delimiter?: string;
  /**
   * Problems with the table's shape. Header problems (duplicate or blank headers) are here when
   * openTable resolves; problems found while reading rows (a CSV row with more values than the header,
   * data under a blank header further down, a column outside the header) are appended as rows() reaches
   * them, so read this again after the rows are consumed. At most 500 findings per code are kept, plus
   * one saying how many more there were.
   */
  findings: Finding[];
  /**
   * The data rows after the header, one pass, streamed: empty rows skipped, row numbers as Excel (or a
   * text editor) shows them. Calling it a second time throws.
   */
  rows(): AsyncIterable<SourceRow>;
  /** Releases the file early (safe to call twice; reading all rows or breaking out of the loop also does). */
  close(): Promise<void>;
}

export interface TableSource extends SourceContext {
  format: 'xlsx' | 'csv';
  encoding?: string;
  delimiter?: string;
  /** Raw rows in file order, empty ones included or not. */
  rows: AsyncIterator<RawRow>;
  /** A 1-based header row to use instead of detection. */
  headerRow?: number;
  close(): Promise<void>;
  /** Wraps a failure while reading rows into a CoreError (row: the last row read, if any). */
  failure(error: unknown, row: number | undefined): CoreError;
}

/** Reads up to the header and returns the Table; closes the source when it fails. */
export async function assembleTable(source: TableSource): Promise<Table> {
  const ctx: SourceContext = source.sheet === undefined ? { file: source.file } : { file: source.file, sheet: source.sheet };
  let lastRow: number | undefined;
  const next = async (): Promise<RawRow | undefined> => {
    try {
      for (;;) {
        const result = await source.rows.next();
        if (result.done) return undefined;
        lastRow = result.value.row;
        if (!HeaderLayout.isEmpty(result.value)) return result.value;
      }
    } catch (error) {
      throw source.failure(error, lastRow);
    }
  };

  try {
    let header: RawRow | undefined;
    const lookahead: RawRow[] = [];
    if (source.headerRow !== undefined) {
      const wanted = source.headerRow;
      if (!Number.isInteger(wanted) || wanted < 1) {
        throw new CoreError('INVALID_ARGUMENT', `The header row must be a whole number from 1 up; got ${wanted}.`, { location: { ...ctx, field: 'headerRow' } });
      }
      for (let row = await next(); row; row = await next()) {
        if (row.row === wanted) header = row;
        if (row.row >= wanted) {
          if (row.row > wanted) lookahead.push(row);
          break;
        }
      }
      if (!header) {
        throw new CoreError('HEADER_NOT_FOUND', `${describe(ctx)}: row ${wanted} is empty or past the end of the data, so it cannot be the header row. Give the number of the row that holds the column names (as Excel shows it), or leave it empty to detect it.`, {
          location: { ...ctx, row: wanted },
        });
      }
    } else {
      const window: RawRow[] = [];
      for (let row = await next(); row; row = window.length < HEADER_LOOKAHEAD ? await next() : undefined) window.push(row);
      const at = detectHeader(window);
      if (at === undefined) {
        const why = window.length === 0 ? 'has no data' : `has no row with column names in its first ${window.length} rows`;
        throw new CoreError('HEADER_NOT_FOUND', `${describe(ctx)} ${why}. Check that this is the right ${source.format === 'xlsx' ? 'sheet' : 'file'}, or give the header row's number.`, {
          location: ctx,
        });
      }
      header = window[at]!;
      lookahead.push(...window.slice(at + 1));
    }
    while (lookahead.length < HEADER_LOOKAHEAD) {
      const row = await next();
      if (!row) break;
      lookahead.push(row);
    }

    const findings: Finding[] = [];
    const sink = new FindingSink(findings);
    const layout = new HeaderLayout(ctx, header.row, header, lookahead, sink, source.format === 'csv');
    let started = false;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await source.close();
    };

    async function* rows(): AsyncGenerator<SourceRow> {
      try {
        const convert = (raw: RawRow): SourceRow => {
          if (source.format === 'csv') layout.reportShortRow(raw, raw.cells.length);
          return layout.toSourceRow(raw);
        };
        while (lookahead.length > 0) yield convert(lookahead.shift()!);
        for (let row = await next(); row && !closed; row = await next()) yield convert(row);
        sink.summarize(ctx);
      } finally {
        await close();
      }
    }

    const table: Table = {
      file: source.file,
      format: source.format,
      headerRow: header.row,
      columns: layout.columns,
      findings,
      rows: () => {
        if (started) {
          throw new CoreError('INVALID_ARGUMENT', `${describe(ctx)}: the rows of a table can be read only once; open the file again to read them again.`, { location: ctx });
        }
        started = true;
        return closed ? emptyRows() : rows();
      },
      close,
    };
    if (source.sheet !== undefined) table.sheet = source.sheet;
    if (source.encoding !== undefined) table.encoding = source.encoding;
    if (source.delimiter !== undefined) table.delimiter = source.delimiter;
    return table;
  } catch (error) {
    await source.close();
    throw error;
  }
}

async function* emptyRows(): AsyncGenerator<SourceRow> {}
