/**
 * What changed since the last upload to the chosen target: the checked file's users against the snapshot of
 * what that target last accepted, and the safety gate that stops a mass disable or a mass change unless the
 * person allows it deliberately.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffUsers, planUpload, SnapshotStore, type BulkRequest, type CurrentUser, type DiffResult, type Snapshot, type SnapshotTarget } from '@scimport/core';
import { SANDBOX_DEFAULTS } from '@scimport/emulator';
import type { DiffRecordView, DiffView, TargetSpec } from '../../shared/contract';
import { fail } from './errors';
import { BoundedMap, newId } from './ids';
import type { ValidationJob, ValidationService } from './validation';

export interface DiffJob {
  id: string;
  validation: ValidationJob;
  target: TargetSpec;
  snapshotTarget: Required<SnapshotTarget> & { servicePrincipalId: string };
  snapshot: Snapshot;
  diff: DiffResult;
  view: DiffView;
  /** externalId → row of the file, for joining results back. */
  rows: Map<string, number>;
}

/** Where a target's ids are: the sandbox's fixed ones, or the tenant's. */
export function targetIds(target: TargetSpec): { tenantId: string; servicePrincipalId: string; jobId: string } {
  return target.kind === 'sandbox'
    ? { tenantId: SANDBOX_DEFAULTS.tenantId, servicePrincipalId: SANDBOX_DEFAULTS.servicePrincipalId, jobId: SANDBOX_DEFAULTS.jobId }
    : { tenantId: target.tenantId, servicePrincipalId: target.servicePrincipalId, jobId: target.jobId };
}

/** One line naming where an upload goes, in words for the person choosing. */
export function describeTarget(target: TargetSpec): string {
  if (target.kind === 'sandbox') return 'the built-in sandbox on this computer (a rehearsal: nothing leaves this computer)';
  return `Microsoft Entra ID (${target.cloud} cloud), tenant ${target.tenantId}, provisioning job ${target.jobId}`;
}

function displayName(data: Record<string, unknown>): string | undefined {
  if (typeof data.displayName === 'string') return data.displayName;
  const name = data.name as { givenName?: unknown; familyName?: unknown } | undefined;
  const parts = [name?.givenName, name?.familyName].filter((p): p is string => typeof p === 'string');
  if (parts.length) return parts.join(' ');
  return typeof data.userName === 'string' ? data.userName : undefined;
}

export class DiffService {
  private readonly diffs = new BoundedMap<DiffJob>(4);

  constructor(
    private readonly validations: ValidationService,
    private readonly snapshots: () => Promise<SnapshotStore>,
  ) {}

  async compute(jobId: string, target: TargetSpec): Promise<DiffView> {
    const validation = this.validations.get(jobId);
    if (validation.state !== 'done' || !validation.summary) fail('REFUSED', 'The check of the file has not finished; compare once it is done.');
    const ids = targetIds(target);
    const store = await this.snapshots();
    const snapshot = await store.load(ids);
    const rows = new Map(validation.summary.sent.map((s) => [s.externalId, s.row]));
    const current: CurrentUser[] = [];
    const files = (await readdir(validation.outDir)).filter((n) => /^bulk-\d+\.json$/.test(n)).sort();
    for (const name of files) {
      const request = JSON.parse(await readFile(join(validation.outDir, name), 'utf8')) as BulkRequest;
      for (const op of request.Operations) {
        const row = rows.get(op.data.externalId);
        current.push({ externalId: op.data.externalId, data: op.data, ...(row !== undefined ? { row } : {}) });
      }
    }
    const diff = diffUsers(current, snapshot);
    const plan = planUpload(diff, validation.profile, { heldBack: heldBackOf(validation.summary) });
    const id = newId('diff');
    const view: DiffView = {
      diffId: id,
      counts: diff.counts,
      leaverPolicy: validation.profile.leavers?.policy ?? 'ignore',
      gate: plan.gate,
      operations: plan.operations.length,
      disables: plan.disables.length,
      calls: plan.calls,
      targetLabel: describeTarget(target),
    };
    this.diffs.set(id, { id, validation, target, snapshotTarget: { ...ids }, snapshot, diff, view, rows });
    return view;
  }

  get(diffId: string): DiffJob {
    const job = this.diffs.get(diffId);
    if (!job) fail('NOT_FOUND', 'This comparison is no longer available. Compare again.');
    return job;
  }

  records(diffId: string, kind: DiffRecordView['kind'] | 'all', start: number, count: number): { total: number; records: DiffRecordView[] } {
    const { diff } = this.get(diffId);
    const list = kind === 'all' ? diff.records : diff.records.filter((r) => r.kind === kind);
    return {
      total: list.length,
      records: list.slice(start, start + count).map((r) => {
        const name = displayName(r.data);
        return {
          externalId: r.externalId,
          kind: r.kind,
          ...(r.row !== undefined ? { row: r.row } : {}),
          ...(name ? { displayName: name } : {}),
          ...(r.changes ? { changes: r.changes } : {}),
        };
      }),
    };
  }
}

/** People on rows with errors are still in the file: never leavers (see core's planUpload). */
export function heldBackOf(summary: { heldBack: string[]; heldBackUnidentified: number } | undefined): { externalIds: string[]; unidentified: number } {
  return { externalIds: summary?.heldBack ?? [], unidentified: summary?.heldBackUnidentified ?? 0 };
}
