import { parseLogFilter, parseOrderBy, type LogPredicate } from './filter';
import type { Ctx } from './http';
import type { Host } from './host';
import { retryHeaders } from './bulk';
import { TenantLimiter } from './limits';

/** GET /auditLogs/provisioning: `$filter`, `$orderby`, `$top` (default 50, at most 1000) and `$skiptoken` paging, newest first by default. */
export async function provisioningLogs(host: Host, ctx: Ctx, appId: string): Promise<void> {
  const { replies } = host;
  // The logs API has its own throttle, apart from bulkUpload's: 5 requests per 10 s per app per tenant.
  // Source: Graph throttling-limits ("Identity and access reports service limits", provisioningObjectSummary).
  const admission = host.logsAdmission(appId);
  if (!admission.ok) {
    const limit = host.settings.logsApiLimit;
    return replies.graphError(
      ctx,
      429,
      'TooManyRequests',
      `Too many requests to the provisioning logs: at most ${limit?.calls ?? 0} in any ${(limit?.windowMs ?? 0) / 1000}-second window per app. Wait for Retry-After before reading again.`,
      retryHeaders(host, admission.retryAfterMs * host.settings.timeScale),
    );
  }
  const params = ctx.url.searchParams;
  const filter = params.get('$filter');
  const topText = params.get('$top');
  const skipToken = params.get('$skiptoken');
  let predicate: LogPredicate = () => true;
  if (filter !== null && filter.trim() !== '') {
    try {
      predicate = parseLogFilter(filter);
    } catch (error) {
      return replies.graphError(ctx, 400, 'BadRequest', (error as Error).message);
    }
  }
  let top = 50;
  if (topText !== null) {
    if (!/^\d+$/.test(topText) || Number(topText) < 1) {
      return replies.graphError(ctx, 400, 'BadRequest', `Invalid $top '${topText}': use a whole number from 1 to 1000.`);
    }
    top = Math.min(1000, Number(topText));
  }
  let order: 'asc' | 'desc';
  try {
    order = parseOrderBy(params.get('$orderby'));
  } catch (error) {
    return replies.graphError(ctx, 400, 'BadRequest', (error as Error).message);
  }
  // The skiptoken names the last entry served (by sequence, which follows activityDateTime), so entries logged while
  // a client pages never make it see one twice or skip one.
  let bound: number | undefined;
  if (skipToken !== null) {
    const text = Buffer.from(skipToken, 'base64url').toString('utf8');
    const seq = Number(text.replace(/^a?seq:/, ''));
    if (!/^a?seq:\d+$/.test(text) || !Number.isInteger(seq) || seq < 0) return replies.graphError(ctx, 400, 'BadRequest', 'Invalid $skiptoken: use the @odata.nextLink exactly as returned.');
    bound = seq;
  }
  const matching = host.directory
    .visibleLogs(Date.now())
    .filter((l) => (bound === undefined || (order === 'desc' ? l.seq < bound : l.seq > bound)) && predicate(l.entry))
    .sort((a, b) => (order === 'desc' ? b.seq - a.seq : a.seq - b.seq));
  const page = matching.slice(0, top);
  const body: Record<string, unknown> = {
    '@odata.context': `${host.baseUrl}/v1.0/$metadata#auditLogs/provisioning`,
    value: page.map((l) => l.entry),
  };
  const last = page[page.length - 1];
  if (matching.length > top && last) {
    const query = [
      ...(filter !== null ? [`$filter=${encodeURIComponent(filter)}`] : []),
      ...(topText !== null ? [`$top=${top}`] : []),
      ...(params.get('$orderby') !== null ? [`$orderby=${encodeURIComponent(params.get('$orderby') ?? '')}`] : []),
      `$skiptoken=${Buffer.from(`${order === 'asc' ? 'aseq' : 'seq'}:${last.seq}`).toString('base64url')}`,
    ];
    body['@odata.nextLink'] = `${host.baseUrl}/v1.0/auditLogs/provisioning?${query.join('&')}`;
  }
  return replies.graphSend(ctx, 200, body);
}

/** The logs API's throttle: one sliding window per app (Graph counts it per app per tenant), scaled by timeScale. */
export class LogsThrottle {
  private readonly windows = new Map<string, TenantLimiter>();

  constructor(
    private readonly limit: { calls: number; windowMs: number } | undefined,
    private readonly timeScale: number,
  ) {}

  admit(appId: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    if (!this.limit) return { ok: true };
    let window = this.windows.get(appId);
    if (!window) {
      // No daily quota on this API: the day window is never reached.
      window = new TenantLimiter(this.limit.calls, this.limit.windowMs / this.timeScale, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      this.windows.set(appId, window);
    }
    const admission = window.admit(now);
    return admission.ok ? admission : { ok: false, retryAfterMs: admission.retryAfterMs };
  }

  clear(): void {
    this.windows.clear();
  }
}
