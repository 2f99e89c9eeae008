/**
 * Upload: one line that says whether it is ready ("Ready to send 359 people to … — 8 of today's 2,000 calls"),
 * then sending — one person first if wanted — with progress, pause, resume and cancel. Where to send, the job
 * and the checks' particulars (ids, permissions) are folded under their own headings for administrators.
 * Once an upload ends, the comparison is the one the services recomputed: nothing is offered twice.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge } from '../client';
import { FooterBar, Progress, TechnicalDetails, describeDuration, errorText, formatNumber, usePolling } from '../components/common';
import { JobPanel } from '../components/JobPanel';
import { PreflightList } from '../components/PreflightList';
import { TargetChooser } from '../components/TargetChooser';
import { useApp } from '../state';
import type { BudgetView, PreflightView, UploadStatus } from '../../shared/contract';

const going = (s: UploadStatus) => s.state === 'sending' || s.state === 'waiting-for-results' || s.state === 'queued';

export function UploadScreen() {
  const app = useApp();
  const { diff, uploadId } = app.state;
  const [budget, setBudget] = useState<BudgetView>();
  const [status, setStatus] = useState<UploadStatus>();
  const [busy, setBusy] = useState(false);
  const [preflight, setPreflight] = useState<PreflightView>();
  const [preflightError, setPreflightError] = useState<string>();
  const [checking, setChecking] = useState(false);
  const statusRef = useRef<HTMLHeadingElement>(null);
  const diffId = diff?.diffId;

  useEffect(() => {
    if (diff) bridge.invoke('upload:budget', { diffId: diff.diffId }).then(setBudget, app.report);
  }, [diff, app.report]);

  // The preflight runs whenever the comparison (and so the target) changes, and after the job panel changed the job.
  const check = useCallback(async () => {
    if (!diffId) return;
    setChecking(true);
    setPreflightError(undefined);
    try {
      setPreflight(await bridge.invoke('upload:preflight', { diffId }));
    } catch (error) {
      setPreflight(undefined);
      setPreflightError(errorText(error));
    } finally {
      setChecking(false);
    }
  }, [diffId]);
  useEffect(() => {
    setPreflight(undefined);
    void check();
  }, [check]);

  const live = Boolean(uploadId) && (!status || going(status));
  usePolling(live, async () => {
    const s = await bridge.invoke('upload:status', { uploadId: uploadId! });
    setStatus(s);
    if (!going(s) && s.nextDiff) app.update({ diff: s.nextDiff, allowMassChanges: false });
    return !going(s);
  }, 200);

  // The keyboard and screen reader follow the upload: to its heading when it starts and when it ends.
  const ended = status && !['sending', 'waiting-for-results', 'paused', 'queued'].includes(status.state);
  useEffect(() => {
    if (status) statusRef.current?.focus();
  }, [status?.uploadId, ended]);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const start = (firstOnly: boolean) =>
    act(async () => {
      setStatus(undefined);
      const { uploadId: id } = await bridge.invoke('upload:start', { diffId: diff!.diffId, firstOnly, allowMassChanges: app.state.allowMassChanges });
      app.update({ uploadId: id });
    });

  if (!diff) return null;
  const total = diff.operations + diff.disables;
  const failed = preflight?.checks.filter((c) => c.status === 'fail') ?? [];
  const warned = preflight?.checks.filter((c) => c.status === 'warn') ?? [];
  const offline = Boolean(preflight?.unreachable);
  const cleared = (Boolean(preflight?.ok) || offline) && !checking;
  const sending = Boolean(status && !ended);
  const readiness = checking || (!preflight && !preflightError)
    ? { tone: 'info', text: t('app.upload.checking') }
    : total === 0
      ? { tone: 'ok', text: diff.waiting > 0 ? `${t('app.diff.nothingToSendNow', { target: diff.targetLabel })} ${t('app.diff.waitingNote', { count: diff.waiting })}` : t('app.upload.nothing', { target: diff.targetLabel }) }
      : preflightError
        ? { tone: 'error', text: t('app.upload.cannotCheck', { problem: preflightError }) }
        : failed.length > 0 && !offline
          ? { tone: 'error', text: t('app.upload.blocked', { count: failed.length, problems: failed.map((c) => `${c.title} — ${c.detail}`).join(' ') }) }
          : offline
            ? { tone: 'warn', text: t('app.upload.offline', { people: total }) }
            : { tone: warned.length ? 'warn' : 'ok', text: `${t('app.upload.ready', { people: total, target: preflight?.summary?.targetName ?? diff.targetLabel, calls: preflight?.summary?.callsNeeded ?? budget?.callsNeeded ?? diff.calls, limit: formatNumber(preflight?.summary?.limit ?? budget?.limit ?? 2000) })}${warned.length ? ` ${t('app.upload.readyNotes', { count: warned.length })}` : ''}` };
  const p = status?.progress;
  const heldBack = preflight?.summary?.heldBack ?? diff.heldBack;
  return (
    <section aria-labelledby="upload-title">
      <h1 id="upload-title" tabIndex={-1}>
        {t('app.upload.title')}
      </h1>
      <div className={`banner ${readiness.tone}`} role="status" id="send-readiness">
        <p>
          <strong>{readiness.text}</strong>
        </p>
        {heldBack > 0 && total > 0 && <p>{t('app.diff.heldBack', { count: heldBack })}</p>}
      </div>
      {warned.length > 0 && failed.length === 0 && !checking && (
        <ul className="list" aria-label={t('app.upload.notes')}>
          {warned.map((c) => (
            <li key={c.id}>
              <span className="sev-warning">{c.title}</span> — {c.detail}
            </li>
          ))}
        </ul>
      )}
      {(!status || ended) && (
        <div className="row">
          <button type="button" onClick={() => void start(true)} disabled={busy || !cleared || total === 0 || sending} aria-describedby="send-readiness">
            {t('app.upload.sendOne')}
          </button>
        </div>
      )}
      {status && (
        <div className="panel" style={{ marginTop: '1rem' }}>
          <h2 style={{ marginTop: 0 }} tabIndex={-1} ref={statusRef}>
            {status.firstOnly ? t('app.upload.sendingOne') : t('app.upload.sendingMany', { people: status.people })}
          </h2>
          {p && (
            <Progress label={t('app.upload.progress')} value={p.chunksDone} max={p.chunksTotal}>
              {t('app.upload.progressText', { done: p.chunksDone, total: p.chunksTotal, calls: p.calls, waits: p.throttles })}
              {p.etaMs !== undefined && p.etaMs > 0 ? ` · ${t('app.upload.eta', { duration: describeDuration(p.etaMs) })}` : ''}
            </Progress>
          )}
          <p role="status">{status.message}</p>
          {status.sandboxTimeScale ? <p className="hint">{t('app.sandbox.timeScale', { scale: status.sandboxTimeScale })}</p> : null}
          <div className="row">
            {status.state === 'queued' && (
              <button type="button" onClick={() => void act(async () => void (await bridge.invoke('upload:online', {})))} disabled={busy}>
                {t('app.upload.tryNow')}
              </button>
            )}
            {(status.state === 'sending' || status.state === 'waiting-for-results' || status.state === 'queued') && (
              <button type="button" onClick={() => void act(async () => setStatus(await bridge.invoke('upload:pause', { uploadId: status.uploadId })))} disabled={busy}>
                {t('app.upload.pause')}
              </button>
            )}
            {status.state === 'paused' && (
              <button type="button" className="primary" onClick={() => void act(async () => setStatus(await bridge.invoke('upload:resume', { uploadId: status.uploadId })))} disabled={busy}>
                {t('app.upload.resume')}
              </button>
            )}
            {(status.state === 'sending' || status.state === 'waiting-for-results' || status.state === 'paused' || status.state === 'queued') && (
              <button type="button" className="danger" onClick={() => void act(async () => setStatus(await bridge.invoke('upload:cancel', { uploadId: status.uploadId })))} disabled={busy}>
                {t('app.upload.cancel')}
              </button>
            )}
            {status.state === 'done' && status.firstOnly && status.remaining > 0 && (
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    const { uploadId: id } = await bridge.invoke('upload:sendRest', { uploadId: status.uploadId });
                    setStatus(undefined);
                    app.update({ uploadId: id });
                  })
                }
              >
                {t('app.upload.sendRest', { people: status.remaining })}
              </button>
            )}
          </div>
          {status.results && status.results.rows.length > 0 && status.firstOnly && (
            <ul className="list" aria-label={t('app.upload.firstResult')}>
              {status.results.rows.map((r) => (
                <li key={r.externalId}>
                  <span className={r.status === 'success' ? 'pass' : 'fail'}>{r.status === 'success' ? t('app.upload.firstOk') : t('app.upload.firstFailed')}</span> {r.displayName ?? r.externalId}{' '}
                  {r.row !== null ? t('app.check.row', { row: r.row }) : ''} {r.explanation ?? r.reason ?? ''}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <details className="panel settings">
        <summary>{t('app.upload.whereSummary', { target: diff.targetLabel })}</summary>
        <TargetChooser onCheck={() => void check()} />
        <JobPanel target={app.state.target} onChanged={() => void check()} refreshKey={`${status?.uploadId ?? ''}:${ended ? 'ended' : 'open'}`} />
      </details>
      <TechnicalDetails summary={t('app.upload.checksSummary')}>
        <section className="preflight" aria-labelledby="preflight-title" aria-busy={checking}>
          <h2 id="preflight-title" style={{ marginTop: 0 }}>
            {t('app.upload.checksTitle')}
          </h2>
          {preflight && <PreflightList view={preflight} label={t('app.upload.checksLabel')} />}
          {budget && <p>{t('app.upload.budget', { calls: budget.callsNeeded, remaining: formatNumber(budget.remaining), limit: formatNumber(budget.limit) })}</p>}
        </section>
      </TechnicalDetails>
      <FooterBar note={status && ended ? status.message : undefined}>
        {status && ended && (
          <button type="button" onClick={() => app.go('results')}>
            {t('app.upload.seeResults')}
          </button>
        )}
        <button type="button" className="primary" onClick={() => void start(false)} disabled={busy || !cleared || total === 0 || sending} aria-describedby="send-readiness">
          {t('app.upload.sendAll', { people: total })}
        </button>
      </FooterBar>
    </section>
  );
}
