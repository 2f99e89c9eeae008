/**
 * The provisioning job behind the chosen target: its state as a badge and a sentence, the last run, the
 * quarantine reason, start and pause, and the notification email Entra needs before it runs a job.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { bridge } from '../client';
import { t, type MessageKey } from '@scimport/messages';
import { errorText, formatDate } from './common';
import type { JobCode, JobView, TargetSpec } from '../../shared/contract';

const BADGES: Record<JobCode, { label: MessageKey; tone: 'good' | 'warn' | 'bad' }> = {
  active: { label: 'app.job.active', tone: 'good' },
  paused: { label: 'app.job.paused', tone: 'warn' },
  notRun: { label: 'app.job.notRun', tone: 'warn' },
  quarantine: { label: 'app.job.quarantine', tone: 'bad' },
  notConfigured: { label: 'app.job.notConfigured', tone: 'bad' },
  unknown: { label: 'app.job.unknown', tone: 'warn' },
};

function when(iso: string | null | undefined): string {
  return iso ? formatDate(iso) : t('app.job.never');
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
        setProblem(t('app.job.badThreshold'));
        return undefined;
      }
      const result = await bridge.invoke('job:notify', { target, email, deleteThreshold: limit });
      setSaved(
        result.deleteThreshold === null
          ? t('app.job.savedNoLimit', { recipients: result.recipients.join(', ') })
          : t('app.job.saved', { recipients: result.recipients.join(', '), limit: result.deleteThreshold }),
      );
      return result.job;
    }, true);

  const badge = job ? BADGES[job.code] : undefined;
  return (
    <section className="panel job-panel" aria-labelledby={ids.title}>
      <div className="row spread">
        <h2 id={ids.title} style={{ margin: 0 }}>
          {t('app.job.title')}
        </h2>
        {badge && (
          <span className={`badge ${badge.tone}`} role="status" aria-label={t('app.job.statusLabel', { status: t(badge.label) })}>
            {t(badge.label)}
          </span>
        )}
      </div>
      {!job && !problem && <p className="hint">{t('app.job.reading')}</p>}
      {problem && (
        <p className="fail" role="alert">
          {problem}
        </p>
      )}
      {job && (
        <>
          <p>{job.sentence}</p>
          <dl className="facts">
            <dt>{t('app.job.lastRun')}</dt>
            <dd>
              {job.lastRun ? `${when(job.lastRun.ended ?? job.lastRun.began)}${job.lastRun.state ? ` (${job.lastRun.state})` : ''}` : t('app.job.never')}
              {job.lastRun?.error ? ` — ${job.lastRun.error}` : ''}
            </dd>
            <dt>{t('app.job.caughtUp')}</dt>
            <dd>{when(job.steadyStateAt)}</dd>
            {job.quarantine && (
              <>
                <dt>{t('app.job.quarantineReason')}</dt>
                <dd>
                  {job.quarantine.reason}
                  {job.quarantine.nextAttempt ? ` ${t('app.job.nextAttempt', { when: when(job.quarantine.nextAttempt) })}` : ''}
                </dd>
              </>
            )}
            <dt>{t('app.job.job')}</dt>
            <dd className="mono">{job.jobId}</dd>
          </dl>
          <div className="row">
            {job.code !== 'active' && job.isApiDriven && (
              <button
                type="button"
                className="primary"
                disabled={busy}
                // Starting a quarantined job restarts it, and a restart of a job that is not running drops what was
                // uploaded and not yet processed (entra-docs inbound-provisioning-api-faqs): asked before, not told after.
                onClick={() => (job.code !== 'quarantine' || window.confirm(t('app.job.restartWarning'))) && void run(() => bridge.invoke('job:start', { target }), true)}
              >
                {t('app.job.start')}
              </button>
            )}
            {job.code === 'active' && (
              <button type="button" disabled={busy} onClick={() => void run(() => bridge.invoke('job:pause', { target }), true)}>
                {t('app.job.pause')}
              </button>
            )}
            <button type="button" className="quiet" disabled={busy} onClick={() => void run(() => bridge.invoke('job:status', { target }), true)}>
              {t('app.job.refresh')}
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
          <label htmlFor={ids.email}>{t('app.job.email')}</label>
          <input id={ids.email} type="text" inputMode="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-describedby={ids.emailHint} size={34} />
        </div>
        <div className="field">
          <label htmlFor={ids.threshold}>{t('app.job.threshold')}</label>
          <input id={ids.threshold} type="number" min={1} value={threshold} onChange={(e) => setThreshold(e.target.value)} style={{ width: '8rem' }} />
        </div>
        <button type="submit" disabled={busy || email.trim() === ''}>
          {t('app.job.saveEmail')}
        </button>
      </form>
      <p className="hint" id={ids.emailHint}>
        {saved ?? t('app.job.emailHint')}
      </p>
    </section>
  );
}
