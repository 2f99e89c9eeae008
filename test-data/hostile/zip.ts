/**
 * A small zip writer for crafting workbooks no spreadsheet program would write: parts that inflate to a
 * gigabyte from a kilobyte, sizes that lie, parts left out. Real zip libraries refuse or cannot make
 * most of these, and a hostile file is exactly what the readers must be tested against.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface ZipPart {
  name: string;
  /** The part's text or bytes, stored deflated. */
  data?: string | Buffer;
  /**
   * A part made of `block` repeated `times` times, without ever holding it whole: the block is deflated
   * once with a full flush (independent and byte-aligned), and its compressed form repeated.
   */
  repeat?: { head?: string; block: string; times: number; tail?: string };
  /** Declare this inflated size in the headers instead of the true one (a lying zip). */
  declaredSize?: number;
}

interface Written {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/** Writes `parts` as a zip file at `path` (streamed to disk: a part's compressed form is never built whole). */
export function writeZip(path: string, parts: ZipPart[]): void {
  const fd = openSync(path, 'w');
  let offset = 0;
  const put = (buffer: Buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  const written: Written[] = [];
  try {
    for (const part of parts) {
      const name = Buffer.from(part.name, 'utf8');
      const pieces: { bytes: Buffer; times: number }[] = [];
      let crc = 0;
      let size = 0;
      if (part.repeat) {
        const { head = '', block, times, tail = '' } = part.repeat;
        const blockBytes = Buffer.from(block, 'utf8');
        const full = { finishFlush: constants.Z_FULL_FLUSH };
        pieces.push({ bytes: deflateRawSync(Buffer.from(head, 'utf8'), full), times: 1 });
        pieces.push({ bytes: deflateRawSync(blockBytes, full), times });
        pieces.push({ bytes: deflateRawSync(Buffer.from(tail, 'utf8')), times: 1 });
        crc = crc32(head);
        // The checksum of a gigabyte is not worth computing: readers stop long before the end.
        size = Buffer.byteLength(head) + blockBytes.length * times + Buffer.byteLength(tail);
        if (size < 64 * 1024 * 1024) {
          for (let i = 0; i < times; i++) crc = crc32(blockBytes, crc);
          crc = crc32(tail, crc);
        }
      } else {
        const data = typeof part.data === 'string' ? Buffer.from(part.data, 'utf8') : (part.data ?? Buffer.alloc(0));
        pieces.push({ bytes: deflateRawSync(data), times: 1 });
        crc = crc32(data);
        size = data.length;
      }
      const compressed = pieces.reduce((sum, p) => sum + p.bytes.length * p.times, 0);
      const declared = part.declaredSize ?? size;
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(8, 8); // deflate
      local.writeUInt32LE(crc >>> 0, 14);
      local.writeUInt32LE(compressed, 18);
      local.writeUInt32LE(declared, 22);
      local.writeUInt16LE(name.length, 26);
      const at = offset;
      put(local);
      put(name);
      for (const piece of pieces) for (let i = 0; i < piece.times; i++) put(piece.bytes);
      written.push({ name, crc, compressed, size: declared, offset: at });
    }
    const start = offset;
    for (const entry of written) {
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(20, 6);
      central.writeUInt16LE(0x0800, 8);
      central.writeUInt16LE(8, 10);
      central.writeUInt32LE(entry.crc >>> 0, 16);
      central.writeUInt32LE(entry.compressed, 20);
      central.writeUInt32LE(entry.size, 24);
      central.writeUInt16LE(entry.name.length, 28);
      central.writeUInt32LE(entry.offset, 42);
      put(central);
      put(entry.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(written.length, 8);
    end.writeUInt16LE(written.length, 10);
    end.writeUInt32LE(offset - start, 12);
    end.writeUInt32LE(start, 16);
    put(end);
  } finally {
    closeSync(fd);
  }
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>SHARED</Relationships>`;
const SHARED_REL = '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>';

export const SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
export const SHEET_TAIL = '</sheetData></worksheet>';

/** An inline-string cell. */
export function cell(ref: string, text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<c r="${ref}" t="inlineStr"><is><t>${escaped}</t></is></c>`;
}

/** Rows of inline-string cells as sheet XML (row 1 = the first array). */
export function sheetXml(rows: string[][]): string {
  const body = rows
    .map((values, r) => `<row r="${r + 1}">${values.map((v, c) => cell(`${String.fromCharCode(65 + c)}${r + 1}`, v)).join('')}</row>`)
    .join('');
  return SHEET_HEAD + body + SHEET_TAIL;
}

/**
 * A minimal workbook with one sheet "People". `sheet` replaces the worksheet part (for a repeated,
 * huge one); `sharedStrings` adds that part (`declareSharedStrings` only declares it); `omit` leaves parts out by name.
 */
export function writeWorkbook(path: string, options: { sheet: Omit<ZipPart, 'name'>; sharedStrings?: Omit<ZipPart, 'name'>; declareSharedStrings?: boolean; omit?: string[] }): void {
  const parts: ZipPart[] = [
    { name: '[Content_Types].xml', data: CONTENT_TYPES },
    { name: '_rels/.rels', data: ROOT_RELS },
    { name: 'xl/workbook.xml', data: WORKBOOK },
    { name: 'xl/_rels/workbook.xml.rels', data: WORKBOOK_RELS.replace('SHARED', options.sharedStrings || options.declareSharedStrings ? SHARED_REL : '') },
    { name: 'xl/worksheets/sheet1.xml', ...options.sheet },
  ];
  if (options.sharedStrings) parts.push({ name: 'xl/sharedStrings.xml', ...options.sharedStrings });
  writeZip(path, parts.filter((p) => !options.omit?.includes(p.name)));
}
