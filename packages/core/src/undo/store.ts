/**
 * What each upload changed, kept so that it can be undone: for every person a run touched, their record in the
 * snapshot just before the run's first accepted chunk reached them (or "did not exist") and the hash of what the
 * run left. Entra keeps no history a client can roll back to, and bulkUpload has no delete, so this is the only
 * way back from a wrong file.
 *
 * One file per run, `<data folder>/undo/undo-<run id>.scimsnap`, in the snapshot's own format through a
 * SnapshotStore over that folder: the same AES-256-GCM key, owner-only modes, atomic writes, bound to the target
 * (a copied file cannot be applied to another tenant). Each person is one snapshot line whose `hash` is the run's
 * after-hash and whose `data` is `{ before }` — the layout is the snapshot's, the meaning is this module's.
 *
 * Kept for a retention the person sets per data folder (`undo/settings.json`, default 30 days); older files are
 * removed when a new run starts keeping its own.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors';
import { ensurePrivateDir } from '../private-files';
import type { ScimUser } from '../types';
import { Snapshot, type SnapshotRecord, type SnapshotStore, type SnapshotTarget } from '../diff/snapshot';

/** Folder of the undo records inside the data folder. */
export const UNDO_DIR = 'undo';
/** Days an undo record is kept when the data folder sets nothing else. */
export const DEFAULT_UNDO_RETENTION_DAYS = 30;
const SETTINGS_FILE = 'settings.json';
const DAY_MS = 24 * 60 * 60 * 1000;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** One person a run touched. */
export interface UndoEntry {
  /** Their last accepted record before the run (feed and failure marks included), or null: the run created them. */
  before: SnapshotRecord | null;
  /** `hashUser` of what the run left in the snapshot: a later run that changed them leaves another hash. */
  after: string;
}

/** Everything kept of one run. */
export interface UndoRecord {
  runId: string;
  target: SnapshotTarget;
  /** externalId → entry. */
  people: Map<string, UndoEntry>;
}

/** What `SnapshotRecorder` needs to keep one run's undo record as it records the run's chunks. */
export interface UndoCapture {
  load(): Promise<Map<string, UndoEntry>>;
  save(people: ReadonlyMap<string, UndoEntry>): Promise<void>;
}

interface Envelope {
  before: SnapshotRecord | null;
}

function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new CoreError('INVALID_ARGUMENT', `"${runId.slice(0, 40)}" is not a run id; take one from \`scimport history\`.`, { location: { field: 'runId' } });
  }
  return runId;
}

/** The undo records of one data folder. */
export class UndoStore {
  readonly dir: string;
  private readonly files: SnapshotStore;

  /** `snapshots`: the data folder's snapshot store (its key encrypts the undo records too). */
  constructor(snapshots: SnapshotStore, dataDir: string) {
    this.dir = join(dataDir, UNDO_DIR);
    this.files = snapshots.withDir(this.dir);
  }

  pathFor(runId: string): string {
    return join(this.dir, `undo-${checkRunId(runId)}.scimsnap`);
  }

  /** The run's record, or undefined when none is kept (never sent, from before undo, or past the retention). */
  async load(runId: string, target: SnapshotTarget): Promise<UndoRecord | undefined> {
    const path = this.pathFor(runId);
    if (!(await exists(path))) return undefined;
    const file = await this.files.loadFile(path, target);
    const people = new Map<string, UndoEntry>();
    for (const [externalId, r] of file.records) people.set(externalId, { before: (r.data as unknown as Envelope).before ?? null, after: r.hash });
    return { runId, target, people };
  }

  /** Saves a run's record (atomic, owner-only, encrypted with the snapshot key). */
  async save(record: UndoRecord): Promise<void> {
    const now = new Date();
    const at = now.toISOString();
    const lines = new Snapshot(
      [...record.people].map(([externalId, e]) => [externalId, { hash: e.after, data: { before: e.before } as unknown as ScimUser, acceptedAt: at }] as const),
    );
    await ensurePrivateDir(this.dir);
    await this.files.saveFile(this.pathFor(record.runId), record.target, lines);
    // The retention compares this time with the process's clock (runIds, prune): stamp it from that clock, not
    // the file system's, so the two can never disagree (a machine whose clock was set, a test run years ahead).
    await utimes(this.pathFor(record.runId), now, now);
  }

  /** Forgets a run's record (an undo that was itself undone keeps its own). */
  async remove(runId: string): Promise<void> {
    await rm(this.pathFor(runId), { force: true });
  }

  /** Run ids with a record kept, within the retention. */
  async runIds(now = Date.now()): Promise<Set<string>> {
    const days = await readUndoRetention(this.dir);
    const out = new Set<string>();
    for (const [runId, mtime] of await this.listFiles()) if (now - mtime <= days * DAY_MS) out.add(runId);
    return out;
  }

  /** Removes records older than the retention (by their last write). Returns how many were removed. */
  async prune(now = Date.now()): Promise<number> {
    const days = await readUndoRetention(this.dir);
    let n = 0;
    for (const [runId, mtime] of await this.listFiles()) {
      if (now - mtime <= days * DAY_MS) continue;
      await rm(this.pathFor(runId), { force: true });
      n++;
    }
    return n;
  }

  /**
   * The capture of one run for `SnapshotRecorder`: loads what is kept (a resumed run keeps its first "before"),
   * and on the first save removes records past the retention.
   */
  capture(runId: string, target: SnapshotTarget): UndoCapture {
    let pruned = false;
    return {
      load: async () => (await this.load(runId, target))?.people ?? new Map(),
      save: async (people) => {
        if (!pruned) {
          pruned = true;
          await this.prune().catch(() => 0);
        }
        await this.save({ runId, target, people: new Map(people) });
      },
    };
  }

  private async listFiles(): Promise<[string, number][]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: [string, number][] = [];
    for (const name of names) {
      const m = /^undo-(.+)\.scimsnap$/.exec(name);
      if (!m || !RUN_ID.test(m[1]!)) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info) out.push([m[1]!, info.mtimeMs]);
    }
    return out;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Days undo records are kept in a data folder's `undo` folder (`settings.json`, `{"retentionDays": n}`); the default
 * when it sets none or cannot be read.
 */
export async function readUndoRetention(undoDir: string): Promise<number> {
  try {
    const value = (JSON.parse(await readFile(join(undoDir, SETTINGS_FILE), 'utf8')) as { retentionDays?: unknown }).retentionDays;
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : DEFAULT_UNDO_RETENTION_DAYS;
  } catch {
    return DEFAULT_UNDO_RETENTION_DAYS;
  }
}

/** Sets the days undo records are kept (1 to 3650). Throws CoreError INVALID_ARGUMENT outside that range. */
export async function writeUndoRetention(undoDir: string, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new CoreError('INVALID_ARGUMENT', `Undo records are kept for 1 to 3,650 days, not ${days}.`, { location: { field: 'retentionDays' } });
  }
  await ensurePrivateDir(undoDir);
  const file = join(undoDir, SETTINGS_FILE);
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify({ retentionDays: days }) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}
