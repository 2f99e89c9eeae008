/** File: which sheet and header row, the column types, and the raw rows (the first ones while the rest loads). */
import { useEffect, useId, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge } from '../client';
import { openTablePath, adoptProfile } from '../actions';
import { FooterBar, Progress, formatNumber, usePolling } from '../components/common';
import { RowGrid } from '../components/RowGrid';
import { useApp, type AppState } from '../state';
import { BridgeError, type ProfileData, type TableInfo, type TableStatus } from '../../shared/contract';

/** The profile with the file's shape (sheet, header row) remembered, so the next file opens the same way. */
function withShape(profile: ProfileData, table: TableInfo): ProfileData {
  const input = { ...profile.input, headerRow: table.headerRow, ...(table.format === 'xlsx' && table.sheet ? { sheet: table.sheet } : {}) };
  return { ...profile, input };
}

function describeFile(table: TableInfo): string {
  if (table.format === 'xlsx') return t('app.file.workbook', { sheet: table.sheet ?? '' });
  const delimiter = table.delimiter === '\t' ? t('app.file.tabs') : `"${table.delimiter ?? ','}"`;
  return t('app.file.text', { encoding: table.encoding ?? 'utf-8', delimiter });
}

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

  const autoMap = async (): Promise<void> => {
    const drafted = await bridge.invoke('profile:autoMap', { tableId: table.tableId });
    adoptProfile(app, withShape(drafted.profile, table), undefined, { notes: drafted.notes, unplaced: drafted.unplaced, missingRequired: drafted.missingRequired });
  };

  /**
   * The mapping does not fit this file: the file is read again with its own header row (not the profile's) and
   * mapped automatically from its columns.
   */
  const remap = async () => {
    setBusy(true);
    try {
      const fresh = await bridge.invoke('file:open', { path: table.path, ...(table.format === 'xlsx' && table.sheet ? { sheet: table.sheet } : {}) });
      if (fresh.tableId !== table.tableId) void bridge.invoke('file:close', { tableId: table.tableId }).catch(() => undefined);
      const drafted = await bridge.invoke('profile:autoMap', { tableId: fresh.tableId });
      app.update({ table: fresh, fit: undefined, previewIndex: 0 });
      adoptProfile(app, withShape(drafted.profile, fresh), undefined, { notes: drafted.notes, unplaced: drafted.unplaced, missingRequired: drafted.missingRequired });
      app.go('mapping');
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const next = async () => {
    setBusy(true);
    try {
      const profile = app.state.profile;
      if (!profile) await autoMap();
      else {
        const shaped = withShape(profile, table);
        const changed = JSON.stringify(shaped.input) !== JSON.stringify(profile.input);
        if (changed) app.update((s: AppState) => ({ profile: shaped, dirty: s.dirty || changed }));
      }
      app.go('mapping');
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const rowsRead = status?.rowsRead ?? 0;
  const fit = app.state.fit;
  return (
    <section aria-labelledby="file-title">
      <h1 id="file-title" tabIndex={-1}>
        {table.file}
      </h1>
      <p className="lead">
        {describeFile(table)}
        {' · '}
        {t('app.count.columns', { count: table.columns.length })} · {t('app.file.headerOn', { row: table.headerRow })}
      </p>
      {table.chosen && (
        <div className="banner info" role="status">
          <p>{table.chosen.reason}</p>
        </div>
      )}
      {fit && (
        <div className="banner warn" role="alert">
          <div>
            <p>
              <strong>{t('app.file.misfitTitle', { count: fit.missing.length })}</strong>
            </p>
            <p>{t('app.file.misfitColumns', { columns: fit.missing.slice(0, 8).join(', '), more: Math.max(0, fit.missing.length - 8) })}</p>
            <div className="row">
              <button type="button" onClick={() => void remap()} disabled={busy}>
                {t('app.file.misfitAutoMap')}
              </button>
              <button type="button" className="quiet" onClick={() => app.go('start')}>
                {t('app.file.misfitOtherProfile')}
              </button>
            </div>
          </div>
        </div>
      )}
      <div className="row" style={{ alignItems: 'flex-end', marginBottom: '0.75rem' }}>
        {table.sheets.length > 0 && (
          <div className="field">
            <label htmlFor={sheetId}>{t('app.file.sheet')}</label>
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
            <label htmlFor={headerId}>{t('app.file.headerRow')}</label>
            <input id={headerId} type="number" min={1} value={headerRow} onChange={(e) => setHeaderRow(e.target.value)} style={{ width: '7rem' }} />
          </div>
          <button type="submit" disabled={busy || headerRow === String(table.headerRow)} style={{ marginBottom: '0.6rem' }}>
            {t('app.file.useRow')}
          </button>
        </form>
      </div>
      {status?.done ? (
        <p aria-live="polite">{t('app.file.read', { count: rowsRead })}</p>
      ) : (
        <Progress label={t('app.file.reading')} value={rowsRead} {...(status?.estimatedRows ? { max: status.estimatedRows } : {})}>
          {t('app.file.readingSoFar', { count: rowsRead, shown: formatNumber(rowsRead) })}
        </Progress>
      )}
      {status && status.findings.length > 0 && (
        <div className="banner warn" role="status">
          <div>
            {status.findings.slice(0, 3).map((f, i) => (
              <p key={i}>{f.message}</p>
            ))}
            {status.findings.length > 3 && <p>{t('app.file.moreNotes', { count: status.findings.length - 3 })}</p>}
          </div>
        </div>
      )}
      <RowGrid tableId={table.tableId} columns={table.columns} rowCount={rowsRead} label={t('app.file.rowsOf', { file: table.file })} />
      <FooterBar>
        <button type="button" className="primary" onClick={() => void next()} disabled={busy}>
          {app.state.profile ? t('app.file.nextMapping') : t('app.file.nextAutoMap')}
        </button>
      </FooterBar>
    </section>
  );
}
