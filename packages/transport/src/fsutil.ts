import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TransportError } from './errors';

/**
 * Write a file so that a crash at any instant leaves either the old or the new content, never a mix: write a
 * temporary file beside it, fsync it, rename it over the target, then fsync the directory so the rename itself
 * is durable.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await syncDir(dir);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new TransportError('IO', `Could not write ${file}: ${(err as Error).message}. Check that the data folder is writable and the disk is not full.`, {
      details: { file },
      cause: err,
    });
  }
}

/** JSON flavour of writeFileAtomic. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Makes a rename or a newly created file in `dir` durable; best effort where unsupported. */
export async function syncDir(dir: string): Promise<void> {
  // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic there.
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

/** Read a JSON file; `undefined` if it does not exist. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TransportError('IO', `Could not read ${file}: ${(err as Error).message}.`, { details: { file }, cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new TransportError('RUN_CORRUPT', `${file} is not valid JSON (${(err as Error).message}). It may have been edited by hand; restore it or start a new upload.`, {
      details: { file },
      cause: err,
    });
  }
}
