/** The bulk request files of a transform, cut from its spool of finished operations. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors';
import { SCIM_BULK_REQUEST } from '../types';
import type { Profile } from '../profile';
import { MAX_BULK_OPERATIONS, bulkFileName } from '../bulk';
import { PRIVATE_FILE_MODE } from '../private-files';
import type { OrderEntry } from './manager-order';
import { SpoolReader } from './spool';

/**
 * Cut the spooled operations into bulk files in the given order. Each operation is already JSON, so a
 * request is its envelope around the joined operations; a few files are written at once.
 */
export async function writeBulkFiles(workDir: string, usersPath: string, entries: OrderEntry[], profile: Profile): Promise<number> {
  const chunkSize = profile.output?.chunkSize ?? MAX_BULK_OPERATIONS;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_BULK_OPERATIONS) {
    throw new CoreError('INVALID_ARGUMENT', `output.chunkSize must be a whole number from 1 to ${MAX_BULK_OPERATIONS}; it is ${chunkSize}.`);
  }
  const failOnErrors = profile.output?.failOnErrors;
  const tail = failOnErrors === undefined ? ']}\n' : `],"failOnErrors":${JSON.stringify(failOnErrors)}}\n`;
  const head = `{"schemas":${JSON.stringify([SCIM_BULK_REQUEST])},"Operations":[`;
  let requests = 0;
  const writing = new Set<Promise<void>>();
  const flush = async (ops: string[]) => {
    requests++;
    const write = writeFile(join(workDir, bulkFileName(requests)), head + ops.join(',') + tail, { encoding: 'utf8', mode: PRIVATE_FILE_MODE }).finally(() => writing.delete(write));
    writing.add(write);
    if (writing.size >= BULK_WRITES_AT_ONCE) await Promise.race(writing);
  };
  const reader = await SpoolReader.open(usersPath);
  try {
    let ops: string[] = [];
    for (const entry of entries) {
      // Drop the spool line's newline.
      ops.push(await reader.read(entry.offset, entry.length - 1));
      if (ops.length === chunkSize) {
        await flush(ops);
        ops = [];
      }
    }
    if (ops.length) await flush(ops);
    await Promise.all(writing);
  } finally {
    await reader.close();
  }
  return requests;
}

/** Bulk files written at once: each is an open, a write and a close on libuv's thread pool. */
const BULK_WRITES_AT_ONCE = 16;
