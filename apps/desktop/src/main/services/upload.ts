/**
 * Uploads: the plan of a comparison cut into requests of at most 50, journalled by the transport (so a pause,
 * a crash or a cancel never loses track of what was sent), sent at the pace Entra allows, then the provisioning
 * logs read back and joined to the rows of the file. The built-in sandbox is the default target; a real tenant
 * signs in with a secret from the SecretStore or a certificate file, never anything from a profile.
 */
import { BulkChunker, appendHistory, planUpload, readHistory, sha256File, type BulkOperation, type SnapshotStore, type BulkRequest, type HistoryEntryInput, type Profile, type RunOutcome } from '@scimport/core';
import type { Emulator } from '@scimport/emulator';
import {
  DAILY_QUOTAS,
  QuotaLedger,
  connect,
  createCredential,
  pollResults,
  readChunk,
  readChunkStates,
  registerSecret,
  runPreflight,
  startRun,
  uploadRun,
  type Credential,
  type CredentialConfig,
  type GraphClient,
  type Run,
  type RunResults,
  type UploadProgress,
} from '@scimport/transport';
import type { BudgetView, HistoryView, PreflightView, ResultRowView, TargetSpec, UploadStatus } from '../../shared/contract';
import { describeTarget, targetIds, type DiffJob, type DiffService } from './diff';
import { fail, toErrorData } from './errors';
import { BoundedMap, newId } from './ids';
import { clientSecretKey, type SecretStore } from './secrets';

export interface UploadContext {
  dataDir: string;
  secrets: SecretStore;
  /** The built-in sandbox, started on first use and shared for the app's lifetime. */
  sandbox: () => Promise<Emulator>;
  /** The snapshot store (encrypted with the keychain's key in the app). */
  snapshots: () => Promise<SnapshotStore>;
  /** How often the provisioning logs are read, and for how long (overridable for tests). */
  poll?: { sandbox: { intervalMs: number; minutes: number }; tenant: { intervalMs: number; minutes: number } };
}

interface Connection {
  client: GraphClient;
  credential: Credential;
  sandbox: boolean;
}

interface UploadJob {
  id: string;
  diff: DiffJob;
  run: Run;
  /** Operations of the plan not in this run (after "send one row first"). */
  rest: BulkOperation[];
  firstOnly: boolean;
  people: number;
  state: UploadStatus['state'];
  progress: UploadStatus['progress'];
  results?: RunResults;
  message: string;
  error?: ReturnType<typeof toErrorData>;
  controller?: AbortController;
  /** Why the controller was aborted: a pause keeps the run, a cancel ends it. */
  stopping?: 'pause' | 'cancel';
  connection?: Connection;
  /** Chunks already recorded in the snapshot. */
  recorded: Set<number>;
  startedAt: string;
  calls: number;
  task: Promise<void>;
}

const DEFAULT_POLL = { sandbox: { intervalMs: 200, minutes: 1 }, tenant: { intervalMs: 30_000, minutes: 15 } };

function chunk(ops: BulkOperation[], profile: Profile): BulkRequest[] {
  const chunker = new BulkChunker({
    ...(profile.output?.chunkSize !== undefined ? { chunkSize: profile.output.chunkSize } : {}),
    ...(profile.output?.failOnErrors !== undefined ? { failOnErrors: profile.output.failOnErrors } : {}),
  });
  const out: BulkRequest[] = [];
  for (const op of ops) {
    const full = chunker.push(op);
    if (full) out.push(full);
  }
  const last = chunker.flush();
  if (last) out.push(last);
  return out;
}

const people = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'person' : 'people'}`;

export class UploadService {
  private readonly uploads = new BoundedMap<UploadJob>(8);
  private readonly poll: NonNullable<UploadContext['poll']>;

  constructor(
    private readonly ctx: UploadContext,
    private readonly diffs: DiffService,
  ) {
    this.poll = ctx.poll ?? DEFAULT_POLL;
  }

  /** Signs in to the target (or starts the sandbox) and builds a paced Graph client. */
  private async connect(target: TargetSpec): Promise<Connection> {
    let config: CredentialConfig;
    if (target.kind === 'sandbox') {
      const sandbox = await this.ctx.sandbox();
      registerSecret(sandbox.clientSecret);
      config = {
        kind: 'secret',
        tenantId: sandbox.tenantId,
        clientId: sandbox.clientId,
        clientSecret: sandbox.clientSecret,
        cloud: { custom: { authorityHost: sandbox.baseUrl, graphBaseUrl: sandbox.baseUrl, caPem: sandbox.caCertPem } },
      };
    } else if (target.auth === 'secret') {
      const secret = await this.ctx.secrets.get(clientSecretKey(target.tenantId, target.clientId));
      if (!secret) {
        fail('CONNECTION', `No client secret is stored for app ${target.clientId} in tenant ${target.tenantId}. Enter the secret in "Where to send" (it is kept in this computer's keychain, never in the profile), then try again.`);
      }
      config = { kind: 'secret', tenantId: target.tenantId, clientId: target.clientId, clientSecret: secret, cloud: target.cloud };
    } else {
      if (!target.certificatePath) fail('CONNECTION', 'Signing in with a certificate needs the certificate file (a .pem with the private key). Choose it in "Where to send".');
      config = { kind: 'certificate', tenantId: target.tenantId, clientId: target.clientId, certificatePath: target.certificatePath, cloud: target.cloud };
    }
    const ids = targetIds(target);
    const credential = await createCredential(config);
    const client = await connect({ credential, servicePrincipalId: ids.servicePrincipalId, jobId: ids.jobId, dataDir: this.ctx.dataDir });
    return { client, credential, sandbox: target.kind === 'sandbox' };
  }

  async budget(diffId: string): Promise<BudgetView> {
    const diff = this.diffs.get(diffId);
    const status = await new QuotaLedger({ dataDir: this.ctx.dataDir }).quotaStatus(diff.snapshotTarget.tenantId, DAILY_QUOTAS.p1p2);
    return { callsNeeded: diff.view.calls, limit: status.limit, used: status.used, remaining: status.remaining, targetLabel: diff.view.targetLabel };
  }

  async testConnection(target: TargetSpec, diffId?: string): Promise<PreflightView> {
    const connection = await this.connect(target);
    try {
      const diff = diffId ? this.diffs.get(diffId) : undefined;
      const report = await runPreflight({
        client: connection.client,
        ...(diff ? { profile: diff.validation.profile, callsNeeded: diff.view.calls } : {}),
      });
      return { ok: report.ok, checks: report.checks.map((c) => ({ id: c.id, status: c.status, title: c.title, detail: c.sentence })) };
    } finally {
      connection.credential.close();
    }
  }

  /** Starts sending a comparison's plan (or only its first person). One upload goes at a time. */
  async start(diffId: string, options: { firstOnly?: boolean; allowMassChanges?: boolean }): Promise<{ uploadId: string }> {
    const diff = this.diffs.get(diffId);
    const plan = planUpload(diff.diff, diff.validation.profile, { allowMassChanges: options.allowMassChanges ?? false });
    if (plan.gate.tripped) {
      fail('REFUSED', `Nothing was sent: ${plan.gate.reasons.join(' ')} If these changes are intended, tick "I have checked these changes" and start again.`);
    }
    const ops = [...plan.operations, ...plan.disables];
    if (ops.length === 0) fail('REFUSED', 'There is nothing to send: everyone in the file is already up to date in the target.');
    return this.begin(diff, options.firstOnly ? ops.slice(0, 1) : ops, options.firstOnly ? ops.slice(1) : [], options.firstOnly ?? false);
  }

  /** After "send one row first" went well: sends everyone else of the same plan. */
  async sendRest(uploadId: string): Promise<{ uploadId: string }> {
    const first = this.get(uploadId);
    if (!first.firstOnly || first.rest.length === 0) fail('REFUSED', 'There is no one left to send from this plan.');
    if (first.state !== 'done') fail('REFUSED', 'Wait until the first person has a result before sending the rest.');
    const rest = first.rest;
    first.rest = [];
    return this.begin(first.diff, rest, [], false);
  }

  private async begin(diff: DiffJob, ops: BulkOperation[], rest: BulkOperation[], firstOnly: boolean): Promise<{ uploadId: string }> {
    for (const job of this.uploads.values()) {
      if (job.state === 'sending' || job.state === 'waiting-for-results') fail('REFUSED', 'Another upload is still going. Wait for it to finish, or pause or cancel it first.');
    }
    const profile = diff.validation.profile;
    const ids = targetIds(diff.target);
    const requests = chunk(ops, profile);
    const run = await startRun({
      dataDir: this.ctx.dataDir,
      target: { ...ids, cloud: diff.target.kind === 'sandbox' ? 'sandbox' : diff.target.cloud },
      chunks: requests,
      meta: { app: 'desktop', profile: { name: profile.name, version: profile.version }, input: { file: diff.validation.file } },
    });
    const id = newId('upload');
    const job: UploadJob = {
      id,
      diff,
      run,
      rest,
      firstOnly,
      people: ops.length,
      state: 'sending',
      progress: { chunksTotal: requests.length, chunksDone: 0, chunksFailed: 0, calls: 0, throttles: 0, retries: 0, elapsedMs: 0 },
      message: `Sending ${people(ops.length)} to ${diff.view.targetLabel}…`,
      recorded: new Set(),
      startedAt: new Date().toISOString(),
      calls: 0,
      task: Promise.resolve(),
    };
    this.uploads.set(id, job);
    job.task = this.session(job);
    return { uploadId: id };
  }

  /** One sending session: until done, paused, cancelled or failed; then the results, the snapshot and history. */
  private async session(job: UploadJob): Promise<void> {
    const controller = new AbortController();
    job.controller = controller;
    job.stopping = undefined;
    job.state = 'sending';
    try {
      job.connection ??= await this.connect(job.diff.target);
      const connection = job.connection;
      const extension = job.diff.validation.profile.extension;
      if (connection.sandbox && extension && extension.attributes.length > 0) {
        // The sandbox is the person's own rehearsal tenant: teach its job schema the custom attributes.
        await connection.client.ensureCustomAttributes(
          extension.namespace,
          extension.attributes.map((a) => ({ name: a.name, type: a.type, ...(a.multiValued ? { multivalued: true } : {}) })),
        );
      }
      const callsBefore = job.calls;
      const summary = await uploadRun(job.run, {
        client: connection.client,
        dailyQuota: DAILY_QUOTAS.p1p2,
        signal: controller.signal,
        onProgress: (p: UploadProgress) => {
          job.progress = {
            chunksTotal: p.chunksTotal,
            chunksDone: p.chunksDone,
            chunksFailed: p.chunksFailed,
            calls: p.calls,
            throttles: p.throttles,
            retries: p.retries,
            elapsedMs: p.elapsedMs,
            ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}),
          };
          job.calls = callsBefore + p.calls;
        },
      });
      await this.record(job);
      job.state = 'waiting-for-results';
      job.message = `All ${summary.chunksTotal} request(s) were accepted. Waiting for the target to report each person${connection.sandbox ? '' : ' (Entra usually takes 5–10 minutes)'}…`;
      const poll = connection.sandbox ? this.poll.sandbox : this.poll.tenant;
      job.results = await pollResults(job.run, {
        client: connection.client,
        minutes: poll.minutes,
        intervalMs: poll.intervalMs,
        signal: controller.signal,
        onPoll: (r) => (job.results = r),
      });
      const failed = job.results.rows.filter((r) => r.status === 'failure').map((r) => r.externalId);
      if (failed.length > 0) {
        job.diff.snapshot.markFailed(failed);
        await this.saveSnapshot(job);
      }
      job.state = 'done';
      job.message = this.resultMessage(job);
      await this.history(job, failed.length > 0 ? 'partial' : 'uploaded');
      this.close(job);
    } catch (error) {
      await this.record(job).catch(() => undefined);
      const stopping = job.stopping;
      if (stopping === 'pause' && job.progress.chunksDone < job.progress.chunksTotal) {
        job.state = 'paused';
        job.message = `Paused: ${job.progress.chunksDone} of ${job.progress.chunksTotal} request(s) accepted. Resume to send the rest; nothing is sent twice.`;
        return;
      }
      if (stopping === 'pause') {
        // Everything was sent; only the wait for results was interrupted.
        job.state = 'done';
        job.message = 'Everything was sent. The results are not all in yet; see them later in the history.';
        await this.history(job, 'uploaded');
      } else if (stopping === 'cancel') {
        job.state = 'cancelled';
        job.message = `Cancelled: ${job.progress.chunksDone} of ${job.progress.chunksTotal} request(s) had been accepted before you cancelled.`;
        await this.history(job, 'cancelled');
      } else {
        job.state = 'failed';
        job.error = toErrorData(error);
        job.message = job.error.message;
        await this.history(job, job.progress.chunksDone > 0 ? 'partial' : 'failed');
      }
      this.close(job);
    }
  }

  private close(job: UploadJob): void {
    job.connection?.credential.close();
    job.connection = undefined;
  }

  private resultMessage(job: UploadJob): string {
    const rows = job.results?.rows ?? [];
    const ok = rows.filter((r) => r.status === 'success').length;
    const bad = rows.filter((r) => r.status === 'failure').length;
    const pending = job.results?.pending.length ?? 0;
    const parts = [`${people(ok)} provisioned`];
    if (bad) parts.push(`${people(bad)} failed (see the reasons below)`);
    if (pending) parts.push(`${people(pending)} without a result yet`);
    const rest = job.rest.length > 0 ? ` ${people(job.rest.length)} still to send.` : '';
    return `${parts.join(', ')}.${rest}`;
  }

  /** Records the accepted chunks in the target's snapshot, so the next comparison knows what the target has. */
  private async record(job: UploadJob): Promise<void> {
    const states = await readChunkStates(job.run);
    let changed = false;
    for (const [i, state] of states.entries()) {
      const index = i + 1;
      if (state.state !== 'accepted' || job.recorded.has(index)) continue;
      const request = await readChunk(job.run, index);
      job.diff.snapshot.markAccepted(request.Operations, new Date(state.at));
      job.recorded.add(index);
      changed = true;
    }
    if (changed) await this.saveSnapshot(job);
  }

  private async saveSnapshot(job: UploadJob): Promise<void> {
    const store = await this.ctx.snapshots();
    await store.save(job.diff.snapshotTarget, job.diff.snapshot);
  }

  private async history(job: UploadJob, outcome: RunOutcome): Promise<void> {
    const validation = job.diff.validation;
    const sha256 = await sha256File(validation.path).catch(() => undefined);
    const disables = job.diff.view.disables;
    const entry: HistoryEntryInput = {
      runId: job.run.id,
      startedAt: job.startedAt,
      ...(sha256 ? { file: { name: validation.file, sha256 } } : {}),
      profile: { name: validation.profile.name, version: validation.profile.version },
      target: { tenantId: job.diff.snapshotTarget.tenantId, jobId: job.diff.snapshotTarget.jobId },
      counts: job.diff.diff.counts,
      operations: job.people,
      disables: job.firstOnly ? 0 : disables,
      calls: job.calls,
      outcome,
      message: job.message,
    };
    await appendHistory(this.ctx.dataDir, entry).catch(() => undefined);
  }

  get(uploadId: string): UploadJob {
    const job = this.uploads.get(uploadId);
    if (!job) fail('NOT_FOUND', 'This upload is no longer shown here; see it in the history.');
    return job;
  }

  status(uploadId: string): UploadStatus {
    const job = this.get(uploadId);
    const results = job.results;
    return {
      uploadId: job.id,
      runId: job.run.id,
      targetLabel: describeTarget(job.diff.target),
      state: job.state,
      firstOnly: job.firstOnly,
      people: job.people,
      remaining: job.rest.length,
      progress: job.progress,
      ...(results
        ? {
            results: {
              complete: results.complete,
              pending: results.pending.length,
              ...(results.note ? { note: results.note } : {}),
              summary: results.summary,
              rows: this.resultRows(job),
            },
          }
        : {}),
      message: job.message,
      ...(job.error ? { error: job.error } : {}),
    };
  }

  private resultRows(job: UploadJob): ResultRowView[] {
    return (job.results?.rows ?? []).map((r) => ({
      externalId: r.externalId,
      row: job.diff.rows.get(r.externalId) ?? null,
      action: r.action,
      status: r.status,
      ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.recommendedAction ? { recommendedAction: r.recommendedAction } : {}),
    }));
  }

  async pause(uploadId: string): Promise<UploadStatus> {
    const job = this.get(uploadId);
    if (job.state !== 'sending' && job.state !== 'waiting-for-results') fail('REFUSED', 'Only an upload that is sending can be paused.');
    job.stopping = 'pause';
    job.controller?.abort();
    await job.task;
    return this.status(uploadId);
  }

  async resume(uploadId: string): Promise<UploadStatus> {
    const job = this.get(uploadId);
    if (job.state !== 'paused') fail('REFUSED', 'Only a paused upload can be resumed.');
    job.message = 'Resuming…';
    job.task = this.session(job);
    return this.status(uploadId);
  }

  async cancel(uploadId: string): Promise<UploadStatus> {
    const job = this.get(uploadId);
    if (job.state === 'paused') {
      job.state = 'cancelled';
      job.message = `Cancelled: ${job.progress.chunksDone} of ${job.progress.chunksTotal} request(s) had been accepted before.`;
      await this.history(job, 'cancelled');
      this.close(job);
      return this.status(uploadId);
    }
    if (job.state !== 'sending' && job.state !== 'waiting-for-results') fail('REFUSED', 'This upload has already ended.');
    job.stopping = 'cancel';
    job.controller?.abort();
    await job.task;
    return this.status(uploadId);
  }

  resultsReport(uploadId: string): { fileName: string; csv: string } {
    const job = this.get(uploadId);
    const cell = (value: unknown): string => {
      const text = value === undefined || value === null ? '' : String(value);
      // A leading = + - @ would run as a formula when the file is opened in Excel.
      const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
      return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    const lines = this.resultRows(job).map((r) => [r.row, r.externalId, r.action, r.status, r.errorCode, r.reason, r.recommendedAction].map(cell).join(','));
    const csv = '\uFEFF' + ['row,externalId,action,status,errorCode,reason,recommendedAction', ...lines].join('\r\n') + '\r\n';
    return { fileName: `results-${job.run.id}.csv`, csv };
  }

  async historyList(): Promise<HistoryView[]> {
    const entries = await readHistory(this.ctx.dataDir);
    return entries.reverse().map((e) => ({ ...e }));
  }

  /** Stops every upload (the journal keeps what was sent) when the app closes. */
  async dispose(): Promise<void> {
    for (const job of [...this.uploads.values()]) {
      if (job.state === 'sending' || job.state === 'waiting-for-results') {
        job.stopping = 'pause';
        job.controller?.abort();
        await job.task.catch(() => undefined);
      }
      this.close(job);
    }
  }
}
