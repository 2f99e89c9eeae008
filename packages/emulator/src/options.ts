import { EmulatorError } from './errors';
import { FederationTrust } from './federation';
import { JOB_STATE_CODES, parseRecipients } from './job';
import { ATTRIBUTE_TYPES, isRecord } from './scim';
import type { EmulatorOptions, FaultOptions, SandboxSettings } from './types';

/** The option values the server runs with, defaults applied. Durations are unscaled here. */
export interface Settings {
  timeScale: number;
  windowCalls: number;
  windowMs: number;
  dailyQuota: number;
  /** Unscaled delay before results reach the logs: each processed request draws from [min, max]. */
  logDelay: { min: number; max: number };
  realisticTiming: boolean;
  processingDelayMs: number;
  tokenLifetimeSec: number;
  /** Infinity = unlimited. */
  queueCapacity: number;
  logsApiLimit: { calls: number; windowMs: number } | undefined;
  /** Lower-cased; undefined = not checked. */
  verifiedDomains: string[] | undefined;
  escrowThreshold: number | undefined;
  allowDuplicateBulkIds: boolean;
  /** The app's federated identity credentials (workload identity federation). */
  federation: FederationTrust;
}

/**
 * Entra writes provisioning logs 5–10 minutes after it processed a request. Source: entra-docs
 * inbound-provisioning-api-issues, "There's nothing in the provisioning logs" (resolution 3).
 */
export const DOCUMENTED_LOG_DELAY_MS = { min: 5 * 60_000, max: 10 * 60_000 } as const;

/**
 * How much faster than real time the built-in sandbox of the CLI and the app runs: Entra's 5–10 minutes of
 * log lag become 15–30 seconds, a rehearsal behaves like production in order of events without taking real
 * minutes, and both apps say "sandbox: time runs ×20".
 */
export const SANDBOX_TIME_SCALE = 20;

/**
 * provisioningObjectSummary is served by the identity and access reports service: 5 requests per 10 seconds per
 * app per tenant. Source: Graph throttling-limits, "Identity and access reports service limits".
 */
export const DOCUMENTED_LOGS_API_LIMIT = { calls: 5, windowMs: 10_000 } as const;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

// Every check names the option and what a valid value looks like (never the value of a secret).

function invalid(message: string): never {
  throw new EmulatorError('INVALID_OPTION', message);
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    invalid(`${name} must be a positive ${integer ? 'whole ' : ''}number (got ${String(value)}).`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(`${name} must be 0 or more milliseconds (got ${String(value)}).`);
  return value;
}

export function checkOptions(options: EmulatorOptions): Settings {
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
    invalid(`port must be a whole number from 0 to 65535 (got ${String(options.port)}).`);
  }
  for (const key of ['tenantId', 'clientId', 'clientSecret', 'servicePrincipalId', 'jobId'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '' || /[/\s?#]/.test(value))) {
      // Never echo the value: it may be the secret.
      invalid(`${key} must be a non-empty string without spaces, '/', '?' or '#'.`);
    }
  }
  if (options.permissions !== undefined && (!Array.isArray(options.permissions) || options.permissions.some((p) => typeof p !== 'string'))) {
    invalid('permissions must be an array of permission names.');
  }
  for (const [i, a] of (options.schemaAttributes ?? []).entries()) {
    if (!a || typeof a.name !== 'string' || a.name === '' || typeof a.namespace !== 'string' || !a.namespace.toLowerCase().startsWith('urn:')) {
      invalid(`schemaAttributes[${i}] needs a name and a namespace like urn:ietf:params:scim:schemas:extension:<name>:1.0:User.`);
    }
    if (!ATTRIBUTE_TYPES.some((t) => t.toLowerCase() === String(a.type).toLowerCase())) {
      invalid(`schemaAttributes[${i}].type must be one of ${ATTRIBUTE_TYPES.join(', ')} (got ${String(a.type)}).`);
    }
  }
  if (options.faults) checkFaults(options.faults);
  checkJobOptions(options);
  if (options.realisticTiming !== undefined && typeof options.realisticTiming !== 'boolean') invalid('realisticTiming must be true or false.');
  const limit = options.logsApiLimit;
  if (limit !== undefined && limit !== false && (!isRecord(limit) || !(Number.isInteger(limit.calls) && limit.calls > 0) || !(typeof limit.windowMs === 'number' && limit.windowMs > 0))) {
    invalid('logsApiLimit must be false or { calls: a positive whole number, windowMs: a positive number }.');
  }
  if (options.verifiedDomains !== undefined) {
    if (!Array.isArray(options.verifiedDomains) || options.verifiedDomains.length === 0) invalid('verifiedDomains must be a non-empty array of domain names such as contoso.com.');
    const bad = options.verifiedDomains.find((d) => typeof d !== 'string' || !DOMAIN.test(d.toLowerCase()));
    if (bad !== undefined) invalid(`verifiedDomains: '${String(bad)}' is not a domain name such as contoso.com.`);
  }
  const logDelayMs = options.logDelayMs === undefined ? undefined : nonNegative('logDelayMs', options.logDelayMs);
  const realisticTiming = options.realisticTiming ?? false;
  return {
    timeScale: positive('timeScale', options.timeScale, 1),
    windowCalls: positive('windowCalls', options.windowCalls, 40, true),
    windowMs: positive('windowMs', options.windowMs, 5000),
    dailyQuota: positive('dailyQuota', options.dailyQuota, 2000, true),
    logDelay: logDelayMs !== undefined ? { min: logDelayMs, max: logDelayMs } : realisticTiming ? { ...DOCUMENTED_LOG_DELAY_MS } : { min: 0, max: 0 },
    realisticTiming,
    processingDelayMs: nonNegative('processingDelayMs', options.processingDelayMs),
    tokenLifetimeSec: positive('tokenLifetimeSec', options.tokenLifetimeSec, 3600),
    queueCapacity: positive('queueCapacity', options.queueCapacity, Number.POSITIVE_INFINITY, true),
    logsApiLimit: limit === false ? undefined : limit ?? { ...DOCUMENTED_LOGS_API_LIMIT },
    verifiedDomains: options.verifiedDomains?.map((d) => d.toLowerCase()),
    allowDuplicateBulkIds: options.allowDuplicateBulkIds === true,
    federation: new FederationTrust(options.federatedCredentials),
    escrowThreshold: options.escrowThreshold === undefined ? undefined : positive('escrowThreshold', options.escrowThreshold, 1, true),
  };
}

export function checkFaults(faults: FaultOptions): void {
  for (const key of ['serverErrorRate', 'resetRate'] as const) {
    const rate = faults[key];
    if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))) invalid(`faults.${key} must be a fraction from 0 to 1 (got ${String(rate)}).`);
  }
  nonNegative('faults.latencyMs', faults.latencyMs);
  const storm = faults.throttleStorm;
  if (storm && (!Number.isInteger(storm.calls) || storm.calls < 0 || !(storm.retryAfterSeconds >= 0))) {
    invalid('faults.throttleStorm needs calls (a whole number ≥ 0) and retryAfterSeconds (≥ 0).');
  }
  const fail = faults.failNextCalls;
  if (fail && (!Number.isInteger(fail.status) || fail.status < 400 || fail.status > 599 || !Number.isInteger(fail.count) || fail.count < 0)) {
    invalid('faults.failNextCalls needs status (400–599) and count (a whole number ≥ 0).');
  }
  if (faults.seed !== undefined && !Number.isInteger(faults.seed)) invalid('faults.seed must be a whole number.');
}

export function checkJobState(name: string, value: unknown): void {
  if (!JOB_STATE_CODES.includes(value as never)) invalid(`${name} must be one of ${JOB_STATE_CODES.join(', ')} (got ${String(value)}).`);
}

const JOB_ID = /^[^/\s?#]+$/;

function checkJobOptions(options: EmulatorOptions): void {
  if (options.jobState !== undefined) checkJobState('jobState', options.jobState);
  if (options.templateId !== undefined && options.templateId !== 'API2AAD' && options.templateId !== 'API2AD') {
    invalid(`templateId must be API2AAD (users into Entra ID) or API2AD (into on-premises AD) (got ${String(options.templateId)}).`);
  }
  if (options.notificationEmail !== undefined) {
    const parsed = typeof options.notificationEmail === 'string' ? parseRecipients(options.notificationEmail) : { bad: String(options.notificationEmail) };
    if ('bad' in parsed || parsed.recipients.length === 0) {
      invalid(`notificationEmail must be one or more email addresses separated by ';'${'bad' in parsed ? ` ('${parsed.bad}' is not one)` : ''}.`);
    }
  }
  if (options.extraJobs === undefined) return;
  if (!Array.isArray(options.extraJobs)) invalid('extraJobs must be an array of { templateId, id?, state? }.');
  options.extraJobs.forEach((job, i) => {
    if (!job || typeof job.templateId !== 'string' || !JOB_ID.test(job.templateId)) {
      invalid(`extraJobs[${i}].templateId must be a template name without spaces, '/', '?' or '#' (e.g. AD2AADProvisioning).`);
    }
    if (job.id !== undefined && (typeof job.id !== 'string' || !JOB_ID.test(job.id))) invalid(`extraJobs[${i}].id must be a non-empty string without spaces, '/', '?' or '#'.`);
    if (job.state !== undefined) checkJobState(`extraJobs[${i}].state`, job.state);
  });
}

/** The settings as the sandbox shows them (GET /sandbox, Emulator.sandboxSettings()). */
export function describeSettings(s: Settings): SandboxSettings {
  return {
    timeScale: s.timeScale,
    realisticTiming: s.realisticTiming,
    logDelayMs: { ...s.logDelay },
    queueCapacity: Number.isFinite(s.queueCapacity) ? s.queueCapacity : null,
    logsApiLimit: s.logsApiLimit ? { ...s.logsApiLimit } : null,
    verifiedDomains: s.verifiedDomains ? [...s.verifiedDomains] : null,
    escrowThreshold: s.escrowThreshold ?? null,
  };
}
