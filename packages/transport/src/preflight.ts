import type { AuthMethod } from './auth';
import { isTransportError } from './errors';
import { type GraphClient, PERMISSIONS, type SynchronizationJob, sourceUserObject } from './graph';
import { type JobStatusSummary, describeJobStatus } from './job';
import { DAILY_QUOTAS, type QuotaLedger } from './ledger';

export type PreflightStatus = 'pass' | 'warn' | 'fail';

export type PreflightCheckId = 'signInMethod' | 'signIn' | 'uploadPermission' | 'resultsPermission' | 'jobPermission' | 'job' | 'jobRunning' | 'schema' | 'domains' | 'quota';

/** One check before an upload: what was checked, how it went, and one sentence of what to do. */
export interface PreflightCheck {
  id: PreflightCheckId;
  title: string;
  status: PreflightStatus;
  sentence: string;
  /** The Microsoft Graph permission this check is about, when it is about one. */
  permission?: string;
  /** signInMethod: the method itself, so an app can say it in its own words. */
  method?: AuthMethod;
}

export interface PreflightReport {
  checks: PreflightCheck[];
  /** No check failed (warnings allowed). */
  ok: boolean;
  /** The job as read, when it could be read. */
  job?: JobStatusSummary;
  /** Permissions read from the access token, when it could be read. */
  permissions?: TokenPermissions;
}

/** The parts of a profile preflight reads (a core Profile fits). */
export interface PreflightProfile {
  extension?: { namespace: string; attributes: readonly { name: string; type: string; multiValued?: boolean }[] };
  target?: { jobId?: string };
}

export interface PreflightOptions {
  /** A client of the target (its servicePrincipalId, and jobId unless the profile's target has one). */
  client: GraphClient;
  profile?: PreflightProfile;
  /** bulkUpload calls the upload will make (one per chunk); without it, only the remaining budget is shown. */
  callsNeeded?: number;
  /** Default: the client's ledger. */
  ledger?: QuotaLedger;
  /** Daily bulkUpload quota of the tenant. Default 2000 (Entra ID P1/P2). */
  dailyQuota?: number;
  /** Tenant the ledger counts calls for. Default: the credential's. */
  tenantId?: string;
  /**
   * Domains of the sign-in names (userName) the upload sends, e.g. from the transformed users. Checked against the
   * tenant's verified domains when Domain.Read.All is granted: Entra fails every user whose sign-in name is in a
   * domain the tenant has not verified, but only in the provisioning logs, minutes after the 202.
   */
  signInDomains?: readonly string[];
  signal?: AbortSignal;
}

/** Permissions an access token carries: `roles` of an app-only token or `scp` of a delegated one. */
export interface TokenPermissions {
  kind: 'application' | 'delegated';
  granted: string[];
}

/**
 * Read the permissions from an access token's payload without verifying it (Graph verifies; this only tells the
 * user early). Undefined when the token is not a readable JWT (Microsoft may issue opaque tokens).
 */
export function tokenPermissions(token: string): TokenPermissions | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!claims || typeof claims !== 'object') return undefined;
  const { roles, scp } = claims as { roles?: unknown; scp?: unknown };
  if (typeof scp === 'string') return { kind: 'delegated', granted: scp.split(' ').filter((p) => p !== '') };
  if (Array.isArray(roles)) return { kind: 'application', granted: roles.filter((r): r is string => typeof r === 'string') };
  return { kind: 'application', granted: [] };
}

function holds(perms: TokenPermissions, ...anyOf: string[]): boolean {
  return perms.granted.some((g) => anyOf.some((p) => p.toLowerCase() === g.toLowerCase()));
}

const UPLOAD = 'SynchronizationData-User.Upload';
/** The documented alternative to UPLOAD, limited to the jobs of apps the caller owns (the permission page, bulkUpload page). */
const UPLOAD_OWNED_BY = 'SynchronizationData-User.Upload.OwnedBy';
const DOMAIN_READ = 'Domain.Read.All';
const LOG_READ = ['AuditLog.Read.All', 'ProvisioningLog.Read.All'];
const SYNC_READ = 'Synchronization.Read.All';
const SYNC_WRITE = 'Synchronization.ReadWrite.All';

// The profile's types and the job schema's names for them.
const SCHEMA_TYPES: Record<string, string> = { string: 'String', integer: 'Integer', boolean: 'Boolean', datetime: 'DateTime' };

function grantAdvice(perms: TokenPermissions | undefined, permission: string): string {
  return perms?.kind === 'delegated'
    ? `add the delegated permission ${permission} to the app registration and sign in again`
    : `add the application permission ${permission} under API permissions of the app registration and grant admin consent`;
}

function reasonOf(error: unknown): string {
  return isTransportError(error) || error instanceof Error ? error.message : String(error);
}

function isForbidden(error: unknown): boolean {
  return isTransportError(error) && error.code === 'FORBIDDEN';
}

/**
 * Check, before an upload, everything that would make it fail or silently do nothing: sign-in, the upload
 * permission (and which optional actions the other permissions allow), the job (exists, API-driven, running), the
 * job schema against the profile's custom attributes, and the daily call budget. A check that cannot run for want
 * of a permission is a warning naming it, never a crash. Never throws for what it checks.
 */
export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const { client, profile } = options;
  const signal = options.signal ? { signal: options.signal } : {};
  const checks: PreflightCheck[] = [];
  const report: PreflightReport = { checks, ok: true };
  const add = (check: PreflightCheck): void => void checks.push(check);

  // 1. Sign-in: first how (a scheduled run's log then says what it relied on, even when the sign-in fails), then whether.
  const method = client.credential.method;
  if (method) add({ id: 'signInMethod', title: 'Sign-in method', status: 'pass', sentence: `Signs in with ${method.identity}; needs ${method.needs}.`, method });
  let token: string | undefined;
  try {
    token = await client.credential.getToken();
    add({ id: 'signIn', title: 'Sign in', status: 'pass', sentence:
        client.credential.kind === 'managedIdentity'
          ? `Signed in with ${method?.identity ?? 'the managed identity'}.`
          : `Signed in to tenant ${client.credential.tenantId} as app ${client.credential.clientId}.`,
    });
  } catch (error) {
    add({ id: 'signIn', title: 'Sign in', status: 'fail', sentence: `${reasonOf(error)} The checks against the tenant need a sign-in and were not run.` });
  }

  if (token) {
    // 2. Permissions, read from the token.
    const perms = tokenPermissions(token);
    if (perms) report.permissions = perms;
    if (!perms) {
      add({ id: 'uploadPermission', title: 'Upload permission', status: 'warn', permission: UPLOAD, sentence: `The access token cannot be read, so ${UPLOAD} could not be checked in advance; a missing permission will show as a 403 on the first upload.` });
    } else {
      add(
        holds(perms, UPLOAD, UPLOAD_OWNED_BY)
          ? {
              id: 'uploadPermission',
              title: 'Upload permission',
              status: 'pass',
              permission: holds(perms, UPLOAD) ? UPLOAD : UPLOAD_OWNED_BY,
              sentence: `The ${perms.kind === 'delegated' ? 'sign-in' : 'app'} holds ${holds(perms, UPLOAD) ? UPLOAD : `${UPLOAD_OWNED_BY} (uploads to the jobs of apps it owns)`}: uploads will be accepted.`,
            }
          : { id: 'uploadPermission', title: 'Upload permission', status: 'fail', permission: UPLOAD, sentence: `Every upload would be refused with 403: ${grantAdvice(perms, UPLOAD)}.` },
      );
      add(
        holds(perms, ...LOG_READ)
          ? { id: 'resultsPermission', title: 'Reading results', status: 'pass', permission: PERMISSIONS.provisioningLogs, sentence: 'The results of each user can be read back from the provisioning logs.' }
          : {
              id: 'resultsPermission',
              title: 'Reading results',
              status: 'warn',
              permission: PERMISSIONS.provisioningLogs,
              sentence: `Uploads will work, but their per-user results cannot be read back (\`scimport status\`) without ProvisioningLog.Read.All (or AuditLog.Read.All): ${grantAdvice(perms, 'ProvisioningLog.Read.All')} if you want them.`,
            },
      );
      if (holds(perms, SYNC_WRITE)) {
        add({ id: 'jobPermission', title: 'Job control', status: 'pass', permission: SYNC_WRITE, sentence: 'The job can be read, started, paused and restarted, and its schema extended.' });
      } else if (holds(perms, SYNC_READ)) {
        add({
          id: 'jobPermission',
          title: 'Job control',
          status: 'warn',
          permission: SYNC_WRITE,
          sentence: `The job and its schema can be checked, but starting, pausing or restarting it, setting its notification email and pushing custom attributes (\`scimport schema push\`) need ${SYNC_WRITE}: ${grantAdvice(perms, SYNC_WRITE)} only if you want to do those from here.`,
        });
      } else {
        add({
          id: 'jobPermission',
          title: 'Job control',
          status: 'warn',
          permission: SYNC_READ,
          sentence: `The job's state and schema cannot be checked without ${SYNC_READ} (${SYNC_WRITE} also lets scimport start the job and push custom attributes): ${grantAdvice(perms, SYNC_READ)} to have these checks.`,
        });
      }
    }

    // 3. The job: exists, API-driven.
    const jobId = profile?.target?.jobId ?? client.jobId;
    let job: SynchronizationJob | undefined;
    try {
      job = jobId ? await client.getJob({ jobId, ...signal }) : await client.findApiDrivenJob(options.signal);
    } catch (error) {
      add(
        isForbidden(error)
          ? { id: 'job', title: 'Provisioning job', status: 'warn', permission: PERMISSIONS.synchronizationRead, sentence: `Not checked: reading the job needs ${PERMISSIONS.synchronizationRead}; without it, a wrong jobId only shows as an error on the first upload.` }
          : isTransportError(error) && (error.code === 'NOT_FOUND' || error.code === 'JOB_NOT_FOUND')
            ? {
                id: 'job',
                title: 'Provisioning job',
                status: 'fail',
                sentence: jobId
                  ? `No job ${jobId} exists on service principal ${client.servicePrincipalId}: copy the jobId and the Object ID of the API-driven provisioning app from its Provisioning page into the profile's target.`
                  : error.message,
              }
            : { id: 'job', title: 'Provisioning job', status: 'fail', sentence: `The job could not be read: ${reasonOf(error)}` },
      );
    }
    if (job) {
      const summary = describeJobStatus(job);
      report.job = summary;
      if (!summary.isApiDriven) {
        add({ id: 'job', title: 'Provisioning job', status: 'fail', sentence: `Job ${job.id} has template ${summary.templateId ?? 'unknown'}, not an API-driven one (API2AAD or API2AD), so it refuses uploads: put the jobId of the API-driven provisioning app in the profile's target.` });
      } else {
        const found = jobId ? '' : ` Put this jobId into the profile's target so uploads always go to it.`;
        add({ id: 'job', title: 'Provisioning job', status: 'pass', sentence: `Job ${job.id} is an API-driven job (${summary.templateId}).${found}` });
      }
      // 4. Running?
      const running: PreflightCheck = { id: 'jobRunning', title: 'Job running', status: 'pass', sentence: summary.sentence };
      if (!summary.isApiDriven) {
        running.status = 'warn';
        running.sentence = 'Not checked: the job is not an API-driven one.';
      } else if (summary.code === 'quarantine' || summary.code === 'notConfigured') running.status = 'fail';
      else if (summary.code !== 'active' || summary.countSuccessiveCompleteFailures > 0) running.status = 'warn';
      add(running);
    } else {
      const permissionMissing = checks.find((c) => c.id === 'job')?.status === 'warn';
      add({
        id: 'jobRunning',
        title: 'Job running',
        status: 'warn',
        ...(permissionMissing ? { permission: PERMISSIONS.synchronizationRead } : {}),
        sentence: permissionMissing
          ? `Not checked: without ${PERMISSIONS.synchronizationRead} scimport cannot see whether the job is paused or in quarantine, where uploads are accepted but nothing is processed; check the Provisioning page before uploading.`
          : 'Not checked: the job could not be read.',
      });
    }

    // 5. The job schema knows the profile's custom attributes.
    add(await schemaCheck(client, profile, job, checks.find((c) => c.id === 'job')?.status === 'warn', signal));

    // 6. The sign-in names' domains are verified in the tenant.
    const domains = await domainCheck(client, options.signInDomains, report.permissions, signal);
    if (domains) add(domains);
  }

  // 7. Daily budget (local: runs even without a sign-in).
  add(await quotaCheck(client, options));

  report.ok = checks.every((c) => c.status !== 'fail');
  return report;
}

async function schemaCheck(
  client: GraphClient,
  profile: PreflightProfile | undefined,
  job: SynchronizationJob | undefined,
  jobForbidden: boolean,
  signal: { signal?: AbortSignal },
): Promise<PreflightCheck> {
  const title = 'Custom attributes in the job schema';
  const extension = profile?.extension;
  if (!extension || extension.attributes.length === 0) {
    return { id: 'schema', title, status: 'pass', sentence: 'The profile sends no custom attributes, so the job schema needs nothing extra.' };
  }
  if (!job) {
    return jobForbidden
      ? { id: 'schema', title, status: 'warn', permission: PERMISSIONS.synchronizationRead, sentence: `Not checked: reading the job schema needs ${PERMISSIONS.synchronizationRead}; if the schema lacks one of the profile's ${extension.attributes.length} custom attribute(s), the service rejects every user that carries it.` }
      : { id: 'schema', title, status: 'warn', sentence: 'Not checked: the job could not be read.' };
  }
  if (!describeJobStatus(job).isApiDriven) return { id: 'schema', title, status: 'warn', sentence: 'Not checked: the job is not an API-driven one.' };
  let attributes: { name: string; type: unknown }[];
  try {
    attributes = sourceUserObject(await client.getJobSchema({ jobId: job.id, ...signal })).attributes;
  } catch (error) {
    return isForbidden(error)
      ? { id: 'schema', title, status: 'warn', permission: PERMISSIONS.synchronizationRead, sentence: `Not checked: reading the job schema needs ${PERMISSIONS.synchronizationRead}; if the schema lacks a custom attribute, the service rejects every user that carries it.` }
      : { id: 'schema', title, status: 'fail', sentence: `The job schema could not be read: ${reasonOf(error)}` };
  }
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const attribute of extension.attributes) {
    const fullName = `${extension.namespace}:${attribute.name}`;
    const found = attributes.find((a) => a.name.toLowerCase() === fullName.toLowerCase());
    if (!found) {
      missing.push(attribute.name);
      continue;
    }
    const wanted = SCHEMA_TYPES[attribute.type.toLowerCase()] ?? attribute.type;
    if (String(found.type).toLowerCase() !== wanted.toLowerCase()) mismatched.push(`${attribute.name} is ${String(found.type)} in the schema but ${attribute.type} in the profile`);
  }
  if (missing.length > 0) {
    return {
      id: 'schema',
      title,
      status: 'fail',
      permission: PERMISSIONS.synchronization,
      sentence: `The job schema does not know ${missing.join(', ')} (under ${extension.namespace}), so the service would reject every user carrying ${missing.length === 1 ? 'it' : 'them'} as "not a valid propertyName": run \`scimport schema push --profile <profile>\` (needs ${SYNC_WRITE}) or add ${missing.length === 1 ? 'it' : 'them'} in the Entra admin center (Provisioning → Mappings → Show advanced options → Edit attribute list).`,
    };
  }
  if (mismatched.length > 0) {
    return {
      id: 'schema',
      title,
      status: 'fail',
      sentence: `${mismatched.join('; ')}: change the type in the profile to match, or change the attribute in the job schema (Edit attribute list in the Entra admin center) — a mismatch makes the service fail those users.`,
    };
  }
  return { id: 'schema', title, status: 'pass', sentence: `The job schema knows all ${extension.attributes.length} custom attribute(s) of the profile, with matching types.` };
}

/**
 * Sign-in names in a domain the tenant has not verified fail in the provisioning logs, one by one, minutes after the
 * upload was accepted; GET /domains (Domain.Read.All) tells it before anything is sent. Undefined when the upload
 * names no domain.
 */
async function domainCheck(
  client: GraphClient,
  wanted: readonly string[] | undefined,
  perms: TokenPermissions | undefined,
  signal: { signal?: AbortSignal },
): Promise<PreflightCheck | undefined> {
  const title = 'Sign-in name domains';
  const domains = [...new Set((wanted ?? []).map((d) => d.trim().toLowerCase()).filter((d) => d !== ''))].sort();
  if (domains.length === 0) return undefined;
  const notChecked = (why: string): PreflightCheck => ({
    id: 'domains',
    title,
    status: 'warn',
    permission: DOMAIN_READ,
    sentence: `Not checked: ${why}; a sign-in name in a domain the tenant has not verified (${domains.slice(0, 3).join(', ')}${domains.length > 3 ? ', …' : ''}) fails in the provisioning logs. Grant ${DOMAIN_READ} (${grantAdvice(perms, DOMAIN_READ)}) to have it checked before sending.`,
  });
  // Asking without the permission would only earn a 403: say what is missing instead.
  if (perms && !holds(perms, DOMAIN_READ, 'Directory.Read.All', 'Directory.ReadWrite.All')) return notChecked(`reading the tenant's domains needs ${DOMAIN_READ}`);
  let verified: Set<string>;
  try {
    verified = new Set((await client.listDomains(signal.signal)).filter((d) => d.isVerified !== false).map((d) => d.id.toLowerCase()));
  } catch (error) {
    return isForbidden(error) ? notChecked(`reading the tenant's domains needs ${DOMAIN_READ}`) : notChecked(`the tenant's domains could not be read (${reasonOf(error)})`);
  }
  const unverified = domains.filter((d) => !verified.has(d));
  if (unverified.length > 0) {
    return {
      id: 'domains',
      title,
      status: 'fail',
      sentence: `The tenant has not verified ${unverified.join(', ')}, so Entra would fail every user whose sign-in name ends in ${unverified.length === 1 ? 'it' : 'them'}: correct the sign-in names in the file or the mapping, or verify the domain in the Entra admin center (Custom domain names). Verified: ${[...verified].sort().join(', ') || 'none'}.`,
    };
  }
  return { id: 'domains', title, status: 'pass', sentence: `Every sign-in name is in a domain the tenant has verified (${domains.join(', ')}).` };
}

async function quotaCheck(client: GraphClient, options: PreflightOptions): Promise<PreflightCheck> {
  const title = 'Daily call budget';
  const ledger = options.ledger ?? client.ledger;
  const limit = options.dailyQuota ?? DAILY_QUOTAS.p1p2;
  const needed = options.callsNeeded;
  if (!ledger) {
    return { id: 'quota', title, status: 'warn', sentence: `Not checked: no data folder keeps count of the calls sent; Entra allows ${limit} bulkUpload calls per tenant per 24 hours and answers 429 beyond.` };
  }
  let status;
  try {
    status = await ledger.quotaStatus(options.tenantId ?? client.credential.tenantId, limit);
  } catch (error) {
    return { id: 'quota', title, status: 'warn', sentence: `Not checked: ${reasonOf(error)}` };
  }
  const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;
  const usage = `${status.used} used in the last 24 hours from this computer; calls from elsewhere are not counted`;
  if (needed === undefined) {
    const wait = status.remaining > 0 ? '' : ` Wait until ${status.nextReleaseAt ?? 'the oldest call is a day old'} before uploading.`;
    return { id: 'quota', title, status: status.remaining > 0 ? 'pass' : 'fail', sentence: `${status.remaining} of the tenant's ${limit} daily bulkUpload calls remain (${usage}).${wait}` };
  }
  if (needed > status.remaining) {
    const when = status.nextReleaseAt ? ` Calls start freeing up at ${status.nextReleaseAt}.` : '';
    const tooBig = needed > limit ? " The upload is larger than a whole day's quota, so it will take more than one day." : '';
    return {
      id: 'quota',
      title,
      status: 'fail',
      sentence: `This upload needs ${calls(needed)} but only ${status.remaining} of the tenant's ${limit} daily calls remain (${usage}).${when}${tooBig} Upload later, or send anyway with --allow-over-quota and resume the run when Entra answers 429.`,
    };
  }
  return { id: 'quota', title, status: 'pass', sentence: `This upload needs ${calls(needed)}; ${status.remaining} of the tenant's ${limit} daily calls remain (${usage}).` };
}
