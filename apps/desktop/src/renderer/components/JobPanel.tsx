/**
 * The provisioning job behind the chosen target: its state as a badge and a sentence, the last run, the
 * quarantine reason, start and pause, and the notification email Entra needs before it runs a job.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { bridge } from '../client';
import { errorText } from './common';
import type { JobCode, JobView, TargetSpec } from '../../shared/contract';

const BADGES: Record<JobCode, { label: string; tone: 'good' | 'warn' | 'bad' }> = {
  active: { label: 'Running', tone: 'good' },
  paused: { label: 'Paused', tone: 'warn' },
  notRun: { label: 'Not run yet', tone: 'warn' },
  quarantine: { label: 'In quarantine', tone: 'bad' },
  notConfigured: { label: 'Not configured', tone: 'bad' },
  unknown: { label: 'Unknown', tone: 'warn' },
};

function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * `onChanged` runs after the job's state was changed here, so the preflight can be run again; a new `refreshKey`
 * (an upload that ended) reads the job's state again.
 */
export function JobPanel({ target, onChanged, refreshKey }: { target: TargetSpec; onChanged: () => void; refreshKey?: string }) {
  const [job, setJob] = useState<JobView>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [email, setEmail] = useState('');
  const [threshold, setThreshold] = useState('500');
  const [saved, setSaved] = useState<string>();
  const ids = { title: useId(), email: useId(), threshold: useId(), emailHint: useId() };
  const targetKey = JSON.stringify(target);
  // Kept in a ref so a new callback from the parent does not read the job again.
  const changedRef = useRef(onChanged);
  changedRef.current = onChanged;

  const run = useCallback(
    async (work: () => Promise<JobView | undefined>, changed: boolean) => {
      setBusy(true);
      setProblem(undefined);
      try {
        const view = await work();
        if (view) setJob(view);
        if (changed) changedRef.current();
      } catch (error) {
        setProblem(errorText(error));
      } finally {
        setBusy(false);
      }
    },
    [],
  );

  useEffect(() => {
    setJob(undefined);
    setSaved(undefined);
  }, [targetKey]);
  useEffect(() => {
    // The target's content, not its identity, decides which job is shown.
    void run(() => bridge.invoke('job:status', { target: JSON.parse(targetKey) as TargetSpec }), false);
  }, [targetKey, refreshKey, run]);

  const saveEmail = () =>
    run(async () => {
      const value = threshold.trim();
      const limit = value === '' ? null : Number(value);
      if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
        setProblem('The deletion limit must be a whole number of 1 or more (Entra\'s default is 500), or empty to switch it off.');
        return undefined;
      }
      const result = await bridge.invoke('job:notify', { target, email, deleteThreshold: limit });
      setSaved(
        `Entra will email ${result.recipients.join(', ')} when the job fails${result.deleteThreshold === null ? '; no deletion limit is set' : `, and stops the job before more than ${result.deleteThreshold} deletions in one cycle`}.`,
      );
      return result.job;
    }, true);

  const badge = job ? BADGES[job.code] : undefined;
  return (
    <section className="panel job-panel" aria-labelledby={ids.title}>
      <div className="row spread">
        <h2 id={ids.title} style={{ margin: 0 }}>
          Provisioning job
        </h2>
        {badge && (
          <span className={`badge ${badge.tone}`} role="status" aria-label={`Job status: ${badge.label}`}>
            {badge.label}
          </span>
        )}
      </div>
      {!job && !problem && <p className="hint">Reading the job's state…</p>}
      {problem && (
        <p className="fail" role="alert">
          {problem}
        </p>
      )}
      {job && (
        <>
          <p>{job.sentence}</p>
          <dl className="facts">
            <dt>Last run</dt>
            <dd>
              {job.lastRun ? `${when(job.lastRun.ended ?? job.lastRun.began)}${job.lastRun.state ? ` (${job.lastRun.state})` : ''}` : 'never'}
              {job.lastRun?.error ? ` — ${job.lastRun.error}` : ''}
            </dd>
            <dt>Last caught up</dt>
            <dd>{when(job.steadyStateAt)}</dd>
            {job.quarantine && (
              <>
                <dt>Quarantine reason</dt>
                <dd>
                  {job.quarantine.reason}
                  {job.quarantine.nextAttempt ? ` (Entra tries again at ${when(job.quarantine.nextAttempt)})` : ''}
                </dd>
              </>
            )}
            <dt>Job</dt>
            <dd className="mono">{job.jobId}</dd>
          </dl>
          <div className="row">
            {job.code !== 'active' && job.isApiDriven && (
              <button type="button" className="primary" disabled={busy} onClick={() => void run(() => bridge.invoke('job:start', { target }), true)}>
                Start the job
              </button>
            )}
            {job.code === 'active' && (
              <button type="button" disabled={busy} onClick={() => void run(() => bridge.invoke('job:pause', { target }), true)}>
                Pause the job
              </button>
            )}
            <button type="button" className="quiet" disabled={busy} onClick={() => void run(() => bridge.invoke('job:status', { target }), true)}>
              Read the state again
            </button>
          </div>
        </>
      )}
      <form
        className="row notify"
        onSubmit={(e) => {
          e.preventDefault();
          void saveEmail();
        }}
      >
        <div className="field">
          <label htmlFor={ids.email}>Notification email</label>
          <input id={ids.email} type="text" inputMode="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-describedby={ids.emailHint} size={34} />
        </div>
        <div className="field">
          <label htmlFor={ids.threshold}>Stop after this many deletions</label>
          <input id={ids.threshold} type="number" min={1} value={threshold} onChange={(e) => setThreshold(e.target.value)} style={{ width: '8rem' }} />
        </div>
        <button type="submit" disabled={busy || email.trim() === ''}>
          Save the email
        </button>
      </form>
      <p className="hint" id={ids.emailHint}>
        {saved ?? 'Entra will not run a job without someone to tell when it fails. Several addresses: separate them with ";". Microsoft does not let apps read the saved email back.'}
      </p>
    </section>
  );
}
