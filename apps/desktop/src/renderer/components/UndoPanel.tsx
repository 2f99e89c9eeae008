/**
 * "Undo this upload": the preview before anything is sent — who is put back, re-enabled or disabled, who was changed
 * again since (left alone unless the person includes them), the calls it needs against today's budget, the same checks
 * as before an upload — and the one button that sends it. The undo then runs as an upload the Results screen follows.
 */
import { useEffect, useId, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge } from '../client';
import { Stat, formatDate, formatNumber } from './common';
import { PreflightList } from './PreflightList';
import type { UndoPreviewView } from '../../shared/contract';

const LISTED = 20;

export function UndoPanel({ runId, onClose, onStarted, report }: { runId: string; onClose(): void; onStarted(uploadId: string): void; report(error: unknown): void }) {
  const [preview, setPreview] = useState<UndoPreviewView>();
  const [include, setInclude] = useState(false);
  const [busy, setBusy] = useState(true);
  const includeId = useId();

  useEffect(() => {
    let live = true;
    setBusy(true);
    bridge
      .invoke('undo:preview', { runId, includeConflicts: include })
      .then((view) => live && setPreview(view), (error: unknown) => {
        report(error);
        if (live) onClose();
      })
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [runId, include, report, onClose]);

  const start = async () => {
    if (!preview) return;
    setBusy(true);
    try {
      const { uploadId } = await bridge.invoke('undo:start', { undoId: preview.undoId });
      onStarted(uploadId);
    } catch (error) {
      report(error);
      setBusy(false);
    }
  };

  const blocked = Boolean(preview?.preflight && !preview.preflight.ok && !preview.preflight.unreachable);
  return (
    <section className="undo-panel" aria-labelledby="undo-title" aria-busy={busy}>
      <h2 id="undo-title">{t('app.undo.title')}</h2>
      {!preview ? (
        <p className="hint">{t('app.undo.reading')}</p>
      ) : (
        <>
          <p className="lead">{t('app.undo.lead', { when: formatDate(preview.startedAt), file: preview.fileName ?? '—', target: preview.targetLabel })}</p>
          <div className="stats" role="group" aria-label={t('app.undo.groups')}>
            <Stat label={t('app.undo.statRestore')} value={preview.restore} />
            <Stat label={t('app.undo.statReenable')} value={preview.reenable} />
            <Stat label={t('app.undo.statDisable')} value={preview.disable} />
            <Stat label={t('app.undo.statUnchanged')} value={preview.unchanged} />
            <Stat label={t('app.undo.statConflicts')} value={preview.conflicts.length} tone={preview.conflicts.length ? 'warn' : undefined} />
          </div>
          {preview.disable > 0 && (
            <div className="banner warn" role="status">
              <p>{t('app.undo.disableWarning', { count: preview.disable })}</p>
            </div>
          )}
          {preview.conflicts.length > 0 && (
            <>
              <p>{t(preview.conflictsIncluded ? 'app.undo.conflictsIncluded' : 'app.undo.conflictsLeft', { count: preview.conflicts.length })}</p>
              <ul className="list" aria-label={t('app.undo.conflictsLabel')}>
                {preview.conflicts.slice(0, LISTED).map((c) => (
                  <li key={c.externalId}>{c.changedBy ? t('app.undo.conflictBy', { person: c.externalId, run: c.changedBy }) : t('app.undo.conflict', { person: c.externalId })}</li>
                ))}
              </ul>
              {preview.conflicts.length > LISTED && <p className="hint">{t('app.undo.conflictsMore', { count: preview.conflicts.length - LISTED })}</p>}
            </>
          )}
          {(preview.conflicts.length > 0 || include) && (
            <div className="row">
              <input id={includeId} type="checkbox" checked={include} disabled={busy} onChange={(e) => setInclude(e.target.checked)} />
              <label htmlFor={includeId}>{t('app.undo.includeConflicts')}</label>
            </div>
          )}
          {preview.undoneBefore && <p className="hint">{t('app.undo.undoneBefore')}</p>}
          {preview.people === 0 ? (
            <p>{t('app.undo.nothing')}</p>
          ) : (
            <p>{t('app.undo.calls', { calls: preview.callsNeeded, left: formatNumber(preview.callsLeftToday), limit: formatNumber(preview.limit) })}</p>
          )}
          {preview.preflight && <PreflightList view={preview.preflight} label={t('app.undo.checksLabel')} />}
        </>
      )}
      <div className="row">
        <button type="button" className="primary" disabled={busy || !preview || preview.people === 0 || blocked} onClick={() => void start()}>
          {t('app.undo.confirm', { count: preview?.people ?? 0 })}
        </button>
        <button type="button" onClick={onClose} disabled={busy && Boolean(preview)}>
          {t('app.undo.cancel')}
        </button>
      </div>
    </section>
  );
}
