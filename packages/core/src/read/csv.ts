/**
 * Streaming .csv/.txt reading: sample the first bytes to detect the encoding and delimiter, then decode
 * (iconv-lite) and parse (csv-parse) as a stream. Each record is numbered by the line it starts on, as a
 * text editor shows it, even when quoted values contain line breaks.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import type { CsvError, Options as ParseOptions } from 'csv-parse';
import iconv from 'iconv-lite';
import { CoreError, isCoreError } from '../errors';
import type { RawRow } from './columns';
import { detectDelimiter, detectEncoding } from './sniff';
import { TextLines, assertTextExport, settleGuessedEncoding } from './text-checks';
import { assembleTable } from './table';
import type { Table } from './table';

/** Bytes looked at to detect the encoding and the delimiter. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * Longest record accepted, in characters. An unclosed quote swallows the rest of the file into one
 * value; this bound turns that into an error instead of unbounded memory.
 */
const MAX_RECORD_CHARS = 1_000_000;

export interface CsvOptions {
  encoding?: string;
  delimiter?: string;
}

export interface CsvStream {
  encoding: string;
  delimiter: string;
  rows: AsyncGenerator<RawRow>;
  /** Stops reading and releases the source. */
  close(): void;
}

export interface CsvTableOptions extends CsvOptions {
  headerRow?: number;
}

/** Opens a CSV file as a Table. */
export function openCsvFile(path: string, file: string, options: CsvTableOptions): Promise<Table> {
  return csvTable(createReadStream(path, { highWaterMark: SAMPLE_BYTES }), file, options);
}

/** Opens any byte stream (a file, a download, a generator) as a CSV Table named `file`. */
export async function csvTable(source: Readable, file: string, options: CsvTableOptions): Promise<Table> {
  const csv = await openCsvSource(source, file, options);
  return assembleTable({
    file,
    format: 'csv',
    encoding: csv.encoding,
    delimiter: csv.delimiter,
    rows: csv.rows,
    ...(options.headerRow === undefined ? {} : { headerRow: options.headerRow }),
    close: async () => csv.close(),
    failure: (error) => readFailure(file, error),
  });
}

/**
 * Opens any byte stream as CSV. Only the first SAMPLE_BYTES are read before this resolves; the rest is
 * read as rows are consumed.
 */
export async function openCsvSource(source: Readable, file: string, options: CsvOptions): Promise<CsvStream> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes < SAMPLE_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      head.push(chunk);
      headBytes += chunk.length;
    }
  } catch (error) {
    source.destroy();
    throw readFailure(file, error);
  }
  const sample = Buffer.concat(head);
  if (sample[0] === 0x50 && sample[1] === 0x4b && sample[2] === 0x03 && sample[3] === 0x04) {
    source.destroy();
    throw new CoreError('FILE_UNREADABLE', `${file} is an Excel workbook, not a text file. Rename it to .xlsx, or save it from Excel as "CSV UTF-8".`, { location: { file } });
  }

  let encoding = options.encoding;
  if (!encoding) {
    try {
      // Binary bytes first: they would otherwise be taken for an East Asian encoding to ask about.
      const guess = detectEncoding(sample, ended);
      assertTextExport(file, iconv.decode(sample, guess.encoding));
      encoding = settleGuessedEncoding(file, sample, guess, ended);
    } catch (error) {
      source.destroy();
      throw error;
    }
  }
  if (!iconv.encodingExists(encoding)) {
    source.destroy();
    throw new CoreError('ENCODING_UNSUPPORTED', `${file}: the text encoding "${encoding}" is not known. Use a name such as utf-8, utf-16le or windows-1252, or leave the encoding empty to detect it.`, {
      location: { file, field: 'encoding' },
    });
  }
  const sampleText = iconv.decode(sample.subarray(0, Math.min(sample.length, SAMPLE_BYTES)), encoding);
  try {
    assertTextExport(file, sampleText);
  } catch (error) {
    source.destroy();
    throw error;
  }
  const detected = detectDelimiter(sampleText);
  const delimiter = normaliseDelimiter(options.delimiter) ?? detected.delimiter;

  // The bytes already read go first, then the rest of the source.
  const bytes = Readable.from((async function* () {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })(), { objectMode: false });

  let nextLine = 1;
  let skipSepLine = detected.sepLine && options.delimiter === undefined;
  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    // A stray quote inside an unquoted value (Bob "Bobby" Tables) is kept as text, as Excel does.
    relax_quotes: true,
    raw: true,
    bom: true,
    max_record_size: MAX_RECORD_CHARS,
    // Runs synchronously for every record as it is parsed, empty lines included, so `nextLine` always
    // points at the first line of the record being parsed, also when a parse error ends the file.
    // With `raw`, csv-parse hands the hook { record, raw } rather than the bare record.
    on_record: ((parsed: { record: string[]; raw: string }) => {
      const line = nextLine;
      nextLine += lineBreaks(parsed.raw);
      return { line, record: parsed.record };
    }) as unknown as ParseOptions['on_record'],
  });
  const guessed = options.encoding ? undefined : encoding;
  pipeline(bytes, iconv.decodeStream(encoding), new TextLines(file, guessed), parser, () => undefined);

  async function* rows(): AsyncGenerator<RawRow> {
    try {
      for await (const { line, record } of parser as AsyncIterable<{ line: number; record: string[] }>) {
        if (skipSepLine) {
          skipSepLine = false;
          continue;
        }
        yield { row: line, cells: record };
      }
    } catch (error) {
      throw parseFailure(file, error, nextLine);
    }
  }

  return {
    encoding,
    delimiter,
    rows: rows(),
    close: () => {
      source.destroy();
      bytes.destroy();
      parser.destroy();
    },
  };
}

/**
 * Line breaks inside a record's raw text. csv-parse keeps only the "\r" of a CRLF record delimiter; a
 * lone CR never gets here (TextLines made it a LF) but is counted as the break it was.
 */
function lineBreaks(raw: string): number {
  let count = 0;
  for (let i = raw.indexOf('\n'); i !== -1; i = raw.indexOf('\n', i + 1)) count++;
  for (let i = raw.indexOf('\r'); i !== -1; i = raw.indexOf('\r', i + 1)) if (raw[i + 1] !== '\n') count++;
  return count;
}

/** Accepts "tab" and "\t" spelled out, as people type them into a profile. */
function normaliseDelimiter(delimiter: string | undefined): string | undefined {
  if (delimiter === undefined || delimiter === '') return undefined;
  if (delimiter === '\\t' || delimiter.toLowerCase() === 'tab') return '\t';
  return delimiter;
}

function readFailure(file: string, error: unknown): CoreError {
  if (isCoreError(error)) return error;
  return new CoreError('FILE_UNREADABLE', `${file} could not be read (${(error as Error).message}). Check that the file is not locked by another program and try again.`, {
    location: { file },
    cause: error,
  });
}

function parseFailure(file: string, error: unknown, line: number): CoreError {
  if (isCoreError(error)) return error;
  const code = (error as CsvError).code;
  if (code === 'CSV_MAX_RECORD_SIZE') {
    // Usually an unclosed quote swallowing the rest of the file; otherwise one absurdly long value.
    return new CoreError('CSV_MALFORMED', `${file}, line ${line}: the row starting on this line is longer than 1 MB. Usually a quoted value's closing quote (") is missing, so the rest of the file runs into one value; otherwise a value on that line is far longer than a spreadsheet cell can hold (32,767 characters). Open the file in a text editor, fix line ${line} and try again.`, {
      location: { file, row: line },
      cause: error,
    });
  }
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new CoreError('CSV_MALFORMED', `${file}, line ${line}: a quoted value starts on this line and its closing quote (") is missing, so the rest of the file cannot be split into rows. Open the file in a text editor, add the missing quote on line ${line} and try again.`, {
      location: { file, row: line },
      cause: error,
    });
  }
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return new CoreError('CSV_MALFORMED', `${file}, line ${line}: this line cannot be read as CSV (${(error as Error).message}). Check the quotes on that line in a text editor.`, {
      location: { file, row: line },
      cause: error,
    });
  }
  return readFailure(file, error);
}
