/**
 * The results of an upload as the person reads them: every person of the run named (display name, employee id),
 * in the file's row order, with their outcome and, for a failure, what to do in HR words; the counts per outcome;
 * the status line; the CSV report; the history entry.
 */
import { appendHistory, csvCell, sha256File, type FailedPerson, type HistoryEntryInput, type RunOutcome } from '@scimport/core';
import { t } from '@scimport/messages';
import { readChunk, type Run, type RunResults } from '@scimport/transport';
import type { ResultOutcome, ResultRowView, UploadStatus } from '../../shared/contract';
import type { UploadPlanInfo } from './outbox';
import { explainFailure, personOf, type PersonInfo } from './people';

export const people = (count: number): string => t('services.people', { count });
export const requests = (count: number): string => t('services.requests', { count });

/** The order groups are given in (and shown). */
export const OUTCOMES: readonly ResultOutcome[] = ['created', 'updated', 'disabled', 'failed', 'skipped', 'waiting'];

/** Everyone sent in a run, by externalId, read back from its journal (so it works after a restart too). */
export async function peopleOfRun(run: Run): Promise<Map<string, PersonInfo>> {
  const out = new Map<string, PersonInfo>();
  for (let index = 1; index <= run.manifest.chunks.length; index++) {
    const request = await readChunk(run, index).catch(() => undefined);
    for (const op of request?.Operations ?? []) out.set(op.data.externalId, personOf(op.data as unknown as Record<string, unknown>));
  }
  return out;
}

function outcomeOf(action: string, status: string): ResultOutcome {
  if (status === 'failure') return 'failed';
  if (status === 'skipped') return 'skipped';
  if (action === 'create') return 'created';
  if (action === 'disable' || action === 'delete' || action === 'stagedDelete') return 'disabled';
  return 'updated';
}

/**
 * One row per person of the run: those with a result, then those still waiting, all in the file's row order
 * (people without a row — leavers — last, by externalId).
 */
export function resultRows(results: RunResults, plan: Pick<UploadPlanInfo, 'rows'>, persons: ReadonlyMap<string, PersonInfo> | undefined): ResultRowView[] {
  const named = (externalId: string): Pick<ResultRowView, 'displayName' | 'employeeId'> => {
    const person = persons?.get(externalId);
    return { ...(person?.displayName ? { displayName: person.displayName } : {}), ...(person?.employeeId ? { employeeId: person.employeeId } : {}) };
  };
  const rows: ResultRowView[] = results.rows.map((r) => {
    const explanation = r.status === 'failure' ? explainFailure(r, persons?.get(r.externalId)?.managerId) : undefined;
    return {
      externalId: r.externalId,
      row: plan.rows.get(r.externalId) ?? null,
      action: r.action,
      status: r.status,
      outcome: outcomeOf(r.action, r.status),
      ...named(r.externalId),
      ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.recommendedAction ? { recommendedAction: r.recommendedAction } : {}),
      ...(explanation ? { explanation } : {}),
    };
  });
  for (const externalId of results.pending) {
    rows.push({ externalId, row: plan.rows.get(externalId) ?? null, action: 'none', status: 'pending', outcome: 'waiting', ...named(externalId), explanation: t('services.results.waiting') });
  }
  const at = (row: number | null) => (row === null ? Number.POSITIVE_INFINITY : row);
  return rows.sort((a, b) => at(a.row) - at(b.row) || (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

export function resultGroups(rows: readonly ResultRowView[]): NonNullable<UploadStatus['results']>['groups'] {
  const counts = new Map<ResultOutcome, number>(OUTCOMES.map((o) => [o, 0]));
  for (const row of rows) counts.set(row.outcome, (counts.get(row.outcome) ?? 0) + 1);
  return OUTCOMES.map((outcome) => ({ outcome, count: counts.get(outcome) ?? 0 }));
}

/** The people the provisioning logs report as failed, with the reason, for the snapshot's failure marks. */
export function failuresOf(results: RunResults | undefined): Exclude<FailedPerson, string>[] {
  return (results?.rows ?? [])
    .filter((r) => r.status === 'failure')
    .map((r) => ({ externalId: r.externalId, ...(r.errorCode ? { errorCode: r.errorCode } : {}), ...(r.reason ? { reason: r.reason } : {}) }));
}

/** The status line once the results are in. */
export function resultMessage(results: RunResults | undefined, stillToSend: number): string {
  const rows = results?.rows ?? [];
  const ok = rows.filter((r) => r.status === 'success').length;
  const bad = rows.filter((r) => r.status === 'failure').length;
  const pending = results?.pending.length ?? 0;
  const parts = [t('services.results.provisioned', { people: people(ok) })];
  if (bad) parts.push(t('services.results.failed', { people: people(bad) }));
  if (pending) parts.push(t('services.results.pending', { people: people(pending) }));
  const rest = stillToSend > 0 ? ` ${t('services.results.stillToSend', { people: people(stillToSend) })}` : '';
  return `${parts.join(', ')}.${rest}`;
}

/** The status line after the wait: the results so far, and for whoever is still waiting, when to expect them. */
export function waitingMessage(results: RunResults | undefined, stillToSend: number): string {
  const line = resultMessage(results, stillToSend);
  if (!results || results.pending.length === 0) return line;
  if (results.late) return `${line} ${t('services.results.late')}`;
  const by = results.expected?.by;
  return by ? `${line} ${t('services.results.expected', { time: new Date(by).toLocaleTimeString('en-GB', { timeZone: 'UTC' }) + ' UTC' })}` : line;
}

/** The results as a CSV for Excel (UTF-8 with BOM; a cell that would run as a formula is quoted as text). */
export function resultsCsv(rows: readonly ResultRowView[]): string {
  // The core's one guard: a cell that would run as a formula in Excel is quoted as text.
  const cell = csvCell;
  const lines = rows.map((r) =>
    [r.row, r.externalId, r.displayName, r.employeeId, r.outcome, r.action, r.status, r.errorCode, r.reason, r.recommendedAction, r.explanation].map(cell).join(','),
  );
  return '\uFEFF' + ['row,externalId,displayName,employeeId,outcome,action,status,errorCode,reason,recommendedAction,explanation', ...lines].join('\r\n') + '\r\n';
}

/** What the history keeps of an ended upload. */
export interface HistoryFacts {
  runId: string;
  startedAt: string;
  plan: UploadPlanInfo;
  feed?: string;
  people: number;
  firstOnly: boolean;
  calls: number;
  message: string;
}

/** Appends the upload to the history (best effort: a history that cannot be written never fails the upload). */
export async function writeHistory(dataDir: string, facts: HistoryFacts, outcome: RunOutcome): Promise<void> {
  const { plan } = facts;
  const sha256 = plan.file.path ? await sha256File(plan.file.path).catch(() => undefined) : undefined;
  const entry: HistoryEntryInput = {
    runId: facts.runId,
    startedAt: facts.startedAt,
    ...(sha256 ? { file: { name: plan.file.name, sha256 } } : {}),
    profile: { name: plan.profile.name, version: plan.profile.version },
    ...(facts.feed ? { feed: facts.feed } : {}),
    target: { tenantId: plan.snapshotTarget.tenantId, jobId: plan.snapshotTarget.jobId },
    ...(plan.undoOf ? { undoOf: plan.undoOf } : {}),
    counts: plan.counts,
    operations: facts.people,
    disables: facts.firstOnly ? 0 : plan.disables,
    calls: facts.calls,
    outcome,
    message: facts.message,
  };
  await appendHistory(dataDir, entry).catch(() => undefined);
}
