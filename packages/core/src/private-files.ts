/**
 * Owner-only folders and files for what names people (checked rows, bulk requests, error reports, spools).
 * The same rules as @scimport/transport's fsutil, which cannot load the core at startup and keeps its own copy.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Removes group and other permissions from `target` when it has any and belongs to this user. Best effort:
 * a file system without POSIX modes (Windows, some network shares) or someone else's folder is left as it is.
 * Returns whether the mode was changed.
 */
export async function tightenMode(target: string, mode: number): Promise<boolean> {
  if (process.platform === 'win32') return false; // modes mean nothing there: the profile folder's ACLs apply
  try {
    const info = await stat(target);
    const current = info.mode & 0o777;
    if ((current & ~mode) === 0) return false;
    if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return false;
    await chmod(target, current & mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `dir` and its missing parents owner-only, and tightens it when it already existed wider:
 * `mkdir`'s mode applies to new folders only.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await tightenMode(dir, PRIVATE_DIR_MODE);
}
