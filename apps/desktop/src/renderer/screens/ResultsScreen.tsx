/**
 * Results: each person's outcome as the provisioning logs report it — named, in the file's row order, grouped
 * by outcome with failures first and explained — the annotated workbook, and the history of earlier uploads.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { t, type MessageKey } from '@scimport/messages';
import { bridge, download, downloadBase64 } from '../client';
import { Stat, TechnicalDetails, formatDate, usePolling } from '../components/common';
import { UndoPanel } from '../components/UndoPanel';
import { useApp } from '../state';
import type { HistoryView, ResultOutcome, ResultRowView, UploadStatus } from '../../shared/contract';

const OUTCOMES: Record<string, MessageKey> = {
  uploaded: 'app.results.outcomeUploaded',
  partial: 'app.results.outcomePartial',
  failed: 'app.results.outcomeFailed',
  blocked: 'app.results.outcomeBlocked',
  'nothing-to-send': 'app.results.outcomeNothing',
  'dry-run': 'app.results.outcomeDryRun',
  cancelled: 'app.results.outcomeCancelled',
};

/** Outcome groups in the order a person deals with them: what failed first. */
const GROUPS: { id: ResultOutcome; label: MessageKey }[] = [
  { id: 'failed', label: 'app.results.groupFailed' },
  { id: 'waiting', label: 'app.results.groupWaiting' },
  { id: 'skipped', label: 'app.results.groupWarning' },
  { id: 'created', label: 'app.results.groupCreated' },
  { id: 'disabled', label: 'app.results.groupDisabled' },
  { id: 'updated', label: 'app.results.groupUpdated' },
];

function byRow(a: ResultRowView, b: ResultRowView): number {
  return (a.row ?? Number.MAX_SAFE_INTEGER) - (b.row ?? Number.MAX_SAFE_INTEGER);
}

export function ResultsScreen() {
  const app = useApp();
  const { uploadId } = app.state;
  const [status, setStatus] = useState<UploadStatus>();
  const [history, setHistory] = useState<HistoryView[]>([]);
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [saving, setSaving] = useState(false);
  /** The run whose undo is being previewed. */
  const [undoing, setUndoing] = useState<string>();
  const filterId = useId();
  const closeUndo = useCallback(() => setUndoing(undefined), []);
  // The undo is an upload: this screen follows it like any other, and the history shows it once it ends.
  const undoStarted = useCallback(
    (id: string) => {
      setUndoing(undefined);
      setStatus(undefined);
      app.update({ uploadId: id });
    },
    [app],
  );

  usePolling(Boolean(uploadId), async () => {
    const s = await bridge.invoke('upload:status', { uploadId: uploadId! });
    setStatus(s);
    return s.state !== 'sending' && s.state !== 'waiting-for-results' && s.state !== 'queued';
  }, 500, uploadId);

  // Only the newest answer is shown: two reads in flight (the screen opening, then the upload ending) may come back
  // in either order, and an older list would hide the entry the newer one has.
  const historyRead = useRef(0);
  useEffect(() => {
    const read = (historyRead.current += 1);
    bridge.invoke('history:list', {}).then((h) => {
      if (read === historyRead.current) setHistory(h.entries);
    }, app.report);
  }, [status?.state, app.report]);

  const saveCopy = async () => {
    if (!status) return;
    setSaving(true);
    try {
      const copy = await bridge.invoke('upload:annotated', { uploadId: status.uploadId });
      downloadBase64(copy.fileName, copy.dataBase64);
    } catch (error) {
      app.report(error);
    } finally {
      setSaving(false);
    }
  };

  const all = [...(status?.results?.rows ?? [])].sort(byRow);
  const count = (id: ResultOutcome) => status?.results?.groups.find((g) => g.outcome === id)?.count ?? 0;
  return (
    <section aria-labelledby="results-title">
      <h1 id="results-title" tabIndex={-1}>
        {t('app.results.title')}
      </h1>
      {status ? (
        <>
          <p className="lead">{status.message}</p>
          {status.sandboxTimeScale ? <p className="hint">{t('app.sandbox.timeScale', { scale: status.sandboxTimeScale })}</p> : null}
          {status.feed ? <p className="hint">{t('app.results.feed', { feed: status.feed })}</p> : null}
          <div className="stats" role="group" aria-label={t('app.results.outcomes')}>
            <Stat label={t('app.results.statCreated')} value={count('created')} tone="good" />
            <Stat label={t('app.results.statUpdated')} value={count('updated')} tone="good" />
            <Stat label={t('app.results.statDisabled')} value={count('disabled')} />
            <Stat label={t('app.results.statFailed')} value={count('failed')} tone={count('failed') ? 'bad' : undefined} />
            <Stat label={t('app.results.statWaiting')} value={count('waiting')} />
          </div>
          <div className="row">
            <input id={filterId} type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.target.checked)} />
            <label htmlFor={filterId}>{t('app.results.problemsOnly')}</label>
            <button type="button" onClick={() => void saveCopy()} disabled={saving || !status.results}>
              {saving ? t('app.check.saving') : t('app.results.saveCopy')}
            </button>
            <button type="button" onClick={() => void bridge.invoke('upload:resultsReport', { uploadId: status.uploadId }).then((r) => download(r.fileName, r.csv), app.report)}>
              {t('app.results.export')}
            </button>
          </div>
          {GROUPS.filter((g) => !problemsOnly || g.id === 'failed' || g.id === 'skipped' || g.id === 'waiting').map((g) => {
            const rows = all.filter((r) => r.outcome === g.id);
            if (rows.length === 0) return null;
            return (
              <section key={g.id} className="result-group" aria-labelledby={`results-${g.id}`}>
                <h2 id={`results-${g.id}`}>{t(g.label, { count: rows.length })}</h2>
                <table className="simple">
                  <thead>
                    <tr>
                      <th scope="col">{t('app.results.colPerson')}</th>
                      <th scope="col">{t('app.results.colRow')}</th>
                      <th scope="col">{t('app.results.colWhy')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={`${r.externalId}-${r.row ?? ''}`}>
                        <td>
                          {r.displayName ?? r.externalId} <span className="hint">{t('app.diff.employeeId', { id: r.employeeId ?? r.externalId })}</span>
                        </td>
                        <td>{r.row ?? '—'}</td>
                        <td>
                          {r.explanation ?? r.reason ?? ''}
                          {r.recommendedAction && !r.explanation ? <p className="hint">{t('app.results.whatToDo', { action: r.recommendedAction })}</p> : null}
                          {r.errorCode ? <span className="visually-hidden"> {r.errorCode}</span> : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            );
          })}
          {status.results?.note && <p className="hint">{status.results.note}</p>}
        </>
      ) : (
        <p className="lead">{t('app.results.none')}</p>
      )}
      <h2>{t('app.results.history')}</h2>
      {undoing && <UndoPanel runId={undoing} onClose={closeUndo} onStarted={undoStarted} report={app.report} />}
      {history.length === 0 ? (
        <p className="hint">{t('app.results.historyEmpty')}</p>
      ) : (
        <table className="simple">
          <caption className="visually-hidden">{t('app.results.historyCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('app.results.colWhen')}</th>
              <th scope="col">{t('app.results.colFile')}</th>
              <th scope="col">{t('app.results.colPeople')}</th>
              <th scope="col">{t('app.results.colOutcome')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={`${h.runId}-${h.finishedAt}`}>
                <td>{formatDate(h.finishedAt)}</td>
                <td>
                  {h.file?.name ?? '—'}
                  <p className="hint">{t('app.results.profile', { name: h.profile.name, version: h.profile.version })}</p>
                  {h.feed ? <p className="hint">{t('app.results.feed', { feed: h.feed })}</p> : null}
                  {h.undoOf ? <p className="hint">{t('app.results.undoOf', { run: h.undoOf })}</p> : null}
                </td>
                <td>{h.operations ?? 0}</td>
                <td>
                  {OUTCOMES[h.outcome] ? t(OUTCOMES[h.outcome]!) : h.outcome}
                  {h.message ? <p className="hint">{h.message}</p> : null}
                  {h.undoable ? (
                    <button type="button" onClick={() => setUndoing(h.runId)} disabled={undoing !== undefined}>
                      {t('app.results.undo')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {status && (
        <TechnicalDetails>
          <p className="hint">{t('app.results.technical', { runId: status.runId, calls: status.progress.calls })}</p>
        </TechnicalDetails>
      )}
    </section>
  );
}
