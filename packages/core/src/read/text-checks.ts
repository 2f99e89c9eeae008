/**
 * Checks on a text export before and while it is parsed, so that nothing is read wrongly in silence:
 * bytes that are no text export at all, an encoding that was guessed and reads as more than one
 * (Shift-JIS read as Windows-1252 turns '山田 太郎' into 'ŽR“c ‘¾˜Y'), characters that do not decode,
 * and a lone carriage return (old Mac line ends, or one stray CR) that would otherwise join two records.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { CoreError } from '../errors';
import type { DetectedEncoding } from './sniff';

/** Double-byte encodings of East Asian HR systems, in the order they are offered when several read. */
const DOUBLE_BYTE = ['shift_jis', 'euc-jp', 'gbk', 'big5', 'euc-kr'] as const;

/** Control characters no spreadsheet or HR system writes into a text export (tab, LF and CR are text). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * Fails when the decoded start of a file is mostly not text: random or binary bytes named .csv decode
 * into hundreds of rows of garbage otherwise. One stray control character in a cell is left to validation.
 */
export function assertTextExport(file: string, sampleText: string): void {
  if (sampleText.length < 64) return;
  const controls = (sampleText.match(CONTROL)?.length ?? 0) + countOf(sampleText, '\uFFFD');
  if (controls / sampleText.length > 0.02) {
    throw new CoreError(
      'FILE_UNREADABLE',
      `${file} is not a text export: ${controls.toLocaleString('en-US')} of its first ${sampleText.length.toLocaleString('en-US')} characters are binary codes that no spreadsheet writes into a CSV. Check that this is the right file; export it again from the HR system as CSV (or as an Excel workbook, named .xlsx).`,
      { location: { file } },
    );
  }
}

function countOf(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/** A code point of Chinese, Japanese or Korean text (ideographs, kana, hangul, CJK and full-width punctuation). */
function isCjk(code: number): boolean {
  return (
    (code >= 0x3000 && code <= 0x30ff) ||
    (code >= 0x3130 && code <= 0x318f) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xff00 && code <= 0xffef) ||
    code >= 0x20000
  );
}

const asciiLetter = (ch: string | undefined) => ch !== undefined && /^[A-Za-z]$/.test(ch);

interface Reading {
  encoding: string;
  text: string;
  clean: boolean;
  /** Share of the non-ASCII characters that are letters outside CJK (how Latin, Greek or Cyrillic text reads). */
  letters: number;
  /** Share of the non-ASCII characters that are CJK and not glued to an ASCII letter ('M黮ler' is Müller misread). */
  cjk: number;
  nonAscii: number;
}

function read(sample: Buffer, encoding: string): Reading {
  const text = iconv.decode(sample, encoding);
  const chars = Array.from(text);
  let nonAscii = 0;
  let letters = 0;
  let cjk = 0;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const code = ch.codePointAt(0)!;
    if (code < 0x80) continue;
    nonAscii++;
    if (isCjk(code)) {
      if (!asciiLetter(chars[i - 1]) && !asciiLetter(chars[i + 1])) cjk++;
    } else if (/\p{L}/u.test(ch)) letters++;
  }
  const share = (n: number) => (nonAscii === 0 ? 1 : n / nonAscii);
  return { encoding, text, clean: !text.includes('\uFFFD'), letters: share(letters), cjk: share(cjk), nonAscii };
}

/** The first value holding non-ASCII characters, as a reading shows it: enough for a person to recognise a name. */
function preview(text: string): string {
  const line = text.split(/\r\n|\n|\r/).find((l) => /[\u0080-\uffff]/.test(l)) ?? '';
  const value = line.split(/[,;\t|]/).find((v) => /[\u0080-\uffff]/.test(v)) ?? line;
  const shown = Array.from(value.trim().replace(/^"|"$/g, ''));
  return shown.length > 24 ? `${shown.slice(0, 24).join('')}…` : shown.join('');
}

/** Drops bytes of a character cut at the end of a sample that is not the whole file. */
function whole(sample: Buffer, complete: boolean): Buffer {
  if (complete) return sample;
  let end = sample.length;
  while (end > 0 && end > sample.length - 4 && sample[end - 1]! >= 0x80) end--;
  return sample.subarray(0, end);
}

/**
 * Decides the encoding of a text export whose encoding was guessed. Trusts a byte-order mark, a NUL
 * pattern and valid UTF-8. Otherwise it compares the guess with the double-byte encodings: when exactly
 * one of those reads the text as East Asian words and the guess reads it as symbols, that one is used;
 * when several read, or the guess reads as well, or the guess does not decode, it stops and asks for
 * `input.encoding`, showing how each candidate reads the first name so the person can pick.
 */
export function settleGuessedEncoding(file: string, sample: Buffer, guessed: DetectedEncoding, complete: boolean): string {
  if (guessed.reason === 'bom' || guessed.reason === 'nul-pattern' || guessed.reason === 'utf8-valid') return guessed.encoding;
  const bytes = whole(sample, complete);
  const guess = read(bytes, guessed.encoding);
  if (guess.nonAscii === 0) return guessed.encoding;
  const doubleByte = DOUBLE_BYTE.filter((name) => name !== guessed.encoding.toLowerCase()).map((name) => read(bytes, name));
  const east = doubleByte.filter((r) => r.clean && r.cjk >= 0.9);
  const guessIsEast = guess.clean && guess.cjk >= 0.9;
  // chardet named an East Asian encoding with a clear lead (see detectEncoding) and it reads: keep it.
  if (guessIsEast) return guessed.encoding;
  const guessReads = guess.clean && guess.letters >= 0.9;
  if (east.length === 0 && guess.clean) return guessed.encoding;
  if (!guessReads && east.length === 1) return east[0]!.encoding;
  const candidates = [...east, ...(guessReads ? [guess] : [])];
  throw encodingQuestion(file, candidates, guessed.encoding);
}

function encodingQuestion(file: string, candidates: Reading[], guessed: string): CoreError {
  const readings = candidates.map((r) => `"${preview(r.text)}" in ${r.encoding}`);
  const how =
    readings.length > 0
      ? `its first name with non-English letters reads as ${readings.join(', as ')}`
      : `it does not read as ${guessed}, UTF-8 or any East Asian encoding without characters that cannot be decoded`;
  const example = candidates[0]?.encoding ?? 'windows-1252';
  return new CoreError(
    'ENCODING_UNSUPPORTED',
    `${file}: the text encoding could not be told for certain: ${how}. Set "encoding" under "input" in the profile to the one that reads right (for example "${example}"), or export the file again as "CSV UTF-8", then run again.`,
    { location: { file, field: 'input/encoding' }, details: candidates.map((r) => r.encoding) },
  );
}

/**
 * Decoded text on its way to the CSV parser. A lone CR becomes LF (csv-parse takes a single record
 * delimiter style, and a CR between two LF-ended records would join them into one); a CR at the end of
 * a chunk waits for the next one, since it may be half of a CRLF. When the encoding was guessed, a
 * character that did not decode stops the read naming its line, rather than reaching a user's name.
 */
export class TextLines extends Transform {
  private pendingCr = false;
  private line = 1;

  constructor(private readonly file: string, private readonly guessedEncoding: string | undefined) {
    super({ decodeStrings: false, encoding: 'utf8' });
  }

  override _transform(chunk: string | Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let text = (this.pendingCr ? '\r' : '') + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    const normalised = text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
    const failure = this.check(normalised);
    this.line += countOf(normalised, '\n');
    if (failure) callback(failure);
    else callback(null, normalised);
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.pendingCr ? '\n' : '');
  }

  private check(text: string): CoreError | undefined {
    if (this.guessedEncoding === undefined) return undefined;
    const bad = text.indexOf('\uFFFD');
    if (bad < 0) return undefined;
    const line = this.line + countOf(text.slice(0, bad), '\n');
    return new CoreError(
      'ENCODING_UNSUPPORTED',
      `${this.file}, line ${line}: this line holds characters that are not ${this.guessedEncoding}, the encoding guessed from the start of the file, so the file mixes encodings or the guess was wrong. Set "encoding" under "input" in the profile (for example "utf-8", "windows-1252" or "shift_jis"), or export the file again as "CSV UTF-8", then run again.`,
      { location: { file: this.file, row: line, field: 'input/encoding' } },
    );
  }
}
