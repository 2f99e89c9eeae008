/**
 * The provisioning job behind a target, for the job panel of the Upload screen: its state in words, start and
 * pause, the notification email Entra needs before it runs a job. An upload to a paused or quarantined job is
 * accepted and then silently does nothing; this panel and the preflight are where the person finds out first.
 */
import { flagDroppedByRestart, getJobStatus, pauseJob, restartJob, setNotificationSettings, startJob, type AuthMethod, type DroppedByRestart, type JobStatusSummary, type PreflightReport } from '@scimport/transport';
import { t } from '@scimport/messages';
import type { JobView, PreflightView, TargetSpec } from '../../shared/contract';
import type { Connection, Connector } from './connection';
import { describeTarget, targetIds } from './diff';
import { fail } from './errors';

const START = 'press "Start the job" in the job panel';

/** What a job's state means for an upload and what to do, in the app's words (the transport's name CLI commands). */
export function jobSentence(summary: JobStatusSummary): string {
  if (!summary.isApiDriven) return summary.sentence;
  switch (summary.code) {
    case 'active':
      return summary.countSuccessiveCompleteFailures > 0
        ? summary.sentence
        : 'The job is running: what you upload is processed, and each person\'s result appears in the provisioning logs (after 5 to 10 minutes in Entra, at once in the sandbox).';
    case 'paused':
      return `The job is paused: an upload would be accepted, but nobody would be processed until the job runs again — ${START} before you send.`;
    case 'notRun':
      return `The job has never been started: an upload would be accepted, but nobody would be processed — set the notification email, then ${START}.`;
    case 'quarantine': {
      const q = summary.quarantine;
      const cause = q?.error?.code ?? q?.reason ?? 'no reason given';
      const what = /NotificationEmail/i.test(`${q?.error?.code ?? ''} ${q?.reason ?? ''}`)
        ? `set the notification email in the job panel, then ${START} (it lifts the quarantine)`
        : `fix the cause shown on the provisioning page of the Entra admin center${q?.error?.message ? ` (${q.error.message})` : ''}, then ${START} to lift the quarantine`;
      const retry = q?.nextAttempt ? ` Entra tries again on its own at ${q.nextAttempt}.` : '';
      return `The job is in quarantine (${cause}): uploads are accepted but nobody is processed; ${what}.${retry}`;
    }
    default:
      return summary.sentence;
  }
}

export function jobView(summary: JobStatusSummary, target: TargetSpec): JobView {
  const q = summary.quarantine;
  const last = summary.lastExecution;
  const lastError = last?.error?.message ?? last?.error?.code ?? undefined;
  const quarantineReason = q ? (q.error?.message ?? q.error?.code ?? q.reason ?? 'no reason given') : undefined;
  return {
    jobId: summary.jobId,
    code: summary.code,
    isApiDriven: summary.isApiDriven,
    templateId: summary.templateId,
    sentence: jobSentence(summary),
    ...(last ? { lastRun: { began: last.began, ended: last.ended, state: last.state, ...(lastError ? { error: lastError } : {}) } } : {}),
    ...(q && quarantineReason ? { quarantine: { reason: quarantineReason, since: q.since, nextAttempt: q.nextAttempt } } : {}),
    steadyStateAt: summary.steadyStateLastAchievedTime,
    targetLabel: describeTarget(target),
  };
}

/** The sign-in method in the app's words (the transport's line is for logs). */
function signInMethodSentence(method: AuthMethod): string {
  const clientId = method.appId ?? '';
  switch (method.kind) {
    case 'secret':
      return t('services.preflight.signInMethod.secret', { clientId });
    case 'certificate':
      return t('services.preflight.signInMethod.certificate', { clientId });
    case 'federated':
      return t('services.preflight.signInMethod.federated', { clientId, file: method.file ?? '' });
    case 'managedIdentity':
      return t('services.preflight.signInMethod.managedIdentity');
    default:
      return t('services.preflight.signInMethod.delegated', { clientId });
  }
}

/** A preflight report as the app shows it; the job's state is said in the app's words. */
export function preflightView(report: PreflightReport, sandbox: boolean): PreflightView {
  return {
    ok: report.ok,
    checks: report.checks.map((c) => {
      let detail = c.sentence;
      if (c.id === 'jobRunning' && report.job?.isApiDriven) detail = jobSentence(report.job);
      // The sandbox counts calls only on this computer, like the app: its budget is the rehearsal's.
      if (sandbox && c.id === 'quota') detail = detail.replace("the tenant's", "the sandbox's");
      if (c.id === 'signInMethod' && c.method) return { id: c.id, status: c.status, title: t('services.preflight.signInMethod'), detail: signInMethodSentence(c.method) };
      return { id: c.id, status: c.status, title: c.title, detail };
    }),
  };
}

export class JobService {
  constructor(
    private readonly connector: Connector,
    /** The app's data folder, where the runs a restart may have dropped are. */
    private readonly dataDir?: string,
    /** Told of the runs a restart dropped, so their people are sent again by the next upload. */
    private readonly onDropped?: (dropped: DroppedByRestart[]) => Promise<void>,
  ) {}

  private read(connection: Connection, target: TargetSpec): Promise<JobView> {
    return getJobStatus(connection.client).then((s) => jobView(s, target));
  }

  status(target: TargetSpec): Promise<JobView> {
    return this.connector.with(target, (c) => this.read(c, target));
  }

  /**
   * Starts the job; a quarantined job is restarted with the QuarantineState scope only (it lifts the quarantine and
   * forgets nothing). Without a notification email Entra puts the job (back) into quarantine, which the answer shows.
   */
  start(target: TargetSpec): Promise<JobView> {
    return this.connector.with(target, async (c) => {
      const before = await getJobStatus(c.client);
      if (!before.isApiDriven) fail('REFUSED', before.sentence);
      let dropped = 0;
      if (before.code === 'quarantine') {
        const restartedAt = Date.now();
        await restartJob(c.client, 'QuarantineState');
        // A job that is not running purges, at a restart, what it had not processed (entra-docs
        // inbound-provisioning-api-faqs): the runs concerned are flagged for a re-send, and the answer says so.
        if (this.dataDir) {
          const flagged = await flagDroppedByRestart({ dataDir: this.dataDir, target: targetIds(target), before, restartedAt });
          await this.onDropped?.(flagged);
          dropped = flagged.reduce((n, d) => n + d.people, 0);
        }
      } else if (before.code !== 'active') await startJob(c.client);
      const view = await this.read(c, target);
      return dropped > 0 ? { ...view, sentence: `${view.sentence} ${t('services.job.droppedByRestart', { count: dropped })}` } : view;
    });
  }

  pause(target: TargetSpec): Promise<JobView> {
    return this.connector.with(target, async (c) => {
      const before = await getJobStatus(c.client);
      if (!before.isApiDriven) fail('REFUSED', before.sentence);
      if (before.code === 'active') await pauseJob(c.client);
      return this.read(c, target);
    });
  }

  /**
   * Sets who Entra emails when the job fails (it will not run a job without someone to tell) and the
   * accidental-deletions threshold, which travels in the same setting: Graph cannot read it back, so the person
   * states it (the app offers Entra's default of 500) rather than have it switched off unseen.
   */
  notify(target: TargetSpec, email: string, deleteThreshold: number | null): Promise<{ recipients: string[]; deleteThreshold: number | null; job: JobView }> {
    return this.connector.with(target, async (c) => {
      const saved = await setNotificationSettings(c.client, {
        recipients: email,
        ...(deleteThreshold === null ? { deleteThresholdEnabled: false } : { deleteThresholdValue: deleteThreshold }),
      });
      return { recipients: saved.recipients, deleteThreshold: saved.deleteThresholdEnabled ? (saved.deleteThresholdValue ?? null) : null, job: await this.read(c, target) };
    });
  }
}
