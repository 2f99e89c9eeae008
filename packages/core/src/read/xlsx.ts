/**
 * Streaming .xlsx reading.
 *
 * An .xlsx file is a zip whose central directory (at its end) lists every part. yauzl reads that directory
 * first and then opens any part on demand, so the parts are read in the order the workbook needs them, not
 * the order they happen to be stored in: the package relationships, workbook.xml and its relationships
 * (sheet names and where each sheet's part is), then the shared strings and styles, and only then the
 * chosen worksheet, streamed. Nothing is copied to a temporary file, and the outcome cannot depend on
 * timing.
 *
 * (The reader used before, exceljs's WorkbookReader over unzipper's streaming Parse, lost trailing zip
 * entries when the consumer was slower than the parser: unzipper emits 'end' as soon as it has parsed the
 * whole file, while entries still wait in its buffer, and exceljs stops iterating at that 'end'. Under CPU
 * load a valid workbook then read as damaged, or worse, without its styles or shared strings.)
 *
 * The XML is parsed with saxes, decoding UTF-8 across chunk boundaries (a character may be split between
 * two zip chunks). Memory holds the shared-string table and one chunk of rows, never the sheet.
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { getFormatFromId } from 'numfmt';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { CoreError, isCoreError } from '../errors';
import { decideFormat, displayNumber } from './cells';
import { XmlScanner, readAttributes } from './xml-scan';
import type { NumberDecision } from './cells';
import { ErrorCell } from './columns';
import type { RawCell, RawRow } from './columns';

/** A worksheet of the workbook, in tab order. */
export interface SheetInfo {
  name: string;
  /** visible, hidden or veryHidden. */
  state: string;
  /** The zip entry holding the worksheet's XML (such as xl/worksheets/sheet2.xml); undefined if the workbook does not say. */
  part: string | undefined;
}

/** What workbook.xml and the relationships say: the sheets and where the shared parts are. */
interface WorkbookIndex {
  sheets: SheetInfo[];
  sharedStrings: string | undefined;
  styles: string | undefined;
  date1904: boolean;
}

interface Relationship {
  id: string;
  type: string;
  /** The target as a zip entry name (resolved against the source part, no leading slash). */
  target: string;
}

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

/** A failure inside a worksheet's XML, with the row being read when it happened. */
class SheetDataError extends Error {
  constructor(readonly row: number | undefined, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Wraps anything the zip or XML layers throw into the one error a person can act on. */
export function unreadable(file: string, cause: unknown, lastRowRead?: number): CoreError {
  if (isCoreError(cause)) return cause;
  // The rows are parsed a chunk ahead of the last row handed out, so the parser knows the row better.
  const row = cause instanceof SheetDataError ? cause.row ?? lastRowRead : lastRowRead;
  const where = row === undefined ? '' : ` near row ${row}`;
  return new CoreError('FILE_UNREADABLE', `${file} is damaged or not a complete Excel workbook${where}. Open it in Excel and save it again as .xlsx, or export it again from the HR system.`, {
    location: row === undefined ? { file } : { file, row },
    cause,
  });
}

// Relationship types end the same in transitional (schemas.openxmlformats.org) and strict (purl.oclc.org) OOXML.
const OFFICE_DOCUMENT = '/officeDocument';
const WORKSHEET = '/worksheet';
const SHARED_STRINGS = '/sharedStrings';
const STYLES = '/styles';

/**
 * One workbook file. Create, call listSheets() or openSheet() once, then close(). The file is opened on the
 * first call and held until close().
 */
export class XlsxSession {
  private zip: Promise<ZipFile> | undefined;
  /** Zip entries by lower-cased name: OPC part names are case-insensitive. */
  private readonly entries = new Map<string, Entry>();
  private readonly streams = new Set<Readable>();
  private closed = false;

  constructor(private readonly path: string, private readonly file: string) {}

  /** Worksheets in tab order (reads only the relationships and workbook.xml). */
  async listSheets(): Promise<SheetInfo[]> {
    try {
      return (await this.index()).sheets;
    } catch (error) {
      throw unreadable(this.file, error);
    }
  }

  /**
   * Finds the requested sheet and returns its rows as a stream. `choose` picks the sheet from the list
   * (throwing SHEET_NOT_FOUND); the shared strings and styles are read before the sheet's rows start.
   */
  async openSheet(choose: (sheets: SheetInfo[]) => SheetInfo): Promise<{ sheet: SheetInfo; rows: AsyncGenerator<RawRow> }> {
    let index: WorkbookIndex;
    try {
      index = await this.index();
    } catch (error) {
      throw unreadable(this.file, error);
    }
    const sheet = choose(index.sheets);
    const entry = sheet.part === undefined ? undefined : this.entry(sheet.part);
    if (!entry) {
      throw new CoreError('FILE_UNREADABLE', `${this.file}: the data of sheet "${sheet.name}" is missing from the workbook. Open it in Excel and save it again as .xlsx.`, {
        location: { file: this.file, sheet: sheet.name },
      });
    }
    try {
      const sharedStrings = index.sharedStrings === undefined ? [] : await readSharedStrings(await this.open(index.sharedStrings));
      const styles = index.styles === undefined ? new Styles() : await readStyles(await this.open(index.styles));
      const context: CellContext = { sharedStrings, styles, date1904: index.date1904, decisions: [] };
      return { sheet, rows: this.rowsOf(readAhead(await this.openEntry(entry)), context) };
    } catch (error) {
      throw unreadable(this.file, error);
    }
  }

  /** Releases the file handle; safe to call more than once, and while rows are still unread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
    const zip = await this.zip?.catch(() => undefined);
    // yauzl closes the descriptor once the zip and every stream opened from it have let go.
    zip?.close();
  }

  private async *rowsOf(stream: Readable, context: CellContext): AsyncGenerator<RawRow> {
    try {
      yield* readSheetRows(stream, context);
    } catch (error) {
      // Closing early destroys the stream under the parser; that ends the rows, it is no failure.
      if (!this.closed) throw error;
    } finally {
      stream.destroy();
      this.streams.delete(stream);
    }
  }

  private zipFile(): Promise<ZipFile> {
    this.zip ??= (async () => {
      // lazyEntries: the central directory is walked on request; autoClose off: parts are opened later.
      const zip = await yauzl.openPromise(this.path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
      for await (const entry of zip.eachEntry()) {
        if (!entry.fileName.endsWith('/')) this.entries.set(entry.fileName.toLowerCase(), entry);
      }
      return zip;
    })();
    return this.zip;
  }

  private entry(name: string): Entry | undefined {
    return this.entries.get(name.toLowerCase());
  }

  private async openEntry(entry: Entry): Promise<Readable> {
    if (this.closed) throw new Error('the workbook was closed');
    const stream = await (await this.zipFile()).openReadStreamPromise(entry);
    if (this.closed) {
      stream.destroy();
      throw new Error('the workbook was closed');
    }
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  /** Opens a part that must exist. */
  private async open(name: string): Promise<Readable> {
    await this.zipFile();
    const entry = this.entry(name);
    if (!entry) throw new Error(`no ${name} part`);
    return this.openEntry(entry);
  }

  /** The relationships of a part (empty when it has none). */
  private async relationships(part: string): Promise<Relationship[]> {
    await this.zipFile();
    const dir = posix.dirname(part);
    const relsName = posix.join(dir, '_rels', `${posix.basename(part)}.rels`);
    const entry = this.entry(relsName);
    if (!entry) return [];
    const rels: Relationship[] = [];
    await parseXml(await this.openEntry(entry), (tag) => {
      if (localName(tag.name) !== 'Relationship') return;
      const { Id: id, Type: type, Target: target, TargetMode: mode } = tag.attributes;
      if (!type || !target || mode === 'External') return;
      rels.push({ id: id ?? '', type, target: resolveTarget(dir, target) });
    });
    return rels;
  }

  private async index(): Promise<WorkbookIndex> {
    await this.zipFile();
    const main = (await this.relationships('')).find((rel) => rel.type.endsWith(OFFICE_DOCUMENT))?.target ?? 'xl/workbook.xml';
    if (!this.entry(main)) throw new Error('no workbook part');
    const declared: { name: string; state: string; id: string | undefined }[] = [];
    let date1904 = false;
    await parseXml(await this.open(main), (tag) => {
      const name = localName(tag.name);
      if (name === 'sheet') {
        declared.push({ name: tag.attributes.name ?? '', state: tag.attributes.state ?? 'visible', id: relationshipId(tag) });
      } else if (name === 'workbookPr') {
        const value = tag.attributes.date1904;
        date1904 = value === '1' || value === 'true';
      }
    });
    const rels = await this.relationships(main);
    const byId = new Map(rels.map((rel) => [rel.id, rel]));
    const sheets: SheetInfo[] = [];
    for (const sheet of declared) {
      const rel = sheet.id === undefined ? undefined : byId.get(sheet.id);
      // Chart sheets and dialog sheets hold no rows: only worksheets are offered.
      if (rel && !rel.type.endsWith(WORKSHEET)) continue;
      sheets.push({ name: sheet.name, state: sheet.state, part: rel?.target });
    }
    // A writer that forgot to declare the shared strings or styles still put them at their usual place.
    const dir = posix.dirname(main);
    const find = (type: string, usual: string): string | undefined => {
      const declaredTarget = rels.find((rel) => rel.type.endsWith(type))?.target;
      if (declaredTarget !== undefined) return declaredTarget;
      const fallback = posix.join(dir, usual);
      return this.entry(fallback) ? fallback : undefined;
    };
    return { sheets, sharedStrings: find(SHARED_STRINGS, 'sharedStrings.xml'), styles: find(STYLES, 'styles.xml'), date1904 };
  }
}

/** How much inflated sheet XML may wait for the parser. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

/**
 * Lets the zip layer keep inflating (on libuv's thread pool) while this thread parses and the caller
 * works on the rows: without a buffer of its own, inflating stops whenever the parser is busy, and the
 * parser then waits for it. Errors of the source reach the reader through the returned stream.
 */
function readAhead(source: Readable): Readable {
  const buffer = new PassThrough({ highWaterMark: READ_AHEAD_BYTES });
  pipeline(source, buffer, () => {
    // pipeline destroys `buffer` with the source's error, which ends the reader's loop with it.
  });
  buffer.once('close', () => source.destroy());
  return buffer;
}

/** A part's relationship target as a zip entry name: relative to the part's folder, or absolute from the root. */
function resolveTarget(dir: string, target: string): string {
  let path = target;
  try {
    path = decodeURIComponent(target);
  } catch {
    // Not percent-encoded after all; use it as written.
  }
  const joined = path.startsWith('/') ? posix.normalize(path) : posix.join(dir, path);
  return joined.replace(/^\/+/, '');
}

/** The r:id of a workbook's sheet element, whatever prefix the relationships namespace was given. */
function relationshipId(tag: SaxesTagPlain): string | undefined {
  const attributes = tag.attributes;
  if (attributes['r:id'] !== undefined) return attributes['r:id'];
  for (const [key, value] of Object.entries(attributes)) {
    if (key.includes(':') && localName(key) === 'id') return value;
  }
  return undefined;
}

/** Feeds a part through saxes, calling `onOpen` for every element. */
async function parseXml(stream: Readable, onOpen: (tag: SaxesTagPlain) => void): Promise<void> {
  const parser = new SaxesParser();
  parser.on('opentag', onOpen);
  for await (const text of decodeUtf8(stream)) parser.write(text);
  parser.close();
}

/** Number formats by style id (cellXfs), as styles.xml declares them. */
class Styles {
  /** numFmtId of each cell format, by style id. */
  readonly formatIds: number[] = [];
  /** Custom number formats by numFmtId. */
  readonly custom = new Map<number, string>();

  /** The number format of a style, custom or built in; undefined means General. */
  numFmt(styleId: number): string | undefined {
    const id = this.formatIds[styleId] ?? 0;
    return this.custom.get(id) ?? builtInFormat(id);
  }
}

/**
 * Built-in formats (ECMA-376 part 1, 18.8.30) that a workbook uses without declaring them: the common ones,
 * and the East Asian date and time ones (27–36, 50–58). Ids 5–8 and 23–26, 41–44 depend on the writer's
 * locale and are normally declared; undeclared, they stay General rather than guess a currency.
 */
function builtInFormat(id: number): string | undefined {
  const known = (id >= 0 && id <= 4) || (id >= 9 && id <= 22) || (id >= 27 && id <= 40) || (id >= 45 && id <= 58);
  return known ? getFormatFromId(id) : undefined;
}

async function readStyles(stream: Readable): Promise<Styles> {
  const styles = new Styles();
  // xf elements also appear in cellStyleXfs, numFmt elements in dxfs: only those in cellXfs and numFmts count.
  let section: string | undefined;
  const parser = new SaxesParser();
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (name === 'numFmts' || name === 'cellXfs' || name === 'cellStyleXfs' || name === 'dxfs') section = name;
    else if (name === 'numFmt' && section === 'numFmts') {
      const id = Number.parseInt(tag.attributes.numFmtId ?? '', 10);
      if (Number.isInteger(id) && tag.attributes.formatCode !== undefined) styles.custom.set(id, tag.attributes.formatCode);
    } else if (name === 'xf' && section === 'cellXfs') {
      const id = Number.parseInt(tag.attributes.numFmtId ?? '0', 10);
      styles.formatIds.push(Number.isInteger(id) ? id : 0);
    }
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    if (localName(tag.name) === section) section = undefined;
  });
  for await (const text of decodeUtf8(stream)) parser.write(text);
  parser.close();
  return styles;
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
  styles: Styles;
  date1904: boolean;
  /** Style id → what a number under that style displays as. */
  decisions: (NumberDecision | undefined)[];
}

function decisionFor(context: CellContext, styleId: number): NumberDecision {
  let decision = context.decisions[styleId];
  if (!decision) {
    decision = decideFormat(context.styles.numFmt(styleId));
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
const PARSE_PIECE_CHARS = 32 * 1024;
const ROW_ATTRIBUTES = ['r'] as const;
const CELL_ATTRIBUTES = ['r', 't', 's'] as const;

async function* readSheetRows(chunks: AsyncIterable<Buffer | string>, context: CellContext): AsyncGenerator<RawRow> {
  const found: (string | undefined)[] = [];
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

  const open = (tagName: string, text: string, start: number, end: number) => {
    const name = localName(tagName);
    if (!inSheetData) {
      if (name === 'sheetData') inSheetData = true;
      return;
    }
    switch (name) {
      case 'row': {
        readAttributes(text, start, end, ROW_ATTRIBUTES, found);
        const r = found[0];
        lastRow = r ? Number.parseInt(r, 10) : lastRow + 1;
        row = { row: lastRow, cells: [] };
        col = -1;
        break;
      }
      case 'c': {
        readAttributes(text, start, end, CELL_ATTRIBUTES, found);
        const r = found[0];
        col = r ? columnOfRef(r) : col + 1;
        type = found[1] ?? 'n';
        const s = found[2];
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
  };
  const close = (tagName: string) => {
    if (!inSheetData) return;
    const name = localName(tagName);
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
  };
  const parser = new XmlScanner({
    open,
    close,
    text(text) {
      if (capture === 'v') value += text;
      else if (capture === 'is') inline += text;
    },
    wantsText: () => capture !== undefined,
  });

  const write = (text: string | undefined) => {
    try {
      if (text === undefined) parser.close();
      else parser.write(text);
    } catch (error) {
      throw new SheetDataError(lastRow > 0 ? lastRow : undefined, error);
    }
  };
  for await (const text of decodeUtf8(chunks)) {
    // The read-ahead hands over everything it holds at once; parsing it in pieces keeps the rows
    // waiting for the caller few, so they die young instead of being promoted and collected late.
    for (let at = 0; at < text.length; at += PARSE_PIECE_CHARS) {
      write(at === 0 && text.length <= PARSE_PIECE_CHARS ? text : text.slice(at, at + PARSE_PIECE_CHARS));
      if (ready.length > 0) yield* ready.splice(0);
    }
  }
  write(undefined);
  if (ready.length > 0) yield* ready.splice(0);
}

/** One cell's displayed value from its type (t), style (s), stored value (v) and inline text (is). */
function cellValue(type: string, style: number, value: string | undefined, inline: string | undefined, context: CellContext): RawCell | undefined {
  switch (type) {
    case 's': {
      if (value === undefined) return undefined;
      const text = context.sharedStrings[Number.parseInt(value, 10)];
      // A reference past the table means a damaged file: failing beats leaving the cell silently empty.
      if (text === undefined) throw new Error(`shared string ${value} does not exist`);
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
