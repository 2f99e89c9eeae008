import type { X509Certificate } from 'node:crypto';
import type { Directory } from './directory';
import type { EmulatorError } from './errors';
import type { Replies } from './http';
import type { JobRecord } from './job';
import type { TenantLimiter } from './limits';
import type { Settings } from './options';
import type { JobSchema } from './scim';
import type { PendingRequest } from './state';
import type { TokenService } from './tokens';
import type { BulkCallRecord, FaultOptions, NotificationSettings } from './types';

/**
 * What the route modules (auth, bulk, logs-api, job-routes) may read and change of the running emulator. The
 * server implements it; the routes never see the server class, so each can be read (and tested) on its own.
 */
export interface Host {
  readonly baseUrl: string;
  readonly authority: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly templateId: 'API2AAD' | 'API2AD';
  readonly settings: Settings;
  readonly certificate: X509Certificate | undefined;
  readonly tokens: TokenService;
  readonly replies: Replies;
  readonly limiter: TenantLimiter;
  readonly schema: JobSchema;
  readonly directory: Directory;
  permissions: string[];
  faults: FaultOptions;
  random: () => number;
  /** Accepted BulkRequests waiting for the job, oldest first. */
  pending: PendingRequest[];
  notification: NotificationSettings | undefined;
  /** The API-driven job. */
  job: JobRecord;
  extraJobs: JobRecord[];
  /** A documented duration, run faster by timeScale. */
  scaled(ms: number): number;
  /** Save the state soon (coalesced), or at once with `now`, returning why the write failed. */
  persist(now?: boolean): EmulatorError | undefined;
  /** Process what is due now. */
  pump(): void;
  /** Process after the reply now being written has gone out. */
  pumpSoon(): void;
  scheduleQuarantineRetry(job: JobRecord): void;
  /** Queue an accepted request, recording it as `queued` on its call record. */
  enqueue(request: PendingRequest, record: BulkCallRecord | undefined): void;
  /** Drop every queued request unprocessed (a restart of a job not running); returns how many. */
  purgePending(): number;
  /** Count one provisioning-logs read of `appId` against the logs API's own throttle. */
  logsAdmission(appId: string): { ok: true } | { ok: false; retryAfterMs: number };
}
