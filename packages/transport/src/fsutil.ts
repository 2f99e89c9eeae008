import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TransportError } from './errors';

/**
 * Runs hold people's data (names, ids, managers, addresses): their folders are the owner's only, their files
 * readable by the owner only, whatever the umask or the age of the data folder.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Removes group and other permissions from `target` when it has any and belongs to this user. Best effort:
 * a file system without POSIX modes (Windows, some network shares) or someone else's folder is left as it is,
 * since refusing to upload over it would help no one. Returns whether the mode was changed.
 */
export async function tightenMode(target: string, mode: number): Promise<boolean> {
  if (process.platform === 'win32') return false; // modes mean nothing there: the profile folder's ACLs apply
  try {
    const stat = await fs.stat(target);
    const current = stat.mode & 0o777;
    if ((current & ~mode) === 0) return false;
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return false;
    await fs.chmod(target, current & mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `dir` and its missing parents owner-only, and tightens it when it already existed with wider
 * permissions (a data folder made by an earlier version, or by hand): `mkdir`'s mode applies to new folders only.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await tightenMode(dir, PRIVATE_DIR_MODE);
}

/**
 * Write a file so that a crash at any instant leaves either the old or the new content, never a mix: write a
 * temporary file beside it, fsync it, rename it over the target, then fsync the directory so the rename itself
 * is durable. The file is owner-only (0600) and a missing folder is created owner-only (0700): everything written
 * here lives in the data folder and most of it names people.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // Created owner-only, so the rename puts an owner-only file in place even where the old one was wider.
    const handle = await fs.open(temp, 'wx', PRIVATE_FILE_MODE);
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
