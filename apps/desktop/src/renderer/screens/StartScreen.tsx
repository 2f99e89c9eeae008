/** Start: open a spreadsheet (dialog, drag and drop, or in the browser a typed path), or pick up a recent file or profile. */
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { bridge } from '../client';
import { adoptProfileForTable, confirmDiscard, importProfileFile, openTableFile, openTablePath } from '../actions';
import { t } from '@scimport/messages';
import { useApp } from '../state';
import type { RecentView } from '../../shared/contract';

export function StartScreen() {
  const app = useApp();
  const [recent, setRecent] = useState<RecentView>({ files: [], profiles: [] });
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const [path, setPath] = useState('');
  const [loadedNote, setLoadedNote] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const profileInput = useRef<HTMLInputElement>(null);
  const pathId = useId();
  const electron = app.state.info?.mode === 'electron';

  useEffect(() => {
    bridge.invoke('recent:list', {}).then(setRecent, app.report);
  }, [app.report]);

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const chooseFile = () =>
    electron
      ? run(async () => {
          const chosen = await bridge.invoke('dialog:openFile', { purpose: 'table' });
          if (chosen.path) await openTablePath(app, chosen.path);
        })
      : fileInput.current?.click();

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file) void run(() => openTableFile(app, file));
  };

  return (
    <section aria-labelledby="start-title">
      <h1 id="start-title" tabIndex={-1}>
        {t('app.start.title')}
      </h1>
      <p className="lead">{t('app.start.lead')}</p>
      {loadedNote && (
        <div className="banner ok" role="status">
          <p>{loadedNote}</p>
        </div>
      )}
      <div
        className={`dropzone ${over ? 'over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>{t('app.start.drop')}</p>
        <button type="button" className="primary" onClick={() => void chooseFile()} disabled={busy}>
          {t('app.start.choose')}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".xlsx,.xlsm,.csv,.txt,.tsv"
          className="visually-hidden"
          aria-label={t('app.start.fileInput')}
          tabIndex={-1}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void run(() => openTableFile(app, file));
          }}
        />
        {busy && <p aria-live="polite">{t('app.start.opening')}</p>}
      </div>
      {/* Typing a path is for the browser version used in development: there a typed path is recorded as chosen
          (file:choose). The app opens only what a dialog or a drop gives it, so it has no such box. */}
      {!electron && (
        <form
          className="row"
          style={{ marginTop: '1rem' }}
          onSubmit={(e) => {
            e.preventDefault();
            const typed = path.trim();
            if (typed)
              void run(async () => {
                const chosen = await bridge.invoke('file:choose', { path: typed });
                await openTablePath(app, chosen.path);
              });
          }}
        >
          <div className="field" style={{ flex: 1, marginBottom: 0 }}>
            <label htmlFor={pathId}>{t('app.start.pathLabel')}</label>
            <input id={pathId} type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder={t('app.start.pathPlaceholder')} />
          </div>
          <button type="submit" disabled={busy || !path.trim()} style={{ alignSelf: 'flex-end' }}>
            {t('app.start.open')}
          </button>
        </form>
      )}

      <div className="columns-2" style={{ marginTop: '1.5rem' }}>
        <div className="panel">
          <h2>{t('app.start.recentFiles')}</h2>
          {recent.files.length === 0 ? (
            <p className="hint">{t('app.start.recentFilesEmpty')}</p>
          ) : (
            <ul className="list">
              {recent.files.map((f) => (
                <li key={f.path}>
                  <button type="button" className="quiet" onClick={() => void run(() => openTablePath(app, f.path))}>
                    {f.name}
                  </button>{' '}
                  <span className="hint">{f.path}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="panel">
          <h2>{t('app.start.profiles')}</h2>
          {recent.profiles.length === 0 ? (
            <p className="hint">{t('app.start.profilesEmpty')}</p>
          ) : (
            <ul className="list">
              {recent.profiles.map((p) => (
                <li key={p.path}>
                  <button
                    type="button"
                    className="quiet"
                    onClick={() =>
                      confirmDiscard(app) &&
                      void run(async () => {
                        const loaded = await bridge.invoke('profile:load', { path: p.path });
                        await adoptProfileForTable(app, loaded.profile, loaded.path);
                        setLoadedNote(t('app.start.profileLoaded', { name: loaded.profile.name }));
                      })
                    }
                  >
                    {p.name}
                  </button>{' '}
                  <span className="hint">{t('app.start.profileVersion', { version: p.version })}</span>
                </li>
              ))}
            </ul>
          )}
          <p>
            <button type="button" onClick={() => profileInput.current?.click()} disabled={busy}>
              {t('app.start.import')}
            </button>
            <input
              ref={profileInput}
              type="file"
              accept=".json,.psd1"
              className="visually-hidden"
              aria-label={t('app.start.profileInput')}
              tabIndex={-1}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file && confirmDiscard(app)) void run(() => importProfileFile(app, file));
              }}
            />
          </p>
        </div>
      </div>
    </section>
  );
}
