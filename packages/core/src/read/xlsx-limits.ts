/**
 * Bounds on reading an .xlsx. A workbook is a zip of XML parts, and a crafted one of 1 MB can inflate to
 * gigabytes (one endless cell, a run of whitespace, a million empty rows) or point at cell ZZZZZZZ1 and
 * make a sparse row of two billion slots. Every bound here is one that a workbook Excel saved never
 * reaches, so a real export is never refused by them, and each refusal says which bound and what to do.
 */
import type { Entry } from 'yauzl';
import { CoreError } from '../errors';

export const LIMITS = {
  /** Excel's own grid: XFD1048576. */
  maxRows: 1_048_576,
  maxColumns: 16_384,
  /** Excel's limit on the text of one cell. */
  maxCellChars: 32_767,
  /**
   * Characters between two '<' of a part. The longest legal run is a 32,767-character cell written with
   * entities (`&quot;` is six characters, a character reference up to ten), far below this; a longer run
   * is padding meant to make the parser buffer without end.
   */
  maxRunChars: 1024 * 1024,
  /** Inflated size of a worksheet part (a 500,000-row export of 40 columns is some 700 MB). */
  maxSheetBytes: 1024 * 1024 * 1024,
  /** The shared-string table is held in memory whole, so it gets a tighter bound than a streamed sheet. */
  maxSharedStringsBytes: 256 * 1024 * 1024,
  maxSharedStrings: 10_000_000,
  /** workbook.xml, styles.xml and the relationship parts are small in any real workbook. */
  maxOtherPartBytes: 32 * 1024 * 1024,
  /** Inflated ÷ stored size. Office XML compresses 5–30 times; zip bombs a thousand. */
  maxRatio: 200,
  /** Parts smaller than this inflated are not held to the ratio (a tiny part of repeated text compresses well). */
  ratioFromBytes: 16 * 1024 * 1024,
} as const;

/** A part or cell beyond one of LIMITS; `unreadable` in ./xlsx turns it into a FILE_UNREADABLE CoreError naming the file and the bound. */
export class LimitExceeded extends Error {
  constructor(readonly what: string, readonly row?: number) {
    super(what);
  }
}

export function limitError(what: string, row?: number): LimitExceeded {
  return new LimitExceeded(what, row);
}

/** The CoreError a person reads when a workbook goes past a bound. */
export function limitCoreError(file: string, limit: LimitExceeded, row?: number): CoreError {
  const at = limit.row ?? row;
  const where = at === undefined ? '' : ` (near row ${at})`;
  return new CoreError(
    'FILE_UNREADABLE',
    `${file} was not read: ${limit.what}${where}. A workbook saved by Excel never does this, so the file is damaged or was made to stall the reader. Open it in Excel and save it again as .xlsx, or export it again from the HR system.`,
    { location: at === undefined ? { file } : { file, row: at }, cause: limit },
  );
}

const MB = 1024 * 1024;

/**
 * Checks a part's sizes as the zip's central directory declares them, before a byte is inflated. yauzl
 * (validateEntrySizes) fails a part that inflates to more than it declared, so the declaration binds.
 */
export function checkPartSize(entry: Entry, maxBytes: number): void {
  const inflated = entry.uncompressedSize;
  if (inflated > maxBytes) {
    throw limitError(`its part ${entry.fileName} inflates to ${Math.round(inflated / MB)} MB, more than the ${Math.round(maxBytes / MB)} MB allowed`);
  }
  if (inflated >= LIMITS.ratioFromBytes && inflated / Math.max(entry.compressedSize, 1) > LIMITS.maxRatio) {
    const ratio = Math.round(inflated / Math.max(entry.compressedSize, 1));
    throw limitError(`its part ${entry.fileName} is compressed ${ratio} to 1 (${Math.round(inflated / MB)} MB from ${Math.max(1, Math.round(entry.compressedSize / 1024))} KB), far beyond the ${LIMITS.maxRatio} to 1 of real spreadsheet data`);
  }
}

/**
 * Fails text with a run of more than LIMITS.maxRunChars characters between two '<', across chunks.
 * Cheap on real parts: a chunk shorter than half the bound cannot hold such a run inside it, and a
 * longer one is probed at strides of half the bound (any run of the full bound covers one whole stride).
 */
export class RunGuard {
  private carry = 0;

  check(text: string): void {
    const first = text.indexOf('<');
    if (first < 0) {
      this.carry += text.length;
      if (this.carry > LIMITS.maxRunChars) throw this.failure();
      return;
    }
    if (this.carry + first > LIMITS.maxRunChars) throw this.failure();
    // Stride starts lie every half bound from the first '<': a run of the full bound holds one of them
    // with more than half the bound still to go before the next '<'.
    const half = LIMITS.maxRunChars / 2;
    for (let at = first + half; at < text.length; at += half) {
      const next = text.indexOf('<', at);
      if (next < 0) break;
      if (next - at > half) throw this.failure();
    }
    this.carry = text.length - 1 - text.lastIndexOf('<');
    if (this.carry > LIMITS.maxRunChars) throw this.failure();
  }

  private failure(): LimitExceeded {
    return limitError(`it holds a run of more than ${LIMITS.maxRunChars.toLocaleString('en-US')} characters without any markup`);
  }
}
