/**
 * The outbox: uploads that could not reach their target, or were interrupted when the app closed, kept in the
 * app's data folder next to the transport's journal of each run. One small JSON file per run says what the app
 * needs to carry on (target, profile, file, the rows to join results to) — never a secret: tenant targets hold
 * ids and a certificate path, the secret stays in the keychain.
 */
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, type DiffCounts } from '@scimport/core';
import type { TargetSpec } from '../../shared/contract';
import type { ExtensionLike } from './connection';

/** What an upload needs from its comparison, kept apart from it so the upload can outlive the app's session. */
export interface UploadPlanInfo {
  target: TargetSpec;
  targetLabel: string;
  snapshotTarget: { tenantId: string; servicePrincipalId: string; jobId: string };
  profile: { name: string; version: number; extension?: ExtensionLike };
  file: { name: string; path: string };
  counts: DiffCounts;
  disables: number;
  /** externalId → row of the file, for joining results back. */
  rows: Map<string, number>;
  /** The run an undo undoes (absent for an upload of a file). */
  undoOf?: string;
}

export interface OutboxEntry {
  version: 1;
  runId: string;
  savedAt: string;
  startedAt: string;
  firstOnly: boolean;
  people: number;
  calls: number;
  /** Paused by the person: after a restart it waits for them instead of going by itself. */
  userPaused: boolean;
  /** Everything was accepted; some people's results are still to come (Entra logs 5–10 minutes later). */
  awaitingResults?: boolean;
  plan: Omit<UploadPlanInfo, 'rows'> & { rows: [string, number][] };
}

const RUN_ID = /^[0-9A-Za-z-]{1,80}$/;

export class Outbox {
  private readonly dir: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'outbox');
  }

  private file(runId: string): string {
    if (!RUN_ID.test(runId)) throw new Error(`unexpected run id ${runId}`);
    return join(this.dir, `${runId}.json`);
  }

  /** Writes are queued so a pause and a retry of the same run never interleave their files. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  save(entry: Omit<OutboxEntry, 'version' | 'savedAt'>): Promise<void> {
    return this.serial(async () => {
      // Tightened too when an earlier version left it readable by others: entries describe people's uploads.
      await ensurePrivateDir(this.dir);
      const path = this.file(entry.runId);
      const temp = `${path}.${process.pid}.tmp`;
      const full: OutboxEntry = { version: 1, savedAt: new Date().toISOString(), ...entry };
      await writeFile(temp, JSON.stringify(full), { mode: 0o600 });
      await rename(temp, path);
    });
  }

  remove(runId: string): Promise<void> {
    return this.serial(() => rm(this.file(runId), { force: true }));
  }

  /** Every entry that can be read; an unreadable one is left on disk for support and skipped. */
  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const entries: OutboxEntry[] = [];
    for (const name of names) {
      try {
        const entry = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as OutboxEntry;
        if (entry.version === 1 && RUN_ID.test(entry.runId)) entries.push(entry);
      } catch {
        // A half-written or foreign file: not an upload to resume.
      }
    }
    return entries;
  }
}

export function toEntryPlan(plan: UploadPlanInfo): OutboxEntry['plan'] {
  return { ...plan, rows: [...plan.rows] };
}

export function fromEntryPlan(plan: OutboxEntry['plan']): UploadPlanInfo {
  return { ...plan, rows: new Map(plan.rows) };
}
