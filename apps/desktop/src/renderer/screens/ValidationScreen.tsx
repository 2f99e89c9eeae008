/**
 * Check: the whole file mapped and validated. The findings are shown one card per problem with the people
 * named; the rows held back are counted; the source row of a person is one click away; the report and an
 * annotated copy of the workbook take the answer back to Excel.
 */
import { useCallback, useEffect, useId, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge, download, downloadBase64 } from '../client';
import { FindingGroups, type GroupPerson } from '../components/FindingGroups';
import { FooterBar, Progress, Stat, TechnicalDetails, formatNumber, usePolling } from '../components/common';
import { profileKey, useApp } from '../state';
import { BridgeError, type ColumnView, type FindingGroupView, type FindingView, type RowView, type ValidationStatus } from '../../shared/contract';

// Small pages keep each render short (the longest task on the page stays well under 100 ms).
const PAGE = 100;

interface Source {
  title: string;
  row?: RowView;
  rowNumber?: number;
  letters: Set<string>;
  columns: ColumnView[];
}

export function ValidationScreen() {
  const app = useApp();
  const { table, profile, validationJobId } = app.state;
  const [status, setStatus] = useState<ValidationStatus>();
  const [onlyErrors, setOnlyErrors] = useState(false);
  const [groups, setGroups] = useState<FindingGroupView[]>([]);
  const [findings, setFindings] = useState<FindingView[]>([]);
  const [total, setTotal] = useState(0);
  const [selected, setSelected] = useState<string>();
  const [source, setSource] = useState<Source>();
  const [saving, setSaving] = useState(false);
  const onlyId = useId();
  const stale = !validationJobId || app.state.validatedMapping !== profileKey(profile);

  const start = useCallback(async () => {
    if (!table || !profile) return;
    try {
      setStatus(undefined);
      setGroups([]);
      setFindings([]);
      setSource(undefined);
      const { jobId } = await bridge.invoke('validate:start', { tableId: table.tableId, profile });
      app.update({ validationJobId: jobId, validatedMapping: profileKey(profile), diff: undefined, uploadId: undefined, allowMassChanges: false });
    } catch (error) {
      app.report(error);
    }
  }, [table, profile, app]);

  useEffect(() => {
    if (stale) void start();
    // Only when the screen opens with an out-of-date check.
  }, []);

  usePolling(Boolean(validationJobId) && !stale && status?.state !== 'done' && status?.state !== 'failed' && status?.state !== 'cancelled', async () => {
    const s = await bridge.invoke('validate:status', { jobId: validationJobId! });
    setStatus(s);
    if (s.error && s.state === 'failed') app.report(new BridgeError(s.error));
    return s.state !== 'running';
  });

  const load = useCallback(
    async (from: number) => {
      if (!validationJobId) return;
      const page = await bridge.invoke('validate:findings', { jobId: validationJobId, onlyErrors, start: from, count: PAGE });
      setTotal(page.total);
      setFindings((prev) => (from === 0 ? page.findings : [...prev, ...page.findings]));
    },
    [validationJobId, onlyErrors],
  );

  useEffect(() => {
    if (status?.state !== 'done' || !validationJobId) return;
    bridge.invoke('validate:groups', { jobId: validationJobId, onlyErrors }).then((g) => setGroups(g.groups), app.report);
    load(0).catch(app.report);
  }, [status?.state, validationJobId, onlyErrors, load, app.report]);

  const showRow = async (key: string, title: string, rowNumber: number | undefined, cells: { letter: string }[] | undefined) => {
    setSelected(key);
    const letters = new Set(cells?.map((c) => c.letter) ?? []);
    if (!table || rowNumber === undefined) {
      setSource({ title, letters, columns: table?.columns ?? [] });
      return;
    }
    try {
      const found = await bridge.invoke('file:rowAt', { tableId: table.tableId, row: rowNumber });
      setSource({ title, rowNumber, letters, columns: found.columns, ...(found.row ? { row: found.row } : {}) });
    } catch (error) {
      app.report(error);
    }
  };

  const onPerson = (group: FindingGroupView, person: GroupPerson) =>
    void showRow(`${group.id}:${group.people.indexOf(person)}`, group.title, person.row, person.cells);

  const exportReport = async () => {
    try {
      const report = await bridge.invoke('validate:report', { jobId: validationJobId! });
      download(report.fileName, report.csv);
    } catch (error) {
      app.report(error);
    }
  };

  const saveCopy = async () => {
    setSaving(true);
    try {
      const copy = await bridge.invoke('validate:annotated', { jobId: validationJobId! });
      downloadBase64(copy.fileName, copy.dataBase64);
    } catch (error) {
      app.report(error);
    } finally {
      setSaving(false);
    }
  };

  const s = status?.summary;
  const running = !status || status.state === 'running';
  return (
    <section aria-labelledby="check-title">
      <h1 id="check-title" tabIndex={-1}>
        {t('app.check.title')}
      </h1>
      <p className="lead">{t('app.check.lead')}</p>
      {running ? (
        <div className="row">
          <Progress label={t('app.check.progress')} value={status?.rowsDone ?? 0}>
            {t('app.check.progressSoFar', { shown: formatNumber(status?.rowsDone ?? 0) })}
          </Progress>
          <button type="button" className="danger" onClick={() => validationJobId && void bridge.invoke('validate:cancel', { jobId: validationJobId }).catch(app.report)}>
            {t('app.check.cancel')}
          </button>
        </div>
      ) : status?.state === 'cancelled' ? (
        <p>
          {t('app.check.cancelled')}{' '}
          <button type="button" onClick={() => void start()}>
            {t('app.check.again')}
          </button>
        </p>
      ) : null}
      {s && (
        <>
          <div className="stats" role="group" aria-label={t('app.check.counts')}>
            <Stat label={t('app.check.statRows')} value={s.rows} />
            <Stat label={t('app.check.statReady')} value={s.valid} tone="good" />
            <Stat label={t('app.check.statHeldBack')} value={s.invalid} tone={s.invalid ? 'bad' : 'good'} />
            <Stat label={t('app.check.statWarnings')} value={s.warnings} tone={s.warnings ? 'warn' : undefined} />
          </div>
          <div className={`banner ${s.invalid ? 'warn' : 'ok'}`} role="status">
            <p>{s.invalid ? t('app.check.heldBack', { valid: s.valid, invalid: s.invalid }) : t('app.check.allReady', { valid: s.valid })}</p>
          </div>
          <div className="row">
            <input id={onlyId} type="checkbox" checked={onlyErrors} onChange={(e) => setOnlyErrors(e.target.checked)} />
            <label htmlFor={onlyId}>{t('app.check.onlyErrors')}</label>
            <button type="button" onClick={() => void saveCopy()} disabled={saving}>
              {saving ? t('app.check.saving') : t('app.check.saveCopy')}
            </button>
            <button type="button" onClick={() => void exportReport()}>
              {t('app.check.exportReport')}
            </button>
            <button type="button" onClick={() => void start()}>
              {t('app.check.again')}
            </button>
          </div>
          <div className="columns-2 check-body">
            <div className="panel">
              <h2 style={{ marginTop: 0 }}>{t('app.check.problems', { count: groups.length })}</h2>
              <FindingGroups groups={groups} onPerson={onPerson} {...(selected ? { selected } : {})} />
            </div>
            <div className="panel source-panel" aria-live="polite">
              <h2 style={{ marginTop: 0 }}>{t('app.check.sourceTitle')}</h2>
              {!source ? (
                <p className="hint">{t('app.check.sourceHint')}</p>
              ) : !source.row ? (
                <p>{source.title}</p>
              ) : (
                <>
                  <p>{t('app.check.sourceRow', { row: source.row.row, file: table?.file ?? '' })}</p>
                  <dl className="source-cells">
                    {source.columns.map((c, i) => (
                      <div key={c.index} style={{ display: 'contents' }}>
                        <dt className={source.letters.has(c.letter) ? 'hit' : ''}>
                          {c.letter} · {c.header}
                        </dt>
                        <dd className={source.letters.has(c.letter) ? 'hit' : ''} style={{ margin: 0 }}>
                          {source.row!.cells[i] ?? t('app.check.emptyCell')}
                        </dd>
                      </div>
                    ))}
                  </dl>
                </>
              )}
            </div>
          </div>
          <TechnicalDetails summary={t('app.check.everyFinding', { count: total })}>
            <ul className="list" aria-label={t('app.check.everyFindingLabel')}>
              {findings.map((f, i) => (
                <li key={i}>
                  <button type="button" className="quiet finding-item" onClick={() => void showRow(`flat:${i}`, f.message, f.row, f.cells)} style={{ textAlign: 'left', textDecoration: 'none', color: 'inherit' }}>
                    <span className={`sev-${f.severity}`}>{t(f.severity === 'error' ? 'app.check.severityError' : 'app.check.severityWarning')}</span>
                    {f.row !== undefined && <strong> {t('app.check.row', { row: f.row })}</strong>}
                    {f.cells?.length ? <span> · {f.cells.map((c) => `${c.letter} (${c.header})`).join(', ')}</span> : null} — {f.message}
                    {f.path ? <code className="hint"> {f.path}</code> : null}
                  </button>
                </li>
              ))}
            </ul>
            {findings.length < total && (
              <button type="button" onClick={() => void load(findings.length).catch(app.report)}>
                {t('app.showMore', { count: Math.min(PAGE, total - findings.length) })}
              </button>
            )}
          </TechnicalDetails>
          <FooterBar note={s.operations === 0 ? <span className="fail">{t('app.check.nothingReady')}</span> : t('app.check.footerNote', { valid: s.operations })}>
            <button type="button" className="primary" onClick={() => app.go('diff')} disabled={s.operations === 0}>
              {t('app.check.next')}
            </button>
          </FooterBar>
        </>
      )}
    </section>
  );
}
