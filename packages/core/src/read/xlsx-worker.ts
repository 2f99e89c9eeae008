// The xlsx reading thread: unzips the workbook, scans the sheet's XML and decodes its cells, and hands the rows
// to the thread that started it in batches (./xlsx-thread has the other side). The file's whole reading runs
// here, so the main thread only maps and validates rows while this one reads ahead.
//
// Everything it has to say goes in order through one port that the other side reads one message at a time,
// when it needs the next batch. It never has more than WINDOW batches posted and not taken: when the other side
// is the slower one, this thread waits, the sheet's read-ahead buffer fills, inflating stops, and memory stays
// flat. It then waits until half the window is free, so it is woken once per half window rather than once per
// batch.
import { parentPort, workerData } from 'node:worker_threads';
import { XlsxSession, chooseSheet } from './xlsx';
import { SHARED, changeOf, packRow, toWire } from './xlsx-wire';
import type { FromReader, ReaderData, ToReader } from './xlsx-wire';

/**
 * Rows per batch: enough that a message's own cost (some tens of µs on each side) vanishes, few enough that a
 * batch (100–300 KB) is handed out within milliseconds and its rows die young on the other side.
 */
const BATCH_ROWS = 256;
/** Batches posted ahead of the other side: enough that it never waits while this thread is ahead. */
const WINDOW = 8;

const data = workerData as ReaderData;
const shared = new Int32Array(data.shared);
let batches = 0;
let stopped = false;
let onStop: (() => void) | undefined;
const stop = new Promise<void>((resolve) => (onStop = resolve));

// The stop comes as a message: listening for it also keeps this thread alive while it waits on the counters
// (a pending Atomics.waitAsync holds nothing open).
parentPort!.on('message', (message: ToReader) => {
  if (message.kind !== 'stop') return;
  stopped = true;
  onStop?.();
});

function post(message: FromReader): void {
  data.port.postMessage(message);
  Atomics.add(shared, SHARED.posted, 1);
  Atomics.notify(shared, SHARED.posted);
}

/** Resolves once a batch may be posted (or the reading was stopped). */
async function room(): Promise<void> {
  while (!stopped) {
    const taken = Atomics.load(shared, SHARED.taken);
    if (batches - taken < WINDOW) return;
    Atomics.store(shared, SHARED.wakeAt, batches - WINDOW / 2);
    // The other side may have taken a batch before it could see wakeAt: look again before waiting.
    if (Atomics.load(shared, SHARED.taken) !== taken) continue;
    await Promise.race([changeOf(shared, SHARED.taken, taken), stop]);
  }
}

async function send(rows: unknown[]): Promise<void> {
  await room();
  if (stopped) return;
  batches++;
  post({ kind: 'rows', data: rows });
}

const session = new XlsxSession(data.path, data.file);
let rows: unknown[] = [];
let count = 0;
try {
  const opened = await session.openSheet((sheets) => chooseSheet(data.file, sheets, data.sheet));
  post({ kind: 'sheet', name: opened.sheet.name });
  for await (const row of opened.rows) {
    if (stopped) break;
    packRow(row, rows);
    if (++count < BATCH_ROWS) continue;
    await send(rows);
    rows = [];
    count = 0;
  }
  if (count > 0) await send(rows);
  if (!stopped) post({ kind: 'end' });
} catch (error) {
  // After a stop the other side reads nothing more; a failure caused by closing the file is no news.
  // Otherwise the rows read before the failure go first, as the main thread's reader hands them out before
  // failing: the other side names the last of them in a failure that has no row of its own.
  if (count > 0) await send(rows);
  if (!stopped) post({ kind: 'error', error: toWire(error) });
} finally {
  await session.close();
  // Nothing is left to listen for: with the ports closed the thread ends by itself once the file's last
  // reads and inflates have finished (ending it from outside while zlib works could abort the process).
  data.port.close();
  parentPort!.close();
}
