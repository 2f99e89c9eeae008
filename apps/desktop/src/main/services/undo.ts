/**
 * "Undo this upload" on the history list: core's `prepareUndo` (the same planning as `scimport undo`) shown as a
 * preview — each group counted, the people a later upload changed again named, the calls needed against today's
 * budget, the preflight — and, once confirmed, sent as an ordinary upload of the UploadService (target lock,
 * journal, snapshot recording, outbox, results, history), marked as the undo of its run.
 */
import { type HistoryEntry, type PreparedUndo, type Profile, prepareUndo, readHistory, undoableRuns } from '@scimport/core';
import { t } from '@scimport/messages';
import { SANDBOX_DEFAULTS } from '@scimport/emulator';
import { DAILY_QUOTAS, QuotaLedger, openRun, type Run } from '@scimport/transport';
import type { HistoryView, TargetSpec, UndoPreviewView } from '../../shared/contract';
import { describeTarget } from './diff';
import { fail } from './errors';
import { BoundedMap, newId } from './ids';
import type { UploadPlanInfo } from './outbox';
import type { UploadContext, UploadService } from './upload';
import { lockForUpload } from './upload-record';

interface UndoJob {
  id: string;
  runId: string;
  target: TargetSpec;
  includeConflicts: boolean;
  profile: { name: string; version: number };
  view: UndoPreviewView;
  started?: boolean;
}

/** The target a run went to: kept in the app's runs; a CLI run to the sandbox says so in its connection. */
function targetOfRun(run: Run): TargetSpec | undefined {
  const meta = run.manifest.meta;
  const kept = meta.target as TargetSpec | undefined;
  if (kept && (kept.kind === 'sandbox' || kept.kind === 'tenant')) return kept;
  if ((meta.connection as { mode?: string } | undefined)?.mode === 'sandbox') return { kind: 'sandbox' };
  const target = run.manifest.target;
  if (target.tenantId === SANDBOX_DEFAULTS.tenantId && target.jobId === SANDBOX_DEFAULTS.jobId) return { kind: 'sandbox' };
  return undefined;
}

/** The same groups, counted the same way, in the app's view. */
function countsOf(prepared: PreparedUndo): Pick<UndoPreviewView, 'restore' | 'reenable' | 'disable' | 'unchanged' | 'conflicts' | 'conflictsIncluded' | 'people' | 'callsNeeded'> {
  const p = prepared.plan;
  return {
    restore: p.restore.length,
    reenable: p.reenable.length,
    disable: p.disable.length,
    unchanged: p.unchanged.length,
    conflicts: p.conflicts.map((c) => ({ externalId: c.externalId, reason: c.reason, ...(c.changedBy ? { changedBy: c.changedBy } : {}) })),
    conflictsIncluded: p.conflictsIncluded,
    people: p.operations.length,
    callsNeeded: p.calls,
  };
}

export class UndoService {
  private readonly previews = new BoundedMap<UndoJob>(4);

  constructor(
    private readonly ctx: UploadContext,
    private readonly uploads: UploadService,
  ) {}

  /** The history, newest first, each run marked when it can be undone (its undo record is kept). */
  async history(): Promise<HistoryView[]> {
    const entries = await readHistory(this.ctx.dataDir);
    const kept = await undoableRuns(this.ctx.dataDir, await this.ctx.snapshots());
    // A resumed run has several entries: the last one offers the undo.
    const last = new Map(entries.map((e, i) => [e.runId, i]));
    return entries.map((e: HistoryEntry, i) => ({ ...e, undoable: kept.has(e.runId) && last.get(e.runId) === i })).reverse();
  }

  /** What undoing `runId` would send, and whether the target is ready for it. Sends nothing. */
  async preview(runId: string, includeConflicts: boolean): Promise<UndoPreviewView> {
    const run = await openRun(this.ctx.dataDir, runId).catch(() => fail('NOT_FOUND', t('services.undo.noRun')));
    const target = targetOfRun(run) ?? fail('REFUSED', t('services.undo.noTarget'));
    const prepared = await prepareUndo({ dataDir: this.ctx.dataDir, snapshots: await this.ctx.snapshots(), runId, includeConflicts });
    const budget = await new QuotaLedger({ dataDir: this.ctx.dataDir }).quotaStatus(run.manifest.target.tenantId, DAILY_QUOTAS.p1p2);
    const counts = countsOf(prepared);
    // The same checks as before an upload; with nothing to send there is nothing to check.
    const preflight = counts.people > 0 ? await this.uploads.testConnection(target) : undefined;
    const meta = run.manifest.meta.profile as { name?: string; version?: number } | undefined;
    const id = newId('undo');
    const view: UndoPreviewView = {
      undoId: id,
      runId,
      startedAt: prepared.entry.startedAt,
      ...(prepared.entry.file ? { fileName: prepared.entry.file.name } : {}),
      targetLabel: describeTarget(target),
      ...counts,
      callsLeftToday: budget.remaining,
      limit: budget.limit,
      ...(preflight ? { preflight } : {}),
      undoneBefore: prepared.undoneBy.length > 0,
    };
    this.previews.set(id, { id, runId, target, includeConflicts, profile: { name: meta?.name ?? 'unknown', version: meta?.version ?? 0 }, view });
    return view;
  }

  /**
   * Sends the undo shown by `preview`. Planned again under the target's lock: when anything changed since the preview
   * (another upload was recorded), nothing is sent and the person looks again.
   */
  async start(undoId: string): Promise<{ uploadId: string }> {
    const job = this.previews.get(undoId) ?? fail('NOT_FOUND', t('services.undo.gone'));
    if (job.started) fail('REFUSED', t('services.undo.started'));
    if (job.view.people === 0) fail('REFUSED', t('services.undo.nothing'));
    if (job.view.preflight && !job.view.preflight.ok && !job.view.preflight.unreachable) fail('REFUSED', t('services.undo.notReady'));
    const ids = (await openRun(this.ctx.dataDir, job.runId)).manifest.target;
    const lock = await lockForUpload(this.ctx.dataDir, ids);
    try {
      const prepared = await prepareUndo({ dataDir: this.ctx.dataDir, snapshots: await this.ctx.snapshots(), runId: job.runId, includeConflicts: job.includeConflicts });
      if (changed(job.view, prepared)) fail('REFUSED', t('services.undo.changed'));
      const p = prepared.plan;
      const plan: UploadPlanInfo = {
        target: job.target,
        targetLabel: job.view.targetLabel,
        snapshotTarget: { tenantId: ids.tenantId, servicePrincipalId: ids.servicePrincipalId, jobId: ids.jobId },
        profile: job.profile,
        // An undo sends no file: the history names the run it undoes instead.
        file: { name: '', path: '' },
        counts: { new: 0, changed: p.restore.length, unchanged: p.unchanged.length, missing: p.disable.length, returning: p.reenable.length, alreadyDisabled: 0 },
        disables: p.disable.length,
        rows: new Map(),
        undoOf: job.runId,
      };
      const profile: Profile = { name: job.profile.name, version: job.profile.version, mapping: '' };
      job.started = true;
      // No feed: everyone keeps the feed the snapshot gives them.
      return await this.uploads.begin(plan, undefined, prepared.snapshot, profile, p.operations, [], false, undefined, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
}

/** True when the plan made under the lock differs from the one the person saw. */
function changed(view: UndoPreviewView, prepared: PreparedUndo): boolean {
  const now = countsOf(prepared);
  return now.restore !== view.restore || now.reenable !== view.reenable || now.disable !== view.disable || now.conflicts.length !== view.conflicts.length;
}
