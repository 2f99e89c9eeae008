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
 * The small parts (relationships, workbook.xml, styles) are parsed with saxes, the shared strings and the
 * worksheet with the leaner scanner of ./xml-scan, all decoding UTF-8 across chunk boundaries (a character may
 * be split between two zip chunks). Memory holds the shared-string table and one chunk of rows, never the
 * sheet. A large workbook is read this way on a thread of its own (./xlsx-thread).
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { CoreError, isCoreError } from '../errors';
import type { RawRow } from './columns';
import { SheetDataError, Styles, decodeUtf8, localName, readSharedStrings, readSheetRows, readStyles } from './xlsx-parts';
import type { CellContext } from './xlsx-parts';
import { LIMITS, LimitExceeded, checkPartSize, limitCoreError } from './xlsx-limits';

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

/** Wraps anything the zip or XML layers throw into the one error a person can act on. */
export function unreadable(file: string, cause: unknown, lastRowRead?: number): CoreError {
  if (isCoreError(cause)) return cause;
  if (cause instanceof LimitExceeded) return limitCoreError(file, cause, lastRowRead);
  if (cause instanceof SheetDataError && cause.cause instanceof LimitExceeded) return limitCoreError(file, cause.cause, cause.row ?? lastRowRead);
  // The rows are parsed a chunk ahead of the last row handed out, so the parser knows the row better.
  const row = cause instanceof SheetDataError ? cause.row ?? lastRowRead : lastRowRead;
  const where = row === undefined ? '' : ` near row ${row}`;
  return new CoreError('FILE_UNREADABLE', `${file} is damaged or not a complete Excel workbook${where}. Open it in Excel and save it again as .xlsx, or export it again from the HR system.`, {
    location: row === undefined ? { file } : { file, row },
    cause,
  });
}

/**
 * The worksheet to read: `wanted` by name (exact, then ignoring case and surrounding spaces) or zero-based
 * index, or the first visible one. Throws SHEET_NOT_FOUND listing the sheets there are.
 */
export function chooseSheet(file: string, sheets: SheetInfo[], wanted: string | number | undefined): SheetInfo {
  const names = sheets.map((s) => `"${s.name}"`).join(', ');
  if (wanted === undefined) {
    const visible = sheets.find((s) => s.state === 'visible') ?? sheets[0];
    if (visible) return visible;
    throw new CoreError('FILE_UNREADABLE', `${file} has no worksheets. Check that this is the right file.`, { location: { file } });
  }
  const found = typeof wanted === 'number'
    ? sheets[wanted]
    : sheets.find((s) => s.name === wanted) ?? sheets.find((s) => s.name.trim().toLowerCase() === wanted.trim().toLowerCase());
  if (found) return found;
  const asked = typeof wanted === 'number' ? `number ${wanted} (counting from 0)` : `"${wanted}"`;
  throw new CoreError('SHEET_NOT_FOUND', `${file} has no worksheet ${asked}. Its worksheets are: ${names || '(none)'}. Choose one of these.`, {
    location: { file, ...(typeof wanted === 'string' ? { sheet: wanted } : {}) },
    details: sheets.map((s) => s.name),
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
      const sharedStrings = index.sharedStrings === undefined ? [] : await readSharedStrings(await this.open(index.sharedStrings, LIMITS.maxSharedStringsBytes));
      const styles = index.styles === undefined ? new Styles() : await readStyles(await this.open(index.styles));
      const context: CellContext = { sharedStrings, styles, date1904: index.date1904, decisions: [] };
      return { sheet, rows: this.rowsOf(readAhead(await this.openEntry(entry, LIMITS.maxSheetBytes)), context) };
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

  /** Opens a part for reading, once its declared sizes are within `maxBytes` and the compression bound. */
  private async openEntry(entry: Entry, maxBytes: number = LIMITS.maxOtherPartBytes): Promise<Readable> {
    if (this.closed) throw new Error('the workbook was closed');
    checkPartSize(entry, maxBytes);
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
  private async open(name: string, maxBytes?: number): Promise<Readable> {
    await this.zipFile();
    const entry = this.entry(name);
    if (!entry) throw new Error(`no ${name} part`);
    return this.openEntry(entry, maxBytes);
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
