/**
 * Streaming .xlsx reading.
 *
 * exceljs's streaming WorkbookReader does the zip streaming and parses workbook.xml, its relationships and
 * styles.xml. Two of its parts are replaced, for correctness and speed:
 * - shared strings and worksheet cells are parsed here (with saxes, which exceljs also uses), because
 *   exceljs decodes each zip chunk on its own, so a multi-byte character split across two chunks becomes
 *   "�" (seen on a 20k-row sheet), loses the error text of a formula whose cached result is #N/A, reads a
 *   boolean formula result as 1, keeps only the last run of a rich inline string, and builds Row/Cell/style
 *   objects per cell that are thrown away again;
 * - the worksheet hand-off: a worksheet is streamed straight from the zip when the shared strings, styles
 *   and sheet names are already known (parts ordered that way), and otherwise only the chosen sheet is
 *   copied to a temporary file (exceljs would copy every sheet) and read once the rest of the zip is known.
 * Memory therefore holds the shared-string table and one chunk of rows, never the sheet.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import ExcelJS from 'exceljs';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { CoreError, isCoreError } from '../errors';
import { decideFormat, displayNumber } from './cells';
import type { NumberDecision } from './cells';
import { ErrorCell } from './columns';
import type { RawCell, RawRow } from './columns';

/** A worksheet of the workbook, in tab order. */
export interface SheetInfo {
  name: string;
  /** visible, hidden or veryHidden. */
  state: string;
  /** n of xl/worksheets/sheet<n>.xml. */
  fileNo: string;
}

/** The parts of exceljs's WorkbookReader this module relies on (not in its published types). */
interface ReaderInternals {
  model?: { sheets?: { name: string; rId: string; state?: string }[] };
  properties?: { model?: { date1904?: boolean } };
  styles: { getStyleModel(id: number): { numFmt?: string } | null };
  stream?: { destroy(): void };
  parse(): AsyncGenerator<{ eventType: string; value: unknown }>;
  _parseSharedStrings(entry: AsyncIterable<Buffer>): AsyncGenerator<never>;
  _parseStyles(entry: unknown): Promise<void>;
  _parseWorkbook(entry: unknown): Promise<void>;
  _parseRels(entry: unknown): Promise<void>;
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<{ eventType: string; value: unknown }>;
}

/** What the reader hands out for each worksheet part of the zip. */
interface WorksheetPart {
  sheetNo: string;
  chunks: AsyncIterable<Buffer | string>;
}

class NamesKnown extends Error {}

/** First bytes of the file: a zip (xlsx), an OLE compound file (.xls or a password-protected workbook), or else. */
export async function checkWorkbookSignature(path: string, file: string): Promise<void> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(8);
  try {
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return;
  if (head.readUInt32BE(0) === 0xd0cf11e0) {
    throw new CoreError('FILE_UNREADABLE', `${file} is an Excel 97-2003 (.xls) workbook or a password-protected workbook, which cannot be read. Open it in Excel, remove any password and save it as "Excel Workbook (*.xlsx)".`, { location: { file } });
  }
  throw new CoreError('FILE_UNREADABLE', `${file} is not an Excel workbook although its name ends in .xlsx${looksLikeText(head) ? ' (it looks like a text file; if it is a CSV export, rename it to .csv)' : ''}. Export it again from the HR system or save it from Excel as .xlsx.`, { location: { file } });
}

function looksLikeText(head: Buffer): boolean {
  return head.length > 0 && [...head].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2);
}

/** Wraps anything the zip or XML layers throw into the one error a person can act on. */
export function unreadable(file: string, cause: unknown, row?: number): CoreError {
  if (isCoreError(cause)) return cause;
  const where = row === undefined ? '' : ` near row ${row}`;
  return new CoreError('FILE_UNREADABLE', `${file} is damaged or not a complete Excel workbook${where}. Open it in Excel and save it again as .xlsx, or export it again from the HR system.`, {
    location: row === undefined ? { file } : { file, row },
    cause,
  });
}

/**
 * One pass over one workbook. Create, call listSheets() or openSheet() once, then close().
 */
export class XlsxSession {
  private readonly reader: ReaderInternals;
  private readonly parts: AsyncGenerator<{ eventType: string; value: unknown }>;
  private sharedStrings: string[] | undefined;
  private stylesSeen = false;
  private rels: { Id: string; Target: string }[] | undefined;
  private stopWhenNamed = false;
  private tempDir: string | undefined;
  private closed = false;
  private openChunks: AsyncIterable<Buffer | string> | undefined;

  constructor(private readonly path: string, private readonly file: string) {
    this.reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'ignore',
    }) as unknown as ReaderInternals;
    this.install();
    this.parts = this.reader.parse();
  }

  private install(): void {
    const reader = this.reader;
    // exceljs takes the streaming path only when it believes shared strings and relationships are loaded;
    // always answering yes hands every worksheet to _parseWorksheet below, which decides itself.
    Object.defineProperty(reader, 'sharedStrings', { get: () => this.sharedStrings ?? [], set: () => undefined, configurable: true });
    Object.defineProperty(reader, 'workbookRels', {
      get: () => this.rels ?? [],
      set: (value: { Id: string; Target: string }[]) => {
        this.rels = value;
      },
      configurable: true,
    });
    const keepSharedStrings = (strings: string[]) => {
      this.sharedStrings = strings;
    };
    // exceljs delegates to this with yield*; it has nothing to announce, only the table to keep.
    reader._parseSharedStrings = async function* (entry: AsyncIterable<Buffer>) {
      keepSharedStrings(await readSharedStrings(entry));
      yield* [];
    } as ReaderInternals['_parseSharedStrings'];
    const parseStyles = reader._parseStyles.bind(reader);
    reader._parseStyles = async (entry) => {
      await parseStyles(entry);
      this.stylesSeen = true;
    };
    for (const method of ['_parseWorkbook', '_parseRels'] as const) {
      const original = reader[method].bind(reader);
      reader[method] = async (entry) => {
        await original(entry);
        if (this.stopWhenNamed && this.sheets()) throw new NamesKnown();
      };
    }
    reader._parseWorksheet = function* (chunks, sheetNo) {
      yield { eventType: 'worksheet-part', value: { sheetNo, chunks } satisfies WorksheetPart };
    };
  }

  /** Worksheets in tab order, once workbook.xml and its relationships have been read. */
  private sheets(): SheetInfo[] | undefined {
    const model = this.reader.model;
    if (!model || !this.rels) return undefined;
    const targets = new Map(this.rels.map((rel) => [rel.Id, rel.Target]));
    const sheets: SheetInfo[] = [];
    for (const sheet of model.sheets ?? []) {
      const match = /worksheets\/sheet(\d+)\.xml$/i.exec(targets.get(sheet.rId) ?? '');
      if (match) sheets.push({ name: sheet.name, state: sheet.state ?? 'visible', fileNo: match[1]! });
    }
    return sheets;
  }

  /** Reads only as far as the sheet names. */
  async listSheets(): Promise<SheetInfo[]> {
    this.stopWhenNamed = true;
    try {
      for await (const event of this.parts) {
        // Worksheet parts before workbook.xml are skipped (drained), not copied anywhere.
        void event;
      }
    } catch (error) {
      if (!(error instanceof NamesKnown)) throw unreadable(this.file, error);
    }
    const sheets = this.sheets();
    if (!sheets) throw unreadable(this.file, new Error('no workbook part'));
    return sheets;
  }

  /**
   * Finds the requested sheet and returns its rows as a stream. `choose` picks the sheet from the list
   * (throwing SHEET_NOT_FOUND); it runs as soon as the names are known.
   */
  async openSheet(choose: (sheets: SheetInfo[]) => SheetInfo): Promise<{ sheet: SheetInfo; rows: AsyncGenerator<RawRow> }> {
    let target: SheetInfo | undefined;
    let buffered: { fileNo: string; path: string }[] = [];
    try {
      for (;;) {
        const next = await this.parts.next();
        if (next.done) break;
        if (next.value.eventType !== 'worksheet-part') continue;
        const part = next.value.value as WorksheetPart;
        const sheets = this.sheets();
        if (sheets && !target) {
          target = choose(sheets);
          buffered = buffered.filter((b) => b.fileNo === target!.fileNo);
        }
        if (target && part.sheetNo !== target.fileNo) continue;
        if (target && this.sharedStrings && this.stylesSeen) {
          return { sheet: target, rows: this.rowsOf(part.chunks) };
        }
        // Shared strings, styles or names come later in the zip: keep this sheet's XML on disk for now.
        buffered.push({ fileNo: part.sheetNo, path: await this.copyToTemp(part) });
      }
    } catch (error) {
      throw unreadable(this.file, error);
    }
    const sheets = this.sheets();
    if (!sheets) throw unreadable(this.file, new Error('no workbook part'));
    target ??= choose(sheets);
    const copy = buffered.find((b) => b.fileNo === target!.fileNo);
    if (!copy) {
      throw new CoreError('FILE_UNREADABLE', `${this.file}: the data of sheet "${target.name}" is missing from the workbook. Open it in Excel and save it again as .xlsx.`, {
        location: { file: this.file, sheet: target.name },
      });
    }
    return { sheet: target, rows: this.rowsOf(createReadStream(copy.path)) };
  }

  /** Whether a worksheet had to be copied to a temporary file (its zip order did not allow streaming). */
  get usedTemporaryCopy(): boolean {
    return this.tempDir !== undefined;
  }

  private async copyToTemp(part: WorksheetPart): Promise<string> {
    this.tempDir ??= await mkdtemp(join(tmpdir(), 'scimport-xlsx-'));
    const path = join(this.tempDir, `sheet${part.sheetNo}.xml`);
    await pipeline(Readable.from(part.chunks), createWriteStream(path));
    return path;
  }

  private rowsOf(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<RawRow> {
    this.openChunks = chunks;
    const context: CellContext = {
      sharedStrings: this.sharedStrings ?? [],
      styles: this.reader.styles,
      date1904: this.reader.properties?.model?.date1904 === true,
      decisions: [],
    };
    return readSheetRows(chunks, context);
  }

  /** Releases the file handle and temporary files; safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader.stream?.destroy();
    const chunks = this.openChunks as { destroy?: () => void } | undefined;
    chunks?.destroy?.();
    // The zip parser may be suspended mid-entry; ending it is best effort and must not keep us waiting.
    this.parts.return(undefined).catch(() => undefined);
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }
}

/** Strips a namespace prefix ("x:c" → "c"): some writers prefix every element. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Decodes UTF-8 across chunk boundaries (a character may be split between two zip chunks). */
async function* decodeUtf8(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** The shared-string table as plain strings: rich-text runs joined, phonetic guides (rPh) left out. */
async function readSharedStrings(entry: AsyncIterable<Buffer>): Promise<string[]> {
  const strings: string[] = [];
  const parser = new SaxesParser();
  let text = '';
  let inText = false;
  let phonetic = 0;
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (name === 't' && phonetic === 0) inText = true;
    else if (name === 'si') text = '';
    else if (name === 'rPh') phonetic++;
  });
  parser.on('text', (value: string) => {
    if (inText) text += value;
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (name === 't') inText = false;
    else if (name === 'si') strings.push(text);
    else if (name === 'rPh') phonetic--;
  });
  for await (const chunk of decodeUtf8(entry)) parser.write(chunk);
  parser.close();
  return strings;
}

interface CellContext {
  sharedStrings: string[];
  styles: ReaderInternals['styles'];
  date1904: boolean;
  /** Style id → what a number under that style displays as. */
  decisions: (NumberDecision | undefined)[];
}

function decisionFor(context: CellContext, styleId: number): NumberDecision {
  let decision = context.decisions[styleId];
  if (!decision) {
    decision = decideFormat(context.styles.getStyleModel(styleId)?.numFmt);
    context.decisions[styleId] = decision;
  }
  return decision;
}

/** Zero-based column of a cell reference such as "AB12". */
function columnOfRef(ref: string): number {
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) col = col * 26 + (code - 64);
    else if (code >= 97 && code <= 122) col = col * 26 + (code - 96);
    else break;
  }
  return col - 1;
}

/**
 * The rows of one worksheet's XML, as displayed values. Rows are yielded after each chunk of XML, so
 * at most one chunk's worth of rows is held at a time.
 */
async function* readSheetRows(chunks: AsyncIterable<Buffer | string>, context: CellContext): AsyncGenerator<RawRow> {
  const parser = new SaxesParser();
  const ready: RawRow[] = [];
  let row: RawRow | undefined;
  let lastRow = 0;
  let inSheetData = false;
  // The cell being read.
  let col = -1;
  let type = 'n';
  let style = 0;
  let value: string | undefined;
  let inline = '';
  let hasInline = false;
  let capture: 'v' | 'is' | undefined;
  let phonetic = 0;

  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (!inSheetData) {
      if (name === 'sheetData') inSheetData = true;
      return;
    }
    switch (name) {
      case 'row': {
        const r = tag.attributes.r;
        lastRow = r ? Number.parseInt(r, 10) : lastRow + 1;
        row = { row: lastRow, cells: [] };
        col = -1;
        break;
      }
      case 'c': {
        const r = tag.attributes.r;
        col = r ? columnOfRef(r) : col + 1;
        type = tag.attributes.t ?? 'n';
        const s = tag.attributes.s;
        style = s ? Number.parseInt(s, 10) : 0;
        value = undefined;
        inline = '';
        hasInline = false;
        phonetic = 0;
        break;
      }
      case 'v':
        capture = 'v';
        value = '';
        break;
      case 'is':
        hasInline = true;
        break;
      case 't':
        if (hasInline && phonetic === 0) capture = 'is';
        break;
      case 'rPh':
        phonetic++;
        break;
    }
  });
  parser.on('text', (text: string) => {
    if (capture === 'v') value += text;
    else if (capture === 'is') inline += text;
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    if (!inSheetData) return;
    const name = localName(tag.name);
    switch (name) {
      case 'v':
      case 't':
        capture = undefined;
        break;
      case 'rPh':
        phonetic--;
        break;
      case 'c':
        if (row && col >= 0) {
          const cell = cellValue(type, style, value, hasInline ? inline : undefined, context);
          if (cell !== undefined) row.cells[col] = cell;
        }
        break;
      case 'row':
        if (row) ready.push(row);
        row = undefined;
        break;
      case 'sheetData':
        inSheetData = false;
        break;
    }
  });

  for await (const text of decodeUtf8(chunks)) {
    parser.write(text);
    if (ready.length > 0) yield* ready.splice(0);
  }
  parser.close();
  if (ready.length > 0) yield* ready.splice(0);
}

/** One cell's displayed value from its type (t), style (s), stored value (v) and inline text (is). */
function cellValue(type: string, style: number, value: string | undefined, inline: string | undefined, context: CellContext): RawCell | undefined {
  switch (type) {
    case 's': {
      if (value === undefined) return undefined;
      const text = context.sharedStrings[Number.parseInt(value, 10)];
      return text === '' ? undefined : text;
    }
    case 'inlineStr':
      return inline || value || undefined;
    case 'str':
      return value || undefined;
    case 'b':
      return value === undefined || value === '' ? undefined : value.trim() !== '0';
    case 'e':
      return value ? new ErrorCell(value) : undefined;
    case 'd': {
      // ISO 8601 date cells (rare; strict OOXML).
      if (!value) return undefined;
      const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
      return Number.isNaN(date.getTime()) ? value : date;
    }
    default: {
      if (value === undefined || value === '') return undefined;
      const number = Number(value);
      if (Number.isNaN(number)) return value;
      return displayNumber(number, decisionFor(context, style), context.date1904);
    }
  }
}
