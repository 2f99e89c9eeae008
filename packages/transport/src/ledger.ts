import path from 'node:path';
import { type Clock, systemClock } from './clock';
import { TransportError } from './errors';
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

/**
 * A local record of the bulkUpload calls sent to each tenant, so an upload can be refused before it runs into
 * the daily quota halfway. It only knows the calls made from this data folder: other machines or scripts
 * uploading to the same tenant are invisible to it, which is why the service's 429 stays the final word.
 */
export class QuotaLedger {
  private readonly dir: string;
  private readonly clock: Clock;
  // Writes to one tenant's file are serialised within the process so no recorded call is lost.
  private readonly queues = new Map<string, Promise<unknown>>();

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

  /** Count `count` calls sent now. Called before each bulkUpload leaves, so a crash cannot under-count. */
  record(tenant: string, count = 1): Promise<void> {
    return this.serial(tenant, async () => {
      const data = await this.load(tenant);
      const now = this.clock.now();
      for (let i = 0; i < count; i += 1) data.calls.push(now);
      await writeJsonAtomic(this.fileOf(tenant), data);
    });
  }

  /** Calls used and remaining in the rolling 24 hours for `tenant` under `limit`. */
  async quotaStatus(tenant: string, limit: number): Promise<QuotaStatus> {
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new TransportError('INVALID_ARGUMENT', `The daily quota must be a positive whole number (got ${String(limit)}).`);
    }
    const data = await this.serial(tenant, () => this.load(tenant));
    const used = data.calls.length;
    const status: QuotaStatus = { used, remaining: Math.max(0, limit - used), limit };
    const oldest = data.calls[0];
    if (oldest !== undefined) status.nextReleaseAt = new Date(oldest + DAY_MS).toISOString();
    return status;
  }

  /**
   * Throw QUOTA_EXCEEDED unless `needed` calls fit in what remains (or `allowOverQuota`). The message says what
   * is needed, what remains, when enough frees up and how to override.
   */
  async ensureRoom(tenant: string, limit: number, needed: number, allowOverQuota = false): Promise<QuotaStatus> {
    const status = await this.quotaStatus(tenant, limit);
    if (needed <= status.remaining || allowOverQuota) return status;
    const data = await this.serial(tenant, () => this.load(tenant));
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
