import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliError } from './errors';

/**
 * The folder where scimport keeps its upload runs, the quota ledger and the sandbox tenant: `SCIMPORT_DATA_DIR`
 * when set, otherwise the platform's per-user data folder (`$XDG_DATA_HOME/scimport` or
 * `~/.local/share/scimport`, `%APPDATA%\scimport`, `~/Library/Application Support/scimport`).
 */
export function dataDirPath(env: Record<string, string | undefined>, options: { platform?: NodeJS.Platform; home?: string; cwd?: string } = {}): string {
  const platform = options.platform ?? process.platform;
  const home = options.home ?? homedir();
  const explicit = env.SCIMPORT_DATA_DIR?.trim();
  if (explicit) return isAbsolute(explicit) ? explicit : resolve(options.cwd ?? process.cwd(), explicit);
  if (platform === 'win32') return join(env.APPDATA?.trim() || join(home, 'AppData', 'Roaming'), 'scimport');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'scimport');
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME?.trim();
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share'), 'scimport');
}

/**
 * Create the data folder if needed and return its path. A folder created here is private to the user (0700):
 * it holds the journal of every upload. An existing folder keeps its permissions (it may be shared on purpose).
 */
export async function ensureDataDir(env: Record<string, string | undefined>, cwd: string): Promise<string> {
  const dir = dataDirPath(env, { cwd });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError('OUTPUT', `The data folder ${dir} cannot be created (${code}). Set SCIMPORT_DATA_DIR to a folder you can write to.`);
  }
  return dir;
}

/** Write a file through a temporary name and a rename, so a crash never leaves half of it. */
export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  const temp = join(dirname(file), `.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(temp, content, { encoding: 'utf8', mode });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError('OUTPUT', `${file} cannot be written (${code}). Check that the folder is writable and the disk is not full.`);
  }
}
