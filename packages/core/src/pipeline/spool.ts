/**
 * The transform's spool files: what grows with the input (valid users, findings) is written to disk as it is
 * made, in large pieces, and read back line by line or by offset, so memory stays flat however long the file.
 */
import { createReadStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { once } from 'node:events';

/** Characters of spool text gathered before one write: a write per line costs more than the line. */
const SPOOL_FLUSH_CHARS = 64 * 1024;

/**
 * A spool file written in large pieces. `push` returns a promise only when it wrote (and the stream's
 * buffer was full, so memory stays flat); the caller awaits it then, and skips the await otherwise.
 */
export class Spool {
  private pending: string[] = [];
  private size = 0;
  /** The stream's failure (a full disk), kept so that no write waits for a 'drain' that will never come. */
  private failure: Error | undefined;
  private readonly failed: Promise<never>;

  constructor(private readonly stream: WriteStream) {
    this.failed = new Promise<never>((_, reject) => {
      stream.on('error', (error) => {
        this.failure ??= error;
        reject(error);
      });
    });
    this.failed.catch(() => undefined);
  }

  push(text: string): Promise<void> | undefined {
    this.pending.push(text);
    this.size += text.length;
    return this.size >= SPOOL_FLUSH_CHARS ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    if (this.failure) throw this.failure;
    const text = this.pending.join('');
    this.pending = [];
    this.size = 0;
    if (!this.stream.write(text)) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.stream.end();
      // finished() also settles for a stream that already failed, where 'finish' never comes.
      await finished(this.stream);
    }
    if (this.failure) throw this.failure;
  }
}

/** The lines of a spool file (no line holds a line break of its own: see findingRecord). */
export async function* spoolLines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      yield text.slice(start, end);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest) yield rest;
}

/**
 * Reads spooled records by offset through a 1 MB window. Records come in (depth, row) order, so within a
 * level of the reporting tree offsets only grow: nearly every read is served from the window, instead of
 * one disk round trip per user.
 */
export class SpoolReader {
  private static readonly WINDOW = 1024 * 1024;
  private buffer = Buffer.alloc(SpoolReader.WINDOW);
  private start = 0;
  private end = 0;

  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async open(path: string): Promise<SpoolReader> {
    return new SpoolReader(await open(path, 'r'));
  }

  async read(offset: number, length: number): Promise<string> {
    if (offset < this.start || offset + length > this.end) {
      if (length > this.buffer.length) this.buffer = Buffer.alloc(length);
      const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, offset);
      this.start = offset;
      this.end = offset + bytesRead;
    }
    return this.buffer.toString('utf8', offset - this.start, offset - this.start + length);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
