import { randomUUID } from 'node:crypto';
import { isRecord } from './scim';
import type {
  JobStateCode,
  NotificationSettings,
  SynchronizationError,
  SynchronizationJob,
  SynchronizationJobStatus,
  SynchronizationQuarantine,
  SynchronizationTaskExecution,
} from './types';

/** The address a default sandbox notifies (`.invalid` is reserved: nothing can ever be sent there). */
export const SANDBOX_NOTIFICATION_EMAIL = 'sandbox-alerts@scimport.invalid';

export const JOB_STATE_CODES: readonly JobStateCode[] = ['active', 'paused', 'notRun', 'quarantine'];

/** Graph serializes synchronizationStatusCode in PascalCase ("code": "Paused" in Microsoft's own samples). */
const WIRE_CODES: Record<JobStateCode, SynchronizationJobStatus['code']> = {
  active: 'Active',
  paused: 'Paused',
  notRun: 'NotRun',
  quarantine: 'Quarantine',
};

/** Graph's value for "never" in steadyState times. */
export const NEVER = '0001-01-01T00:00:00Z';

const HOUR_MS = 60 * 60 * 1000;
/**
 * Entra re-evaluates a quarantined job after 6 hours, then 12, then 24, then once a day; after four weeks in
 * quarantine the job is disabled. Source: entra-docs application-provisioning-quarantine-status
 * ("How do I get my application out of quarantine?").
 */
const QUARANTINE_RETRIES_MS = [6 * HOUR_MS, 12 * HOUR_MS, 24 * HOUR_MS];
export const QUARANTINE_DISABLE_AFTER_MS = 28 * 24 * HOUR_MS;

/**
 * The quarantineReason values Graph documents (synchronizationQuarantine.reason). Source: Graph reference
 * synchronization-synchronizationquarantine.
 */
export const QUARANTINE_REASONS = [
  'EncounteredBaseEscrowThreshold',
  'EncounteredTotalEscrowThreshold',
  'EncounteredEscrowProportionThreshold',
  'EncounteredQuarantineException',
  'Unknown',
  'QuarantinedOnDemand',
  'TooManyDeletes',
  'IngestionInterrupted',
] as const;

export const RESET_SCOPES = ['None', 'ConnectorDataStore', 'Escrows', 'Watermark', 'QuarantineState', 'Full', 'ForceDeletes'] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];

/** Why a job is quarantined when started without anyone to notify. The reason enum has no closer value. */
export const NOTIFICATION_EMAIL_MISSING: SynchronizationError = {
  code: 'NotificationEmailMissing',
  message:
    'NotificationEmailMissing: a notification email is required before the provisioning job can run. Set it with ' +
    'PUT /servicePrincipals/{id}/synchronization/secrets (key SyncNotificationSettings, value {"Enabled":true,"Recipients":"<address>"}), ' +
    'then start the job again.',
  tenantActionable: true,
};

/** A job as the emulator keeps it (and persists it). */
export interface JobRecord {
  id: string;
  templateId: string;
  code: JobStateCode;
  quarantine: SynchronizationQuarantine | null;
  lastExecution: SynchronizationTaskExecution | null;
  lastSuccessfulExecution: SynchronizationTaskExecution | null;
  lastSuccessfulExecutionWithExports: SynchronizationTaskExecution | null;
  steadyStateFirstAchievedTime: string;
  steadyStateLastAchievedTime: string;
  countSuccessiveCompleteFailures: number;
  escrowsPruned: boolean;
}

export function newJob(id: string, templateId: string, code: JobStateCode): JobRecord {
  return {
    id,
    templateId,
    code,
    quarantine: null,
    lastExecution: null,
    lastSuccessfulExecution: null,
    lastSuccessfulExecutionWithExports: null,
    steadyStateFirstAchievedTime: NEVER,
    steadyStateLastAchievedTime: NEVER,
    countSuccessiveCompleteFailures: 0,
    escrowsPruned: false,
  };
}

/** The job in the shape GET .../synchronization/jobs/{jobId} serves. */
export function jobToGraph(job: JobRecord, synchronizedUsers: number): SynchronizationJob {
  return structuredClone({
    id: job.id,
    templateId: job.templateId,
    schedule: { expiration: null, interval: 'PT40M', state: job.code === 'active' ? 'Active' : 'Disabled' },
    status: {
      code: WIRE_CODES[job.code],
      countSuccessiveCompleteFailures: job.countSuccessiveCompleteFailures,
      escrowsPruned: job.escrowsPruned,
      lastExecution: job.lastExecution,
      lastSuccessfulExecution: job.lastSuccessfulExecution,
      lastSuccessfulExecutionWithExports: job.lastSuccessfulExecutionWithExports,
      progress: [],
      quarantine: job.quarantine,
      steadyStateFirstAchievedTime: job.steadyStateFirstAchievedTime,
      steadyStateLastAchievedTime: job.steadyStateLastAchievedTime,
      synchronizedEntryCountByType: [{ key: 'user to User', value: synchronizedUsers }],
      troubleshootingUrl: null,
    },
    synchronizationJobSettings: [],
  });
}

/** Unscaled delay before the n-th re-evaluation of a quarantine (6 h, 12 h, 24 h, then daily). */
export function quarantineRetryMs(seriesCount: number): number {
  return QUARANTINE_RETRIES_MS[Math.max(0, seriesCount - 1)] ?? 24 * HOUR_MS;
}

/**
 * After four weeks in quarantine Entra disables the job: it stops (paused, schedule Disabled) until an admin starts
 * it again, and its last run says why.
 */
export function disableAfterQuarantine(job: JobRecord, now: number): void {
  const quarantine = job.quarantine;
  const at = new Date(now).toISOString();
  job.code = 'paused';
  job.quarantine = null;
  job.lastExecution = {
    ...emptyExecution(at, at),
    state: 'Failed',
    error: {
      code: quarantine?.reason ?? 'Unknown',
      message: `The job was disabled after four weeks in quarantine (since ${quarantine?.seriesBegan ?? at}; ${quarantine?.error?.message ?? 'cause unknown'}). Fix the cause, then start the job.`,
      tenantActionable: true,
    },
  };
}

/** Quarantine the job; a job already quarantined continues its series (seriesCount + 1). */
export function imposeQuarantine(job: JobRecord, reason: string, error: SynchronizationError, now: number, scaleMs: (ms: number) => number): void {
  const continuing = job.code === 'quarantine' ? job.quarantine : null;
  const seriesCount = continuing ? continuing.seriesCount + 1 : 1;
  job.code = 'quarantine';
  job.quarantine = {
    currentBegan: new Date(now).toISOString(),
    nextAttempt: new Date(now + scaleMs(quarantineRetryMs(seriesCount))).toISOString(),
    reason,
    seriesBegan: continuing?.seriesBegan ?? new Date(now).toISOString(),
    seriesCount,
    error: { ...error },
  };
}

/**
 * Start (or restart) a job: it runs if someone would be told about its failures, else it is quarantined.
 * Returns true when the job is now active.
 */
export function startJob(job: JobRecord, canNotify: boolean, now: number, scaleMs: (ms: number) => number): boolean {
  if (!canNotify) {
    imposeQuarantine(job, 'EncounteredQuarantineException', NOTIFICATION_EMAIL_MISSING, now, scaleMs);
    return false;
  }
  job.code = 'active';
  job.quarantine = null;
  return true;
}

/** What processing one BulkRequest produced, as the job's run summary counts it. */
export interface RunOutcome {
  imported: number;
  exported: number;
  escrowed: number;
  cycleId: string;
  firstFailure?: { errorCode: string; externalId: string };
}

export function emptyExecution(began: string, ended: string): SynchronizationTaskExecution {
  return {
    activityIdentifier: randomUUID(),
    countEntitled: 0,
    countEntitledForProvisioning: 0,
    countEscrowed: 0,
    countEscrowedRaw: 0,
    countExported: 0,
    countExports: 0,
    countImported: 0,
    countImportedDeltas: 0,
    countImportedReferenceDeltas: 0,
    state: 'Succeeded',
    error: null,
    timeBegan: began,
    timeEnded: ended,
  };
}

/**
 * Record one run. `caughtUp` = nothing else is waiting, i.e. the job reached its steady state.
 * Partial failures are EntryLevelErrors (Graph's value); only a run where every entry failed is Failed.
 */
export function recordRun(job: JobRecord, outcome: RunOutcome, began: string, ended: string, caughtUp: boolean): void {
  const execution = emptyExecution(began, ended);
  execution.activityIdentifier = outcome.cycleId;
  execution.countImported = outcome.imported;
  execution.countImportedDeltas = outcome.imported;
  execution.countEntitled = outcome.imported;
  execution.countEntitledForProvisioning = outcome.imported;
  execution.countExports = outcome.imported;
  execution.countExported = outcome.exported;
  execution.countEscrowed = outcome.escrowed;
  execution.countEscrowedRaw = outcome.escrowed;
  if (outcome.escrowed > 0) {
    execution.state = outcome.escrowed >= outcome.imported ? 'Failed' : 'EntryLevelErrors';
    const first = outcome.firstFailure;
    execution.error = {
      code: first?.errorCode ?? 'EntryLevelErrors',
      message:
        `${outcome.escrowed} of ${outcome.imported} users could not be provisioned` +
        (first ? ` (the first: externalId '${first.externalId}', ${first.errorCode})` : '') +
        `. Read the provisioning logs of cycleId ${outcome.cycleId} for each user's error and what to do.`,
      tenantActionable: true,
    };
  }
  job.lastExecution = execution;
  job.countSuccessiveCompleteFailures = execution.state === 'Failed' ? job.countSuccessiveCompleteFailures + 1 : 0;
  if (execution.state === 'Succeeded') job.lastSuccessfulExecution = execution;
  if (execution.state !== 'Failed' && execution.countExported > 0) job.lastSuccessfulExecutionWithExports = execution;
  if (caughtUp) {
    if (job.steadyStateFirstAchievedTime === NEVER) job.steadyStateFirstAchievedTime = ended;
    job.steadyStateLastAchievedTime = ended;
  }
}

/** A full reset starts the job's history afresh; the run it records says nothing is held any more. */
export function recordFullReset(job: JobRecord, now: string): void {
  job.lastSuccessfulExecution = null;
  job.lastSuccessfulExecutionWithExports = null;
  job.steadyStateFirstAchievedTime = NEVER;
  job.steadyStateLastAchievedTime = NEVER;
  job.countSuccessiveCompleteFailures = 0;
  job.escrowsPruned = false;
  job.lastExecution = emptyExecution(now, now);
}

/**
 * Read the restart body `{"criteria":{"resetScope":"Watermark, Escrows"}}`. An empty body, criteria or scope means
 * what the admin center's "Restart provisioning" does: QuarantineState, Watermark and Escrows. Full means all.
 */
export function parseRestartBody(text: string): { scopes: Set<ResetScope> } | { problem: string } {
  const portalDefault = (): { scopes: Set<ResetScope> } => ({ scopes: new Set<ResetScope>(['QuarantineState', 'Watermark', 'Escrows']) });
  if (text.trim() === '') return portalDefault();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: 'The restart body is not valid JSON. Send {"criteria":{"resetScope":"<scopes>"}} or no body at all.' };
  }
  if (!isRecord(body)) return { problem: 'The restart body must be a JSON object like {"criteria":{"resetScope":"Watermark"}}.' };
  const criteria = body['criteria'];
  if (criteria === undefined || criteria === null) return portalDefault();
  if (!isRecord(criteria)) return { problem: "'criteria' must be an object with a 'resetScope' string." };
  const scope = criteria['resetScope'];
  if (scope === undefined || scope === null) return portalDefault();
  if (typeof scope !== 'string') return { problem: `'criteria.resetScope' must be a comma-separated string of ${RESET_SCOPES.join(', ')}.` };
  const parts = scope.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return portalDefault();
  const scopes = new Set<ResetScope>();
  for (const part of parts) {
    const known = RESET_SCOPES.find((s) => s.toLowerCase() === part.toLowerCase());
    if (!known) return { problem: `'${part}' in criteria.resetScope is not a reset scope; use a comma-separated list of ${RESET_SCOPES.join(', ')}.` };
    scopes.add(known);
  }
  if (scopes.has('Full')) for (const s of RESET_SCOPES) if (s !== 'None') scopes.add(s);
  return { scopes };
}

export interface BodyProblem {
  target: string;
  message: string;
}

const EMAIL = /^[^\s@;,<>"]+@[^\s@;,<>".]+(\.[^\s@;,<>".]+)+$/;

/** Split a `;`- or `,`-separated list of addresses; returns the first address that is not one, if any. */
export function parseRecipients(text: string): { recipients: string[] } | { bad: string } {
  const recipients = text.split(/[;,]/).map((r) => r.trim()).filter((r) => r !== '');
  const bad = recipients.find((r) => !EMAIL.test(r));
  return bad === undefined ? { recipients } : { bad };
}

/** Case-insensitive property read: the service deserializes these settings without regard to case. */
function prop(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function parseNotification(text: string, target: string): { settings: NotificationSettings } | { problem: BodyProblem } {
  const fail = (message: string) => ({ problem: { target, message } });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(
      `The SyncNotificationSettings value is not valid JSON (${(error as Error).message}). It is a JSON object written as a string, like ` +
        '"{\\"Enabled\\":true,\\"Recipients\\":\\"ops@contoso.com\\",\\"DeleteThresholdEnabled\\":true,\\"DeleteThresholdValue\\":500}".',
    );
  }
  if (!isRecord(raw)) return fail('The SyncNotificationSettings value must be a JSON object with Enabled and Recipients.');
  const enabled = prop(raw, 'Enabled');
  if (typeof enabled !== 'boolean') return fail("SyncNotificationSettings needs 'Enabled' as true or false.");
  const recipientsText = prop(raw, 'Recipients') ?? '';
  if (typeof recipientsText !== 'string') return fail("SyncNotificationSettings 'Recipients' must be a string of email addresses separated by ';'.");
  const parsed = parseRecipients(recipientsText);
  if ('bad' in parsed) return fail(`'${parsed.bad}' in SyncNotificationSettings Recipients is not an email address; separate several addresses with ';'.`);
  if (enabled && parsed.recipients.length === 0) return fail("SyncNotificationSettings has 'Enabled': true but no Recipients; give at least one email address.");
  const thresholdEnabled = prop(raw, 'DeleteThresholdEnabled') ?? false;
  if (typeof thresholdEnabled !== 'boolean') return fail("SyncNotificationSettings 'DeleteThresholdEnabled' must be true or false.");
  const settings: NotificationSettings = { enabled, recipients: parsed.recipients, deleteThresholdEnabled: thresholdEnabled };
  const thresholdRaw = prop(raw, 'DeleteThresholdValue');
  if (thresholdRaw !== undefined && thresholdRaw !== null && thresholdRaw !== '') {
    const value = typeof thresholdRaw === 'string' && /^\d+$/.test(thresholdRaw.trim()) ? Number(thresholdRaw) : thresholdRaw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      return fail(`SyncNotificationSettings 'DeleteThresholdValue' must be a whole number of 1 or more (got ${JSON.stringify(thresholdRaw)}).`);
    }
    settings.deleteThresholdValue = value;
  } else if (thresholdEnabled) {
    return fail("SyncNotificationSettings has 'DeleteThresholdEnabled': true but no 'DeleteThresholdValue'; give the number of deletions that stops the job.");
  }
  return { settings };
}

/**
 * Read the body of PUT .../synchronization/secrets: `{"value":[{"key":"…","value":"…"}]}`. Only
 * SyncNotificationSettings is kept (parsed); other credentials are checked for shape and dropped, since the
 * sandbox has no use for them and secrets must not linger. Problems name their place in the body, never a value.
 */
export function parseSecretsBody(text: string): { notification?: NotificationSettings } | { problems: BodyProblem[] } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problems: [{ target: '', message: 'The secrets body is not valid JSON. Send {"value":[{"key":"SyncNotificationSettings","value":"<JSON string>"}]}.' }] };
  }
  const items = isRecord(body) ? body['value'] : undefined;
  if (!Array.isArray(items) || items.length === 0) {
    return { problems: [{ target: 'value', message: "The secrets body needs a non-empty 'value' array of {\"key\": …, \"value\": …} pairs." }] };
  }
  const problems: BodyProblem[] = [];
  let notification: NotificationSettings | undefined;
  items.forEach((item: unknown, i) => {
    const target = `value[${i}]`;
    if (!isRecord(item) || typeof item['key'] !== 'string' || item['key'].trim() === '') {
      problems.push({ target: `${target}.key`, message: `${target} needs a 'key' naming the secret (e.g. SyncNotificationSettings).` });
      return;
    }
    if (typeof item['value'] !== 'string') {
      problems.push({ target: `${target}.value`, message: `${target} ('${item['key']}') needs its 'value' as a string.` });
      return;
    }
    if (item['key'].toLowerCase() !== 'syncnotificationsettings') return;
    const parsed = parseNotification(item['value'], `${target}.value`);
    if ('problem' in parsed) problems.push(parsed.problem);
    else notification = parsed.settings;
  });
  if (problems.length > 0) return { problems };
  return notification ? { notification } : {};
}

/** True when a started job would have someone to tell about its failures. */
export function canNotify(settings: NotificationSettings | undefined): boolean {
  return settings !== undefined && settings.enabled && settings.recipients.length > 0;
}

/** Entra's default accidental-deletions threshold, used when the notification email comes from the options. */
const DEFAULT_DELETE_THRESHOLD = 500;

/** Notification settings for addresses given as an option: enabled, with Entra's default deletion threshold. */
export function notificationFor(emails: string): NotificationSettings {
  const parsed = parseRecipients(emails);
  return {
    enabled: true,
    recipients: 'recipients' in parsed ? parsed.recipients : [],
    deleteThresholdEnabled: true,
    deleteThresholdValue: DEFAULT_DELETE_THRESHOLD,
  };
}
