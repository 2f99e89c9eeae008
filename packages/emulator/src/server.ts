import { X509Certificate, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { authenticate, instanceDiscovery, isTenant, openIdConfiguration, requirePermission, tenantNotFound, tokenEndpoint } from './auth';
import { CallLedger } from './calls';
import { Directory } from './directory';
import { EmulatorError } from './errors';
import type { Host } from './host';
import { MAX_BODY_BYTES, Replies, describeCall, graphErrorBody, headerValue, parseJson, readBody, type Ctx } from './http';
import {
  NOTIFICATION_EMAIL_MISSING,
  QUARANTINE_DISABLE_AFTER_MS,
  SANDBOX_NOTIFICATION_EMAIL,
  disableAfterQuarantine,
  canNotify,
  imposeQuarantine,
  jobToGraph,
  newJob,
  notificationFor,
  recordRun,
  startJob,
  type JobRecord,
} from './job';
import { PERMISSION_SYNC_WRITE, synchronizationRoutes } from './job-routes';
import { TenantLimiter, seededRandom } from './limits';
import { LogsThrottle, provisioningLogs } from './logs-api';
import { JobSchema } from './scim';
import { checkFaults, checkJobState, checkOptions, describeSettings, type Settings } from './options';
import { loadState, saveState, type PendingRequest, type PersistedState } from './state';
import { TokenService } from './tokens';
import type {
  BulkCallRecord,
  EmulatedUser,
  Emulator,
  EmulatorOptions,
  FaultOptions,
  JobStateCode,
  NotificationSettings,
  ProvisioningLogEntry,
  SandboxSettings,
  SchemaAttribute,
  SynchronizationJob,
} from './types';
import { domainsBody } from './domains';
import { loopbackCertificate } from './loopback-certificate';
import type { FederatedSignIn } from './federation';
import { ManagedIdentityServer, type ManagedIdentityOptions } from './managed-identity';

/** Fixed sandbox identifiers, so a profile saved against the sandbox keeps working across restarts. */
export const SANDBOX_DEFAULTS = {
  tenantId: '5c1a0000-0000-4000-8000-000000000001',
  clientId: '5c1a0000-0000-4000-8000-000000000002',
  servicePrincipalId: '5c1a0000-0000-4000-8000-000000000003',
  jobId: 'API2AAD.5c1a00000000400080000000000000a1.5c1a00000000400080000000000000b2',
  notificationEmail: SANDBOX_NOTIFICATION_EMAIL,
} as const;

export const PERMISSION_UPLOAD = 'SynchronizationData-User.Upload';
/** Upload only to the jobs of service principals the app owns; accepted wherever PERMISSION_UPLOAD is. */
export const PERMISSION_UPLOAD_OWNED_BY = 'SynchronizationData-User.Upload.OwnedBy';
export const DEFAULT_PERMISSIONS = [PERMISSION_UPLOAD, 'AuditLog.Read.All', PERMISSION_SYNC_WRITE];

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Start a local Microsoft Entra ID for API-driven inbound provisioning: token endpoint, bulkUpload, job and job
 * schema, provisioning logs, served over HTTPS on 127.0.0.1 with a certificate made at start.
 * Rejects with an EmulatorError (INVALID_OPTION, CERTIFICATE_INVALID, PORT_UNAVAILABLE, STATE_UNREADABLE).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const settings = checkOptions(options);
  let certificate: X509Certificate | undefined;
  if (options.certificatePem !== undefined) {
    try {
      certificate = new X509Certificate(options.certificatePem);
    } catch (error) {
      throw new EmulatorError('CERTIFICATE_INVALID', 'certificatePem is not a PEM X.509 certificate: pass the public certificate (-----BEGIN CERTIFICATE-----), never the private key.', { cause: error });
    }
  }
  const persisted = options.stateDir !== undefined ? loadState(options.stateDir) : undefined;
  const pems = await loopbackCertificate();
  const emulator = new EmulatorServer(options, settings, certificate, persisted, pems.cert);
  await emulator.listen(pems.private, options.port ?? 0);
  if (options.managedIdentity) await emulator.listenManagedIdentity(options.managedIdentity === true ? {} : options.managedIdentity);
  return emulator;
}

class EmulatorServer implements Emulator, Host {
  baseUrl = '';
  authority = '';
  authorityMetadata = '';
  cloudDiscoveryMetadata = '';
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly caCertPem: string;

  private server: Server | undefined;
  managedIdentity: ManagedIdentityServer | undefined;
  private closed = false;
  readonly directory = new Directory();
  readonly tokens = new TokenService();
  readonly limiter: TenantLimiter;
  readonly schema: JobSchema;
  permissions: string[];
  private readonly calls = new CallLedger();
  private readonly logsThrottle: LogsThrottle;
  /** Draws the per-request log lag from its range: seeded, so a realistic run repeats. */
  private readonly lagRandom = seededRandom(0x1a9);
  faults: FaultOptions = {};
  random: () => number = seededRandom(0x5eed);
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly templateId: 'API2AAD' | 'API2AD';
  /** The API-driven job; `extraJobs` are other jobs of the same service principal. */
  job: JobRecord;
  extraJobs: JobRecord[] = [];
  /** Service-principal wide, like the secret it is stored in. */
  notification: NotificationSettings | undefined;
  /** Accepted BulkRequests waiting for the job, oldest first: processing is strictly in arrival order. */
  pending: PendingRequest[] = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private pumpSoonScheduled = false;
  private readonly quarantineTimers = new Map<string, NodeJS.Timeout>();
  private persistError: EmulatorError | undefined;
  private persistTimer: NodeJS.Timeout | undefined;
  readonly replies = new Replies(() => this.faults.latencyMs ?? 0, () => this.baseUrl);

  constructor(
    private readonly options: EmulatorOptions,
    readonly settings: Settings,
    readonly certificate: X509Certificate | undefined,
    persisted: PersistedState | undefined,
    certPem: string,
  ) {
    this.caCertPem = certPem;
    this.tenantId = options.tenantId ?? persisted?.ids.tenantId ?? SANDBOX_DEFAULTS.tenantId;
    this.clientId = options.clientId ?? persisted?.ids.clientId ?? SANDBOX_DEFAULTS.clientId;
    this.servicePrincipalId = options.servicePrincipalId ?? persisted?.ids.servicePrincipalId ?? SANDBOX_DEFAULTS.servicePrincipalId;
    this.templateId = options.templateId ?? 'API2AAD';
    this.jobId = options.jobId ?? persisted?.ids.jobId ?? SANDBOX_DEFAULTS.jobId.replace(/^API2AAD/, this.templateId);
    this.clientSecret = options.clientSecret ?? randomBytes(30).toString('base64url');
    this.permissions = [...(options.permissions ?? DEFAULT_PERMISSIONS)];
    const scale = settings.timeScale;
    this.limiter = new TenantLimiter(settings.windowCalls, settings.windowMs / scale, settings.dailyQuota, DAY_MS / scale);
    this.logsThrottle = new LogsThrottle(settings.logsApiLimit, scale);
    this.schema = new JobSchema(options.schemaAttributes ?? persisted?.schemaAttributes ?? []);
    this.job = newJob(this.jobId, this.templateId, 'notRun');
    this.configureJobs();
    if (persisted) {
      this.directory.load(persisted.directory);
      this.limiter.restore(persisted.quota, Date.now());
      this.restoreJob(persisted);
    }
    if (options.faults) this.setFaults(options.faults);
    for (const job of [this.job, ...this.extraJobs]) this.scheduleQuarantineRetry(job);
  }

  /** Jobs and notification settings as the options describe them (at start and on reset). */
  private configureJobs(): void {
    const state = this.options.jobState ?? 'active';
    this.job = newJob(this.jobId, this.templateId, 'notRun');
    this.forceState(this.job, state);
    const email = this.options.notificationEmail ?? (state === 'active' ? SANDBOX_NOTIFICATION_EMAIL : undefined);
    this.notification = email === undefined ? undefined : notificationFor(email);
    this.extraJobs = (this.options.extraJobs ?? []).map((extra, i) => {
      const job = newJob(extra.id ?? `${extra.templateId}.5c1a000000004000800000000000${String(i + 1).padStart(4, '0')}`, extra.templateId, 'notRun');
      this.forceState(job, extra.state ?? 'active');
      return job;
    });
    const ids = [this.jobId, ...this.extraJobs.map((j) => j.id)].map((id) => id.toLowerCase());
    if (new Set(ids).size !== ids.length) {
      throw new EmulatorError('INVALID_OPTION', 'extraJobs ids must differ from each other and from jobId.');
    }
  }

  /** Saved job status wins over the defaults; jobState and notificationEmail given as options win over it. */
  private restoreJob(persisted: PersistedState): void {
    if (persisted.job) {
      this.job = { ...structuredClone(persisted.job), id: this.jobId, templateId: this.templateId };
      if (this.options.notificationEmail === undefined) this.notification = persisted.notification;
    } else if (this.options.jobState === undefined) {
      // Files older than the job model knew only active/paused, and their sandbox always had an email.
      this.forceState(this.job, persisted.jobState);
      if (this.options.notificationEmail === undefined) this.notification = notificationFor(SANDBOX_NOTIFICATION_EMAIL);
    }
    if (this.options.jobState !== undefined) this.forceState(this.job, this.options.jobState);
    this.pending = structuredClone(persisted.pending ?? []);
  }

  /** Set a state without the checks a start makes (options, setJobState). */
  private forceState(job: JobRecord, code: JobStateCode, quarantineReason = 'QuarantinedOnDemand'): void {
    if (code === 'quarantine') {
      imposeQuarantine(
        job,
        quarantineReason,
        {
          code: quarantineReason,
          message: `The job was put in quarantine (${quarantineReason}) by the sandbox's operator. Fix the cause, then start the job (or restart it with resetScope QuarantineState).`,
          tenantActionable: true,
        },
        Date.now(),
        (ms) => this.scaled(ms),
      );
      return;
    }
    job.code = code;
    job.quarantine = null;
  }

  async listen(key: string, port: number): Promise<void> {
    const server = createServer({ key, cert: this.caCertPem }, (req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(new EmulatorError('PORT_UNAVAILABLE', `The emulator cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}); choose another port or leave it empty for a free one.`, { cause: error }));
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.baseUrl = `https://127.0.0.1:${address.port}`;
    this.authority = `${this.baseUrl}/${this.tenantId}`;
    this.authorityMetadata = JSON.stringify(openIdConfiguration(this));
    this.cloudDiscoveryMetadata = JSON.stringify(instanceDiscovery(this));
  }

  async listenManagedIdentity(options: ManagedIdentityOptions): Promise<void> {
    this.managedIdentity = new ManagedIdentityServer(this, options);
    await this.managedIdentity.listen();
  }

  // ── public API ────────────────────────────────────────────────────────────────────────────────────────

  get timeScale(): number {
    return this.settings.timeScale;
  }

  sandboxSettings(): SandboxSettings {
    return describeSettings(this.settings);
  }

  purgedRequests(): number {
    return this.calls.purged();
  }

  federatedSignIns(): FederatedSignIn[] {
    return this.settings.federation.accepted.map((a) => ({ ...a }));
  }

  users(): EmulatedUser[] {
    this.pump();
    return this.directory.listUsers();
  }

  logs(): ProvisioningLogEntry[] {
    this.pump();
    return this.directory.visibleLogs(Date.now()).map((l) => structuredClone(l.entry));
  }

  bulkCalls(): BulkCallRecord[] {
    return this.calls.list();
  }

  setFaults(faults: FaultOptions): void {
    checkFaults(faults);
    this.faults = structuredClone(faults);
    if (faults.seed !== undefined) this.random = seededRandom(faults.seed);
    if (faults.expireTokensNow) this.tokens.expireAll();
  }

  setPermissions(perms: string[]): void {
    if (!Array.isArray(perms) || perms.some((p) => typeof p !== 'string')) {
      throw new EmulatorError('INVALID_OPTION', 'setPermissions expects an array of permission names.');
    }
    this.permissions = [...perms];
  }

  quotaUsed(): number {
    return this.limiter.used(Date.now());
  }

  schemaAttributes(): SchemaAttribute[] {
    return this.schema.attributes();
  }

  jobStatus(): SynchronizationJob {
    this.pump();
    return jobToGraph(this.job, this.directory.userCount());
  }

  setJobState(code: JobStateCode, quarantineReason?: string): void {
    checkJobState('setJobState code', code);
    if (quarantineReason !== undefined && (typeof quarantineReason !== 'string' || quarantineReason.trim() === '')) {
      throw new EmulatorError('INVALID_OPTION', 'setJobState quarantineReason must be a non-empty string such as QuarantinedOnDemand.');
    }
    this.pump(); // what was accepted before the change of state is processed under the old one
    this.forceState(this.job, code, quarantineReason);
    this.scheduleQuarantineRetry(this.job);
    this.pump();
    this.persist();
  }

  notificationSettings(): NotificationSettings | undefined {
    return this.notification === undefined ? undefined : structuredClone(this.notification);
  }

  pendingRequests(): number {
    this.pump();
    return this.pending.length;
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pumpTimer = undefined;
    this.quarantineTimers.clear();
    this.directory.clear();
    this.calls.clear();
    this.logsThrottle.clear();
    this.limiter.clear();
    this.pending = [];
    this.configureJobs();
    for (const job of [this.job, ...this.extraJobs]) this.scheduleQuarantineRetry(job);
    this.persist();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.pump();
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.managedIdentity?.close();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.flush();
    if (this.persistError) throw this.persistError;
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Coalesce writes: a burst of changes costs one write of the state file, not one per change. `now` writes at once
   * and returns the failure: an accepted upload is on disk before its 202 goes out, so a kill never loses one.
   */
  persist(now = false): EmulatorError | undefined {
    if (this.options.stateDir === undefined) return undefined;
    if (now) {
      this.flush();
      return this.persistError;
    }
    if (this.persistTimer !== undefined) return undefined;
    this.persistTimer = setTimeout(() => this.flush(), 200);
    this.persistTimer.unref();
    return undefined;
  }

  private flush(): void {
    if (this.persistTimer !== undefined) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    const dir = this.options.stateDir;
    if (dir === undefined) return;
    try {
      saveState(dir, {
        version: 1,
        ids: { tenantId: this.tenantId, clientId: this.clientId, servicePrincipalId: this.servicePrincipalId, jobId: this.jobId },
        directory: this.directory.snapshot(),
        quota: this.limiter.timestamps(),
        schemaAttributes: this.schema.attributes(),
        jobState: this.job.code,
        job: this.job,
        ...(this.notification ? { notification: this.notification } : {}),
        pending: this.pending,
      });
      this.persistError = undefined;
    } catch (error) {
      // Requests cannot throw to anyone; close() reports the failure instead.
      this.persistError = error as EmulatorError;
    }
  }

  scaled(ms: number): number {
    return ms / this.settings.timeScale;
  }

  private schedule(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, Math.max(0, ms));
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  /**
   * Run `pump` after the event loop has served the I/O that is ready now and the next round of it, so that a client in
   * this process reads its reply first. Later bulkUploads do not wait for it: the queue keeps their order.
   */
  pumpSoon(): void {
    if (this.pumpSoonScheduled) return;
    this.pumpSoonScheduled = true;
    setImmediate(() =>
      setImmediate(() => {
        this.pumpSoonScheduled = false;
        if (!this.closed) this.pump();
      }),
    );
  }

  /**
   * Process what is due, in order, while the job runs. An upload to a job that is not running stays queued
   * (answered 202 all the same, as Entra does) until the job is started.
   */
  pump(): void {
    if (this.pumpTimer !== undefined) {
      clearTimeout(this.pumpTimer);
      this.timers.delete(this.pumpTimer);
      this.pumpTimer = undefined;
    }
    let processed = false;
    while (this.job.code === 'active') {
      const next = this.pending[0];
      if (!next) break;
      const wait = next.dueAt - Date.now();
      if (wait > 0) {
        this.pumpTimer = this.schedule(wait, () => {
          this.pumpTimer = undefined;
          this.pump();
        });
        break;
      }
      this.pending.shift();
      const began = new Date().toISOString();
      const now = Date.now();
      const { min, max } = this.settings.logDelay;
      const outcome = this.directory.process(next.operations, {
        jobId: this.jobId,
        tenantId: this.tenantId,
        servicePrincipalId: this.servicePrincipalId,
        clientId: this.clientId,
        verifiedDomains: this.settings.verifiedDomains,
        now,
        visibleAt: now + this.scaled(min + (max - min) * this.lagRandom()),
      });
      recordRun(this.job, outcome, began, new Date().toISOString(), this.pending.length === 0);
      this.calls.settle(next, 'processed', outcome.cycleId);
      processed = true;
      if (this.settings.escrowThreshold !== undefined && outcome.escrowed >= this.settings.escrowThreshold) {
        // A cycle whose failures pass the escrow threshold quarantines the job; what is still queued waits for it.
        // Source: entra-docs application-provisioning-quarantine-status ("Why is my application in quarantine?").
        imposeQuarantine(
          this.job,
          'EncounteredEscrowProportionThreshold',
          {
            code: 'EncounteredEscrowProportionThreshold',
            message: `${outcome.escrowed} of ${outcome.imported} users of cycle ${outcome.cycleId} failed, at or above the escrow threshold of ${this.settings.escrowThreshold}. Fix the errors the provisioning logs show, then restart the job (resetScope QuarantineState, Escrows).`,
            tenantActionable: true,
          },
          Date.now(),
          (ms) => this.scaled(ms),
        );
        this.scheduleQuarantineRetry(this.job);
      }
    }
    if (processed) this.persist();
  }

  enqueue(request: PendingRequest, record: BulkCallRecord | undefined): void {
    this.pending.push(request);
    this.calls.queued(request, record);
  }

  purgePending(): number {
    const dropped = this.pending.length;
    for (const request of this.pending) this.calls.settle(request, 'purged');
    this.pending = [];
    return dropped;
  }

  logsAdmission(appId: string): { ok: true } | { ok: false; retryAfterMs: number } {
    return this.logsThrottle.admit(appId, Date.now());
  }

  /** A quarantined job is re-evaluated at nextAttempt: it runs again once a notification email is set. */
  scheduleQuarantineRetry(job: JobRecord): void {
    const existing = this.quarantineTimers.get(job.id);
    if (existing !== undefined) {
      clearTimeout(existing);
      this.timers.delete(existing);
      this.quarantineTimers.delete(job.id);
    }
    const quarantine = job.code === 'quarantine' ? job.quarantine : null;
    if (!quarantine || this.closed) return;
    const timer = this.schedule(Date.parse(quarantine.nextAttempt) - Date.now(), () => {
      this.quarantineTimers.delete(job.id);
      if (job.code !== 'quarantine' || !job.quarantine) return;
      const scale = (ms: number) => this.scaled(ms);
      const now = Date.now();
      if (now - Date.parse(job.quarantine.seriesBegan) >= scale(QUARANTINE_DISABLE_AFTER_MS)) disableAfterQuarantine(job, now);
      else if (job.quarantine.error?.code === NOTIFICATION_EMAIL_MISSING.code) startJob(job, canNotify(this.notification), now, scale);
      // An escrow quarantine is retried by running the job again: a cycle that fails as badly quarantines it anew.
      else if (job.quarantine.reason === 'EncounteredEscrowProportionThreshold') startJob(job, canNotify(this.notification), now, scale);
      else imposeQuarantine(job, job.quarantine.reason, job.quarantine.error ?? NOTIFICATION_EMAIL_MISSING, now, scale);
      this.scheduleQuarantineRetry(job);
      if (job === this.job) this.pump();
      this.persist();
    });
    this.quarantineTimers.set(job.id, timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clientRequestId = headerValue(req, 'client-request-id') ?? randomUUID();
    const ctx: Ctx = { req, res, url: new URL(req.url ?? '/', 'https://127.0.0.1'), body: Buffer.alloc(0), requestId: randomUUID(), clientRequestId };
    try {
      const body = await readBody(req);
      if (body === 'too-large') {
        await this.replies.graphError(ctx, 413, 'RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send fewer operations per request.`);
        return;
      }
      ctx.body = body;
      const segments = ctx.url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
      const lower = segments.map((s) => s.toLowerCase());
      if (lower[0] === 'v1.0' || lower[0] === 'beta') {
        await this.graph(ctx, segments.slice(1));
        return;
      }
      if (lower.length === 1 && lower[0] === 'sandbox' && (req.method ?? 'GET') === 'GET') {
        // Not Graph: what the sandbox is set to, so an app can say "sandbox: time runs ×20" (no token: no secret in it).
        this.replies.send(ctx, 200, this.sandboxSettings());
        return;
      }
      if (lower.length === 2 && lower[0] === 'sandbox' && lower[1] === 'uploads' && (req.method ?? 'GET') === 'GET') {
        // Not Graph: which bulk calls (by the request-id their reply carried) were processed or purged by a restart.
        this.replies.send(ctx, 200, { purged: this.calls.purged(), value: this.bulkCalls().filter((c) => c.processing !== undefined) });
        return;
      }
      if (lower.join('/') === 'common/discovery/instance') {
        this.replies.send(ctx, 200, instanceDiscovery(this));
        return;
      }
      const rest = lower.slice(1).join('/');
      if (segments[0] !== undefined && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
        if (!isTenant(this, segments[0])) {
          this.replies.aadError(ctx, 400, 'invalid_tenant', 90002, tenantNotFound(this, segments[0]));
          return;
        }
        this.replies.send(ctx, 200, openIdConfiguration(this));
        return;
      }
      if (segments[0] !== undefined && rest === 'oauth2/v2.0/token') {
        await tokenEndpoint(this, ctx, segments[0]);
        return;
      }
      this.replies.send(ctx, 404, { error: { code: 'NotFound', message: `Nothing is served at ${ctx.url.pathname}.` } });
    } catch (error) {
      // A bug in the emulator must not crash the test run or leak a stack to the client.
      if (!res.headersSent && !res.destroyed) {
        this.replies.send(ctx, 500, graphErrorBody(ctx, 'InternalServerError', `The emulator failed: ${(error as Error).message}`));
      }
    }
  }

  /** Graph: the provisioning logs, and everything under /servicePrincipals/{id}/synchronization. */
  private async graph(ctx: Ctx, segments: string[]): Promise<void> {
    const lower = segments.map((s) => s.toLowerCase());
    const method = ctx.req.method ?? 'GET';
    const isJobs = lower[0] === 'serviceprincipals' && lower[2] === 'synchronization' && lower[3] === 'jobs';
    const isBulk = isJobs && lower[5] === 'bulkupload' && lower.length === 6;
    // Whatever reads or changes the job or its results sees every request accepted before it processed (see pumpSoon).
    if (!isBulk) this.pump();
    if (isBulk) {
      // Parsed once here for the call record and reused by bulkUpload: a 50-user body is worth parsing only once.
      ctx.json = parseJson(ctx.body);
      ctx.record = { at: Date.now(), status: 0, ...describeCall(ctx.json), requestId: ctx.requestId };
      this.calls.add(ctx.record);
    }
    const claims = await authenticate(this, ctx);
    if (!claims) return;
    // Graph's order for bulkUpload: token, then permission, then whether the service principal and job exist.
    // The .OwnedBy variant (the app may upload only to jobs it owns) is accepted in its place. Source: entra-docs
    // inbound-provisioning-api-grant-access and Graph synchronization-synchronizationjob-post-bulkupload (Permissions).
    if (isBulk) {
      if (method !== 'POST') return this.replies.methodNotAllowed(ctx);
      if (!(await requirePermission(this, ctx, claims, [PERMISSION_UPLOAD, PERMISSION_UPLOAD_OWNED_BY]))) return;
    }
    if (lower.length === 2 && lower[0] === 'auditlogs' && lower[1] === 'provisioning') {
      if (method !== 'GET') return this.replies.methodNotAllowed(ctx);
      if (!(await requirePermission(this, ctx, claims, ['AuditLog.Read.All', 'ProvisioningLog.Read.All']))) return;
      return provisioningLogs(this, ctx, claims.appid);
    }
    if (lower.length === 1 && lower[0] === 'domains') {
      if (method !== 'GET') return this.replies.methodNotAllowed(ctx);
      if (!(await requirePermission(this, ctx, claims, ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All']))) return;
      return this.replies.graphSend(ctx, 200, domainsBody(this.baseUrl, this.settings.verifiedDomains));
    }
    if (lower[0] === 'serviceprincipals' && lower[2] === 'synchronization' && segments[1] !== undefined) {
      return synchronizationRoutes(this, ctx, segments, claims);
    }
    return this.replies.notFound(ctx, segments);
  }
}
