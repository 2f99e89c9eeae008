/**
 * Reading and writing profile files. Writes are atomic (temp file, then rename) so a crash or a full
 * disk never leaves a half-written profile that a scheduled run would then refuse or misread.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CoreError } from '../errors';
import { lineAndColumn } from '../mapping/compile';
import { parseProfile } from './parse';
import type { Profile } from './types';

function reasonOf(err: unknown, writing = false): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return writing ? 'the folder does not exist' : 'the file does not exist';
  if (code === 'EACCES' || code === 'EPERM') return writing ? 'permission to write there was refused' : 'permission to read it was refused';
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads, parses and checks a profile file. Throws CoreError PROFILE_UNREADABLE naming the file (and,
 * for broken JSON, the line and column), or the errors of `parseProfile`.
 */
export async function loadProfile(path: string): Promise<Profile> {
  const name = basename(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CoreError('PROFILE_UNREADABLE', `${name}: the profile cannot be read: ${reasonOf(err)}.`, {
      location: { file: name },
      cause: err,
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const match = /at position (\d+)/.exec(message);
    const offset = match ? Number(match[1]) : text.length;
    const { line, column } = lineAndColumn(text, offset);
    const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    throw new CoreError(
      'PROFILE_UNREADABLE',
      `${name} is not valid JSON: ${reason} at line ${line}, column ${column} (position ${offset}). ` +
        'Open it in a text editor, fix it there (a missing comma or quote is the usual cause), and load it again.',
      { location: { file: name, row: line, position: offset }, cause: err },
    );
  }
  return parseProfile(value, name);
}

/** Options of `saveProfile`. */
export interface SaveProfileOptions {
  /** Raise `version` by one before writing (what an editor does on every save). */
  bumpVersion?: boolean;
}

/**
 * Checks a profile (secrets and schema, as `parseProfile`) and writes it as pretty JSON with a trailing
 * newline, atomically: a temporary file in the same folder, flushed, then renamed over the target.
 * Returns the profile as written. Throws the errors of `parseProfile`, or CoreError OUTPUT_FAILED.
 */
export async function saveProfile(path: string, profile: Profile, options: SaveProfileOptions = {}): Promise<Profile> {
  const name = basename(path);
  const toWrite = options.bumpVersion ? { ...profile, version: (Number.isInteger(profile.version) ? profile.version : 0) + 1 } : profile;
  const checked = parseProfile(toWrite, name);
  const text = `${JSON.stringify(checked, null, 2)}\n`;
  const temp = join(dirname(path), `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new CoreError('OUTPUT_FAILED', `${name}: the profile could not be saved: ${reasonOf(err, true)}. Check the folder exists and can be written to.`, {
      location: { file: name },
      cause: err,
    });
  }
  return checked;
}
