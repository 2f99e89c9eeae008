import { requirePermission } from './auth';
import { bulkUpload } from './bulk';
import type { Ctx } from './http';
import type { Host } from './host';
import { canNotify, jobToGraph, parseRestartBody, parseSecretsBody, recordFullReset, startJob, type JobRecord } from './job';
import { parseSchemaBody } from './scim';
import type { AccessClaims } from './tokens';

export const PERMISSION_SYNC_WRITE = 'Synchronization.ReadWrite.All';
const PERMISSION_SYNC_READ = ['Synchronization.Read.All', PERMISSION_SYNC_WRITE];

/**
 * Everything under /servicePrincipals/{id}/synchronization: secrets, the job list, one job, its start/pause/restart,
 * its schema and bulkUpload. The token is checked; each route checks its own permission (bulkUpload's was checked
 * before, in Graph's order).
 */
export async function synchronizationRoutes(host: Host, ctx: Ctx, segments: string[], claims: AccessClaims): Promise<void> {
  const { replies } = host;
  const lower = segments.map((s) => s.toLowerCase());
  const method = ctx.req.method ?? 'GET';
  const spId = segments[1] ?? '';
  if (spId.toLowerCase() !== host.servicePrincipalId.toLowerCase()) {
    return replies.graphError(ctx, 404, 'Request_ResourceNotFound', `Resource '${spId}' does not exist or one of its queried reference-property objects are not present. Check the servicePrincipalId (this sandbox's is ${host.servicePrincipalId}).`);
  }
  if (lower.length === 4 && lower[3] === 'secrets') {
    if (method !== 'PUT') {
      return replies.graphError(ctx, 405, 'Request_BadRequest', `The method ${method} is not allowed on ${ctx.url.pathname}: synchronization secrets are write-only (PUT); they cannot be read back.`);
    }
    if (!(await requirePermission(host, ctx, claims, [PERMISSION_SYNC_WRITE]))) return;
    return putSecrets(host, ctx);
  }
  if (lower[3] !== 'jobs') return replies.notFound(ctx, segments);
  if (lower.length === 4) {
    if (method !== 'GET') return replies.methodNotAllowed(ctx);
    if (!(await requirePermission(host, ctx, claims, PERMISSION_SYNC_READ))) return;
    const users = host.directory.userCount();
    return replies.graphSend(ctx, 200, {
      '@odata.context': `${host.baseUrl}/v1.0/$metadata#servicePrincipals('${host.servicePrincipalId}')/synchronization/jobs`,
      value: [host.job, ...host.extraJobs].map((job) => jobToGraph(job, job === host.job ? users : 0)),
    });
  }
  const jobSegment = segments[4] ?? '';
  const job = [host.job, ...host.extraJobs].find((j) => j.id.toLowerCase() === jobSegment.toLowerCase());
  if (!job) {
    return replies.graphError(ctx, 404, 'Request_ResourceNotFound', `The synchronization job '${jobSegment}' does not exist on service principal ${host.servicePrincipalId}. Check the jobId (this sandbox's API-driven job is ${host.jobId}).`);
  }
  const action = lower[5];
  if (lower.length === 5) {
    if (method !== 'GET') return replies.methodNotAllowed(ctx);
    if (!(await requirePermission(host, ctx, claims, PERMISSION_SYNC_READ))) return;
    return replies.graphSend(ctx, 200, jobToGraph(job, job === host.job ? host.directory.userCount() : 0));
  }
  if (lower.length === 6 && (action === 'pause' || action === 'start' || action === 'restart')) {
    if (method !== 'POST') return replies.methodNotAllowed(ctx);
    if (!(await requirePermission(host, ctx, claims, [PERMISSION_SYNC_WRITE]))) return;
    return jobControl(host, ctx, job, action);
  }
  if (job !== host.job) {
    return replies.graphError(ctx, 400, 'BadRequest', `Job '${job.id}' (template ${job.templateId}) is not an API-driven inbound provisioning job; use the ${host.templateId} job ${host.jobId} for bulkUpload and its schema.`);
  }
  if (lower.length === 6 && action === 'bulkupload') return bulkUpload(host, ctx);
  if (lower.length === 6 && action === 'schema') {
    if (method === 'GET') {
      if (!(await requirePermission(host, ctx, claims, PERMISSION_SYNC_READ))) return;
      return replies.graphSend(ctx, 200, host.schema.toGraph(host.jobId));
    }
    if (method === 'PUT') {
      if (!(await requirePermission(host, ctx, claims, [PERMISSION_SYNC_WRITE]))) return;
      return putSchema(host, ctx);
    }
    return replies.methodNotAllowed(ctx);
  }
  return replies.notFound(ctx, segments);
}

async function putSchema(host: Host, ctx: Ctx): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(ctx.body.toString('utf8'));
  } catch {
    return host.replies.graphError(ctx, 400, 'BadRequest', 'The schema body is not valid JSON.');
  }
  const parsed = parseSchemaBody(body);
  if ('problems' in parsed) {
    return host.replies.graphError(ctx, 400, 'BadRequest', parsed.problems.join(' '), {}, parsed.problems.map((message) => ({ code: 'InvalidSchema', message, target: 'directories' })));
  }
  host.schema.replace(parsed.attributes);
  host.persist();
  return host.replies.graphSend(ctx, 204);
}

async function putSecrets(host: Host, ctx: Ctx): Promise<void> {
  const parsed = parseSecretsBody(ctx.body.toString('utf8'));
  if ('problems' in parsed) {
    const [first] = parsed.problems;
    const message = parsed.problems.length === 1 ? (first?.message ?? '') : `${parsed.problems.length} problems in the secrets body; the first: ${first?.message ?? ''}`;
    return host.replies.graphError(ctx, 400, 'BadRequest', message, {}, parsed.problems.map((p) => ({ code: 'InvalidSecret', target: p.target, message: p.message })));
  }
  // A PUT without SyncNotificationSettings updates other credentials and leaves the notification alone.
  if (parsed.notification) host.notification = parsed.notification;
  host.persist();
  return host.replies.graphSend(ctx, 204);
}

/**
 * start/pause/restart. Starting re-evaluates a quarantine: without a notification email the job goes (back)
 * into quarantine. A restart lifts the quarantine first when its scope has QuarantineState (a new series), and a
 * Full reset drops what the job holds: its users and the requests still queued. The client asks for confirmation.
 */
async function jobControl(host: Host, ctx: Ctx, job: JobRecord, action: 'pause' | 'start' | 'restart'): Promise<void> {
  const now = Date.now();
  if (action === 'pause') {
    job.code = 'paused';
    job.quarantine = null;
  } else {
    if (action === 'restart') {
      const parsed = parseRestartBody(ctx.body.toString('utf8'));
      if ('problem' in parsed) return host.replies.graphError(ctx, 400, 'BadRequest', parsed.problem, {}, [{ code: 'InvalidResetScope', target: 'criteria.resetScope', message: parsed.problem }]);
      if (job === host.job && (parsed.scopes.has('Full') || job.code !== 'active')) {
        // FAQ "How does restart provisioning work?": when the job is not running, the data uploaded before the
        // restart is purged and only new uploads are processed. When it is running, the current cycle finishes on
        // the staged data first: here everything due was processed before this request was routed (pump), and what
        // still waits out processingDelayMs is that staged data, so it stays. A Full reset drops the queue either way.
        // Source: entra-docs inbound-provisioning-api-faqs.
        host.purgePending();
      }
      if (parsed.scopes.has('Full')) {
        if (job === host.job) host.directory.forgetUsers();
        recordFullReset(job, new Date(now).toISOString());
      }
      if (parsed.scopes.has('QuarantineState') && job.code === 'quarantine') {
        job.code = 'paused';
        job.quarantine = null;
      }
      if (parsed.scopes.has('Escrows')) job.countSuccessiveCompleteFailures = 0;
    }
    startJob(job, canNotify(host.notification), now, (ms) => host.scaled(ms));
  }
  host.scheduleQuarantineRetry(job);
  if (job === host.job) host.pump();
  host.persist();
  return host.replies.graphSend(ctx, 204);
}
