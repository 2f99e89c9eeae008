import type { BulkRequest } from '@scimport/core';
import type { Credential } from './auth';
import { TransportError, type TransportErrorDetails } from './errors';
import { type HttpResponse, httpRequest } from './http';
import type { QuotaLedger } from './ledger';
import { Pacer } from './pacer';

/** Microsoft Graph permissions each kind of call needs; named in 403 messages. */
export const PERMISSIONS = Object.freeze({
  bulkUpload: 'SynchronizationData-User.Upload',
  /** Reading the tenant's verified domains, to check sign-in names before they fail in the logs. */
  domains: 'Domain.Read.All',
  provisioningLogs: 'AuditLog.Read.All (or ProvisioningLog.Read.All)',
  synchronization: 'Synchronization.ReadWrite.All',
  /** Reading jobs and the job schema needs only this (ReadWrite.All includes it). */
  synchronizationRead: 'Synchronization.Read.All (or Synchronization.ReadWrite.All)',
});

/** Template ids of API-driven inbound provisioning jobs: into Entra ID, and into on-premises AD. */
export const API_DRIVEN_TEMPLATES = ['API2AAD', 'API2AD'] as const;

export interface GraphClientOptions {
  credential: Credential;
  /** Object id of the provisioning app's service principal. */
  servicePrincipalId: string;
  /** Provisioning job id. Needed for bulkUpload, schema and logs; find it with `findApiDrivenJob`. */
  jobId?: string;
  /** The pacer shared by every request of this connection. Default: a new pacer with Entra's limits. */
  pacer?: Pacer;
  /**
   * The pacer of the provisioning-logs API, which Graph throttles on its own (identity and access reports: 5 requests
   * per 10 s per app per tenant; Graph throttling-limits), apart from bulkUpload's 40 per 5 s. Default: a pacer with
   * that limit, on the main pacer's clock and time scale.
   */
  logsPacer?: Pacer;
  /** When given, every bulkUpload call is counted in this ledger before it is sent. */
  ledger?: QuotaLedger;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
}

/** The logs API's documented limit (Graph throttling-limits, identity and access reports): 5 requests per 10 s. */
export const LOGS_API_LIMIT = Object.freeze({ calls: 5, windowMs: 10_000 });

/** What a sandbox says about itself (GET {base}/sandbox); Entra has no such endpoint. */
export interface SandboxInfo {
  /** How much faster than real time the sandbox runs (1 = real time). */
  timeScale: number;
  /** Unscaled range of the delay before results reach the logs. */
  logDelayMs?: { min: number; max: number };
  [key: string]: unknown;
}

/** One of the tenant's domains (Graph's domain resource, the fields scimport reads). */
export interface TenantDomain {
  id: string;
  isVerified?: boolean;
  [key: string]: unknown;
}

/** The reply to an accepted bulkUpload. */
export interface BulkUploadResult {
  /** 202 when accepted. */
  status: number;
  headers: Record<string, string>;
  /** The Location header: where the provisioning logs of this upload can be read. */
  location?: string;
  requestId?: string;
}

/** The parts of Graph's synchronizationJob scimport reads. */
export interface SynchronizationJob {
  id: string;
  templateId?: string;
  status?: {
    code?: string;
    quarantine?: { reason?: string; currentBegan?: string; nextAttempt?: string; seriesCount?: number } | null;
    lastExecution?: unknown;
    lastSuccessfulExecution?: unknown;
    steadyStateLastAchievedTime?: string;
    countSuccessiveCompleteFailures?: number;
  };
  [key: string]: unknown;
}

export interface AttributeDefinition {
  name: string;
  type: string;
  [key: string]: unknown;
}

export interface ObjectDefinition {
  name: string;
  attributes: AttributeDefinition[];
  [key: string]: unknown;
}

export interface DirectoryDefinition {
  id?: string;
  name?: string;
  objects: ObjectDefinition[];
  [key: string]: unknown;
}

/** Graph's synchronizationSchema (only the parts we touch are typed; the rest is kept as is on PUT). */
export interface SynchronizationSchema {
  directories: DirectoryDefinition[];
  synchronizationRules?: unknown[];
  [key: string]: unknown;
}

/** A custom attribute a profile sends, with its type as the profile states it. */
export interface CustomAttribute {
  name: string;
  /** string | boolean | integer | dateTime | reference | binary (any case). */
  type: string;
  multivalued?: boolean;
}

export interface EnsureAttributesResult {
  /** Full names added to the schema, e.g. `urn:…:contoso:1.0:User:HireDate`. */
  added: string[];
  /** Full names already present with the same type. */
  existing: string[];
  /** Present with another type: left unchanged (changing a type can break mappings); the caller must show these. */
  typeMismatches: { name: string; schemaType: string; wantedType: string }[];
}

/** One provisioning log entry (Graph's provisioningObjectSummary), the fields scimport reads. */
export interface ProvisioningLogEntry {
  id: string;
  activityDateTime: string;
  jobId?: string;
  cycleId?: string;
  changeId?: string;
  sourceIdentity?: { id?: string; displayName?: string } | null;
  targetIdentity?: { id?: string; displayName?: string } | null;
  provisioningAction?: string;
  provisioningStatusInfo?: {
    status?: string;
    errorInformation?: { errorCode?: string; reason?: string; recommendedAction?: string; additionalDetails?: string } | null;
  } | null;
  [key: string]: unknown;
}

const GRAPH_TYPES: Record<string, string> = {
  string: 'String',
  boolean: 'Boolean',
  integer: 'Integer',
  int: 'Integer',
  number: 'Integer',
  datetime: 'DateTime',
  date: 'DateTime',
  reference: 'Reference',
  binary: 'Binary',
};

const SCIM_EXTENSION = /^urn:ietf:params:scim:schemas:extension:[^:]+(?::[^:]+)*:User$/;

/** Quote a value for an OData `$filter` string literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Microsoft Graph calls of API-driven provisioning, all paced by one Pacer. */
export class GraphClient {
  readonly credential: Credential;
  readonly pacer: Pacer;
  /** Paces the provisioning-logs reads (see GraphClientOptions.logsPacer). */
  readonly logsPacer: Pacer;
  readonly servicePrincipalId: string;
  jobId: string | undefined;
  /** The quota ledger every bulkUpload call is counted in, if any. */
  readonly ledger: QuotaLedger | undefined;
  private readonly timeoutMs: number;
  private readonly root: string;

  constructor(options: GraphClientOptions) {
    if (!options.servicePrincipalId) {
      throw new TransportError('INVALID_CONFIG', 'The servicePrincipalId of the provisioning app is missing from the target. Copy the Object ID from the enterprise app overview.');
    }
    this.credential = options.credential;
    this.pacer = options.pacer ?? new Pacer();
    this.logsPacer =
      options.logsPacer ??
      new Pacer({ windowCalls: LOGS_API_LIMIT.calls, windowMs: LOGS_API_LIMIT.windowMs, concurrency: 1, timeScale: this.pacer.timeScale, clock: this.pacer.clock });
    this.servicePrincipalId = options.servicePrincipalId;
    this.jobId = options.jobId;
    this.ledger = options.ledger;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.root = `${options.credential.endpoints.graphBaseUrl}/v1.0`;
  }

  private jobPath(jobId = this.jobId): string {
    if (!jobId) throw new TransportError('INVALID_CONFIG', 'The provisioning jobId is missing from the target. Use listJobs/findApiDrivenJob or copy it from the provisioning page.');
    return `${this.root}/servicePrincipals/${encodeURIComponent(this.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(jobId)}`;
  }

  /** Send one request through the pacer with a bearer token; retries/refresh per the pacer's rules. */
  private async call(args: {
    method: 'GET' | 'POST' | 'PUT';
    url: string;
    body?: string;
    contentType?: string;
    label: string;
    permission: string;
    details?: TransportErrorDetails;
    signal?: AbortSignal;
    beforeSend?: () => Promise<void>;
    pacer?: Pacer;
  }): Promise<HttpResponse> {
    let token: string | undefined;
    return (args.pacer ?? this.pacer).execute({
      label: args.label,
      permission: args.permission,
      ...(args.details ? { details: args.details } : {}),
      ...(args.signal ? { signal: args.signal } : {}),
      send: async ({ forceRefresh, signal }) => {
        token = await this.credential.getToken(forceRefresh ? { forceRefresh, ...(token ? { rejectedToken: token } : {}) } : {});
        await args.beforeSend?.();
        return httpRequest(this.credential.agent, {
          method: args.method,
          url: args.url,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(args.contentType ? { 'content-type': args.contentType } : {}),
          },
          ...(args.body !== undefined ? { body: args.body } : {}),
          timeoutMs: this.timeoutMs,
          ...(signal ? { signal } : {}),
        });
      },
    });
  }

  /**
   * POST one SCIM BulkRequest (≤ 50 operations) to the job's bulkUpload endpoint with Content-Type
   * application/scim+json. Resolves with the 202 reply (Location = where the logs are); throws a TransportError
   * for anything else after the pacer's retries.
   */
  async bulkUpload(request: BulkRequest, options: { label?: string; details?: TransportErrorDetails; signal?: AbortSignal } = {}): Promise<BulkUploadResult> {
    const count = Array.isArray(request?.Operations) ? request.Operations.length : 0;
    if (count === 0 || count > 50) {
      throw new TransportError('INVALID_ARGUMENT', `A bulk request must hold 1 to 50 operations (this one has ${count}).`, { details: options.details ?? {} });
    }
    const body = JSON.stringify(request);
    const res = await this.call({
      method: 'POST',
      url: `${this.jobPath()}/bulkUpload`,
      body,
      contentType: 'application/scim+json',
      label: options.label ?? `a bulk request of ${count} users`,
      permission: PERMISSIONS.bulkUpload,
      details: { ...options.details, bulkIds: options.details?.bulkIds ?? request.Operations.map((op) => op.bulkId) },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.ledger ? { beforeSend: () => (this.ledger as QuotaLedger).record(this.credential.tenantId) } : {}),
    });
    const out: BulkUploadResult = { status: res.status, headers: res.headers };
    if (res.headers.location) out.location = res.headers.location;
    const requestId = res.headers['request-id'] ?? res.headers['client-request-id'];
    if (requestId) out.requestId = requestId;
    return out;
  }

  /** The synchronization jobs of the service principal. */
  async listJobs(signal?: AbortSignal): Promise<SynchronizationJob[]> {
    const res = await this.call({
      method: 'GET',
      url: `${this.root}/servicePrincipals/${encodeURIComponent(this.servicePrincipalId)}/synchronization/jobs`,
      label: 'listing the provisioning jobs',
      permission: PERMISSIONS.synchronizationRead,
      ...(signal ? { signal } : {}),
    });
    const value = parseJson<{ value?: SynchronizationJob[] }>(res, 'the job list').value;
    return Array.isArray(value) ? value : [];
  }

  /**
   * The API-driven provisioning job (template API2AAD or API2AD) of the service principal. Sets `jobId` when it
   * was not set. Throws JOB_NOT_FOUND when there is none.
   */
  async findApiDrivenJob(signal?: AbortSignal): Promise<SynchronizationJob> {
    const jobs = await this.listJobs(signal);
    const apiJobs = jobs.filter((job) => API_DRIVEN_TEMPLATES.some((t) => (job.templateId ?? '').toUpperCase() === t));
    const job = apiJobs.find((j) => j.id === this.jobId) ?? apiJobs[0];
    if (!job) {
      const seen = jobs.map((j) => `${j.id} (${j.templateId ?? 'no template'})`).join(', ') || 'none';
      throw new TransportError('JOB_NOT_FOUND', `Service principal ${this.servicePrincipalId} has no API-driven provisioning job (template API2AAD or API2AD); jobs found: ${seen}. Check that the servicePrincipalId is the one of the API-driven provisioning app.`);
    }
    this.jobId ??= job.id;
    return job;
  }

  /** GET one synchronization job (its status tells whether it is paused or in quarantine). */
  async getJob(options: { jobId?: string; signal?: AbortSignal } = {}): Promise<SynchronizationJob> {
    const res = await this.call({
      method: 'GET',
      url: this.jobPath(options.jobId),
      label: 'reading the provisioning job',
      permission: PERMISSIONS.synchronizationRead,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return parseJson<SynchronizationJob>(res, 'the provisioning job');
  }

  /** GET the job's synchronization schema. */
  async getJobSchema(options: { jobId?: string; signal?: AbortSignal } = {}): Promise<SynchronizationSchema> {
    const res = await this.call({
      method: 'GET',
      url: `${this.jobPath(options.jobId)}/schema`,
      label: 'reading the job schema',
      permission: PERMISSIONS.synchronizationRead,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const schema = parseJson<SynchronizationSchema>(res, 'the job schema');
    if (!Array.isArray(schema.directories)) {
      throw new TransportError('HTTP_ERROR', 'The job schema returned by Microsoft Graph has no directories; it cannot be extended.');
    }
    return schema;
  }

  /** PUT the whole synchronization schema back. */
  async putJobSchema(schema: SynchronizationSchema, options: { jobId?: string; signal?: AbortSignal } = {}): Promise<void> {
    await this.call({
      method: 'PUT',
      url: `${this.jobPath(options.jobId)}/schema`,
      body: JSON.stringify(schema),
      contentType: 'application/json',
      label: 'saving the job schema',
      permission: PERMISSIONS.synchronization,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * POST `.../jobs/{jobId}/start`, `/pause` or `/restart` (with `body` as JSON, e.g. restart criteria). Resolves on
   * the 204; see job.ts for the checked, user-facing wrappers.
   */
  async jobAction(action: 'start' | 'pause' | 'restart', options: { jobId?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<void> {
    const verbs = { start: 'starting', pause: 'pausing', restart: 'restarting' } as const;
    await this.call({
      method: 'POST',
      url: `${this.jobPath(options.jobId)}/${action}`,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body), contentType: 'application/json' } : {}),
      label: `${verbs[action]} the provisioning job`,
      permission: PERMISSIONS.synchronization,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * PUT `.../synchronization/secrets` (key/value pairs such as SyncNotificationSettings). Graph never reads them
   * back, and their values are never put into an error message.
   */
  async putSynchronizationSecrets(entries: readonly { key: string; value: string }[], options: { label?: string; signal?: AbortSignal } = {}): Promise<void> {
    await this.call({
      method: 'PUT',
      url: `${this.root}/servicePrincipals/${encodeURIComponent(this.servicePrincipalId)}/synchronization/secrets`,
      body: JSON.stringify({ value: entries }),
      contentType: 'application/json',
      label: options.label ?? 'saving the synchronization secrets',
      permission: PERMISSIONS.synchronization,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Make the job schema know a profile's custom attributes (`{namespace}:{name}` with their Graph types), so the
   * service does not reject them as "not a valid propertyName". Only missing attributes are added; the schema is
   * written back only when something changed.
   */
  async ensureCustomAttributes(namespace: string, attributes: readonly CustomAttribute[], options: { jobId?: string; signal?: AbortSignal } = {}): Promise<EnsureAttributesResult> {
    if (!SCIM_EXTENSION.test(namespace)) {
      throw new TransportError('INVALID_ARGUMENT', `The custom namespace "${namespace}" is not a SCIM extension URN. Use the form urn:ietf:params:scim:schemas:extension:<name>:1.0:User.`);
    }
    const schema = await this.getJobSchema(options);
    const userObject = sourceUserObject(schema);
    const result: EnsureAttributesResult = { added: [], existing: [], typeMismatches: [] };
    for (const attribute of attributes) {
      const graphType = GRAPH_TYPES[attribute.type.toLowerCase()];
      if (!graphType) {
        throw new TransportError('INVALID_ARGUMENT', `Custom attribute ${attribute.name} has type "${attribute.type}"; use one of string, boolean, integer, dateTime, reference, binary.`);
      }
      const fullName = `${namespace}:${attribute.name}`;
      const found = userObject.attributes.find((a) => a.name.toLowerCase() === fullName.toLowerCase());
      if (found) {
        if (String(found.type).toLowerCase() === graphType.toLowerCase()) result.existing.push(fullName);
        else result.typeMismatches.push({ name: fullName, schemaType: String(found.type), wantedType: graphType });
        continue;
      }
      userObject.attributes.push({
        anchor: false,
        caseExact: false,
        flowNullValues: false,
        multivalued: attribute.multivalued ?? false,
        mutability: 'ReadWrite',
        name: fullName,
        required: false,
        type: graphType,
        apiExpressions: [],
        metadata: [],
        referencedObjects: [],
      });
      result.added.push(fullName);
    }
    if (result.added.length > 0) await this.putJobSchema(schema, options);
    return result;
  }

  /**
   * Provisioning log entries matching `filter` (OData, e.g. `jobId eq '…' and activityDateTime ge …`), newest
   * pages followed through `@odata.nextLink`. Stops at `limit` entries if given.
   */
  async *provisioningLogs(options: { filter?: string; top?: number; limit?: number; signal?: AbortSignal } = {}): AsyncGenerator<ProvisioningLogEntry> {
    const params = new URLSearchParams();
    if (options.filter) params.set('$filter', options.filter);
    if (options.top) params.set('$top', String(options.top));
    const query = params.toString().replace(/\+/g, '%20');
    let url: string | undefined = `${this.root}/auditLogs/provisioning${query ? `?${query}` : ''}`;
    let yielded = 0;
    let page = 0;
    while (url) {
      page += 1;
      const res = await this.call({
        method: 'GET',
        url,
        label: `reading the provisioning logs (page ${page})`,
        permission: PERMISSIONS.provisioningLogs,
        pacer: this.logsPacer,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const body = parseJson<{ value?: ProvisioningLogEntry[]; '@odata.nextLink'?: string }>(res, 'the provisioning logs');
      for (const entry of body.value ?? []) {
        yield entry;
        yielded += 1;
        if (options.limit !== undefined && yielded >= options.limit) return;
      }
      url = this.checkedNextLink(body['@odata.nextLink']);
    }
  }

  /**
   * The tenant's domains (GET /domains, Domain.Read.All), following `@odata.nextLink`. Throws FORBIDDEN (naming the
   * permission) when it is not granted.
   */
  async listDomains(signal?: AbortSignal): Promise<TenantDomain[]> {
    const out: TenantDomain[] = [];
    let url: string | undefined = `${this.root}/domains`;
    while (url) {
      const res = await this.call({ method: 'GET', url, label: 'reading the tenant\'s domains', permission: PERMISSIONS.domains, ...(signal ? { signal } : {}) });
      const body = parseJson<{ value?: TenantDomain[]; '@odata.nextLink'?: string }>(res, 'the domain list');
      out.push(...(body.value ?? []).filter((d) => d && typeof d.id === 'string'));
      url = this.checkedNextLink(body['@odata.nextLink']);
    }
    return out;
  }

  /**
   * What a sandbox says about itself (its time scale, its log lag), or undefined for Entra (which has no such
   * endpoint) or a sandbox that does not say. Never throws: it only adjusts what the person is told.
   */
  async sandboxInfo(signal?: AbortSignal): Promise<SandboxInfo | undefined> {
    const base = this.root.replace(/\/v1\.0$/, '');
    if (/^https:\/\/[^/]*\.(microsoft\.com|microsoft\.us|chinacloudapi\.cn)(\/|$)/i.test(base)) return undefined;
    try {
      const res = await httpRequest(this.credential.agent, { method: 'GET', url: `${base}/sandbox`, headers: { accept: 'application/json' }, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
      const body = JSON.parse(res.body) as SandboxInfo;
      return typeof body?.timeScale === 'number' && body.timeScale > 0 ? body : undefined;
    } catch {
      return undefined;
    }
  }

  // A next link carries our bearer token: follow it only to the Graph host we were configured with.
  private checkedNextLink(link: string | undefined): string | undefined {
    if (!link) return undefined;
    const expected = new URL(this.root).origin;
    let parsed: URL;
    try {
      parsed = new URL(link, this.root);
    } catch {
      throw new TransportError('HTTP_ERROR', 'Microsoft Graph returned an unreadable @odata.nextLink; the provisioning logs could not be read to the end.');
    }
    if (parsed.origin !== expected) {
      throw new TransportError('HTTP_ERROR', `Microsoft Graph returned an @odata.nextLink pointing at ${parsed.origin}, not ${expected}; it was not followed (it would receive the access token).`);
    }
    return parsed.toString();
  }
}

function parseJson<T>(res: HttpResponse, what: string): T {
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw new TransportError('HTTP_ERROR', `Microsoft Graph returned ${what} in a form that is not JSON (HTTP ${res.status}).`);
  }
}

/**
 * The User object of the schema's source directory (the API side, not Entra ID / AD). Microsoft's CSV2SCIM
 * script simply takes the first directory; we prefer the one that is not Entra ID or Active Directory.
 */
export function sourceUserObject(schema: SynchronizationSchema): ObjectDefinition {
  const isTarget = (d: DirectoryDefinition): boolean => /azure active directory|microsoft entra|^active directory$|^activedirectory$/i.test(d.name ?? '');
  const directory = schema.directories.find((d) => !isTarget(d) && Array.isArray(d.objects)) ?? schema.directories[0];
  const objects = directory?.objects ?? [];
  const user = objects.find((o) => /^user$/i.test(o.name) || /:User$/.test(o.name)) ?? objects[0];
  if (!user) throw new TransportError('HTTP_ERROR', 'The job schema has no User object in its source directory; it cannot be extended.');
  if (!Array.isArray(user.attributes)) user.attributes = [];
  return user;
}
