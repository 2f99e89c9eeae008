/**
 * The XML parts of an .xlsx once their zip entry is open: styles (number formats), the shared-string
 * table and a worksheet's rows, each parsed as a stream. Split from ./xlsx (the zip and the workbook's
 * relationships) along that seam: this side only ever sees text, never the zip.
 *
 * Every part is read within the bounds of ./xlsx-limits, so a crafted part cannot make the reader
 * allocate or loop without end: a cell reference past XFD1048576, a text run past Excel's 32,767
 * characters or a run of characters without markup ends the read with a FILE_UNREADABLE error naming the bound.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { getFormatFromId } from 'numfmt';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { isCoreError } from '../errors';
import { decideFormat, displayNumber } from './cells';
import { XmlScanner, readAttributes } from './xml-scan';
import type { NumberDecision } from './cells';
import { ErrorCell } from './columns';
import type { RawCell, RawRow } from './columns';
import { LIMITS, LimitExceeded, RunGuard, limitError } from './xlsx-limits';

/** A failure inside a worksheet's XML, with the row being read when it happened. */
export class SheetDataError extends Error {
  constructor(readonly row: number | undefined, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Number formats by style id (cellXfs), as styles.xml declares them. */
export class Styles {
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

export async function readStyles(stream: Readable): Promise<Styles> {
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
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/**
 * Decodes UTF-8 across chunk boundaries (a character may be split between two zip chunks), refusing a
 * run of characters without markup (which every XML parser would otherwise buffer whole).
 */
export async function* decodeUtf8(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const guard = new RunGuard();
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text) {
      guard.check(text);
      yield text;
    }
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

function tooLong(where: string, row?: number): LimitExceeded {
  return limitError(`${where} holds more than ${LIMITS.maxCellChars.toLocaleString('en-US')} characters, the most an Excel cell can hold`, row);
}

const PLAIN_OPEN = '<si><t>';
const PLAIN_OPEN_PRESERVE = '<si><t xml:space="preserve">';
const PLAIN_CLOSE = '</t></si>';

/**
 * The end of the entry at `at` if it is stored as nearly every writer stores one, `<si><t>text</t></si>` (or with
 * xml:space="preserve") with no entity or carriage return in the text, which then is its value as it stands;
 * otherwise -1. `found` receives the text.
 */
function plainEntry(chunk: string, at: number, found: string[]): number {
  let start: number;
  if (chunk.startsWith(PLAIN_OPEN, at)) start = at + PLAIN_OPEN.length;
  else if (chunk.startsWith(PLAIN_OPEN_PRESERVE, at)) start = at + PLAIN_OPEN_PRESERVE.length;
  else return -1;
  const end = chunk.indexOf('<', start);
  if (end < 0 || !chunk.startsWith(PLAIN_CLOSE, end)) return -1;
  for (let i = start; i < end; i++) {
    const code = chunk.charCodeAt(i);
    if (code === 38 /* & */ || code === 13 /* CR */) return -1;
  }
  found[0] = chunk.slice(start, end);
  return end + PLAIN_CLOSE.length;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 10 && code !== 13 && code !== 9) return false;
  }
  return true;
}

/**
 * The shared-string table as plain strings: rich-text runs joined, phonetic guides (rPh) left out.
 *
 * A large export's table holds hundreds of thousands of entries, and no row of the sheet can be read before it
 * is complete, so its reading is all waiting. Plain entries (plainEntry) are therefore taken in place, without
 * the scanner's bookkeeping; everything else (rich text, phonetic guides, entities, prefixed names, an entry
 * cut between two chunks) goes through the scanner of ./xml-scan, which also checks that the whole part is
 * well-formed. An entry is taken in place only between two children of the root, with nothing of the scanner's
 * pending, so the table keeps the file's order.
 */
export async function readSharedStrings(entry: AsyncIterable<Buffer>): Promise<string[]> {
  const strings: string[] = [];
  const add = (value: string) => {
    if (strings.length >= LIMITS.maxSharedStrings) throw limitError(`its shared-text table has more than ${LIMITS.maxSharedStrings.toLocaleString('en-US')} entries`);
    if (value.length > LIMITS.maxCellChars) throw tooLong(`shared text number ${strings.length + 1}`);
    strings.push(value);
  };
  let text = '';
  let inText = false;
  let phonetic = 0;
  const parser = new XmlScanner({
    open(tagName) {
      const name = localName(tagName);
      if (name === 't') inText = phonetic === 0;
      else if (name === 'si') text = '';
      else if (name === 'rPh') phonetic++;
    },
    close(tagName) {
      const name = localName(tagName);
      if (name === 't') inText = false;
      else if (name === 'si') add(text);
      else if (name === 'rPh') phonetic--;
    },
    text(value) {
      text += value;
      if (text.length > LIMITS.maxCellChars) throw tooLong(`shared text number ${strings.length + 1}`);
    },
    wantsText: () => inText,
  });
  const found: string[] = [];
  for await (const chunk of decodeUtf8(entry)) {
    // The scanner is handed everything between the entries taken in place, in order.
    let handed = 0;
    for (let at = chunk.indexOf('<si>'); at >= 0; at = chunk.indexOf('<si>', at + 4)) {
      // Line breaks and indentation between two entries mean nothing (some writers indent the table): left
      // with the scanner they would be pending, and no entry after them would be taken in place.
      if (at > handed && (parser.depth !== 1 || parser.pending || !isBlank(chunk, handed, at))) parser.write(chunk.slice(handed, at));
      handed = at;
      if (parser.depth !== 1 || parser.pending) continue;
      const end = plainEntry(chunk, at, found);
      if (end < 0) continue;
      add(found[0]!);
      handed = end;
      at = end - 4;
    }
    if (handed < chunk.length) parser.write(handed === 0 ? chunk : chunk.slice(handed));
  }
  parser.close();
  return strings;
}

export interface CellContext {
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

/** Zero-based column of a cell reference such as "AB12"; past XFD fails (a sparse row that long would never end). */
function columnOfRef(ref: string, row: number): number {
  let col = 0;
  for (let i = 0; i < ref.length && col <= LIMITS.maxColumns; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) col = col * 26 + (code - 64);
    else if (code >= 97 && code <= 122) col = col * 26 + (code - 96);
    else break;
  }
  if (col > LIMITS.maxColumns) throw pastGrid(`a cell reference (${ref.slice(0, 20)}) lies`, row);
  return col - 1;
}

function pastGrid(what: string, row: number | undefined): LimitExceeded {
  return limitError(`${what} beyond XFD1048576, the last cell of an Excel sheet`, row);
}

/**
 * The rows of one worksheet's XML, as displayed values. Rows are yielded after each chunk of XML, so
 * at most one chunk's worth of rows is held at a time.
 */
const PARSE_PIECE_CHARS = 32 * 1024;
const ROW_ATTRIBUTES = ['r'] as const;
const CELL_ATTRIBUTES = ['r', 't', 's'] as const;

export async function* readSheetRows(chunks: AsyncIterable<Buffer | string>, context: CellContext): AsyncGenerator<RawRow> {
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
        if (lastRow > LIMITS.maxRows) throw pastGrid(`row ${r ?? lastRow} lies`, undefined);
        row = { row: lastRow, cells: [] };
        col = -1;
        break;
      }
      case 'c': {
        readAttributes(text, start, end, CELL_ATTRIBUTES, found);
        const r = found[0];
        col = r ? columnOfRef(r, lastRow) : col + 1;
        if (col >= LIMITS.maxColumns) throw pastGrid('a cell lies', lastRow);
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
      else return;
      if ((value?.length ?? 0) > LIMITS.maxCellChars || inline.length > LIMITS.maxCellChars) throw tooLong('a cell', lastRow);
    },
    wantsText: () => capture !== undefined,
  });

  const write = (text: string | undefined) => {
    try {
      if (text === undefined) parser.close();
      else parser.write(text);
    } catch (error) {
      if (error instanceof LimitExceeded || isCoreError(error)) throw error;
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
