/**
 * The start screen's memory: the files and profiles opened last, in a small JSON file of the data folder,
 * written atomically. Only paths, names and times — never the data itself.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecentView } from '../../shared/contract';

const FILE = 'recent.json';
const KEEP = 10;

export class RecentStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataDir: string) {}

  async list(): Promise<RecentView> {
    try {
      const value = JSON.parse(await readFile(join(this.dataDir, FILE), 'utf8')) as Partial<RecentView>;
      return { files: Array.isArray(value.files) ? value.files : [], profiles: Array.isArray(value.profiles) ? value.profiles : [] };
    } catch {
      // Missing or damaged: the start screen simply shows nothing recent.
      return { files: [], profiles: [] };
    }
  }

  addFile(path: string, name: string): Promise<void> {
    return this.update((r) => ({ ...r, files: [{ path, name, openedAt: new Date().toISOString() }, ...r.files.filter((f) => f.path !== path)].slice(0, KEEP) }));
  }

  addProfile(path: string, name: string, version: number): Promise<void> {
    return this.update((r) => ({
      ...r,
      profiles: [{ path, name, version, savedAt: new Date().toISOString() }, ...r.profiles.filter((p) => p.path !== path)].slice(0, KEEP),
    }));
  }

  private update(change: (r: RecentView) => RecentView): Promise<void> {
    // Serialised so two quick opens do not lose one another.
    const next = this.queue.then(async () => {
      const updated = change(await this.list());
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      const temp = join(this.dataDir, `.${FILE}.${process.pid}.tmp`);
      await writeFile(temp, JSON.stringify(updated, null, 2) + '\n', { mode: 0o600 });
      await rename(temp, join(this.dataDir, FILE));
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
