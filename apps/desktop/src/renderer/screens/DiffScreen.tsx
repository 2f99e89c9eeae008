/**
 * Changes: who is new, changed, unchanged, leaving or to be tried again since the last upload to the target;
 * the rows held back by the check; the leavers policy and the safety limits, explained and adjustable here.
 */
import { useCallback, useEffect, useState } from 'react';
import { t, type MessageKey } from '@scimport/messages';
import { bridge } from '../client';
import { attributeLabel } from '../components/attributes';
import { FooterBar, Stat, TechnicalDetails } from '../components/common';
import { LeaversSettings } from '../components/LeaversSettings';
import { useApp } from '../state';
import type { DiffKindView, DiffRecordView, DiffView, ProfileData } from '../../shared/contract';

const KINDS: { id: DiffKindView | 'all'; label: MessageKey }[] = [
  { id: 'all', label: 'app.diff.tabAll' },
  { id: 'new', label: 'app.diff.tabNew' },
  { id: 'changed', label: 'app.diff.tabChanged' },
  { id: 'retry', label: 'app.diff.tabRetry' },
  { id: 'unchanged', label: 'app.diff.tabUnchanged' },
  { id: 'missing', label: 'app.diff.tabMissing' },
  { id: 'returning', label: 'app.diff.tabReturning' },
];
const PAGE = 200;

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return t('app.diff.nothing');
  if (typeof value === 'boolean') return t(value ? 'app.diff.yes' : 'app.diff.no');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function happens(r: DiffRecordView, diff: DiffView): string {
  if (r.retry?.waitingFor) return t('app.diff.waitingFor', { manager: r.retry.waitingFor, reason: r.retry.reason ?? '' });
  if (r.retry) return r.retry.reason ? t('app.diff.retryBecause', { reason: r.retry.reason }) : t('app.diff.retry');
  switch (r.kind) {
    case 'new':
      return t('app.diff.kindNew');
    case 'changed':
      return t('app.diff.kindChanged');
    case 'unchanged':
      return t('app.diff.kindUnchanged');
    case 'missing':
      return t(diff.leaverPolicy === 'disable' ? 'app.diff.kindMissingDisable' : 'app.diff.kindMissingIgnore');
    case 'retry':
      return t('app.diff.retry');
    default:
      return t('app.diff.kindReturning');
  }
}

export function DiffScreen() {
  const app = useApp();
  const { diff, validationJobId, target, profile } = app.state;
  const [kind, setKind] = useState<DiffKindView | 'all'>('all');
  const [records, setRecords] = useState<DiffRecordView[]>([]);
  const [total, setTotal] = useState(0);
  const [busy, setBusy] = useState(false);
  const [allowId] = useState(() => `allow-${Math.random().toString(36).slice(2)}`);

  const compute = useCallback(
    async (leavers?: ProfileData['leavers']) => {
      if (!validationJobId) return;
      setBusy(true);
      try {
        const d = await bridge.invoke('diff:compute', { jobId: validationJobId, target, ...(leavers ? { leavers } : {}) });
        app.update({ diff: d, allowMassChanges: false, uploadId: undefined });
      } catch (error) {
        app.report(error);
      } finally {
        setBusy(false);
      }
    },
    [validationJobId, target, app],
  );

  useEffect(() => {
    if (!diff && validationJobId) void compute(profile?.leavers);
  }, [diff, validationJobId, compute, profile?.leavers]);

  const load = useCallback(
    async (from: number) => {
      if (!diff) return;
      const page = await bridge.invoke('diff:records', { diffId: diff.diffId, kind, start: from, count: PAGE });
      setTotal(page.total);
      setRecords((prev) => (from === 0 ? page.records : [...prev, ...page.records]));
    },
    [diff, kind],
  );

  useEffect(() => {
    load(0).catch(app.report);
  }, [load, app.report]);

  const applyLeavers = (leavers: NonNullable<ProfileData['leavers']>) => {
    if (!profile) return;
    app.update({ profile: { ...profile, leavers }, dirty: true });
    void compute(leavers);
  };

  if (!diff) {
    return (
      <section aria-labelledby="diff-title">
        <h1 id="diff-title" tabIndex={-1}>
          {t('app.diff.title')}
        </h1>
        <p aria-live="polite">{busy ? t('app.diff.comparing') : ''}</p>
      </section>
    );
  }
  const c = diff.counts;
  const blocked = diff.gate.tripped && !app.state.allowMassChanges;
  const toSend = diff.operations + diff.disables;
  return (
    <section aria-labelledby="diff-title">
      <h1 id="diff-title" tabIndex={-1}>
        {t('app.diff.title')}
      </h1>
      <p className="lead">{t('app.diff.lead', { target: diff.targetLabel })}</p>
      {/* Several HR files can share one job: this file only ever disables its own people (its feed's). */}
      <div className="banner info" role="note" aria-label={t('app.diff.feedTitle')}>
        <div>
          <p>
            <strong>{t('app.diff.feed', { feed: diff.feed.name })}</strong>
            {diff.feed.others > 0 ? ` ${t('app.diff.feedOthers', { count: diff.feed.others, feeds: diff.feed.otherFeeds.join(', ') })}` : ''}
          </p>
          {diff.notes.map((note, i) => (
            <p key={i}>{note}</p>
          ))}
        </div>
      </div>
      <div className="stats" role="group" aria-label={t('app.diff.counts')}>
        <Stat label={t('app.diff.statNew')} value={c.new} tone="good" />
        <Stat label={t('app.diff.statChanged')} value={c.changed} tone={c.changed ? 'warn' : undefined} />
        {diff.retries > 0 && <Stat label={t('app.diff.statRetries')} value={diff.retries} tone="warn" />}
        {diff.waiting > 0 && <Stat label={t('app.diff.statWaiting')} value={diff.waiting} tone="warn" />}
        <Stat label={t('app.diff.statUnchanged')} value={c.unchanged} />
        <Stat label={t(diff.leaverPolicy === 'disable' ? 'app.diff.statMissingDisable' : 'app.diff.statMissingIgnore')} value={c.missing} tone={c.missing ? 'bad' : undefined} />
        <Stat label={t('app.diff.statReturning')} value={c.returning} />
        {diff.movedIn.length > 0 && <Stat label={t('app.diff.statMovedIn')} value={diff.movedIn.length} />}
        {diff.movedOut.length > 0 && <Stat label={t('app.diff.statMovedOut')} value={diff.movedOut.length} />}
        {diff.conflicts.length > 0 && <Stat label={t('app.diff.statConflicts')} value={diff.conflicts.length} tone="warn" />}
      </div>
      <div className={`banner ${toSend === 0 ? 'ok' : 'info'}`} role="status">
        <p>
          {toSend === 0
            ? t(diff.waiting > 0 ? 'app.diff.nothingToSendNow' : 'app.diff.nothingToSend', { target: diff.targetLabel })
            : t('app.diff.toSend', { people: diff.operations, disables: diff.disables, calls: diff.calls })}
          {diff.waiting > 0 ? ` ${t('app.diff.waitingNote', { count: diff.waiting })}` : ''}
          {diff.heldBack > 0 ? ` ${t('app.diff.heldBack', { count: diff.heldBack })}` : ''}
        </p>
        {diff.heldBack > 0 && (
          <button type="button" className="quiet" onClick={() => app.go('validation')}>
            {t('app.diff.seeCheck')}
          </button>
        )}
      </div>
      {diff.gate.tripped && (
        <div className="banner warn" role="alert">
          <div>
            <p>
              <strong>{t('app.diff.gateTitle')}</strong>
            </p>
            {diff.gate.reasons.map((r, i) => (
              <p key={i}>{r}</p>
            ))}
            <p className="row">
              <input id={allowId} type="checkbox" checked={app.state.allowMassChanges} onChange={(e) => app.update({ allowMassChanges: e.target.checked })} />
              <label htmlFor={allowId}>{t('app.diff.gateAllow')}</label>
            </p>
          </div>
        </div>
      )}
      <LeaversSettings key={diff.diffId} diff={diff} leavers={profile?.leavers} onApply={applyLeavers} busy={busy} />
      <div className="tabs" role="tablist" aria-label={t('app.diff.show')}>
        {KINDS.map((k) => (
          <button key={k.id} type="button" role="tab" aria-selected={kind === k.id} aria-controls="diff-records" onClick={() => setKind(k.id)}>
            {t(k.label)}
          </button>
        ))}
      </div>
      <div id="diff-records" role="tabpanel" aria-label={t(KINDS.find((k) => k.id === kind)?.label ?? 'app.diff.tabAll')}>
        {records.length === 0 ? (
          <p className="hint">{t('app.diff.noOne')}</p>
        ) : (
          <table className="simple">
            <thead>
              <tr>
                <th scope="col">{t('app.diff.colPerson')}</th>
                <th scope="col">{t('app.diff.colRow')}</th>
                <th scope="col">{t('app.diff.colHappens')}</th>
                <th scope="col">{t('app.diff.colChanges')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.externalId}>
                  <td>
                    {r.displayName ?? r.externalId} <span className="hint">{t('app.diff.employeeId', { id: r.externalId })}</span>
                  </td>
                  <td>{r.row ?? '—'}</td>
                  <td>{happens(r, diff)}</td>
                  <td>
                    {r.changes?.length ? (
                      <ul className="list">
                        {r.changes.map((ch) => (
                          <li key={ch.path}>
                            {attributeLabel(ch.path)}: <span className="before">{show(ch.before)}</span> → <span className="after">{show(ch.after)}</span>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {records.length < total && (
          <button type="button" onClick={() => void load(records.length).catch(app.report)}>
            {t('app.showMore', { count: Math.min(PAGE, total - records.length) })}
          </button>
        )}
      </div>
      <TechnicalDetails>
        <p className="hint">{t('app.diff.technical', { diffId: diff.diffId, calls: diff.calls })}</p>
      </TechnicalDetails>
      <FooterBar note={blocked ? <span className="fail">{t('app.diff.blockedNote')}</span> : toSend === 0 ? t('app.diff.nothingNote') : undefined}>
        <button type="button" className="primary" onClick={() => app.go('upload')} disabled={blocked || toSend === 0}>
          {t('app.diff.next')}
        </button>
      </FooterBar>
    </section>
  );
}
