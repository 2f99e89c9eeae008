/**
 * The pieces of an upload that need no state: cutting a plan into requests, the plan kept in the outbox, the
 * preflight in the app's words, and the sentences shown while sending.
 */
import { BulkChunker, type BulkOperation, type BulkRequest, type Profile } from '@scimport/core';
import { t } from '@scimport/messages';
import { runPreflight } from '@scimport/transport';
import type { PreflightView } from '../../shared/contract';
import { isUnreachable, prepareSandbox, type Connection } from './connection';
import type { DiffJob } from './diff';
import { toErrorData } from './errors';
import { preflightView } from './job';
import type { UploadPlanInfo } from './outbox';

export function chunk(ops: BulkOperation[], profile: Profile): BulkRequest[] {
  const chunker = new BulkChunker({
    ...(profile.output?.chunkSize !== undefined ? { chunkSize: profile.output.chunkSize } : {}),
    ...(profile.output?.failOnErrors !== undefined ? { failOnErrors: profile.output.failOnErrors } : {}),
  });
  const out: BulkRequest[] = [];
  for (const op of ops) {
    const full = chunker.push(op);
    if (full) out.push(full);
  }
  const last = chunker.flush();
  if (last) out.push(last);
  return out;
}

export const seconds = (ms: number): string =>
  ms < 60_000 ? t('services.seconds', { count: Math.max(1, Math.round(ms / 1000)) }) : t('services.minutes', { count: Math.round(ms / 60_000) });

export function planOf(diff: DiffJob): UploadPlanInfo {
  const profile = diff.profile;
  return {
    target: diff.target,
    targetLabel: diff.view.targetLabel,
    snapshotTarget: { tenantId: diff.snapshotTarget.tenantId, servicePrincipalId: diff.snapshotTarget.servicePrincipalId, jobId: diff.snapshotTarget.jobId },
    profile: { name: profile.name, version: profile.version, ...(profile.extension ? { extension: profile.extension } : {}) },
    file: { name: diff.validation.file, path: diff.validation.path },
    counts: diff.diff.counts,
    disables: diff.view.disables,
    rows: diff.rows,
  };
}

/** Said after a sign-in that got no answer (and taken off again when the outbox repeats the reason). */
export const outboxNote = (): string => ` ${t('services.upload.outboxNote')}`;

/** The preflight in the app's words; an unreachable target is said as such, so the upload can wait in the outbox. */
export async function checkTarget(connection: Connection, extension: UploadPlanInfo['profile']['extension'], callsNeeded: number | undefined, domains?: readonly string[]): Promise<PreflightView> {
  // The sign-in is tried first on its own: no answer at all means "offline", not "wrong settings".
  try {
    await connection.credential.getToken();
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    return {
      ok: false,
      unreachable: true,
      checks: [{ id: 'signIn', status: 'fail', title: t('services.preflight.signIn'), detail: `${toErrorData(error).message}${outboxNote()}` }],
    };
  }
  await prepareSandbox(connection, extension);
  const report = await runPreflight({
    client: connection.client,
    ...(extension ? { profile: { extension } } : {}),
    ...(callsNeeded !== undefined ? { callsNeeded } : {}),
    ...(domains && domains.length > 0 ? { signInDomains: domains } : {}),
  });
  return preflightView(report, connection.sandbox);
}

/** A transport message ends with advice to resume by hand ("…, then resume", "(Run …: resume it once…)"): the outbox resumes by itself. */
export function plainReason(message: string): string {
  const trimmed = message
    .replace(/\s*\(Run [^)]*\)/g, '')
    .replace(/\s*Check the network connection, then resume\.?/g, '')
    .trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
