/** Check: the whole file mapped and validated; counts, the findings, the source cell of each, the report. */
import { useCallback, useEffect, useId, useState } from 'react';
import { bridge, download } from '../client';
import { Progress, Stat, formatNumber, plural, usePolling } from '../components/common';
import { profileKey, useApp } from '../state';
import { BridgeError, type ColumnView, type FindingView, type RowView, type ValidationStatus } from '../../shared/contract';

// Small pages keep each render short (the longest task on the page stays well under 100 ms).
const PAGE = 100;

export function ValidationScreen() {
  const app = useApp();
  const { table, profile, validationJobId } = app.state;
  const [status, setStatus] = useState<ValidationStatus>();
  const [onlyErrors, setOnlyErrors] = useState(false);
  const [findings, setFindings] = useState<FindingView[]>([]);
  const [total, setTotal] = useState(0);
  const [selected, setSelected] = useState<number>();
  const [source, setSource] = useState<{ finding: FindingView; row?: RowView; columns: ColumnView[] }>();
  const onlyId = useId();
  const stale = !validationJobId || app.state.validatedMapping !== profileKey(profile);

  const start = useCallback(async () => {
    if (!table || !profile) return;
    try {
      setStatus(undefined);
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
    if (status?.state === 'done') load(0).catch(app.report);
  }, [status?.state, load, app.report]);

  const show = async (finding: FindingView, i: number) => {
    setSelected(i);
    if (!table || finding.row === undefined) {
      setSource({ finding, columns: table?.columns ?? [] });
      return;
    }
    try {
      const found = await bridge.invoke('file:rowAt', { tableId: table.tableId, row: finding.row });
      setSource({ finding, ...(found.row ? { row: found.row } : {}), columns: found.columns });
    } catch (error) {
      app.report(error);
    }
  };

  const exportReport = async () => {
    try {
      const report = await bridge.invoke('validate:report', { jobId: validationJobId! });
      download(report.fileName, report.csv);
    } catch (error) {
      app.report(error);
    }
  };

  const s = status?.summary;
  const running = !status || status.state === 'running';
  const hits = new Set(source?.finding.cells?.map((c) => c.letter) ?? []);
  return (
    <section aria-labelledby="check-title">
      <h1 id="check-title" tabIndex={-1}>
        Check the whole file
      </h1>
      <p className="lead">Every row is mapped and checked the way Microsoft Entra ID would check it. Rows with errors are left out of the upload until they are fixed.</p>
      {running ? (
        <div className="row">
          <Progress label="Checking the rows" value={status?.rowsDone ?? 0}>
            Checking… {formatNumber(status?.rowsDone ?? 0)} rows so far
          </Progress>
          <button type="button" className="danger" onClick={() => validationJobId && void bridge.invoke('validate:cancel', { jobId: validationJobId }).catch(app.report)}>
            Cancel the check
          </button>
        </div>
      ) : status?.state === 'cancelled' ? (
        <p>
          The check was cancelled.{' '}
          <button type="button" onClick={() => void start()}>
            Check again
          </button>
        </p>
      ) : null}
      {s && (
        <>
          <div className="stats" role="group" aria-label="Counts">
            <Stat label="rows" value={s.rows} />
            <Stat label="ready to send" value={s.valid} tone="good" />
            <Stat label="rows with errors" value={s.invalid} tone={s.invalid ? 'bad' : 'good'} />
            <Stat label="errors" value={s.errors} tone={s.errors ? 'bad' : undefined} />
            <Stat label="warnings" value={s.warnings} tone={s.warnings ? 'warn' : undefined} />
          </div>
          <div className="row">
            <input id={onlyId} type="checkbox" checked={onlyErrors} onChange={(e) => setOnlyErrors(e.target.checked)} />
            <label htmlFor={onlyId}>Only errors</label>
            <button type="button" onClick={() => void exportReport()}>
              Export the error report (CSV)
            </button>
            <button type="button" onClick={() => void start()}>
              Check again
            </button>
            <div style={{ flex: 1 }} />
            <button type="button" className="primary" onClick={() => app.go('diff')} disabled={s.operations === 0}>
              Next: see what changes
            </button>
          </div>
          {s.operations === 0 && (
            <div className="banner warn" role="status">
              <p>No row is ready to send yet. Fix the errors below — in the mapping, or in the spreadsheet and open it again — then check again.</p>
            </div>
          )}
          <div className="columns-2" style={{ marginTop: '0.75rem' }}>
            <div className="panel">
              <h2 style={{ marginTop: 0 }}>{total === 0 ? 'No problems found' : `${plural(total, onlyErrors ? 'error' : 'finding')}`}</h2>
              <ul className="list" aria-label="Problems found">
                {findings.map((f, i) => (
                  <li key={i}>
                    <button type="button" className={`quiet finding-item ${selected === i ? 'selected' : ''}`} aria-pressed={selected === i} onClick={() => void show(f, i)} style={{ textAlign: 'left', textDecoration: 'none', color: 'inherit' }}>
                      <span className={`sev-${f.severity}`}>{f.severity === 'error' ? 'Error' : 'Warning'}</span>
                      {f.row !== undefined && <strong> row {f.row}</strong>}
                      {f.cells?.length ? <span> · column {f.cells.map((c) => `${c.letter} (${c.header})`).join(', ')}</span> : null} — {f.message}
                    </button>
                  </li>
                ))}
              </ul>
              {findings.length < total && (
                <button type="button" onClick={() => void load(findings.length).catch(app.report)}>
                  Show {Math.min(PAGE, total - findings.length)} more
                </button>
              )}
            </div>
            <div className="panel" aria-live="polite">
              <h2 style={{ marginTop: 0 }}>Source cell</h2>
              {!source ? (
                <p className="hint">Choose a problem to see the row it comes from.</p>
              ) : !source.row ? (
                <p>{source.finding.message}</p>
              ) : (
                <>
                  <p>
                    Row {source.row.row} of {table?.file}
                    {source.finding.cells?.length ? `, column ${source.finding.cells.map((c) => c.letter).join(', ')}` : ''}:
                  </p>
                  <dl className="source-cells">
                    {source.columns.map((c, i) => (
                      <div key={c.index} style={{ display: 'contents' }}>
                        <dt className={hits.has(c.letter) ? 'hit' : ''}>
                          {c.letter} · {c.header}
                        </dt>
                        <dd className={hits.has(c.letter) ? 'hit' : ''} style={{ margin: 0 }}>
                          {source.row!.cells[i] ?? '(empty)'}
                        </dd>
                      </div>
                    ))}
                  </dl>
                </>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
