/**
 * Where a transform works and how its output appears, so that a run that dies halfway leaves nothing
 * behind and a run that finishes never leaves an output folder mixing two runs.
 *
 * - The work folder is a sibling of the output folder (`.out.scimport-tmp-<pid>-XXXXXX`), on the same
 *   disk, so the finished output can be swapped in by renames. Its name carries the process id: the next
 *   run removes the folders of processes that no longer exist (a SIGKILL or a power cut runs no cleanup).
 * - Publishing: the finished work folder is renamed `…-ready-…`, the old output folder is renamed aside
 *   and the ready one renamed into its place. At every instant the output folder is wholly the previous
 *   run, wholly this one, or (between the two renames) absent, and the sweep of the next run completes
 *   a swap a kill interrupted. Files of others in the output folder (an annotated copy, notes) are
 *   carried over by hard links; a folder that holds sub-folders, or the current directory, is published
 *   file by file instead, as before.
 * - Signal handlers (the CLI's) call `abandonWork()`, which removes every work folder of this process
 *   unless a swap is under way, which it lets finish first.
 */
import { existsSync, rmSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, realpath, rename, rm, stat, chmod, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { CoreError } from '../errors';

/** Work folders of this process, removed by `abandonWork`. */
const active = new Set<string>();
let publishing: Promise<unknown> | undefined;

const OUR_OUTPUT = (name: string) => /^bulk-\d{4,}\.json$/.test(name) || name === 'errors.csv';

function marker(outDir: string, kind: 'tmp' | 'ready' | 'old'): string {
  return `.${basename(outDir)}.scimport-${kind}-${process.pid}-`;
}

/** Folders named by a process that is gone. */
function isOrphan(name: string, prefix: RegExp): boolean {
  const match = prefix.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes what killed runs left: work folders beside `outDir` (and, from older versions, inside it), and
 * finishes or undoes a swap a kill interrupted (the output folder missing beside a ready or an old one).
 */
export async function sweepStaleWork(outDir: string): Promise<void> {
  const parent = dirname(outDir);
  const base = escape(basename(outDir));
  const names = await readdir(parent).catch(() => [] as string[]);
  const ofKind = (kind: string) => new RegExp(`^\\.${base}\\.scimport-${kind}-(\\d+)-`);
  if (!existsSync(outDir)) {
    // A kill between the two renames of a swap: the ready folder is a whole run, the old one the run before.
    const ready = names.find((n) => isOrphan(n, ofKind('ready')));
    const old = names.find((n) => isOrphan(n, ofKind('old')));
    const restore = ready ?? old;
    if (restore) await rename(join(parent, restore), outDir).catch(() => undefined);
  }
  for (const name of names) {
    if (['tmp', 'ready', 'old'].some((kind) => isOrphan(name, ofKind(kind)))) await rm(join(parent, name), { recursive: true, force: true });
  }
  const inside = await readdir(outDir).catch(() => [] as string[]);
  for (const name of inside) {
    if (isOrphan(name, /^\.scimport-tmp-(\d+)-/) || /^\.scimport-tmp-[^-]+$/.test(name)) await rm(join(outDir, name), { recursive: true, force: true });
  }
}

/** Removes the work folders of killed runs that had no output folder (validate) from the temporary folder. */
async function sweepTemp(): Promise<void> {
  const temp = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of temp) if (isOrphan(name, /^scimport-work-(\d+)-/)) await rm(join(tmpdir(), name), { recursive: true, force: true });
}

/**
 * A new work folder: beside `outDir` when given (created if missing), else in the system's temporary
 * folder. Stale work of killed runs is swept first.
 */
export async function createWorkDir(outDir: string | undefined): Promise<string> {
  if (!outDir) {
    await sweepTemp();
    const dir = await mkdtemp(join(tmpdir(), `scimport-work-${process.pid}-`));
    active.add(dir);
    return dir;
  }
  try {
    await mkdir(outDir, { recursive: true });
    await sweepStaleWork(outDir);
    let dir: string;
    try {
      dir = await mkdtemp(join(dirname(outDir), marker(outDir, 'tmp')));
    } catch {
      // The parent is not ours to write in: work inside the output folder and publish file by file.
      dir = await mkdtemp(join(outDir, `.scimport-tmp-${process.pid}-`));
    }
    active.add(dir);
    return dir;
  } catch (error) {
    throw new CoreError('OUTPUT_FAILED', `Cannot create the output folder ${outDir}: ${(error as Error).message}. Choose a folder you can write to.`, { cause: error });
  }
}

/** Removes a work folder (after a run, finished or failed). */
export async function releaseWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  active.delete(dir);
}

/**
 * For signal handlers: lets a swap under way finish (it takes milliseconds, and stopping between its
 * renames would leave no output folder), then removes every work folder of this process at once.
 * `published` says whether that swap made this run's output the output folder's content.
 */
export async function abandonWork(): Promise<{ published: boolean }> {
  const published = publishing ? await publishing.then(() => true, () => false) : false;
  for (const dir of active) rmSync(dir, { recursive: true, force: true });
  active.clear();
  return { published };
}

/** Whether `outDir` can be replaced whole: not the current directory or above it, and holding only files. */
async function swappable(outDir: string, workDir: string): Promise<string[] | undefined> {
  if (dirname(workDir) !== dirname(outDir)) return undefined;
  const real = await realpath(outDir);
  const cwd = await realpath(process.cwd()).catch(() => process.cwd());
  if (cwd === real || cwd.startsWith(real + sep)) return undefined;
  const foreign: string[] = [];
  for (const entry of await readdir(outDir, { withFileTypes: true })) {
    if (OUR_OUTPUT(entry.name)) continue;
    if (!entry.isFile()) return undefined;
    foreign.push(entry.name);
  }
  return foreign;
}

/**
 * Makes the files `names` of `workDir` the content of `outDir`. Whole-folder swap when possible (see the
 * module comment); otherwise the previous run's outputs are replaced file by file.
 */
export async function publishOutput(workDir: string, outDir: string, names: string[], spools: string[]): Promise<void> {
  const done = (async () => {
    await Promise.all(spools.map((name) => rm(join(workDir, name), { force: true })));
    const foreign = await swappable(outDir, workDir);
    if (foreign) {
      try {
        for (const name of foreign) await link(join(outDir, name), join(workDir, name));
        await chmod(workDir, (await stat(outDir)).mode & 0o7777);
      } catch {
        return publishFiles(workDir, outDir, names);
      }
      const ready = workDir.replace(`.scimport-tmp-${process.pid}-`, `.scimport-ready-${process.pid}-`);
      const old = workDir.replace(`.scimport-tmp-${process.pid}-`, `.scimport-old-${process.pid}-`);
      await rename(workDir, ready);
      active.delete(workDir);
      active.add(ready);
      await rename(outDir, old);
      await rename(ready, outDir);
      active.delete(ready);
      active.add(old);
      await rm(old, { recursive: true, force: true });
      active.delete(old);
      return;
    }
    await publishFiles(workDir, outDir, names);
  })();
  publishing = done;
  try {
    await done;
  } finally {
    if (publishing === done) publishing = undefined;
  }
}

const PUBLISH_AT_ONCE = 32;

/** Replace the previous run's outputs with this run's, file by file, each by an atomic rename. */
async function publishFiles(workDir: string, outDir: string, names: string[]): Promise<void> {
  const keep = new Set(names);
  const stale = (await readdir(outDir)).filter((name) => OUR_OUTPUT(name) && !keep.has(name));
  for (let i = 0; i < stale.length; i += PUBLISH_AT_ONCE) {
    await Promise.all(stale.slice(i, i + PUBLISH_AT_ONCE).map((name) => rm(join(outDir, name), { force: true })));
  }
  // Each rename is atomic on its own and their order does not matter, so several run at once.
  for (let i = 0; i < names.length; i += PUBLISH_AT_ONCE) {
    await Promise.all(names.slice(i, i + PUBLISH_AT_ONCE).map((name) => rename(join(workDir, name), join(outDir, name))));
  }
}

/**
 * The sentence for a write that failed because the disk is full: which disk (its mount point, from
 * /proc/self/mounts where there is one), and that nothing was left behind.
 */
export async function noSpaceError(path: string, cause: unknown): Promise<CoreError> {
  const device = await mountPointOf(path);
  return new CoreError(
    'OUTPUT_FAILED',
    `No space left on ${device} (the disk holding ${path}) while writing the output; nothing was written and the temporary files were removed. Free some space there or choose another --out folder, then run again.`,
    { cause },
  );
}

async function mountPointOf(path: string): Promise<string> {
  const real = await realpath(path).catch(() => resolve(path));
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  let best = '';
  for (const line of mounts.split('\n')) {
    const point = (line.split(' ')[1] ?? '').replace(/\\040/g, ' ');
    if (point && (real === point || real.startsWith(point.endsWith('/') ? point : point + '/')) && point.length > best.length) best = point;
  }
  return best || dirname(real);
}

/** Whether an error is the disk (or the user's quota) being full. */
export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
