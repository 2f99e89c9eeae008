import type { PendingRequest } from './state';
import type { BulkCallRecord } from './types';

/**
 * Every bulkUpload call received, and what became of the ones answered 202: queued, then processed or purged.
 * Keyed by the request-id of the reply, which the client saw too, so it can tell which of its calls a restart dropped.
 */
export class CallLedger {
  private calls: BulkCallRecord[] = [];
  private readonly open = new Map<string, BulkCallRecord>();
  private purgedCount = 0;

  add(record: BulkCallRecord): void {
    this.calls.push(record);
  }

  /** The call was answered 202 and its request queued. */
  queued(request: PendingRequest, record: BulkCallRecord | undefined): void {
    if (!record || request.requestId === undefined) return;
    record.processing = 'queued';
    this.open.set(request.requestId, record);
  }

  settle(request: PendingRequest, outcome: 'processed' | 'purged', cycleId?: string): void {
    if (outcome === 'purged') this.purgedCount += 1;
    const record = request.requestId === undefined ? undefined : this.open.get(request.requestId);
    if (!record) return;
    this.open.delete(request.requestId as string);
    record.processing = outcome;
    if (cycleId !== undefined) record.cycleId = cycleId;
  }

  purged(): number {
    return this.purgedCount;
  }

  list(): BulkCallRecord[] {
    return this.calls.map((c) => ({ ...c, bulkIds: [...c.bulkIds] }));
  }

  clear(): void {
    this.calls = [];
    this.open.clear();
    this.purgedCount = 0;
  }
}
