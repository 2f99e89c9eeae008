/** File: which sheet and header row, the column types, and the raw rows (the first ones while the rest loads). */
import { useEffect, useId, useState } from 'react';
import { bridge } from '../client';
import { openTablePath, adoptProfile } from '../actions';
import { Progress, formatNumber, plural, usePolling } from '../components/common';
import { RowGrid } from '../components/RowGrid';
import { useApp } from '../state';
import { BridgeError, type TableStatus } from '../../shared/contract';

export function FileScreen() {
  const app = useApp();
  const table = app.state.table!;
  const [status, setStatus] = useState<TableStatus>();
  const [headerRow, setHeaderRow] = useState(String(table.headerRow));
  const [busy, setBusy] = useState(false);
  const sheetId = useId();
  const headerId = useId();

  useEffect(() => {
    setStatus(undefined);
    setHeaderRow(String(table.headerRow));
  }, [table.tableId, table.headerRow]);

  usePolling(!status?.done, async () => {
    const s = await bridge.invoke('file:status', { tableId: table.tableId });
    setStatus(s);
    if (s.error) app.report(new BridgeError(s.error));
    return s.done;
  });

  const reopen = async (options: { sheet?: string; headerRow?: number }) => {
    setBusy(true);
    try {
      await openTablePath(app, table.path, { ...(table.sheet ? { sheet: table.sheet } : {}), ...options });
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const next = async () => {
    setBusy(true);
    try {
      if (!app.state.profile) {
        const drafted = await bridge.invoke('profile:autoMap', { tableId: table.tableId });
        adoptProfile(app, drafted.profile, undefined, { notes: drafted.notes, unplaced: drafted.unplaced, missingRequired: drafted.missingRequired });
      }
      app.go('mapping');
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const rowsRead = status?.rowsRead ?? 0;
  return (
    <section aria-labelledby="file-title">
      <h1 id="file-title" tabIndex={-1}>
        {table.file}
      </h1>
      <p className="lead">
        {table.format === 'xlsx' ? `Excel workbook, sheet "${table.sheet}"` : `Text file (${table.encoding ?? 'utf-8'}, separated by ${table.delimiter === '\t' ? 'tabs' : `"${table.delimiter ?? ','}"`})`}
        {' · '}
        {plural(table.columns.length, 'column')} · column names on row {table.headerRow}
      </p>
      <div className="row" style={{ alignItems: 'flex-end', marginBottom: '0.75rem' }}>
        {table.sheets.length > 0 && (
          <div className="field">
            <label htmlFor={sheetId}>Sheet</label>
            <select id={sheetId} value={table.sheet} disabled={busy} onChange={(e) => void reopen({ sheet: e.target.value })}>
              {table.sheets.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </div>
        )}
        <form
          className="row"
          style={{ alignItems: 'flex-end' }}
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(headerRow);
            if (Number.isInteger(n) && n >= 1) void reopen({ headerRow: n });
          }}
        >
          <div className="field">
            <label htmlFor={headerId}>Row with the column names</label>
            <input id={headerId} type="number" min={1} value={headerRow} onChange={(e) => setHeaderRow(e.target.value)} style={{ width: '7rem' }} />
          </div>
          <button type="submit" disabled={busy || headerRow === String(table.headerRow)} style={{ marginBottom: '0.6rem' }}>
            Use this row
          </button>
        </form>
        <div style={{ flex: 1 }} />
        <button type="button" className="primary" onClick={() => void next()} disabled={busy} style={{ marginBottom: '0.6rem' }}>
          {app.state.profile ? 'Next: mapping' : 'Next: map the columns automatically'}
        </button>
      </div>
      {status?.done ? (
        <p aria-live="polite">{plural(rowsRead, 'row')} read.</p>
      ) : (
        <Progress label="Reading the file" value={rowsRead} {...(status?.estimatedRows ? { max: status.estimatedRows } : {})}>
          Reading… {formatNumber(rowsRead)} rows so far
        </Progress>
      )}
      {status && status.findings.length > 0 && (
        <div className="banner warn" role="status">
          <div>
            {status.findings.slice(0, 3).map((f, i) => (
              <p key={i}>{f.message}</p>
            ))}
            {status.findings.length > 3 && <p>… and {plural(status.findings.length - 3, 'more note')} about the file's layout.</p>}
          </div>
        </div>
      )}
      <RowGrid tableId={table.tableId} columns={table.columns} rowCount={rowsRead} label={`Rows of ${table.file}`} />
    </section>
  );
}
