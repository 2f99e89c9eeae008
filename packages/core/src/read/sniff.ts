/**
 * Guessing how a text export was written, from a sample of its first bytes: the encoding (byte-order
 * mark, NUL pattern, UTF-8 validity, then chardet) and the delimiter (the candidate that splits the first
 * lines into the same number of fields most consistently, counted outside quotes).
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

export interface DetectedEncoding {
  /** An iconv-lite encoding name. */
  encoding: string;
  /** How the encoding was chosen, for messages and tests. */
  reason: 'bom' | 'nul-pattern' | 'utf8-valid' | 'chardet' | 'fallback';
}

/** chardet names whose best reading of non-UTF-8 bytes is Windows-1252 anyway. */
const LATIN1_FAMILY = new Set(['utf-8', 'ascii', 'iso-8859-1', 'windows-1252']);

/** Delimiters recognised without being declared, in order of preference on a tie. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The encoding of a text sample. `complete` says whether the sample is the whole file (when it is not,
 * a multi-byte character cut at the end of the sample is not held against UTF-8).
 */
export function detectEncoding(sample: Buffer, complete: boolean): DetectedEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', reason: 'bom' };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', reason: 'bom' };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', reason: 'bom' };

  const nul = utf16ByNulPattern(sample);
  if (nul) return { encoding: nul, reason: 'nul-pattern' };

  if (isUtf8(complete ? sample : withoutCutCharacter(sample))) return { encoding: 'utf-8', reason: 'utf8-valid' };

  // Not UTF-8: a legacy code page. HR exports from Western systems are Windows-1252 far more often than
  // anything else, and chardet is unsure on short samples (on a few lines of German it ties ISO-8859-1
  // with windows-1257), so another code page wins only when chardet clearly prefers it (Cyrillic and
  // Japanese exports score about 40 with a wide lead) on a sample with enough non-ASCII bytes to judge. Anything else is read as Windows-1252, which
  // also covers ISO-8859-1; a profile can declare the encoding when that guess is wrong.
  const [best, runnerUp] = enoughNonAscii(sample) ? chardet.analyse(sample) : [];
  if (best && best.confidence >= 30 && best.confidence - (runnerUp?.confidence ?? 0) >= 5 && iconv.encodingExists(best.name)) {
    const name = best.name.toLowerCase();
    if (!LATIN1_FAMILY.has(name)) return { encoding: best.name, reason: 'chardet' };
  }
  return { encoding: 'windows-1252', reason: 'fallback' };
}

/** chardet guesses wildly from a handful of accented letters; a few names in Windows-1252 are the common case. */
function enoughNonAscii(sample: Buffer): boolean {
  let count = 0;
  for (const byte of sample) if (byte >= 0x80 && ++count >= 16) return true;
  return false;
}

/** UTF-16 without a byte-order mark shows as NUL bytes in every other position for Latin text. */
function utf16ByNulPattern(sample: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(Math.min(sample.length, 4096) / 2);
  if (pairs < 2) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (sample[2 * i] === 0) evenNul++;
    if (sample[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul > pairs * 0.3 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.3 && oddNul < pairs * 0.05) return 'utf-16be';
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Drops an incomplete multi-byte sequence at the very end of a sample. */
function withoutCutCharacter(sample: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, sample.length); back++) {
    const byte = sample[sample.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? sample.subarray(0, sample.length - back) : sample;
  }
  return sample;
}

export interface DetectedDelimiter {
  delimiter: string;
  /** The first line was Excel's `sep=;` hint: it is not data and must be skipped. */
  sepLine: boolean;
}

/** How many logical lines the delimiter detection looks at. */
const SNIFF_LINES = 30;

/**
 * The delimiter of decoded text. Excel's `sep=X` first line wins. Otherwise each candidate is counted
 * outside quotes on each of the first lines (a quoted field may span lines); the winner is the candidate
 * whose most common per-line count is above zero and shared by the most lines (a title line without
 * delimiters does not spoil it), then the one with more fields, then the earlier in DELIMITERS.
 * Text without any candidate is one column: the comma is as good as any.
 */
export function detectDelimiter(text: string): DetectedDelimiter {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const sep = /^sep=(.)(?:\r?\n|\r)/i.exec(body);
  if (sep) return { delimiter: sep[1]!, sepLine: true };

  const perLine = countPerLine(body);
  let best: { delimiter: string; lines: number; fields: number } | undefined;
  for (const delimiter of DELIMITERS) {
    const counts = perLine.map((line) => line.get(delimiter) ?? 0);
    const frequency = new Map<number, number>();
    for (const count of counts) if (count > 0) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    let modeCount = 0;
    let modeLines = 0;
    for (const [count, lines] of frequency) {
      if (lines > modeLines || (lines === modeLines && count > modeCount)) {
        modeCount = count;
        modeLines = lines;
      }
    }
    if (modeLines === 0) continue;
    if (!best || modeLines > best.lines || (modeLines === best.lines && modeCount > best.fields)) {
      best = { delimiter, lines: modeLines, fields: modeCount };
    }
  }
  return { delimiter: best?.delimiter ?? ',', sepLine: false };
}

/** Candidate counts for each non-empty logical line, quotes respected. */
function countPerLine(text: string): Map<string, number>[] {
  const lines: Map<string, number>[] = [];
  let current = new Map<string, number>();
  let inQuotes = false;
  let lineHasContent = false;
  for (let i = 0; i < text.length && lines.length < SNIFF_LINES; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      inQuotes = !inQuotes;
      lineHasContent = true;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (lineHasContent) lines.push(current);
      current = new Map();
      lineHasContent = false;
    } else {
      lineHasContent = true;
      if (!inQuotes && (DELIMITERS as readonly string[]).includes(ch)) current.set(ch, (current.get(ch) ?? 0) + 1);
    }
  }
  // The sample may end mid-line; a partial last line is only used when it is the only one.
  if (lineHasContent && lines.length === 0) lines.push(current);
  return lines;
}
