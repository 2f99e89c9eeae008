import { codeForStatus, headerValue, parseJson, type Ctx } from './http';
import type { Host } from './host';
import { formatRetryAfter } from './limits';
import { validateBulkRequest } from './validate';

/** Retry-After (seconds, HTTP) and retry-after-ms for a documented delay, run faster by timeScale. */
export function retryHeaders(host: Host, unscaledMs: number): Record<string, string> {
  const ms = host.scaled(unscaledMs);
  return { 'Retry-After': formatRetryAfter(ms, host.settings.timeScale), 'retry-after-ms': String(Math.max(1, Math.ceil(ms))) };
}

/**
 * Faults injected before the call is admitted (so an injected 5xx or reset costs no quota, as an outage in front
 * of the service would not). Returns true when the call has been answered (or its socket destroyed).
 */
async function injectFault(host: Host, ctx: Ctx): Promise<boolean> {
  const { faults, replies } = host;
  if (faults.failNextCalls && faults.failNextCalls.count > 0) {
    faults.failNextCalls.count -= 1;
    const status = faults.failNextCalls.status;
    const retry: Record<string, string> = status === 429 || status === 503 ? retryHeaders(host, 1000) : {};
    await replies.graphError(ctx, status, codeForStatus(status), `Injected fault: this call is answered ${status}.`, retry);
    return true;
  }
  if (faults.throttleStorm && faults.throttleStorm.calls > 0) {
    faults.throttleStorm.calls -= 1;
    await replies.graphError(ctx, 429, 'TooManyRequests', 'Too many requests (throttle storm). Wait for Retry-After before sending again.', retryHeaders(host, faults.throttleStorm.retryAfterSeconds * 1000));
    return true;
  }
  if ((faults.resetRate ?? 0) > 0 && host.random() < (faults.resetRate ?? 0)) {
    // Nothing is processed and nothing answered: the client cannot know, and must not assume success.
    ctx.req.socket.destroy();
    return true;
  }
  if ((faults.serverErrorRate ?? 0) > 0 && host.random() < (faults.serverErrorRate ?? 0)) {
    const status = host.random() < 0.5 ? 500 : 503;
    await replies.graphError(
      ctx,
      status,
      status === 500 ? 'InternalServerError' : 'ServiceUnavailable',
      status === 500 ? 'Injected fault: an internal server error occurred.' : 'Injected fault: the service is temporarily unavailable.',
      status === 503 ? retryHeaders(host, 1000) : {},
    );
    return true;
  }
  return false;
}

/** POST .../jobs/{jobId}/bulkUpload, after the token and permission checks. */
export async function bulkUpload(host: Host, ctx: Ctx): Promise<void> {
  const { replies, settings } = host;
  if (await injectFault(host, ctx)) return;

  const admission = host.limiter.admit(Date.now());
  if (!admission.ok) {
    const message =
      admission.kind === 'daily'
        ? `The tenant's daily quota of ${settings.dailyQuota} bulkUpload calls in 24 hours is used up. Retry after the Retry-After delay, or upload the rest tomorrow.`
        : `Too many requests: at most ${settings.windowCalls} bulkUpload calls in any ${settings.windowMs / 1000}-second window. Wait for Retry-After before sending again.`;
    return replies.graphError(ctx, 429, 'TooManyRequests', message, retryHeaders(host, admission.retryAfterMs * settings.timeScale));
  }

  const contentType = (headerValue(ctx.req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/scim+json') {
    return replies.graphError(ctx, 400, 'BadRequest', `Invalid Data Format: Content-Type must be application/scim+json (got '${contentType || 'none'}').`);
  }
  const parsed = ctx.json ?? parseJson(ctx.body);
  if ('error' in parsed) {
    return replies.graphError(ctx, 400, 'BadRequest', `Invalid Data Format: the body is not valid JSON (${parsed.error}).`);
  }
  const validation = validateBulkRequest(parsed.value, host.schema, { allowDuplicateBulkIds: settings.allowDuplicateBulkIds });
  if (!validation.ok) {
    const [first] = validation.problems;
    // Every body error starts "Invalid Data Format", as Entra's do. Source: entra-docs inbound-provisioning-api-issues.
    const message = `Invalid Data Format: ${validation.problems.length === 1 ? (first?.message ?? '') : `${validation.problems.length} problems in the BulkRequest; the first: ${first?.message ?? ''}`}`;
    return replies.graphError(ctx, 400, 'BadRequest', message, {}, validation.problems.slice(0, 200));
  }

  if (host.pending.length >= settings.queueCapacity) {
    // "Bucket full": the job's queue takes no more until it has processed what it holds; Entra answers 500 and the
    // advice is to wait 5–10 minutes. Checked after validation so a bad body still learns what is wrong with it.
    // Source: entra-docs inbound-provisioning-api-issues.
    return replies.graphError(
      ctx,
      500,
      'InternalServerError',
      `Bucket full: the provisioning job already holds ${host.pending.length} requests it has not processed (capacity ${settings.queueCapacity}). Wait 5 to 10 minutes, then send this request again.`,
    );
  }
  // As in Entra, a job that is not running (paused, quarantined, never started) still answers 202; the request
  // waits, unprocessed and absent from the provisioning logs, until the job runs.
  const request = { operations: validation.operations, dueAt: Date.now() + host.scaled(settings.processingDelayMs), requestId: ctx.requestId };
  host.enqueue(request, ctx.record);
  // Saved before the 202: a client that reads 202 trusts the upload and never sends it again, so a sandbox killed
  // right after answering must still hold the request when it starts again (it is processed then).
  const unsaved = host.persist(true);
  if (unsaved) {
    host.pending.splice(host.pending.indexOf(request), 1);
    return replies.graphError(ctx, 500, 'InternalServerError', `The sandbox could not save this request, so it was not accepted: ${unsaved.message} Send it again.`);
  }
  // Answer first, process a moment later (Entra processes asynchronously too): an in-process client then reads
  // its 202 without waiting for 50 users to be processed. Nobody can see the difference: every look at the
  // results (users(), logs(), jobStatus(), any Graph request but a bulkUpload) processes what is due first.
  const replied = replies.graphSend(ctx, 202, undefined, { Location: `${host.baseUrl}/v1.0/auditLogs/provisioning?$filter=jobid eq '${host.jobId}'` });
  host.pumpSoon();
  return replied;
}
