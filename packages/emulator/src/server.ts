import { X509Certificate, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { Directory } from './directory';
import { EmulatorError } from './errors';
import { parseLogFilter, type LogPredicate } from './filter';
import {
  NOTIFICATION_EMAIL_MISSING,
  SANDBOX_NOTIFICATION_EMAIL,
  canNotify,
  imposeQuarantine,
  jobToGraph,
  newJob,
  parseRecipients,
  parseRestartBody,
  parseSecretsBody,
  recordFullReset,
  recordRun,
  startJob,
  type JobRecord,
} from './job';
import { TenantLimiter, formatRetryAfter, seededRandom } from './limits';
import { JobSchema, isRecord, parseSchemaBody } from './scim';
import { checkFaults, checkJobState, checkOptions, type Settings } from './options';
import { loadState, saveState, type PendingRequest, type PersistedState } from './state';
import { TokenService, verifyClientAssertion, type AccessClaims } from './tokens';
import type {
  BulkCallRecord,
  EmulatedUser,
  Emulator,
  EmulatorOptions,
  FaultOptions,
  JobStateCode,
  NotificationSettings,
  ProvisioningLogEntry,
  SchemaAttribute,
  SynchronizationJob,
} from './types';
import { validateBulkRequest } from './validate';

/** Fixed sandbox identifiers, so a profile saved against the sandbox keeps working across restarts. */
export const SANDBOX_DEFAULTS = {
  tenantId: '5c1a0000-0000-4000-8000-000000000001',
  clientId: '5c1a0000-0000-4000-8000-000000000002',
  servicePrincipalId: '5c1a0000-0000-4000-8000-000000000003',
  jobId: 'API2AAD.5c1a00000000400080000000000000a1.5c1a00000000400080000000000000b2',
  notificationEmail: SANDBOX_NOTIFICATION_EMAIL,
} as const;

/** Entra's default accidental-deletions threshold, used when the notification email comes from the options. */
const DEFAULT_DELETE_THRESHOLD = 500;
const PERMISSION_SYNC_WRITE = 'Synchronization.ReadWrite.All';

export const PERMISSION_UPLOAD = 'SynchronizationData-User.Upload';
export const DEFAULT_PERMISSIONS = [PERMISSION_UPLOAD, 'AuditLog.Read.All', 'Synchronization.ReadWrite.All'];

const GRAPH_RESOURCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';


interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
  requestId: string;
  clientRequestId: string;
  record?: BulkCallRecord;
  /** The body of a bulkUpload, parsed once. */
  json?: ParsedBody;
}

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
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  const emulator = new EmulatorServer(options, settings, certificate, persisted, pems.cert);
  await emulator.listen(pems.private, options.port ?? 0);
  return emulator;
}

class EmulatorServer implements Emulator {
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
  private closed = false;
  private readonly directory = new Directory();
  private readonly tokens = new TokenService();
  private readonly limiter: TenantLimiter;
  private readonly schema: JobSchema;
  private permissions: string[];
  private calls: BulkCallRecord[] = [];
  private faults: FaultOptions = {};
  private random: () => number = seededRandom(0x5eed);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly templateId: 'API2AAD' | 'API2AD';
  /** The API-driven job; `extraJobs` are other jobs of the same service principal. */
  private job: JobRecord;
  private extraJobs: JobRecord[] = [];
  /** Service-principal wide, like the secret it is stored in. */
  private notification: NotificationSettings | undefined;
  /** Accepted BulkRequests waiting for the job, oldest first: processing is strictly in arrival order. */
  private pending: PendingRequest[] = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private pumpSoonScheduled = false;
  private readonly quarantineTimers = new Map<string, NodeJS.Timeout>();
  private persistError: EmulatorError | undefined;
  private persistTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: EmulatorOptions,
    private readonly settings: Settings,
    private readonly certificate: X509Certificate | undefined,
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
    this.authorityMetadata = JSON.stringify(this.openIdConfiguration());
    this.cloudDiscoveryMetadata = JSON.stringify(this.instanceDiscovery());
  }

  // ── public API ────────────────────────────────────────────────────────────────────────────────────────

  users(): EmulatedUser[] {
    this.pump();
    return this.directory.listUsers();
  }

  logs(): ProvisioningLogEntry[] {
    this.pump();
    return this.directory.visibleLogs(Date.now()).map((l) => structuredClone(l.entry));
  }

  bulkCalls(): BulkCallRecord[] {
    return this.calls.map((c) => ({ ...c, bulkIds: [...c.bulkIds] }));
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
    this.calls = [];
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

  /** Coalesce writes: a burst of uploads costs one write of the state file, not one per request. */
  private persist(): void {
    if (this.options.stateDir === undefined || this.persistTimer !== undefined) return;
    this.persistTimer = setTimeout(() => this.flush(), 200);
    this.persistTimer.unref();
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

  private scaled(ms: number): number {
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
  private pumpSoon(): void {
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
  private pump(): void {
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
      const outcome = this.directory.process(next.operations, {
        jobId: this.jobId,
        servicePrincipalId: this.servicePrincipalId,
        now,
        visibleAt: now + this.scaled(this.settings.logDelayMs),
      });
      recordRun(this.job, outcome, began, new Date().toISOString(), this.pending.length === 0);
      processed = true;
    }
    if (processed) this.persist();
  }

  /** A quarantined job is re-evaluated at nextAttempt: it runs again once a notification email is set. */
  private scheduleQuarantineRetry(job: JobRecord): void {
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
      if (job.quarantine.error?.code === NOTIFICATION_EMAIL_MISSING.code) startJob(job, canNotify(this.notification), Date.now(), scale);
      else imposeQuarantine(job, job.quarantine.reason, job.quarantine.error ?? NOTIFICATION_EMAIL_MISSING, Date.now(), scale);
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
        await this.graphError(ctx, 413, 'RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send fewer operations per request.`);
        return;
      }
      ctx.body = body;
      const segments = ctx.url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
      const lower = segments.map((s) => s.toLowerCase());
      if (lower[0] === 'v1.0' || lower[0] === 'beta') {
        await this.graph(ctx, segments.slice(1));
        return;
      }
      if (lower.join('/') === 'common/discovery/instance') {
        this.send(ctx, 200, this.instanceDiscovery());
        return;
      }
      const rest = lower.slice(1).join('/');
      if (segments[0] !== undefined && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
        if (!this.isTenant(segments[0])) {
          this.aadError(ctx, 400, 'invalid_tenant', 90002, this.tenantNotFound(segments[0]));
          return;
        }
        this.send(ctx, 200, this.openIdConfiguration());
        return;
      }
      if (segments[0] !== undefined && rest === 'oauth2/v2.0/token') {
        await this.token(ctx, segments[0]);
        return;
      }
      this.send(ctx, 404, { error: { code: 'NotFound', message: `Nothing is served at ${ctx.url.pathname}.` } });
    } catch (error) {
      // A bug in the emulator must not crash the test run or leak a stack to the client.
      if (!res.headersSent && !res.destroyed) {
        this.send(ctx, 500, graphErrorBody(ctx, 'InternalServerError', `The emulator failed: ${(error as Error).message}`));
      }
    }
  }

  private send(ctx: Ctx, status: number, body?: unknown, headers: Record<string, string> = {}, contentType = 'application/json; charset=utf-8'): void {
    if (ctx.record) ctx.record.status = status;
    if (ctx.res.destroyed) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    ctx.res.writeHead(status, {
      'request-id': ctx.requestId,
      'client-request-id': ctx.clientRequestId,
      'Cache-Control': 'no-store, no-cache',
      ...(body === undefined ? {} : { 'Content-Type': contentType }),
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    ctx.res.end(text);
  }

  /** Graph replies carry the fault latency. */
  private async graphSend(ctx: Ctx, status: number, body?: unknown, headers: Record<string, string> = {}): Promise<void> {
    const latency = this.faults.latencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    this.send(ctx, status, body, headers, GRAPH_JSON);
  }

  private async graphError(ctx: Ctx, status: number, code: string, message: string, headers: Record<string, string> = {}, details?: unknown[]): Promise<void> {
    await this.graphSend(ctx, status, graphErrorBody(ctx, code, message, details), headers);
  }

  private aadError(ctx: Ctx, status: number, error: string, aadsts: number, description: string): void {
    const now = new Date();
    const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    this.send(ctx, status, {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${ctx.requestId} Correlation ID: ${ctx.clientRequestId} Timestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: ctx.requestId,
      correlation_id: ctx.clientRequestId,
      error_uri: `${this.baseUrl}/error?code=${aadsts}`,
    });
  }

  private isTenant(segment: string): boolean {
    return segment.toLowerCase() === this.tenantId.toLowerCase();
  }

  private tenantNotFound(segment: string): string {
    return `Tenant '${segment}' not found. Check the tenant ID and that you are signing in to the right cloud (this sandbox's tenant is ${this.tenantId}).`;
  }

  private openIdConfiguration(): Record<string, unknown> {
    return {
      token_endpoint: `${this.authority}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${this.authority}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${this.authority}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${this.authority}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${this.authority}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${this.authority}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'scimport.sandbox',
      msgraph_host: new URL(this.baseUrl).host,
    };
  }

  private instanceDiscovery(): Record<string, unknown> {
    const host = new URL(this.baseUrl).host;
    return {
      tenant_discovery_endpoint: `${this.authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host, host.replace('127.0.0.1', 'localhost')] }],
    };
  }

  private acceptedAudiences(): string[] {
    const local = this.baseUrl;
    return [local, local.replace('127.0.0.1', 'localhost'), ...GRAPH_RESOURCES];
  }

  // ── token endpoint ────────────────────────────────────────────────────────────────────────────────────

  private async token(ctx: Ctx, tenantSegment: string): Promise<void> {
    if (ctx.req.method !== 'POST') {
      this.aadError(ctx, 405, 'invalid_request', 900561, 'The token endpoint only accepts POST requests.');
      return;
    }
    if (!this.isTenant(tenantSegment)) {
      this.aadError(ctx, 400, 'invalid_request', 90002, this.tenantNotFound(tenantSegment));
      return;
    }
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const basic = /^Basic\s+(.+)$/i.exec(headerValue(ctx.req, 'authorization') ?? '');
    let basicId: string | undefined;
    let basicSecret: string | undefined;
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const cut = decoded.indexOf(':');
      basicId = decodeURIComponent(decoded.slice(0, cut));
      basicSecret = decodeURIComponent(decoded.slice(cut + 1));
    }
    const grantType = form.get('grant_type');
    if (!grantType) {
      this.aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
      return;
    }
    if (grantType !== 'client_credentials') {
      this.aadError(ctx, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'; the sandbox supports client_credentials.`);
      return;
    }
    const clientId = form.get('client_id') ?? basicId;
    if (!clientId) {
      this.aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
      return;
    }
    if (clientId.toLowerCase() !== this.clientId.toLowerCase()) {
      this.aadError(ctx, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'. Check the client (application) ID of the app registration.`);
      return;
    }
    const assertionType = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    const secret = form.get('client_secret') ?? basicSecret;
    const tokenEndpoint = `${this.authority}/oauth2/v2.0/token`;
    if (assertion !== null || assertionType !== null) {
      if (assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !assertion) {
        this.aadError(ctx, 400, 'invalid_request', 90014, "client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' together with a client_assertion.");
        return;
      }
      const check = await verifyClientAssertion(assertion, {
        certificate: this.certificate,
        clientId: this.clientId,
        audiences: [tokenEndpoint, tokenEndpoint.replace('127.0.0.1', 'localhost')],
        now: Date.now(),
      });
      if (!check.ok) {
        this.aadError(ctx, 401, 'invalid_client', check.aadsts, check.description);
        return;
      }
    } else if (secret !== undefined && secret !== null) {
      if (!sameSecret(secret, this.clientSecret)) {
        this.aadError(ctx, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.clientId}'.`);
        return;
      }
    } else {
      this.aadError(ctx, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      return;
    }
    const scopeText = form.get('scope');
    if (!scopeText) {
      this.aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
      return;
    }
    const scopes = scopeText.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
    const scope = scopes[0];
    if (scopes.length !== 1 || scope === undefined || !scope.endsWith('/.default')) {
      this.aadError(ctx, 400, 'invalid_scope', 1002012, `The provided value for scope '${scopeText}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier, here ${this.baseUrl}/.default.`);
      return;
    }
    const resource = scope.slice(0, -'/.default'.length).replace(/\/+$/, '');
    if (!this.acceptedAudiences().some((a) => a.toLowerCase() === resource.toLowerCase())) {
      this.aadError(ctx, 400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${this.tenantId}. Use the scope ${this.baseUrl}/.default.`);
      return;
    }
    const lifetimeMs = this.scaled(this.settings.tokenLifetimeSec * 1000);
    const accessToken = await this.tokens.issue({
      tenantId: this.tenantId,
      clientId: this.clientId,
      audience: resource,
      roles: this.permissions,
      issuer: `https://sts.windows.net/${this.tenantId}/`,
      lifetimeMs,
      now: Date.now(),
    });
    const expiresIn = Math.max(1, Math.floor(lifetimeMs / 1000));
    this.send(ctx, 200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken }, { Pragma: 'no-cache' });
  }

  // ── Graph ─────────────────────────────────────────────────────────────────────────────────────────────

  private async graph(ctx: Ctx, segments: string[]): Promise<void> {
    const lower = segments.map((s) => s.toLowerCase());
    const method = ctx.req.method ?? 'GET';
    const isJobs = lower[0] === 'serviceprincipals' && lower[2] === 'synchronization' && lower[3] === 'jobs';
    const action = isJobs ? lower[5] : undefined;
    const isBulk = isJobs && action === 'bulkupload' && lower.length === 6;
    // Whatever reads or changes the job or its results sees every request accepted before it processed (see pumpSoon).
    if (!isBulk) this.pump();
    if (isBulk) {
      // Parsed once here for the call record and reused by bulkUpload: a 50-user body is worth parsing only once.
      ctx.json = parseJson(ctx.body);
      ctx.record = { at: Date.now(), status: 0, ...describeCall(ctx.json) };
      this.calls.push(ctx.record);
    }
    const claims = await this.authenticate(ctx);
    if (!claims) return;
    // Graph's order for bulkUpload: token, then permission, then whether the service principal and job exist.
    if (isBulk) {
      if (method !== 'POST') return this.methodNotAllowed(ctx);
      if (!(await this.requirePermission(ctx, claims, [PERMISSION_UPLOAD]))) return;
    }

    if (lower.length === 2 && lower[0] === 'auditlogs' && lower[1] === 'provisioning') {
      if (method !== 'GET') return this.methodNotAllowed(ctx);
      if (!(await this.requirePermission(ctx, claims, ['AuditLog.Read.All', 'ProvisioningLog.Read.All']))) return;
      return this.provisioningLogs(ctx);
    }
    if (lower[0] === 'serviceprincipals' && lower[2] === 'synchronization' && segments[1] !== undefined) {
      if (segments[1].toLowerCase() !== this.servicePrincipalId.toLowerCase()) {
        return this.graphError(ctx, 404, 'Request_ResourceNotFound', `Resource '${segments[1]}' does not exist or one of its queried reference-property objects are not present. Check the servicePrincipalId (this sandbox's is ${this.servicePrincipalId}).`);
      }
      if (lower.length === 4 && lower[3] === 'secrets') {
        if (method !== 'PUT') {
          return this.graphError(ctx, 405, 'Request_BadRequest', `The method ${method} is not allowed on ${ctx.url.pathname}: synchronization secrets are write-only (PUT); they cannot be read back.`);
        }
        if (!(await this.requirePermission(ctx, claims, [PERMISSION_SYNC_WRITE]))) return;
        return this.putSecrets(ctx);
      }
      if (!isJobs) return this.notFound(ctx, segments);
      const read = ['Synchronization.Read.All', PERMISSION_SYNC_WRITE];
      if (lower.length === 4) {
        if (method !== 'GET') return this.methodNotAllowed(ctx);
        if (!(await this.requirePermission(ctx, claims, read))) return;
        const users = this.directory.userCount();
        return this.graphSend(ctx, 200, {
          '@odata.context': `${this.baseUrl}/v1.0/$metadata#servicePrincipals('${this.servicePrincipalId}')/synchronization/jobs`,
          value: [this.job, ...this.extraJobs].map((job) => jobToGraph(job, job === this.job ? users : 0)),
        });
      }
      const jobSegment = segments[4] ?? '';
      const job = [this.job, ...this.extraJobs].find((j) => j.id.toLowerCase() === jobSegment.toLowerCase());
      if (!job) {
        return this.graphError(ctx, 404, 'Request_ResourceNotFound', `The synchronization job '${jobSegment}' does not exist on service principal ${this.servicePrincipalId}. Check the jobId (this sandbox's API-driven job is ${this.jobId}).`);
      }
      if (lower.length === 5) {
        if (method !== 'GET') return this.methodNotAllowed(ctx);
        if (!(await this.requirePermission(ctx, claims, read))) return;
        return this.graphSend(ctx, 200, jobToGraph(job, job === this.job ? this.directory.userCount() : 0));
      }
      if (lower.length === 6 && (action === 'pause' || action === 'start' || action === 'restart')) {
        if (method !== 'POST') return this.methodNotAllowed(ctx);
        if (!(await this.requirePermission(ctx, claims, [PERMISSION_SYNC_WRITE]))) return;
        return this.jobControl(ctx, job, action);
      }
      if (job !== this.job) {
        return this.graphError(ctx, 400, 'BadRequest', `Job '${job.id}' (template ${job.templateId}) is not an API-driven inbound provisioning job; use the ${this.templateId} job ${this.jobId} for bulkUpload and its schema.`);
      }
      if (lower.length === 6) {
        switch (action) {
          case 'bulkupload':
            return this.bulkUpload(ctx);
          case 'schema':
            if (method === 'GET') {
              if (!(await this.requirePermission(ctx, claims, read))) return;
              return this.graphSend(ctx, 200, this.schema.toGraph(this.jobId));
            }
            if (method === 'PUT') {
              if (!(await this.requirePermission(ctx, claims, [PERMISSION_SYNC_WRITE]))) return;
              return this.putSchema(ctx);
            }
            return this.methodNotAllowed(ctx);
        }
      }
    }
    return this.notFound(ctx, segments);
  }

  private notFound(ctx: Ctx, segments: string[]): Promise<void> {
    return this.graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${segments.join('/')}'.`);
  }

  private methodNotAllowed(ctx: Ctx): Promise<void> {
    return this.graphError(ctx, 405, 'Request_BadRequest', `The method ${ctx.req.method ?? ''} is not allowed on ${ctx.url.pathname}.`);
  }

  private async authenticate(ctx: Ctx): Promise<AccessClaims | undefined> {
    const header = headerValue(ctx.req, 'authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const challenge = { 'WWW-Authenticate': `Bearer realm="", authorization_uri="${this.authority}/oauth2/v2.0/authorize", client_id="00000003-0000-0000-c000-000000000000"` };
    const reject = (message: string) => this.graphError(ctx, 401, 'InvalidAuthenticationToken', message, challenge);
    if (!match?.[1]) {
      await reject('Access token is empty. Send an Authorization: Bearer <token> header.');
      return undefined;
    }
    const check = await this.tokens.verify(match[1], Date.now());
    if (!check.ok) {
      await reject(
        check.reason === 'expired'
          ? 'Access token has expired or is not yet valid. Acquire a new token.'
          : check.reason === 'signature'
            ? 'Access token validation failure. Invalid signature: the token was not issued by this tenant.'
            : 'Access token validation failure. The token is not a well-formed JWT.',
      );
      return undefined;
    }
    if (!this.acceptedAudiences().some((a) => a.toLowerCase() === check.claims.aud.toLowerCase())) {
      await reject(`Access token validation failure. Invalid audience: request the token with scope ${this.baseUrl}/.default.`);
      return undefined;
    }
    if (check.claims.tid.toLowerCase() !== this.tenantId.toLowerCase()) {
      await reject('Access token validation failure. The token belongs to another tenant.');
      return undefined;
    }
    return check.claims;
  }

  private async requirePermission(ctx: Ctx, claims: AccessClaims, anyOf: string[]): Promise<boolean> {
    if (claims.roles.some((r) => anyOf.some((p) => p.toLowerCase() === r.toLowerCase()))) return true;
    const names = anyOf.join(' or ');
    await this.graphError(
      ctx,
      403,
      'Authorization_RequestDenied',
      `Insufficient privileges to complete the operation. The app's token lacks the permission ${names}; grant it as an application permission, give admin consent, then acquire a new token.`,
    );
    return false;
  }

  private async putSchema(ctx: Ctx): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return this.graphError(ctx, 400, 'BadRequest', 'The schema body is not valid JSON.');
    }
    const parsed = parseSchemaBody(body);
    if ('problems' in parsed) {
      return this.graphError(ctx, 400, 'BadRequest', parsed.problems.join(' '), {}, parsed.problems.map((message) => ({ code: 'InvalidSchema', message, target: 'directories' })));
    }
    this.schema.replace(parsed.attributes);
    this.persist();
    return this.graphSend(ctx, 204);
  }

  private async putSecrets(ctx: Ctx): Promise<void> {
    const parsed = parseSecretsBody(ctx.body.toString('utf8'));
    if ('problems' in parsed) {
      const [first] = parsed.problems;
      const message = parsed.problems.length === 1 ? (first?.message ?? '') : `${parsed.problems.length} problems in the secrets body; the first: ${first?.message ?? ''}`;
      return this.graphError(ctx, 400, 'BadRequest', message, {}, parsed.problems.map((p) => ({ code: 'InvalidSecret', target: p.target, message: p.message })));
    }
    // A PUT without SyncNotificationSettings updates other credentials and leaves the notification alone.
    if (parsed.notification) this.notification = parsed.notification;
    this.persist();
    return this.graphSend(ctx, 204);
  }

  /**
   * start/pause/restart. Starting re-evaluates a quarantine: without a notification email the job goes (back)
   * into quarantine. A restart lifts the quarantine first when its scope has QuarantineState (a new series), and a
   * Full reset drops what the job holds: its users and the requests still queued. The client asks for confirmation.
   */
  private async jobControl(ctx: Ctx, job: JobRecord, action: 'pause' | 'start' | 'restart'): Promise<void> {
    const now = Date.now();
    if (action === 'pause') {
      job.code = 'paused';
      job.quarantine = null;
    } else {
      if (action === 'restart') {
        const parsed = parseRestartBody(ctx.body.toString('utf8'));
        if ('problem' in parsed) return this.graphError(ctx, 400, 'BadRequest', parsed.problem, {}, [{ code: 'InvalidResetScope', target: 'criteria.resetScope', message: parsed.problem }]);
        if (parsed.scopes.has('Full')) {
          if (job === this.job) {
            this.pending = [];
            this.directory.forgetUsers();
          }
          recordFullReset(job, new Date(now).toISOString());
        }
        if (parsed.scopes.has('QuarantineState') && job.code === 'quarantine') {
          job.code = 'paused';
          job.quarantine = null;
        }
        if (parsed.scopes.has('Escrows')) job.countSuccessiveCompleteFailures = 0;
      }
      startJob(job, canNotify(this.notification), now, (ms) => this.scaled(ms));
    }
    this.scheduleQuarantineRetry(job);
    if (job === this.job) this.pump();
    this.persist();
    return this.graphSend(ctx, 204);
  }

  private async bulkUpload(ctx: Ctx): Promise<void> {
    const faults = this.faults;
    if (faults.failNextCalls && faults.failNextCalls.count > 0) {
      faults.failNextCalls.count -= 1;
      const status = faults.failNextCalls.status;
      const retry: Record<string, string> = status === 429 || status === 503 ? this.retryHeaders(1000) : {};
      return this.graphError(ctx, status, codeForStatus(status), `Injected fault: this call is answered ${status}.`, retry);
    }
    if (faults.throttleStorm && faults.throttleStorm.calls > 0) {
      faults.throttleStorm.calls -= 1;
      return this.graphError(ctx, 429, 'TooManyRequests', 'Too many requests (throttle storm). Wait for Retry-After before sending again.', this.retryHeaders(faults.throttleStorm.retryAfterSeconds * 1000));
    }
    if ((faults.resetRate ?? 0) > 0 && this.random() < (faults.resetRate ?? 0)) {
      // Nothing is processed and nothing answered: the client cannot know, and must not assume success.
      ctx.req.socket.destroy();
      return;
    }
    if ((faults.serverErrorRate ?? 0) > 0 && this.random() < (faults.serverErrorRate ?? 0)) {
      const status = this.random() < 0.5 ? 500 : 503;
      return this.graphError(
        ctx,
        status,
        status === 500 ? 'InternalServerError' : 'ServiceUnavailable',
        status === 500 ? 'Injected fault: an internal server error occurred.' : 'Injected fault: the service is temporarily unavailable.',
        status === 503 ? this.retryHeaders(1000) : {},
      );
    }

    const admission = this.limiter.admit(Date.now());
    if (!admission.ok) {
      const message =
        admission.kind === 'daily'
          ? `The tenant's daily quota of ${this.settings.dailyQuota} bulkUpload calls in 24 hours is used up. Retry after the Retry-After delay, or upload the rest tomorrow.`
          : `Too many requests: at most ${this.settings.windowCalls} bulkUpload calls in any ${this.settings.windowMs / 1000}-second window. Wait for Retry-After before sending again.`;
      return this.graphError(ctx, 429, 'TooManyRequests', message, this.retryHeaders(admission.retryAfterMs * this.settings.timeScale));
    }

    const contentType = (headerValue(ctx.req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/scim+json') {
      return this.graphError(ctx, 400, 'BadRequest', `Invalid Data Format: Content-Type must be application/scim+json (got '${contentType || 'none'}').`);
    }
    const parsed = ctx.json ?? parseJson(ctx.body);
    if ('error' in parsed) {
      return this.graphError(ctx, 400, 'BadRequest', `Invalid Data Format: the body is not valid JSON (${parsed.error}).`);
    }
    const validation = validateBulkRequest(parsed.value, this.schema);
    if (!validation.ok) {
      const [first] = validation.problems;
      const message = validation.problems.length === 1 ? (first?.message ?? '') : `${validation.problems.length} problems in the BulkRequest; the first: ${first?.message ?? ''}`;
      return this.graphError(ctx, 400, 'BadRequest', message, {}, validation.problems.slice(0, 200));
    }

    // As in Entra, a job that is not running (paused, quarantined, never started) still answers 202; the request
    // waits, unprocessed and absent from the provisioning logs, until the job runs.
    this.pending.push({ operations: validation.operations, dueAt: Date.now() + this.scaled(this.settings.processingDelayMs) });
    this.persist();
    // Answer first, process a moment later (Entra processes asynchronously too): an in-process client then reads
    // its 202 without waiting for 50 users to be processed. Nobody can see the difference: every look at the
    // results (users(), logs(), jobStatus(), any Graph request but a bulkUpload) processes what is due first.
    const replied = this.graphSend(ctx, 202, undefined, { Location: `${this.baseUrl}/v1.0/auditLogs/provisioning?$filter=jobid eq '${this.jobId}'` });
    this.pumpSoon();
    return replied;
  }

  private retryHeaders(unscaledMs: number): Record<string, string> {
    const ms = this.scaled(unscaledMs);
    return { 'Retry-After': formatRetryAfter(ms, this.settings.timeScale), 'retry-after-ms': String(Math.max(1, Math.ceil(ms))) };
  }

  private async provisioningLogs(ctx: Ctx): Promise<void> {
    const params = ctx.url.searchParams;
    const filter = params.get('$filter');
    const topText = params.get('$top');
    const skipToken = params.get('$skiptoken');
    let predicate: LogPredicate = () => true;
    if (filter !== null && filter.trim() !== '') {
      try {
        predicate = parseLogFilter(filter);
      } catch (error) {
        return this.graphError(ctx, 400, 'BadRequest', (error as Error).message);
      }
    }
    let top = 50;
    if (topText !== null) {
      if (!/^\d+$/.test(topText) || Number(topText) < 1) {
        return this.graphError(ctx, 400, 'BadRequest', `Invalid $top '${topText}': use a whole number from 1 to 1000.`);
      }
      top = Math.min(1000, Number(topText));
    }
    let before = Number.POSITIVE_INFINITY;
    if (skipToken !== null) {
      const seq = Number(Buffer.from(skipToken, 'base64url').toString('utf8').replace(/^seq:/, ''));
      if (!Number.isInteger(seq) || seq < 0) return this.graphError(ctx, 400, 'BadRequest', 'Invalid $skiptoken: use the @odata.nextLink exactly as returned.');
      before = seq;
    }
    const matching = this.directory
      .visibleLogs(Date.now())
      .filter((l) => l.seq < before && predicate(l.entry))
      .sort((a, b) => b.seq - a.seq);
    const page = matching.slice(0, top);
    const body: Record<string, unknown> = {
      '@odata.context': `${this.baseUrl}/v1.0/$metadata#auditLogs/provisioning`,
      value: page.map((l) => l.entry),
    };
    const last = page[page.length - 1];
    if (matching.length > top && last) {
      const query = [
        ...(filter !== null ? [`$filter=${encodeURIComponent(filter)}`] : []),
        ...(topText !== null ? [`$top=${top}`] : []),
        `$skiptoken=${Buffer.from(`seq:${last.seq}`).toString('base64url')}`,
      ];
      body['@odata.nextLink'] = `${this.baseUrl}/v1.0/auditLogs/provisioning?${query.join('&')}`;
    }
    return this.graphSend(ctx, 200, body);
  }
}

function graphErrorBody(ctx: Ctx, code: string, message: string, details?: unknown[]): Record<string, unknown> {
  return {
    error: {
      code,
      message,
      ...(details && details.length > 0 ? { details } : {}),
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        'request-id': ctx.requestId,
        'client-request-id': ctx.clientRequestId,
      },
    },
  };
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'InvalidAuthenticationToken';
    case 403: return 'Authorization_RequestDenied';
    case 404: return 'Request_ResourceNotFound';
    case 429: return 'TooManyRequests';
    case 503: return 'ServiceUnavailable';
    case 504: return 'GatewayTimeout';
    default: return status >= 500 ? 'InternalServerError' : 'BadRequest';
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

type ParsedBody = { value: unknown } | { error: string };

function parseJson(body: Buffer): ParsedBody {
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function describeCall(parsed: ParsedBody): { operations: number; bulkIds: string[] } {
  const ops = 'value' in parsed && isRecord(parsed.value) ? parsed.value['Operations'] : undefined;
  if (!Array.isArray(ops)) return { operations: 0, bulkIds: [] };
  return {
    operations: ops.length,
    bulkIds: ops.map((op) => (isRecord(op) && typeof op['bulkId'] === 'string' ? op['bulkId'] : '')).filter((id) => id !== ''),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Notification settings for addresses given as an option: enabled, with Entra's default deletion threshold. */
function notificationFor(emails: string): NotificationSettings {
  const parsed = parseRecipients(emails);
  return {
    enabled: true,
    recipients: 'recipients' in parsed ? parsed.recipients : [],
    deleteThresholdEnabled: true,
    deleteThresholdValue: DEFAULT_DELETE_THRESHOLD,
  };
}
