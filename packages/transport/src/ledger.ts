import path from 'node:path';
import { type Clock, systemClock } from './clock';
import { TransportError, isTransportError } from './errors';
import { readJsonIfExists, writeJsonAtomic } from './fsutil';
import { describeMs } from './pacer';

/** Entra's documented bulkUpload quotas per tenant per rolling 24 hours. */
export const DAILY_QUOTAS = Object.freeze({
  /** Entra ID P1 / P2. */
  p1p2: 2000,
  /** Entra ID Governance. */
  governance: 6000,
});

const DAY_MS = 24 * 60 * 60 * 1000;

export interface QuotaStatus {
  /** bulkUpload calls this machine sent to the tenant in the last 24 hours. */
  used: number;
  remaining: number;
  limit: number;
  /** When the oldest counted call leaves the 24-hour window (ISO), if any are counted. */
  nextReleaseAt?: string;
}

interface LedgerFile {
  tenant: string;
  /** Send instants (ms since epoch) of bulkUpload calls, oldest first. */
  calls: number[];
}

/** Calls of one tenant counted in memory and not yet written. */
interface Unsaved {
  tenant: string;
  calls: number[];
  /** A write of them is queued and has not started yet. */
  queued: boolean;
}

/**
 * A local record of the bulkUpload calls sent to each tenant, so an upload can be refused before it runs into
 * the daily quota halfway. It only knows the calls made from this data folder: other machines or scripts
 * uploading to the same tenant are invisible to it, which is why the service's 429 stays the final word.
 *
 * Counting is off the upload's critical path: `record` counts in memory at once and the file is written in
 * batches right behind it (one write at a time, each taking every call counted meanwhile), because a write with
 * its fsync per call held the call's pacing slot and slowed the whole upload. The price: a crash (kill -9, power
 * loss) can lose the calls counted since the last completed write, at most the few sent during one write. The
 * ledger then under-counts by those; the service's 429 remains the real limit. `flush` waits for the file; an
 * upload flushes when it ends, however it ends.
 */
export class QuotaLedger {
  private readonly dir: string;
  private readonly clock: Clock;
  // Reads and writes of one tenant's file are serialised within the process so no recorded call is lost.
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly unsaved = new Map<string, Unsaved>();
  /** The last write that failed, per file, until a later write of that file succeeds. */
  private readonly failures = new Map<string, TransportError>();

  constructor(options: { dataDir: string; clock?: Clock }) {
    this.dir = path.join(options.dataDir, 'quota');
    this.clock = options.clock ?? systemClock;
  }

  private fileOf(tenant: string): string {
    if (!tenant) throw new TransportError('INVALID_ARGUMENT', 'The quota ledger needs a tenant id.');
    return path.join(this.dir, `${tenant.toLowerCase().replace(/[^a-z0-9.-]/g, '_')}.json`);
  }

  private async load(tenant: string): Promise<LedgerFile> {
    const data = await readJsonIfExists<LedgerFile>(this.fileOf(tenant));
    const since = this.clock.now() - DAY_MS;
    const calls = Array.isArray(data?.calls) ? data.calls.filter((t) => typeof t === 'number' && t > since).sort((a, b) => a - b) : [];
    return { tenant, calls };
  }

  private serial<T>(tenant: string, task: () => Promise<T>): Promise<T> {
    const key = this.fileOf(tenant);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.queues.set(key, next.catch(() => undefined));
    return next;
  }

  /** What the file says plus what is counted but not written yet. Run inside `serial`, so nothing is counted twice. */
  private async current(tenant: string): Promise<LedgerFile> {
    const data = await this.load(tenant);
    const pending = this.unsaved.get(this.fileOf(tenant));
    if (pending && pending.calls.length > 0) {
      const since = this.clock.now() - DAY_MS;
      data.calls = [...data.calls, ...pending.calls.filter((t) => t > since)].sort((a, b) => a - b);
    }
    return data;
  }

  /** Write every call counted so far for this file; on failure they stay counted in memory for the next write. */
  private write(tenant: string): Promise<void> {
    const key = this.fileOf(tenant);
    return this.serial(tenant, async () => {
      const pending = this.unsaved.get(key);
      if (pending) pending.queued = false;
      const batch = pending?.calls.splice(0) ?? [];
      if (batch.length === 0 && !this.failures.has(key)) return;
      try {
        const data = await this.load(tenant);
        data.calls.push(...batch);
        data.calls.sort((a, b) => a - b);
        await writeJsonAtomic(key, data);
        this.failures.delete(key);
      } catch (err) {
        pending?.calls.unshift(...batch);
        const failure = isTransportError(err)
          ? err
          : new TransportError('IO', `Could not write the quota ledger ${key}: ${(err as Error).message}.`, { details: { file: key }, cause: err });
        this.failures.set(key, failure);
        throw failure;
      }
    });
  }

  /**
   * Count `count` bulkUpload calls sent now. Called right before each call leaves; resolves as soon as they are
   * counted in memory (the file follows in the next batch, see the class notes). Rejects, without counting, when
   * the last write of this tenant's file failed: an upload must stop rather than send calls the ledger cannot keep.
   */
  record(tenant: string, count = 1): Promise<void> {
    const key = this.fileOf(tenant);
    const failure = this.failures.get(key);
    if (failure) return Promise.reject(failure);
    let pending = this.unsaved.get(key);
    if (!pending) {
      pending = { tenant, calls: [], queued: false };
      this.unsaved.set(key, pending);
    }
    const now = this.clock.now();
    for (let i = 0; i < count; i += 1) pending.calls.push(now);
    if (!pending.queued) {
      pending.queued = true;
      // The next turn of the event loop, so calls sent together share one write.
      setImmediate(() => {
        this.write(tenant).catch(() => undefined); // kept in `failures`: the next record and flush() report it
      });
    }
    return Promise.resolve();
  }

  /**
   * Write every counted call to disk and wait for it. Rejects with the IO error when the file cannot be written
   * (the counts stay in memory). Call it before the process ends; `uploadRun` does.
   */
  async flush(): Promise<void> {
    const tenants = new Set<string>();
    for (const [key, pending] of this.unsaved) if (pending.calls.length > 0 || this.failures.has(key)) tenants.add(pending.tenant);
    await Promise.all([...tenants].map((tenant) => this.write(tenant)));
    // Writes queued before this call finish before it returns.
    await Promise.all([...this.queues.values()]);
  }

  /** Calls used and remaining in the rolling 24 hours for `tenant` under `limit`. */
  async quotaStatus(tenant: string, limit: number): Promise<QuotaStatus> {
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new TransportError('INVALID_ARGUMENT', `The daily quota must be a positive whole number (got ${String(limit)}).`);
    }
    return statusOf(await this.serial(tenant, () => this.current(tenant)), limit);
  }

  /**
   * Throw QUOTA_EXCEEDED unless `needed` calls fit in what remains (or `allowOverQuota`). The message says what
   * is needed, what remains, when enough frees up and how to override.
   */
  async ensureRoom(tenant: string, limit: number, needed: number, allowOverQuota = false): Promise<QuotaStatus> {
    const status = await this.quotaStatus(tenant, limit);
    if (needed <= status.remaining || allowOverQuota) return status;
    const data = await this.serial(tenant, () => this.current(tenant));
    // The call that must expire before `needed` calls fit: the (needed - remaining)-th oldest.
    const releasing = data.calls[needed - status.remaining - 1];
    const when = releasing !== undefined && needed <= limit
      ? ` Enough calls free up in ${describeMs(releasing + DAY_MS - this.clock.now())} (at ${new Date(releasing + DAY_MS).toISOString()}).`
      : needed > limit ? ` The upload is larger than a whole day's quota: it will take more than one day.` : '';
    throw new TransportError(
      'QUOTA_EXCEEDED',
      `This upload needs ${needed} bulkUpload call${needed === 1 ? '' : 's'} but only ${status.remaining} of the tenant's ${limit} daily calls remain (${status.used} used in the last 24 hours from this computer).${when} To send anyway, use --allow-over-quota (allowOverQuota: true); Entra will answer 429 once the quota is used up and the run can be resumed later.`,
    );
  }
}

function statusOf(data: LedgerFile, limit: number): QuotaStatus {
  const used = data.calls.length;
  const status: QuotaStatus = { used, remaining: Math.max(0, limit - used), limit };
  const oldest = data.calls[0];
  if (oldest !== undefined) status.nextReleaseAt = new Date(oldest + DAY_MS).toISOString();
  return status;
}
