/**
 * Uploads: the plan of a comparison cut into requests of at most 50, journalled by the transport (so a pause,
 * a crash or a cancel never loses track of what was sent), sent at the pace Entra allows, then the provisioning
 * logs read back and joined to the rows of the file. The built-in sandbox is the default target; a real tenant
 * signs in with a secret from the SecretStore or a certificate file, never anything from a profile.
 *
 * An upload whose target cannot be reached waits in the outbox (in the data folder) and goes when the target
 * answers again — retried with a growing pause, and at once when the window says the network is back — and an
 * upload interrupted by closing the app carries on when the services start again. Before the outbox sends, the
 * preflight runs again: time has passed, and the job may have been paused meanwhile.
 */
import { planUpload, signInDomains, type BulkOperation, type Profile, type RunOutcome, type Snapshot, type SnapshotStore } from '@scimport/core';
import { t } from '@scimport/messages';
import {
  DAILY_QUOTAS,
  QuotaLedger,
  RunRecorder,
  isTargetLocked,
  lockTarget,
  openRun,
  pollResults,
  readAndRecordResults,
  sendAndRecord,
  startRun,
  type DroppedByRestart,
  type TargetLock,
  type UploadProgress,
} from '@scimport/transport';
import type { BudgetView, PreflightSummary, PreflightView, ResultRowView, TargetSpec, UploadStatus } from '../../shared/contract';
import { Connector, isUnreachable, prepareSandbox, type ConnectorContext } from './connection';
import { heldBackOf, targetIds, type DiffService } from './diff';
import { fail, toErrorData } from './errors';
import { BoundedMap, newId } from './ids';
import { Outbox, toEntryPlan, type UploadPlanInfo } from './outbox';
import { outboxNote, checkTarget, chunk, planOf, plainReason, seconds } from './upload-plan';
import { DEFAULT_POLL, DEFAULT_RETRY, reviveJob, statusOf, type UploadJob } from './upload-job';
import { decidesOwnership, lockForUpload, markDropped, recordFeedRun, recordLate, unlock } from './upload-record';
import { failuresOf, people, peopleOfRun, requests, resultMessage, resultRows, resultsCsv, waitingMessage, writeHistory } from './upload-results';

export interface UploadContext extends ConnectorContext {
  /** The snapshot store (encrypted with the keychain's key in the app). */
  snapshots: () => Promise<SnapshotStore>;
  /** How often the provisioning logs are read, and for how long (overridable for tests). */
  poll?: { sandbox: { intervalMs: number; minutes: number }; tenant: { intervalMs: number; minutes: number } };
  /** Pause before the outbox tries an unreachable target again: doubles from `firstMs` up to `maxMs`. */
  outboxRetry?: { firstMs: number; maxMs: number };
}

export class UploadService {
  private readonly uploads = new BoundedMap<UploadJob>(8, (job) => this.stopRetry(job));
  private readonly poll: NonNullable<UploadContext['poll']>;
  private readonly retry: NonNullable<UploadContext['outboxRetry']>;
  private readonly outbox: Outbox;
  private disposed = false;
  readonly connector: Connector;

  constructor(
    private readonly ctx: UploadContext,
    private readonly diffs: DiffService,
  ) {
    this.poll = ctx.poll ?? DEFAULT_POLL;
    this.retry = ctx.outboxRetry ?? DEFAULT_RETRY;
    this.connector = new Connector(ctx);
    this.outbox = new Outbox(ctx.dataDir);
  }

  async budget(diffId: string): Promise<BudgetView> {
    const diff = this.diffs.get(diffId);
    const status = await new QuotaLedger({ dataDir: this.ctx.dataDir }).quotaStatus(diff.snapshotTarget.tenantId, DAILY_QUOTAS.p1p2);
    return { callsNeeded: diff.view.calls, limit: status.limit, used: status.used, remaining: status.remaining, targetLabel: diff.view.targetLabel };
  }

  testConnection(target: TargetSpec, diffId?: string): Promise<PreflightView> {
    const diff = diffId ? this.diffs.get(diffId) : undefined;
    // The sign-in names' domains, checked against the tenant's verified ones (when it lets us read them).
    const domains = diff ? signInDomains(diff.diff.records.filter((r) => r.kind !== 'missing').map((r) => r.data)) : undefined;
    return this.connector.with(target, (connection) => checkTarget(connection, diff?.profile.extension, diff?.view.calls, domains));
  }

  /**
   * Everything checked before a comparison's plan is sent to its target: sign-in, permissions, the job (exists,
   * API-driven, running), custom attributes in its schema, the daily budget. The app enables sending only when
   * no check fails (or when the target cannot be reached at all: then the upload waits in the outbox).
   */
  async preflight(diffId: string): Promise<PreflightView> {
    const diff = this.diffs.get(diffId);
    const view = await this.testConnection(diff.target, diffId);
    if (!view.ok || view.unreachable) return view;
    // Every check passed: the screen says it in one line ("Ready to send 359 people to … — 8 of today's 2,000 calls").
    const budget = await this.budget(diffId);
    const summary: PreflightSummary = {
      people: diff.view.operations + diff.view.disables,
      heldBack: diff.view.heldBack,
      targetName: diff.target.kind === 'sandbox' ? t('services.target.sandboxShort') : diff.target.tenantId,
      targetLabel: diff.view.targetLabel,
      callsNeeded: budget.callsNeeded,
      callsLeftToday: budget.remaining,
      limit: budget.limit,
    };
    return { ...view, summary };
  }

  /** Starts sending a comparison's plan (or only its first person). One upload goes at a time. */
  /**
   * Starts sending a comparison's plan (or only its first person). One upload goes at a time. A comparison is sent
   * once: from the moment its upload starts, `upload:start` refuses it, and the upload's status gives the comparison
   * recomputed (`nextDiff`) once it ends.
   */
  async start(diffId: string, options: { firstOnly?: boolean; allowMassChanges?: boolean }): Promise<{ uploadId: string }> {
    // An upload still going (or waiting in the outbox) is said first: its people are not "just sent" yet.
    this.ensureIdle();
    const diff = this.diffs.unsent(diffId);
    const plan = planUpload(diff.diff, diff.profile, { feed: diff.feed, allowMassChanges: options.allowMassChanges ?? false, heldBack: heldBackOf(diff.validation.summary) });
    if (plan.gate.tripped) fail('REFUSED', t('services.upload.gateTripped', { reasons: plan.gate.reasons.join(' ') }));
    const ops = [...plan.operations, ...plan.disables];
    if (ops.length === 0 && !decidesOwnership(plan.feed)) fail('REFUSED', t('services.upload.nothingToSend'));
    // One upload per target and data folder, the CLI's included: planned, sent and recorded against one snapshot.
    const lock = await lockForUpload(this.ctx.dataDir, diff.snapshotTarget);
    try {
      await recordFeedRun(await this.ctx.snapshots(), diff, plan.feed);
      if (ops.length === 0) {
        diff.sent = { targetLabel: diff.view.targetLabel };
        fail('REFUSED', t('services.upload.feedRecorded'));
      }
      const started = await this.begin(planOf(diff), diff.feed, diff.snapshot, diff.profile, options.firstOnly ? ops.slice(0, 1) : ops, options.firstOnly ? ops.slice(1) : [], options.firstOnly ?? false, diffId, lock);
      diff.sent = { targetLabel: diff.view.targetLabel };
      return started;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }



  /** After "send one row first" went well: sends everyone else of the same plan. */
  async sendRest(uploadId: string): Promise<{ uploadId: string }> {
    const first = this.get(uploadId);
    if (!first.firstOnly || first.rest.length === 0) fail('REFUSED', t('services.upload.noRest'));
    if (first.state !== 'done') fail('REFUSED', t('services.upload.restWait'));
    if (!first.profile) fail('REFUSED', t('services.upload.restLost'));
    const rest = first.rest;
    first.rest = [];
    // The first upload's lock is gone with its session: the snapshot is loaded again under a new one.
    return this.begin(first.plan, first.feed, undefined, first.profile, rest, [], false, first.diffId);
  }

  private ensureIdle(): void {
    for (const job of this.uploads.values()) {
      if (job.state === 'sending' || job.state === 'waiting-for-results') fail('REFUSED', t('services.upload.busy'));
      if (job.state === 'queued') fail('REFUSED', t('services.upload.busyOutbox'));
    }
  }

  /** Starts a run of `ops` (an upload's plan, or an undo's: see UndoService) and sends it in the background. */
  async begin(
    plan: UploadPlanInfo,
    feed: string | undefined,
    snapshot: Snapshot | undefined,
    profile: Profile,
    ops: BulkOperation[],
    rest: BulkOperation[],
    firstOnly: boolean,
    diffId?: string,
    lock?: TargetLock,
  ): Promise<{ uploadId: string }> {
    this.ensureIdle();
    const requests = chunk(ops, profile);
    const run = await startRun({
      dataDir: this.ctx.dataDir,
      target: { ...targetIds(plan.target), cloud: plan.target.kind === 'sandbox' ? 'sandbox' : plan.target.cloud },
      chunks: requests,
      // The feed is kept with the run: a restart records its chunks as this feed's.
      // The target (never a secret) lets an undo of this run go to the same place.
      meta: { app: 'desktop', profile: { name: profile.name, version: profile.version }, input: { file: plan.file.name }, target: plan.target, ...(feed ? { feed } : {}), ...(plan.undoOf ? { undo: { of: plan.undoOf } } : {}) },
    });
    const id = newId('upload');
    const job: UploadJob = {
      id,
      plan,
      ...(feed ? { feed } : {}),
      // The snapshot in memory is trusted only while this lock is held (taken when the plan was checked).
      ...(snapshot && lock ? { snapshot } : {}),
      ...(lock ? { lock } : {}),
      run,
      rest,
      profile,
      firstOnly,
      people: ops.length,
      state: 'sending',
      progress: { chunksTotal: requests.length, chunksDone: 0, chunksFailed: 0, calls: 0, throttles: 0, retries: 0, elapsedMs: 0 },
      message: t('services.upload.sending', { people: people(ops.length), target: plan.targetLabel }),
      startedAt: new Date().toISOString(),
      calls: 0,
      task: Promise.resolve(),
      inOutbox: false,
      userPaused: false,
      recheck: false,
      ...(diffId ? { diffId } : {}),
    };
    this.uploads.set(id, job);
    // In the outbox from the start: if the app closes mid-way, the next start carries on.
    await this.keep(job);
    job.task = this.session(job);
    return { uploadId: id };
  }

  private async keep(job: UploadJob): Promise<void> {
    await this.outbox.save({
      runId: job.run.id,
      startedAt: job.startedAt,
      firstOnly: job.firstOnly,
      people: job.people,
      calls: job.calls,
      userPaused: job.userPaused,
      ...(job.awaitingResults ? { awaitingResults: true } : {}),
      plan: toEntryPlan(job.plan),
    });
    job.inOutbox = true;
  }

  private async release(job: UploadJob): Promise<void> {
    if (!job.inOutbox) return;
    // Out of the outbox list only once its file is gone: whoever reads the list then finds the folder agrees.
    await this.outbox.remove(job.run.id).catch(() => undefined);
    job.inOutbox = false;
  }

  /** One sending session: until done, paused, cancelled, failed or queued; then the results, the snapshot and history. */
  private async session(job: UploadJob): Promise<void> {
    this.stopRetry(job);
    const controller = new AbortController();
    job.controller = controller;
    job.stopping = undefined;
    job.state = 'sending';
    try {
      try {
        job.lock ??= await lockTarget(this.ctx.dataDir, job.plan.snapshotTarget, { purpose: 'an upload' });
      } catch (error) {
        // Another upload to the target (the CLI's, say): this one waits in the outbox and tries again later.
        if (!isTargetLocked(error)) throw error;
        await this.queue(job, t('services.upload.lockedQueued', { reason: toErrorData(error).message }));
        return;
      }
      job.connection ??= await this.connector.connect(job.plan.target);
      const connection = job.connection;
      if (job.recheck) {
        const remaining = job.progress.chunksTotal - job.progress.chunksDone;
        const view = await checkTarget(connection, job.plan.profile.extension, remaining);
        if (view.unreachable) {
          await this.queue(job, (view.checks[0]?.detail ?? t('services.upload.targetSilent')).replace(outboxNote(), ''));
          return;
        }
        const problems = view.checks.filter((c) => c.status === 'fail');
        if (problems.length > 0) {
          // Held back rather than sent into a job that would drop it: the person decides once it is fixed.
          job.userPaused = true;
          job.message = t('services.upload.heldBack', { count: problems.length, problems: problems.map((c) => `${c.title}: ${c.detail}`).join(' ') });
          await this.keep(job);
          job.state = 'paused';
          this.close(job);
          return;
        }
        job.recheck = false;
      }
      await prepareSandbox(connection, job.plan.profile.extension);
      // A sandbox whose clock runs faster says so; the screens show it and the expected times use it.
      job.timeScale ??= (await connection.client.sandboxInfo(controller.signal))?.timeScale ?? 1;
      const callsBefore = job.calls;
      const recorder = (job.recorder ??= await RunRecorder.open(job.run, { store: await this.ctx.snapshots(), ...(job.snapshot ? { snapshot: job.snapshot } : {}) }));
      // What a crash left unrecorded (accepted in the journal, not yet saved in the snapshot) goes in first.
      await recorder.catchUp();
      // The shared workflow: each accepted chunk is saved in the snapshot as it is accepted, as the CLI does.
      const summary = await sendAndRecord(job.run, {
        recorder,
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
            ...(p.pausedUntil !== undefined ? { pausedUntil: p.pausedUntil } : {}),
          };
          job.calls = callsBefore + p.calls;
          // "Bucket full": the whole run waits for the job's queue to drain; the status line says why and how long.
          if (p.pausedUntil !== undefined) job.message = t('services.upload.bucketFull', { wait: seconds(p.pausedUntil - Date.now()) });
          else if (p.last?.type === 'chunk') job.message = t('services.upload.sending', { people: people(job.people), target: job.plan.targetLabel });
        },
      });
      // Everything is accepted; the outbox keeps the run until every result is in, so a restart picks them up.
      job.awaitingResults = true;
      await this.keep(job);
      job.persons ??= await peopleOfRun(job.run);
      job.state = 'waiting-for-results';
      job.message = t(connection.sandbox ? 'services.upload.accepted' : 'services.upload.acceptedTenant', { requests: requests(summary.chunksTotal) });
      const poll = connection.sandbox ? this.poll.sandbox : this.poll.tenant;
      // Failures are marked in the snapshot with their reason (only where it still holds this run's payload).
      job.results = await readAndRecordResults(job.run, {
        recorder,
        client: connection.client,
        minutes: poll.minutes,
        intervalMs: poll.intervalMs,
        signal: controller.signal,
        timeScale: job.timeScale,
        onPoll: (r) => (job.results = r),
      });
      if (job.results.complete) job.awaitingResults = false;
      const failed = failuresOf(job.results).length;
      job.message = waitingMessage(job.results, job.rest.length);
      // The history entry is written before the state says "done": a reader that sees "done" finds it there.
      await this.finish(job, 'done', failed > 0 ? 'partial' : 'uploaded');
      this.close(job);
      // Late is normal (5–10 minutes): the people still waiting are followed in the background, not failed.
      this.followLate(job);
    } catch (error) {
      const stopping = job.stopping;
      if (stopping === undefined && isUnreachable(error) && job.progress.chunksDone < job.progress.chunksTotal && !this.disposed) {
        await this.queue(job, toErrorData(error).message);
        return;
      }
      if (stopping === 'pause' && job.progress.chunksDone < job.progress.chunksTotal) {
        job.message = t('services.upload.paused', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) });
        await this.keep(job).catch(() => undefined);
        job.state = 'paused';
        this.close(job);
        return;
      }
      if (stopping === 'pause') {
        // Everything was sent; only the wait for results was interrupted.
        job.message = t('services.upload.sentNoResults');
        await this.finish(job, 'done', 'uploaded');
        this.followLate(job);
      } else if (stopping === 'cancel') {
        job.message = t('services.upload.cancelled', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) });
        await this.finish(job, 'cancelled', 'cancelled');
      } else {
        job.error = toErrorData(error);
        job.message = job.error.message;
        await this.finish(job, 'failed', job.progress.chunksDone > 0 ? 'partial' : 'failed');
      }
      this.close(job);
    } finally {
      await unlock(job);
    }
  }

  /**
   * Reads the results of people still waiting in the background, without blocking another upload, until all are
   * in (then the outbox forgets the run); the app's next start carries on if it closes first.
   */
  private followLate(job: UploadJob): void {
    if (!job.awaitingResults || this.disposed || job.follow) return;
    if (job.results?.complete) {
      job.awaitingResults = false;
      void this.release(job);
      return;
    }
    const controller = new AbortController();
    job.follow = controller;
    const poll = job.plan.target.kind === 'sandbox' ? this.poll.sandbox : this.poll.tenant;
    void (async () => {
      const connection = await this.connector.connect(job.plan.target);
      try {
        job.timeScale ??= (await connection.client.sandboxInfo(controller.signal))?.timeScale ?? 1;
        job.results = await pollResults(job.run, { client: connection.client, intervalMs: poll.intervalMs, minutes: 24 * 60, timeScale: job.timeScale, signal: controller.signal, onPoll: (r) => (job.results = r) });
        await recordLate(this.ctx.dataDir, await this.ctx.snapshots(), job, job.results);
        if (job.results.complete) {
          job.awaitingResults = false;
          job.message = t('services.results.pickedUp', { summary: resultMessage(job.results, job.rest.length) });
          await this.release(job);
        }
      } finally {
        connection.credential.close();
      }
    })()
      .catch(() => undefined)
      .finally(() => (job.follow = undefined));
  }

  /** The target did not answer: the upload waits in the outbox and is tried again after a growing pause. */
  private async queue(job: UploadJob, reason: string): Promise<void> {
    this.close(job);
    const delayMs = job.retry ? Math.min(this.retry.maxMs, job.retry.delayMs * 2) : this.retry.firstMs;
    job.recheck = true;
    job.error = undefined;
    const sofar = job.progress.chunksDone > 0 ? ` ${t('services.upload.queuedSoFar', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) })}` : '';
    job.message = `${t('services.upload.queued', { reason: plainReason(reason), delay: seconds(delayMs) })}${sofar}`;
    job.retry = { delayMs };
    // "Queued" announces an upload kept in the outbox: it is said only once the outbox file is written.
    await this.keep(job).catch(() => undefined);
    if (job.stopping === 'cancel') {
      job.message = t('services.upload.cancelledWaiting', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) });
      await this.finish(job, 'cancelled', 'cancelled');
      return;
    }
    if (job.stopping === 'pause') {
      job.message = t('services.upload.pausedInOutbox', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) });
      await this.keep(job).catch(() => undefined);
      job.state = 'paused';
      return;
    }
    job.state = 'queued';
    if (this.disposed) return;
    const timer = setTimeout(() => this.tryNow(job), delayMs);
    timer.unref?.();
    job.retry.timer = timer;
  }

  private stopRetry(job: UploadJob): void {
    if (job.retry?.timer) clearTimeout(job.retry.timer);
    if (job.retry) job.retry.timer = undefined;
  }

  private tryNow(job: UploadJob): void {
    if (job.state !== 'queued' || this.disposed) return;
    job.task = this.session(job);
  }

  /** The window says the network is back: every upload waiting in the outbox tries now instead of after its pause. */
  online(): { retried: number } {
    let retried = 0;
    for (const job of this.uploads.values()) {
      if (job.state !== 'queued') continue;
      this.tryNow(job);
      retried += 1;
    }
    return { retried };
  }

  /** Uploads in the outbox (waiting for the target, paused, or carried over from before a restart). */
  outboxList(): UploadStatus[] {
    // Runs waiting only for their results are listed too: after a restart, this is how the person finds them.
    return [...this.uploads.values()].filter((job) => job.inOutbox).map((job) => this.status(job.id));
  }

  /**
   * Carries on with the outbox after the app (re)starts: an upload that was waiting or interrupted is checked and
   * sent again from its journal (the transport resends only what was not accepted); one the person paused stays
   * paused until they resume it.
   */
  async restore(): Promise<number> {
    let restored = 0;
    for (const entry of await this.outbox.list()) {
      const run = await openRun(this.ctx.dataDir, entry.runId).catch(() => undefined);
      if (!run) {
        await this.outbox.remove(entry.runId).catch(() => undefined);
        continue;
      }
      const job = await reviveJob(entry, run);
      this.uploads.set(job.id, job);
      restored += 1;
      if (job.awaitingResults) {
        job.persons = await peopleOfRun(run);
        this.followLate(job);
      } else if (!job.userPaused && !this.disposed) job.task = this.session(job);
    }
    return restored;
  }

  private close(job: UploadJob): void {
    job.connection?.credential.close();
    job.connection = undefined;
  }

  /**
   * Ends an upload: the history entry written, the outbox entry gone and the comparison recomputed against the
   * updated snapshot first, then the state that announces it (a reader that sees "done" finds all three).
   */
  private async finish(job: UploadJob, state: 'done' | 'cancelled' | 'failed', outcome: RunOutcome): Promise<void> {
    await writeHistory(this.ctx.dataDir, { runId: job.run.id, startedAt: job.startedAt, plan: job.plan, ...(job.feed ? { feed: job.feed } : {}), people: job.people, firstOnly: job.firstOnly, calls: job.calls, message: job.message }, outcome);
    // A run whose results are still to come stays in the outbox until they are in (see followLate).
    if (!(state === 'done' && job.awaitingResults)) await this.release(job);
    const next = job.diffId ? await this.diffs.recompute(job.diffId) : undefined;
    if (next) job.nextDiff = next;
    job.state = state;
  }

  get(uploadId: string): UploadJob {
    const job = this.uploads.get(uploadId);
    if (!job) fail('NOT_FOUND', t('services.upload.gone'));
    return job;
  }

  status(uploadId: string): UploadStatus {
    return statusOf(this.get(uploadId));
  }

  private resultRows(job: UploadJob): ResultRowView[] {
    return job.results ? resultRows(job.results, job.plan, job.persons) : [];
  }

  async pause(uploadId: string): Promise<UploadStatus> {
    const job = this.get(uploadId);
    if (job.state === 'queued') {
      this.stopRetry(job);
      job.userPaused = true;
      job.message = t('services.upload.pausedInOutbox', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) });
      await this.keep(job);
      job.state = 'paused';
      return this.status(uploadId);
    }
    if (job.state !== 'sending' && job.state !== 'waiting-for-results') fail('REFUSED', t('services.upload.notSending'));
    job.userPaused = true;
    job.stopping = 'pause';
    job.controller?.abort();
    await job.task;
    return this.status(uploadId);
  }

  async resume(uploadId: string): Promise<UploadStatus> {
    const job = this.get(uploadId);
    if (job.state !== 'paused') fail('REFUSED', t('services.upload.notPaused'));
    job.userPaused = false;
    job.retry = undefined;
    job.message = t('services.upload.resuming');
    await this.keep(job);
    job.task = this.session(job);
    return this.status(uploadId);
  }

  async cancel(uploadId: string): Promise<UploadStatus> {
    const job = this.get(uploadId);
    if (job.state === 'paused' || job.state === 'queued') {
      this.stopRetry(job);
      job.message = t('services.upload.cancelledWaiting', { done: job.progress.chunksDone, requests: requests(job.progress.chunksTotal) });
      await this.finish(job, 'cancelled', 'cancelled');
      this.close(job);
      return this.status(uploadId);
    }
    if (job.state !== 'sending' && job.state !== 'waiting-for-results') fail('REFUSED', t('services.upload.ended'));
    job.stopping = 'cancel';
    job.controller?.abort();
    await job.task;
    return this.status(uploadId);
  }

  /**
   * People of runs a job restart dropped before processing (see flagDroppedByRestart) are marked failed in their
   * target's snapshot, so the next comparison sends them again instead of taking them for up to date.
   */
  async markDropped(dropped: readonly DroppedByRestart[]): Promise<void> {
    await markDropped(this.ctx.dataDir, await this.ctx.snapshots(), dropped);
  }

  resultsReport(uploadId: string): { fileName: string; csv: string } {
    const job = this.get(uploadId);
    return { fileName: `results-${job.run.id}.csv`, csv: resultsCsv(this.resultRows(job)) };
  }

  /**
   * Stops every upload when the app closes. The journal keeps what was sent and the outbox what is left, so the
   * next start carries on; an upload the person paused stays paused.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of [...this.uploads.values()]) {
      this.stopRetry(job);
      job.follow?.abort();
      if (job.state === 'sending' || job.state === 'waiting-for-results') {
        job.stopping = 'pause';
        job.controller?.abort();
      }
      await job.task.catch(() => undefined);
      this.close(job);
    }
  }
}
