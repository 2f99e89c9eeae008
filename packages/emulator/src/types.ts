import type { ManagedIdentityEndpoint, ManagedIdentityOptions } from './managed-identity';
import type { FederatedCredentialOptions, FederatedSignIn } from './federation';
/** Faults the emulator injects into Graph calls, to rehearse what the real service does on a bad day. */
export interface FaultOptions {
  /** 0..1 fraction of bulkUpload calls answered 500 or 503 (random, seeded). */
  serverErrorRate?: number;
  /** 0..1 fraction of bulkUpload calls whose socket is destroyed before any response (nothing is processed). */
  resetRate?: number;
  /** Milliseconds added to every Graph response (not scaled by timeScale, so client timeouts can be rehearsed). */
  latencyMs?: number;
  /** The next `calls` bulkUpload calls get 429 with this Retry-After (scaled), whatever the window says. */
  throttleStorm?: { calls: number; retryAfterSeconds: number };
  /** Deterministic: the next `count` bulkUpload calls are answered with `status`. */
  failNextCalls?: { status: number; count: number };
  /** Every token issued so far becomes expired (401 on its next use). An action, not a lasting setting. */
  expireTokensNow?: boolean;
  /** Seed of the random draws of serverErrorRate and resetRate. */
  seed?: number;
}

/** Options of {@link startEmulator}. Every field is optional; the defaults describe a sandbox tenant. */
export interface EmulatorOptions {
  /** 0/undefined = a random free port on 127.0.0.1. */
  port?: number;
  tenantId?: string;
  clientId?: string;
  /** Default: a random secret, only readable from the Emulator object. */
  clientSecret?: string;
  servicePrincipalId?: string;
  jobId?: string;
  /**
   * >1 makes every duration run faster: rate window, daily quota window, token lifetime, log and processing
   * delays, Retry-After. Fault latency is not scaled. Default 1.
   */
  timeScale?: number;
  /** Calls allowed in any sliding window of windowMs, per tenant. Default 40. */
  windowCalls?: number;
  /** Default 5000. */
  windowMs?: number;
  /** Calls per tenant per 24 h. Default 2000 (Entra ID P1/P2; Governance tenants get 6000). */
  dailyQuota?: number;
  /**
   * Delay before processed results appear in the provisioning logs, scaled by timeScale. Overrides the lag that
   * `realisticTiming` sets. Default 0 unless `realisticTiming` is true.
   */
  logDelayMs?: number;
  /**
   * Behave like Entra in time too: results reach the provisioning logs 5–10 minutes after processing (a random
   * delay per request, seeded, scaled by timeScale) unless `logDelayMs` is given. Default false, so a sandbox
   * started with no options still shows results at once (say "sandbox: time runs ×N" when you turn this on).
   * Source: entra-docs inbound-provisioning-api-issues ("There's nothing in the provisioning logs").
   */
  realisticTiming?: boolean;
  /**
   * Requests the job may hold unprocessed (queued while paused or waiting out processingDelayMs) before bulkUpload
   * answers 500 "bucket full". Default: unlimited. Source: entra-docs inbound-provisioning-api-issues.
   */
  queueCapacity?: number;
  /**
   * The provisioning-logs API's own throttle, per app per tenant (identity and access reports: 5 requests per
   * 10 s), window scaled by timeScale. `false` turns it off. Default { calls: 5, windowMs: 10000 }.
   * Source: Graph throttling-limits ("Identity and access reports service limits").
   */
  logsApiLimit?: { calls: number; windowMs: number } | false;
  /**
   * Domains the tenant has verified. A userName (userPrincipalName) must be `local@domain` with one of them, with no
   * spaces or control characters, or the user fails in the logs. Default: not checked (every userName is accepted)
   * and GET /domains lists only the sandbox's initial domain. Case-insensitive.
   */
  verifiedDomains?: string[];
  /**
   * Escrow threshold: a cycle (one BulkRequest) with at least this many failed users sends the job into quarantine
   * (reason EncounteredEscrowProportionThreshold). Default: off. Source: entra-docs
   * application-provisioning-quarantine-status.
   */
  escrowThreshold?: number;
  /**
   * Accept a bulkId used twice in one request. Default false: scimport keeps bulkIds unique (RFC 7644 §3.7). Yet
   * Microsoft's own sample BulkRequests reuse one and the tutorials show them answered 202; turn this on to rehearse
   * that leniency.
   */
  allowDuplicateBulkIds?: boolean;
  /**
   * Delay between the 202 and the processing of a request. Default 0: processed as soon as the 202 is written,
   * before the emulator serves anything else, so results are visible to whoever has seen the 202.
   */
  processingDelayMs?: number;
  /** Default 3600. */
  tokenLifetimeSec?: number;
  /** Application roles put into issued tokens. */
  permissions?: string[];
  /** A client certificate (PEM); client assertions signed by its key are accepted (certificate auth). */
  certificatePem?: string;
  /**
   * Federated identity credentials of the app: client assertions issued by these outside issuers (GitHub Actions,
   * Kubernetes) for these subjects are accepted in place of a secret or certificate.
   */
  federatedCredentials?: FederatedCredentialOptions[];
  /**
   * Also serve the App Service managed-identity endpoint (plain HTTP on 127.0.0.1, like the platform's); point
   * IDENTITY_ENDPOINT and IDENTITY_HEADER at `Emulator.managedIdentity`.
   */
  managedIdentity?: ManagedIdentityOptions | true;
  /** Custom attributes the job schema already knows (namespace = the extension URN). */
  schemaAttributes?: SchemaAttribute[];
  faults?: FaultOptions;
  /** Persist users, logs, quota, job schema, job status, queued requests and ids across restarts (JSON, atomic writes). */
  stateDir?: string;
  /**
   * State of the API-driven job at start. Default 'active' (a configured sandbox). 'quarantine' starts in an
   * on-demand quarantine. With stateDir, a value given here overrides the saved state; left out, the saved one wins.
   */
  jobState?: JobStateCode;
  /**
   * Notification email(s) of the service principal (`;`-separated), as if set with PUT .../synchronization/secrets.
   * Default: SANDBOX_NOTIFICATION_EMAIL (sandbox-alerts@scimport.invalid) when jobState is 'active' (or left out), none otherwise — so a
   * sandbox made with jobState 'notRun' or 'paused' goes into quarantine when started, as Entra does.
   */
  notificationEmail?: string;
  /** Template of the API-driven job: API2AAD (into Entra ID, default) or API2AD (into on-premises AD via the agent). */
  templateId?: 'API2AAD' | 'API2AD';
  /** Further jobs listed on the same service principal (e.g. AD2AADProvisioning), so clients must pick the API-driven one. */
  extraJobs?: ExtraJobOptions[];
}

/** `notRun`: never started; `quarantine`: stopped by the service until the cause is fixed and the job started again. */
export type JobStateCode = 'active' | 'paused' | 'notRun' | 'quarantine';

/** A job that is not API-driven: it can be listed, read, started, paused and restarted, never uploaded to. */
export interface ExtraJobOptions {
  /** e.g. 'AD2AADProvisioning'. */
  templateId: string;
  /** Default `${templateId}.<32 hex digits>`. */
  id?: string;
  /** Default 'active'. */
  state?: JobStateCode;
}

/** Graph's synchronizationError. */
export interface SynchronizationError {
  code: string;
  message: string;
  tenantActionable: boolean;
}

/** Graph's synchronizationTaskExecution: one run of the job (in the emulator, the processing of one BulkRequest). */
export interface SynchronizationTaskExecution {
  activityIdentifier: string | null;
  countEntitled: number;
  countEntitledForProvisioning: number;
  /** Entries that failed (escrowed, to be retried). */
  countEscrowed: number;
  countEscrowedRaw: number;
  /** Entries written to the target (created, updated, disabled). */
  countExported: number;
  countExports: number;
  /** Entries received (operations of the request). */
  countImported: number;
  countImportedDeltas: number;
  countImportedReferenceDeltas: number;
  state: 'Succeeded' | 'Failed' | 'EntryLevelErrors';
  error: SynchronizationError | null;
  timeBegan: string;
  timeEnded: string;
}

/** Graph's synchronizationQuarantine. */
export interface SynchronizationQuarantine {
  currentBegan: string;
  nextAttempt: string;
  /** Graph's quarantineReason enum (EncounteredQuarantineException, QuarantinedOnDemand, TooManyDeletes, …). */
  reason: string;
  seriesBegan: string;
  seriesCount: number;
  /** What caused it, in words: read this, not only the reason code. */
  error: SynchronizationError | null;
}

/** Graph's synchronizationStatus. `code` is PascalCase on the wire, as Graph serializes it. */
export interface SynchronizationJobStatus {
  code: 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';
  countSuccessiveCompleteFailures: number;
  escrowsPruned: boolean;
  lastExecution: SynchronizationTaskExecution | null;
  lastSuccessfulExecution: SynchronizationTaskExecution | null;
  lastSuccessfulExecutionWithExports: SynchronizationTaskExecution | null;
  progress: unknown[];
  quarantine: SynchronizationQuarantine | null;
  /** '0001-01-01T00:00:00Z' until the job first caught up with everything it was sent. */
  steadyStateFirstAchievedTime: string;
  steadyStateLastAchievedTime: string;
  synchronizedEntryCountByType: { key: string; value: number }[];
  troubleshootingUrl: string | null;
}

/** Graph's synchronizationJob, as GET .../synchronization/jobs/{jobId} returns it. */
export interface SynchronizationJob {
  id: string;
  templateId: string;
  schedule: { expiration: string | null; interval: string; state: 'Active' | 'Disabled' };
  status: SynchronizationJobStatus;
  synchronizationJobSettings: { name: string; value: string }[];
}

/** The SyncNotificationSettings secret last PUT (or the option), parsed. */
export interface NotificationSettings {
  enabled: boolean;
  recipients: string[];
  deleteThresholdEnabled: boolean;
  deleteThresholdValue?: number;
}

/** A custom attribute known to the job schema. */
export interface SchemaAttribute {
  /** Attribute name as it appears under its namespace (`HireDate`). */
  name: string;
  /** 'String' | 'Integer' | 'Boolean' | 'DateTime' (Graph's attributeType names). */
  type: string;
  /** The extension URN, `urn:ietf:params:scim:schemas:extension:<name>:1.0:User`. */
  namespace: string;
  multivalued?: boolean;
}

/** A user in the emulated tenant, keyed by externalId. */
export interface EmulatedUser {
  externalId: string;
  id: string;
  userPrincipalName?: string;
  accountEnabled: boolean;
  /** The last SCIM data received for this user. */
  attributes: Record<string, unknown>;
  managerExternalId?: string;
  createdAt: string;
  updatedAt: string;
}

export type ProvisioningAction = 'create' | 'update' | 'delete' | 'disable' | 'stagedDelete' | 'other';
export type ProvisioningStatus = 'success' | 'failure' | 'skipped' | 'warning';

/** Graph's provisioningStepType. */
export type ProvisioningStepType = 'import' | 'scoping' | 'matching' | 'processing' | 'referenceResolution' | 'export';

/** Graph's provisioningStep: `details` is a detailsInfo, a bag of name → value. */
export interface ProvisioningStep {
  name: string;
  provisioningStepType: ProvisioningStepType;
  status: ProvisioningStatus;
  description: string;
  details: Record<string, string>;
}

/** Graph's provisioningErrorInfo. errorCategory: failure (fix the data), nonServiceFailure (transient), success. */
export interface ProvisioningErrorInfo {
  errorCode: string;
  reason: string;
  additionalDetails?: string | null;
  errorCategory?: 'failure' | 'nonServiceFailure' | 'success';
  recommendedAction?: string | null;
}

/** Graph's provisioningSystem / provisioningServicePrincipal / initiator (the identity fields it reads). */
export interface ProvisioningIdentity {
  id?: string;
  displayName?: string;
}

/**
 * One entry of GET /auditLogs/provisioning, shaped as Graph's provisioningObjectSummary (v1.0). Source: Graph
 * reference provisioningobjectsummary, provisioningstep, provisioningerrorinfo.
 */
export interface ProvisioningLogEntry {
  id: string;
  activityDateTime: string;
  tenantId: string;
  jobId: string;
  cycleId: string;
  changeId: string;
  durationInMilliseconds: number;
  initiatedBy: ProvisioningIdentity & { initiatorType: 'user' | 'application' | 'system' };
  servicePrincipal: { id: string; displayName?: string };
  sourceSystem: ProvisioningIdentity & { details: Record<string, string> };
  targetSystem: ProvisioningIdentity & { details: Record<string, string> };
  sourceIdentity: { id: string; displayName?: string; identityType?: string; details?: Record<string, string> };
  targetIdentity: { id?: string; displayName?: string; identityType?: string; details?: Record<string, string> };
  provisioningAction: ProvisioningAction;
  provisioningStatusInfo: {
    status: ProvisioningStatus;
    errorInformation?: ProvisioningErrorInfo;
  };
  /** Named as Entra names the target attributes (givenName, surname, jobTitle, userPrincipalName, …). */
  modifiedProperties: { displayName: string; oldValue?: string | null; newValue?: string | null }[];
  provisioningSteps: ProvisioningStep[];
}

/** One bulkUpload request as received. status 0 = the socket was reset by a fault. */
export interface BulkCallRecord {
  at: number;
  status: number;
  operations: number;
  bulkIds: string[];
  /** The `request-id` header of the reply, which the client saw too: how it tells its calls apart. */
  requestId?: string;
  /**
   * For a call answered 202: `queued` until the job takes it, then `processed` (with the cycleId of its log
   * entries), or `purged` when a restart of a job that was not running (or a Full reset) dropped it unprocessed.
   */
  processing?: 'queued' | 'processed' | 'purged';
  cycleId?: string;
}

/** What the sandbox is set to, for a client to show ("sandbox: time runs ×20") and adapt to. GET /sandbox. */
export interface SandboxSettings {
  timeScale: number;
  realisticTiming: boolean;
  /** Unscaled range of the delay before results reach the logs ([0, 0] = at once). */
  logDelayMs: { min: number; max: number };
  queueCapacity: number | null;
  logsApiLimit: { calls: number; windowMs: number } | null;
  /** null = userNames are not checked against domains. */
  verifiedDomains: string[] | null;
  escrowThreshold: number | null;
}

/** A running emulator. */
export interface Emulator {
  /** `https://127.0.0.1:<port>`; Graph paths are served under `${baseUrl}/v1.0/`; scope `${baseUrl}/.default`. */
  readonly baseUrl: string;
  /** `${baseUrl}/${tenantId}`; token endpoint `${authority}/oauth2/v2.0/token`. */
  readonly authority: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  /** The self-signed certificate the server presents; clients trust it through their `ca` option. */
  readonly caCertPem: string;
  /** JSON for msal-node's `auth.authorityMetadata`, so MSAL never runs discovery. */
  readonly authorityMetadata: string;
  /** JSON for msal-node's `auth.cloudDiscoveryMetadata`. */
  readonly cloudDiscoveryMetadata: string;
  /** Users sorted by externalId. */
  users(): EmulatedUser[];
  /** Provisioning log entries visible now (after logDelayMs), oldest first. */
  logs(): ProvisioningLogEntry[];
  /** Every bulkUpload request received, in order. */
  bulkCalls(): BulkCallRecord[];
  /** Replace the fault configuration (counters of throttleStorm/failNextCalls start again). */
  setFaults(faults: FaultOptions): void;
  /** Roles of tokens issued from now on (tokens already issued keep theirs, as in Entra). */
  setPermissions(perms: string[]): void;
  /** Calls counted against the daily quota in the current 24 h window. */
  quotaUsed(): number;
  /** Custom attributes the job schema knows now. */
  schemaAttributes(): SchemaAttribute[];
  /** The API-driven job exactly as GET .../synchronization/jobs/{jobId} returns it. */
  jobStatus(): SynchronizationJob;
  /**
   * Put the API-driven job into a state directly (no notification-email check). 'active' processes the queued
   * requests at once; 'quarantine' imposes an on-demand quarantine with `quarantineReason` (default
   * 'QuarantinedOnDemand'). Throws EmulatorError INVALID_OPTION for another code.
   */
  setJobState(code: JobStateCode, quarantineReason?: string): void;
  /** What PUT .../synchronization/secrets last set as SyncNotificationSettings (Graph never reads it back). */
  notificationSettings(): NotificationSettings | undefined;
  /** BulkRequests answered 202 but not processed yet (job not running, or waiting out processingDelayMs). */
  pendingRequests(): number;
  /** Effective time scale (1 = real time); show it when it is not 1. */
  readonly timeScale: number;
  /** The sandbox's settings as GET {baseUrl}/sandbox serves them. */
  sandboxSettings(): SandboxSettings;
  /** BulkRequests answered 202 that a restart (of a job not running) or a Full reset dropped before processing. */
  purgedRequests(): number;
  /**
   * Forget users, logs, calls, quota and queued requests; the jobs and notification settings return to what the
   * options configured (job schema and faults stay).
   */
  reset(): void;
  /** The managed-identity endpoint, when started with the managedIdentity option. */
  readonly managedIdentity: ManagedIdentityEndpoint | undefined;
  /** Federated sign-ins the token endpoint accepted, oldest first (issuer, subject and jti; never the assertion). */
  federatedSignIns(): FederatedSignIn[];
  close(): Promise<void>;
}
