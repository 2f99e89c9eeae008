/**
 * Reading a large workbook on a thread of its own. Unzipping, scanning the XML and decoding cells take some
 * 30 µs a row, more than half of what mapping and validating the row take after; on one thread the two take
 * turns, on two they overlap. The
 * reading thread (./xlsx-worker) sends rows in batches, and this side hands them out one at a time as the
 * raw rows the table is assembled from, so the table behaves exactly as one read on this thread: the same
 * rows, findings and errors (failures of the rows come back as the errors ./xlsx's `unreadable` words, and
 * are worded here, where the last row handed out is known).
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { RawRow } from './columns';
import { SHARED, changeOf, fromWire, unpackRow } from './xlsx-wire';
import type { FromReader, ReaderData, ReaderSetup, ToReader } from './xlsx-wire';

/** Where and from what size workbooks are read on their own thread (tests change these). */
export const XLSX_THREAD = {
  /**
   * A thread costs some 100 ms before its first row (a new V8 isolate, the reader loaded and compiled in it
   * afresh), what reading about 4,000 rows of 24 columns (≈ 0.6 MB) takes: smaller files are read where they
   * are opened, where the thread would cost more than it saves.
   */
  fromBytes: 1024 * 1024,
  /**
   * The thread's script, found beside this module: the TypeScript sources through tsx in the workspace,
   * the bundled worker that the CLI and the desktop app build under this name beside their main bundle.
   */
  entry: new URL('./xlsx-worker-entry.mjs', import.meta.url),
};

/**
 * The reading thread's young generation. Nearly all it allocates dies within a chunk of XML (a batch of rows is
 * some hundred kilobytes), so a small one costs a few more, cheap, scavenges (≈ 0.1 s over 100,000 rows) and
 * keeps some 25 MB of the process's peak memory that V8's default would take for a second thread.
 */
const YOUNG_SPACE_MB = 8;

/** A worksheet being read on its own thread. */
export interface ThreadSheet {
  /** The name of the sheet chosen. */
  sheet: string;
  /** Its rows in file order, empty ones included (as XlsxSession.openSheet gives them). */
  rows: AsyncIterator<RawRow>;
  /** Stops the thread and waits until it has let go of the file; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens the sheet on a new thread. Resolves once the thread has found the sheet and read the shared strings
 * and styles; rejects with the CoreError the main thread's reader would throw (a damaged file, a missing
 * sheet). Resolves undefined when no thread could be started, such as in an embedding that forbids worker
 * threads or a build that lacks the worker's script: the caller then reads on its own thread.
 */
export async function openSheetOnThread(setup: ReaderSetup): Promise<ThreadSheet | undefined> {
  const { port1, port2 } = new MessageChannel();
  const shared = new Int32Array(new SharedArrayBuffer(SHARED.size * Int32Array.BYTES_PER_ELEMENT));
  const data: ReaderData = { ...setup, port: port2, shared: shared.buffer as SharedArrayBuffer };
  let worker: Worker;
  try {
    worker = new Worker(XLSX_THREAD.entry, { workerData: data, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: YOUNG_SPACE_MB } });
  } catch {
    port1.close();
    return undefined;
  }
  return new ThreadReader(worker, port1, shared).open();
}

/**
 * The taking side. Messages are taken off the port one at a time when the next batch is needed, never as
 * they arrive: a batch becomes objects on this thread just before its rows are handed out, so they die young
 * instead of waiting in the heap (old-generation garbage is what this thread, busy mapping, collects slowly).
 */
class ThreadReader implements AsyncIterator<RawRow> {
  private readonly exited: Promise<void>;
  private gone = false;
  /** The thread's uncaught error, reported with its exit. */
  private crash: Error | undefined;
  private taken = 0;
  private current: unknown[] | undefined;
  private at = 0;
  private ended = false;
  private failure: Error | undefined;
  private closed = false;

  constructor(private readonly worker: Worker, private readonly port: MessagePort, private readonly shared: Int32Array) {
    // Held only while this side waits for it (see receive).
    worker.unref();
    worker.on('error', (error) => {
      this.crash = error;
    });
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        this.gone = true;
        // Wakes this side if it waits for a message that will now never come.
        Atomics.notify(this.shared, SHARED.posted);
        resolve();
      }),
    );
  }

  /** Waits for the thread to find the sheet; undefined when it ended without a word (it could not start). */
  async open(): Promise<ThreadSheet | undefined> {
    for (;;) {
      const message = await this.receive();
      if (message === undefined) {
        await this.end();
        return undefined;
      }
      if (message.kind === 'sheet') return { sheet: message.name, rows: this, close: () => this.close() };
      if (message.kind === 'error') {
        // The file could not be opened: the thread has let go of it by the time it is gone.
        await this.end();
        throw fromWire(message.error);
      }
    }
  }

  async next(): Promise<IteratorResult<RawRow>> {
    for (;;) {
      if (this.current) {
        if (this.at < this.current.length) {
          const { row, next } = unpackRow(this.current, this.at);
          this.at = next;
          return { done: false, value: row };
        }
        this.current = undefined;
      }
      if (this.failure) throw this.failure;
      if (this.ended || this.closed) return { done: true, value: undefined };
      const message = await this.receive();
      if (this.closed) continue;
      if (message === undefined) {
        this.failure = this.crash ?? new Error('the thread reading the workbook stopped unexpectedly');
      } else if (message.kind === 'rows') {
        this.take(message.data);
      } else if (message.kind === 'end') {
        this.ended = true;
      } else if (message.kind === 'error') {
        this.failure = fromWire(message.error);
      }
    }
  }

  private take(batch: unknown[]): void {
    this.current = batch;
    this.at = 0;
    this.taken++;
    Atomics.store(this.shared, SHARED.taken, this.taken);
    const wakeAt = Atomics.load(this.shared, SHARED.wakeAt);
    if (wakeAt > 0 && this.taken >= wakeAt) {
      Atomics.store(this.shared, SHARED.wakeAt, 0);
      Atomics.notify(this.shared, SHARED.taken);
    }
  }

  /** The next message of the thread, waiting for it if need be; undefined once the thread is gone without one. */
  private async receive(): Promise<FromReader | undefined> {
    for (;;) {
      // Read the counter before looking: a message posted after the look changes it, so the wait returns.
      const posted = Atomics.load(this.shared, SHARED.posted);
      const received = receiveMessageOnPort(this.port);
      if (received) return received.message as FromReader;
      if (this.gone || this.closed) return undefined;
      // Held only while waiting: a table opened and then left unread must not keep the process running (the
      // main thread's reader, paused, does not either), and a pending Atomics.waitAsync holds nothing open.
      this.worker.ref();
      try {
        await changeOf(this.shared, SHARED.posted, posted);
      } finally {
        if (!this.closed) this.worker.unref();
      }
    }
  }

  private async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.current = undefined;
      this.tell({ kind: 'stop' });
      // Wakes a reader waiting for a batch: it ends its rows.
      Atomics.notify(this.shared, SHARED.posted);
    }
    await this.end();
  }

  /**
   * Waits for the thread to end. It finishes its file reads and inflates and ends by itself: ending it from
   * outside while zlib works could abort the process. Held meanwhile, so the process waits for the file to be
   * let go (and does not end first, with this wait unsettled).
   */
  private async end(): Promise<void> {
    if (!this.gone) this.worker.ref();
    await this.exited;
    // What the thread posted and nobody took goes with the port.
    this.port.close();
  }

  private tell(message: ToReader): void {
    if (!this.gone) this.worker.postMessage(message);
  }
}
