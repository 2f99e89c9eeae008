/**
 * The files this session may open or save: only those the person chose — a dialog's answer, a dropped or uploaded
 * file, a path typed in the browser's start screen (development), the recent lists, or the app's profiles folder.
 * The page names paths in its requests; without this list a page that is not ours (or a bug) could read any
 * spreadsheet or overwrite any `.json` file the account can reach.
 */
import { basename, dirname, resolve } from 'node:path';
import { t } from '@scimport/messages';
import { fail } from './errors';
import type { RecentStore } from './recent';

/** Windows and macOS file systems ignore case by default: `C:\HR\Staff.xlsx` is `c:\hr\staff.xlsx`. */
const IGNORE_CASE = process.platform === 'win32' || process.platform === 'darwin';

function key(path: string): string {
  const full = resolve(path);
  return IGNORE_CASE ? full.toLowerCase() : full;
}

export class ChosenPaths {
  private readonly paths = new Set<string>();

  constructor(
    private readonly profilesFolder: string,
    private readonly recent: RecentStore,
  ) {}

  /** Records a path the person chose; returns it resolved (what later requests will name). */
  add(path: string): string {
    this.paths.add(key(path));
    return resolve(path);
  }

  /** Whether `path` was chosen in this session, is on a recent list, or is a profile directly in the profiles folder. */
  async allows(path: string): Promise<boolean> {
    const wanted = key(path);
    if (this.paths.has(wanted)) return true;
    if (key(dirname(resolve(path))) === key(this.profilesFolder)) return true;
    const recent = await this.recent.list();
    return [...recent.files, ...recent.profiles].some((entry) => typeof entry.path === 'string' && key(entry.path) === wanted);
  }

  /** Refuses, with a sentence, a path the person did not choose. */
  async check(path: string): Promise<void> {
    if (!(await this.allows(path))) fail('REFUSED', t('services.path.notChosen', { file: basename(path) }), { file: basename(path) });
  }
}
