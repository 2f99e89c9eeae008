import { TransportError } from './errors';
import { API_DRIVEN_TEMPLATES, type GraphClient, type SynchronizationJob } from './graph';

/** Graph's synchronizationJobRestartCriteria reset scopes. */
export const RESET_SCOPES = ['None', 'ConnectorDataStore', 'Escrows', 'Watermark', 'QuarantineState', 'Full', 'ForceDeletes'] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];

/** What a restart does when no scope is given: only lift a quarantine, the least that makes a restart useful. */
export const DEFAULT_RESET_SCOPE: ResetScope = 'QuarantineState';

/**
 * Scopes after which Entra no longer knows what it provisioned from earlier uploads. A Full reset includes the
 * connector data store; clearing the store alone has the same effect on uploaded users.
 */
const PURGING_SCOPES: readonly ResetScope[] = ['Full', 'ConnectorDataStore'];

/** The consequence of a purging reset, in the words the person confirming it must read. */
export const FULL_RESET_CONSEQUENCE =
  'A full reset makes Entra forget every user this job has provisioned from uploads; the next upload is processed as if those users were new, and users queued but not processed yet are dropped.';

/** The consequence of ForceDeletes: deletions held back by the accidental-deletions threshold go ahead. */
export const FORCE_DELETES_CONSEQUENCE =
  'ForceDeletes carries out the deletions the accidental-deletions threshold held back; the accounts concerned are deleted or disabled in the directory.';

type CallOptions = { jobId?: string; signal?: AbortSignal };

function jobOptions(options: CallOptions): CallOptions {
  return { ...(options.jobId ? { jobId: options.jobId } : {}), ...(options.signal ? { signal: options.signal } : {}) };
}

/** Start the provisioning job (Synchronization.ReadWrite.All). A job started without a notification email goes into quarantine. */
export async function startJob(client: GraphClient, options: CallOptions = {}): Promise<void> {
  await client.jobAction('start', jobOptions(options));
}

/**
 * Pause the provisioning job (Synchronization.ReadWrite.All). Uploads to a paused job are still answered 202,
 * but nothing is processed until it is started again.
 */
export async function pauseJob(client: GraphClient, options: CallOptions = {}): Promise<void> {
  await client.jobAction('pause', jobOptions(options));
}

/**
 * Read a reset scope list (`"Watermark, Escrows"`, an array, or one scope) into Graph's names, case-insensitively.
 * Throws INVALID_ARGUMENT naming the unknown scope and the valid ones.
 */
export function parseResetScopes(value: string | readonly string[] | undefined): ResetScope[] {
  const parts = (typeof value === 'string' ? value.split(',') : value ?? []).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return [DEFAULT_RESET_SCOPE];
  const out: ResetScope[] = [];
  for (const part of parts) {
    const known = RESET_SCOPES.find((s) => s.toLowerCase() === part.toLowerCase());
    if (!known) {
      throw new TransportError('INVALID_ARGUMENT', `"${part}" is not a reset scope of the provisioning job. Use one or more of ${RESET_SCOPES.join(', ')} (separated by commas); QuarantineState only lifts a quarantine.`);
    }
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

/**
 * Restart the provisioning job with reset scopes (Synchronization.ReadWrite.All). Scopes that make Entra forget
 * the users it provisioned (Full, ConnectorDataStore) need `confirmFullReset: true`, and ForceDeletes needs
 * `confirmForceDeletes: true`; without them a CONFIRMATION_REQUIRED error says what the reset would do.
 * Returns the scopes sent.
 */
export async function restartJob(
  client: GraphClient,
  resetScope: string | readonly string[] | undefined,
  options: CallOptions & { confirmFullReset?: boolean; confirmForceDeletes?: boolean } = {},
): Promise<ResetScope[]> {
  const scopes = parseResetScopes(resetScope);
  const purging = scopes.filter((s) => PURGING_SCOPES.includes(s));
  if (purging.length > 0 && options.confirmFullReset !== true) {
    throw new TransportError(
      'CONFIRMATION_REQUIRED',
      `${FULL_RESET_CONSEQUENCE} Nothing was reset. If that is what you want, confirm it (--confirm-full-reset, or confirmFullReset: true); to lift a quarantine only, restart with the reset scope QuarantineState.`,
    );
  }
  if (scopes.includes('ForceDeletes') && options.confirmForceDeletes !== true) {
    throw new TransportError(
      'CONFIRMATION_REQUIRED',
      `${FORCE_DELETES_CONSEQUENCE} Nothing was reset. Check the pending deletions in the provisioning logs first; if they are intended, confirm it (--confirm-force-deletes, or confirmForceDeletes: true).`,
    );
  }
  await client.jobAction('restart', { ...jobOptions(options), body: { criteria: { resetScope: scopes.join(', ') } } });
  return scopes;
}

/** The notification email and accidental-deletions threshold of a provisioning app. */
export interface NotificationSettingsInput {
  /** One or more email addresses (an array, or text separated by `;` or `,`). */
  recipients: string | readonly string[];
  /** Default: true when `deleteThresholdValue` is given. */
  deleteThresholdEnabled?: boolean;
  /** Deletions in one cycle that stop the job (Entra's default is 500). */
  deleteThresholdValue?: number;
}

const EMAIL = /^[^\s@;,<>"()[\]]+@[^\s@;,<>"()[\].]+(\.[^\s@;,<>"()[\].]+)+$/;

/** Split and check notification addresses; throws INVALID_ARGUMENT naming the first one that is not an address. */
export function parseRecipients(recipients: string | readonly string[]): string[] {
  const list = (typeof recipients === 'string' ? recipients.split(/[;,]/) : recipients.flatMap((r) => r.split(/[;,]/))).map((r) => r.trim()).filter((r) => r !== '');
  if (list.length === 0) {
    throw new TransportError('INVALID_ARGUMENT', 'Give at least one notification email address (for example ops@contoso.com); Entra quarantines a job that has no one to notify.');
  }
  const bad = list.find((r) => !EMAIL.test(r));
  if (bad !== undefined) {
    throw new TransportError('INVALID_ARGUMENT', `"${bad}" is not an email address. Give addresses like ops@contoso.com, separated by ";".`);
  }
  return list;
}

/**
 * Set the notification email(s) and the accidental-deletions threshold (PUT .../synchronization/secrets with the
 * SyncNotificationSettings key; Synchronization.ReadWrite.All). Setting the email does not lift a quarantine: restart
 * the job afterwards. Returns the settings as sent.
 */
export async function setNotificationSettings(
  client: GraphClient,
  input: NotificationSettingsInput,
  options: { signal?: AbortSignal } = {},
): Promise<{ recipients: string[]; deleteThresholdEnabled: boolean; deleteThresholdValue?: number }> {
  const recipients = parseRecipients(input.recipients);
  const value = input.deleteThresholdValue;
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new TransportError('INVALID_ARGUMENT', `The delete threshold must be a whole number of 1 or more (got ${String(value)}).`);
  }
  const thresholdEnabled = input.deleteThresholdEnabled ?? value !== undefined;
  if (thresholdEnabled && value === undefined) {
    throw new TransportError('INVALID_ARGUMENT', 'The delete threshold is switched on but has no value: give the number of deletions that should stop the job (for example 500).');
  }
  const settings: Record<string, unknown> = { Enabled: true, Recipients: recipients.join(';'), DeleteThresholdEnabled: thresholdEnabled };
  if (value !== undefined) settings.DeleteThresholdValue = value;
  await client.putSynchronizationSecrets([{ key: 'SyncNotificationSettings', value: JSON.stringify(settings) }], {
    label: 'saving the notification email',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { recipients, deleteThresholdEnabled: thresholdEnabled, ...(value !== undefined ? { deleteThresholdValue: value } : {}) };
}

export type JobStatusCode = 'active' | 'paused' | 'notRun' | 'quarantine' | 'notConfigured' | 'unknown';

/** A provisioning job's state, in the terms an upload cares about. */
export interface JobStatusSummary {
  jobId: string;
  code: JobStatusCode;
  /** The code as Graph sent it (PascalCase), for support. */
  rawCode?: string;
  templateId: string | null;
  /** True for API2AAD / API2AD: the only jobs that accept bulkUpload. */
  isApiDriven: boolean;
  quarantine?: {
    reason: string | null;
    since: string | null;
    nextAttempt: string | null;
    seriesCount: number | null;
    error: { code: string | null; message: string | null } | null;
  };
  lastExecution?: {
    began: string | null;
    ended: string | null;
    state: string | null;
    error: { code: string | null; message: string | null } | null;
  };
  /** When the job last caught up with everything it was sent; null if never. */
  steadyStateLastAchievedTime: string | null;
  countSuccessiveCompleteFailures: number;
  /** One plain-English sentence: what this state means for an upload, and what to do. */
  sentence: string;
}

/** Graph's "never" in the steadyState times. */
const NEVER = /^0001-01-01/;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function errorOf(value: unknown): { code: string | null; message: string | null } | null {
  const e = record(value);
  if (!e) return null;
  const out = { code: text(e.code), message: text(e.message) };
  return out.code === null && out.message === null ? null : out;
}

const CODES: Record<string, JobStatusCode> = {
  active: 'active',
  paused: 'paused',
  notrun: 'notRun',
  quarantine: 'quarantine',
  notconfigured: 'notConfigured',
};

/** What to do about a quarantine, by its cause; `specific` when the cause is one scimport knows. */
function quarantineAdvice(reason: string | null, errorCode: string | null): { text: string; specific: boolean } {
  const cause = `${errorCode ?? ''} ${reason ?? ''}`;
  const restart = '`scimport job restart --reset-scope QuarantineState`';
  if (/NotificationEmail/i.test(cause)) {
    return { specific: true, text: `set a notification email with \`scimport job notify --email <address>\`, then lift the quarantine with ${restart}` };
  }
  if (/TooManyDeletes/i.test(cause)) {
    return {
      specific: true,
      text: `the accidental-deletions threshold stopped it: check the pending deletions in the provisioning logs, then either raise the threshold (\`scimport job notify --email <address> --delete-threshold <n>\`) and run ${restart}, or restart with ForceDeletes if they are intended`,
    };
  }
  if (/Escrow/i.test(cause)) {
    return { specific: true, text: `too many users failed: fix the errors the provisioning logs show for them, then run ${restart}` };
  }
  if (/OnDemand/i.test(cause)) {
    return { specific: true, text: `it was quarantined on demand: once the reason is dealt with, run ${restart}` };
  }
  return { specific: false, text: `fix the cause shown on the provisioning page of the Entra admin center, then run ${restart}` };
}

/** Summarise a synchronization job for people: its state, quarantine, last run, and one sentence of what it means. */
export function describeJobStatus(job: SynchronizationJob): JobStatusSummary {
  const status = record(job.status) ?? {};
  const rawCode = text(status.code);
  const quarantineRecord = record(status.quarantine);
  let code: JobStatusCode = rawCode ? (CODES[rawCode.toLowerCase()] ?? 'unknown') : 'unknown';
  // A quarantine object is stronger evidence than an unrecognised code.
  if (code === 'unknown' && quarantineRecord) code = 'quarantine';
  const templateId = text(job.templateId);
  const isApiDriven = API_DRIVEN_TEMPLATES.some((t) => t === (templateId ?? '').toUpperCase());
  const steady = text(status.steadyStateLastAchievedTime);
  const failures = typeof status.countSuccessiveCompleteFailures === 'number' ? status.countSuccessiveCompleteFailures : 0;
  const summary: JobStatusSummary = {
    jobId: job.id,
    code,
    ...(rawCode ? { rawCode } : {}),
    templateId,
    isApiDriven,
    steadyStateLastAchievedTime: steady && !NEVER.test(steady) ? steady : null,
    countSuccessiveCompleteFailures: failures,
    sentence: '',
  };
  if (quarantineRecord) {
    summary.quarantine = {
      reason: text(quarantineRecord.reason),
      since: text(quarantineRecord.currentBegan),
      nextAttempt: text(quarantineRecord.nextAttempt),
      seriesCount: typeof quarantineRecord.seriesCount === 'number' ? quarantineRecord.seriesCount : null,
      error: errorOf(quarantineRecord.error),
    };
  }
  const last = record(status.lastExecution);
  if (last) {
    summary.lastExecution = { began: text(last.timeBegan), ended: text(last.timeEnded), state: text(last.state), error: errorOf(last.error) };
  }
  summary.sentence = sentenceOf(summary);
  return summary;
}

function sentenceOf(s: JobStatusSummary): string {
  if (!s.isApiDriven) {
    return `Job ${s.jobId} has template ${s.templateId ?? 'unknown'}, not API2AAD or API2AD: it does not accept uploads; use the job of the API-driven provisioning app.`;
  }
  switch (s.code) {
    case 'active': {
      if (s.countSuccessiveCompleteFailures > 0) {
        const why = s.lastExecution?.error?.message ? ` (${s.lastExecution.error.message})` : '';
        return `The job is running, but its last ${s.countSuccessiveCompleteFailures === 1 ? 'run' : `${s.countSuccessiveCompleteFailures} runs`} failed for every user${why}: read the provisioning logs and fix the cause before uploading more.`;
      }
      return 'The job is running: uploads are processed and their results appear in the provisioning logs 5 to 10 minutes later.';
    }
    case 'paused':
      return 'The job is paused: uploads are accepted but nothing is processed (and nothing appears in the provisioning logs) until it is started — run `scimport job start`.';
    case 'notRun':
      return 'The job has never been started: uploads are accepted but not processed until it is started — set a notification email (`scimport job notify --email <address>`) and run `scimport job start`.';
    case 'quarantine': {
      const q = s.quarantine;
      const advice = quarantineAdvice(q?.reason ?? null, q?.error?.code ?? null);
      // For a cause with specific advice the short code reads better; otherwise Graph's own message is the best clue.
      const cause = (advice.specific ? q?.error?.code ?? q?.reason : q?.error?.message ?? q?.error?.code ?? q?.reason) ?? 'no reason given';
      const retry = q?.nextAttempt ? ` Entra tries again on its own at ${q.nextAttempt}.` : '';
      return `The job is in quarantine (${cause}): uploads are accepted but not processed; ${advice.text}.${retry}`;
    }
    case 'notConfigured':
      return 'The job is not configured: finish setting up API-driven provisioning in the Entra admin center; uploads are not processed until then.';
    default:
      return `Microsoft Graph reports the job state "${s.rawCode ?? 'none'}", which scimport does not know: check the provisioning page in the Entra admin center before uploading.`;
  }
}

/** Read the job and summarise it (Synchronization.Read.All or ReadWrite.All). */
export async function getJobStatus(client: GraphClient, options: CallOptions = {}): Promise<JobStatusSummary> {
  return describeJobStatus(await client.getJob(jobOptions(options)));
}
