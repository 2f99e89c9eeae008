/**
 * Mapping: how each row of the file becomes one person. The screen opens on a form — one line per attribute,
 * "attribute ← column", how it is filled said in words — that writes the profile's JSONata and reads it back;
 * the whole JSONata stays one click away for people who write expressions. The selected row and the person it
 * becomes sit beside it and update as the person works; mistakes are said where they are made. Save raises the
 * version; unsaved changes are marked and never dropped silently.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge, download } from '../client';
import { importProfileFile, confirmDiscard, adoptProfile } from '../actions';
import { JsonataEditor, columnReference, type JsonataEditorHandle } from '../components/JsonataEditor';
import { LookupEditor } from '../components/LookupEditor';
import { CustomAttributesEditor } from '../components/CustomAttributesEditor';
import { FooterBar } from '../components/common';
import { MappingForm, finished } from '../components/mapping/MappingForm';
import { PreviewPanel, type Preview } from '../components/mapping/PreviewPanel';
import { useApp } from '../state';
import type { ProfileData, ProfileTestView } from '../../shared/contract';
import type { MappingFormView, MappingHintView } from '../../shared/mapping-form';

export function MappingScreen() {
  const app = useApp();
  const { table, profile, info } = app.state;
  const editor = useRef<JsonataEditorHandle>(null);
  const [preview, setPreview] = useState<Preview>();
  const [tests, setTests] = useState<ProfileTestView[]>([]);
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<'form' | 'jsonata'>('form');
  const [form, setForm] = useState<MappingFormView>();
  const [hints, setHints] = useState<MappingHintView[]>([]);
  /** The mapping the form itself wrote last: reading it back would only undo half-finished lines. */
  const written = useRef<string | undefined>(undefined);
  const requestNo = useRef(0);
  const formNo = useRef(0);
  const importInput = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const problemId = useId();
  const index = app.state.previewIndex;

  // The preview follows every edit (after a short pause in typing) and every change of row.
  useEffect(() => {
    if (!table || !profile) return;
    const no = ++requestNo.current;
    const timer = setTimeout(() => {
      bridge
        .invoke('mapping:preview', { tableId: table.tableId, index, profile })
        .then((p) => {
          if (no === requestNo.current) setPreview(p);
        })
        .catch(app.report);
    }, 200);
    return () => clearTimeout(timer);
  }, [table, profile, index, app.report]);

  // The form is read from the mapping whenever the mapping changed elsewhere (opened, auto-mapped, typed as JSONata).
  const mapping = profile?.mapping;
  const extension = profile?.extension;
  useEffect(() => {
    if (mapping === undefined || mapping === written.current) return;
    const no = ++formNo.current;
    bridge
      .invoke('mapping:toForm', { mapping, ...(extension ? { extension } : {}) })
      .then((f) => {
        if (no === formNo.current) setForm(f);
      })
      .catch(app.report);
  }, [mapping, extension, app.report]);

  // Mistakes in the whole mapping, for the JSONata editor (the form's own lines check theirs).
  useEffect(() => {
    if (!table || mapping === undefined || mode !== 'jsonata') return;
    const timer = setTimeout(() => {
      bridge.invoke('mapping:hints', { tableId: table.tableId, mapping }).then((r) => setHints(r.hints), () => setHints([]));
    }, 250);
    return () => clearTimeout(timer);
  }, [table, mapping, mode]);

  useEffect(() => {
    if (!profile?.tests?.length) {
      setTests([]);
      return;
    }
    const timer = setTimeout(() => {
      bridge.invoke('mapping:tests', { profile }).then((r) => setTests(r.results), app.report);
    }, 400);
    return () => clearTimeout(timer);
  }, [profile, app.report]);

  if (!table || !profile) return null;

  const edit = (change: Partial<ProfileData>) => app.update((s) => ({ profile: { ...s.profile!, ...change }, dirty: true }));

  const changeForm = (next: MappingFormView) => {
    setForm(next);
    const no = ++formNo.current;
    bridge
      .invoke('mapping:fromForm', { form: finished(next), ...(profile.extension ? { extension: profile.extension } : {}) })
      .then((w) => {
        if (no !== formNo.current) return;
        written.current = w.mapping;
        edit({ mapping: w.mapping, ...(w.extension ? { extension: w.extension } : {}) });
      })
      .catch(app.report);
  };

  const save = async (saveAs: boolean) => {
    setBusy(true);
    try {
      const saved = await bridge.invoke('profile:save', { profile, ...(app.state.profilePath ? { path: app.state.profilePath } : {}), saveAs });
      app.update({ profile: saved.profile, profilePath: saved.path, dirty: false });
      setStatus(t('mapping.screen.saved', { version: saved.profile.version, path: saved.path }));
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const autoMapAgain = async () => {
    if (!confirmDiscard(app)) return;
    try {
      const drafted = await bridge.invoke('profile:autoMap', { tableId: table.tableId, name: profile.name });
      adoptProfile(app, { ...drafted.profile, version: profile.version }, app.state.profilePath, { notes: drafted.notes, unplaced: drafted.unplaced, missingRequired: drafted.missingRequired });
      app.update({ dirty: true });
    } catch (error) {
      app.report(error);
    }
  };

  const problem = preview?.syntax;
  const notes = app.state.autoMap;
  const wordHints = problem ? hints.filter((h) => h.code.startsWith('syntax.')) : hints;
  const ctx = { tableId: table.tableId, columns: table.columns, row: preview?.row, tables: Object.keys(profile.lookups ?? {}) };

  return (
    <section aria-labelledby="mapping-title">
      <div className="row spread">
        <h1 id="mapping-title" tabIndex={-1}>
          {t('mapping.screen.title')}
        </h1>
        <div className="mapping-toolbar">
          <button type="button" className="primary" onClick={() => void save(false)} disabled={busy}>
            {t('mapping.screen.save')}
          </button>
          <button type="button" onClick={() => void save(true)} disabled={busy}>
            {t('mapping.screen.saveAs')}
          </button>
          <button type="button" onClick={() => void autoMapAgain()} disabled={busy}>
            {t('mapping.screen.autoMapAgain')}
          </button>
          <button type="button" onClick={() => download(`${profile.name.replace(/[^\w.-]+/g, '-') || 'profile'}.json`, `${JSON.stringify(profile, null, 2)}\n`, 'application/json')}>
            {t('mapping.screen.export')}
          </button>
          <button type="button" onClick={() => importInput.current?.click()} disabled={busy}>
            {t('mapping.screen.import')}
          </button>
          <input
            ref={importInput}
            type="file"
            accept=".json,.psd1"
            className="visually-hidden"
            aria-label={t('mapping.screen.importLabel')}
            tabIndex={-1}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file && confirmDiscard(app)) importProfileFile(app, file).catch(app.report);
            }}
          />
        </div>
      </div>
      <p className="lead">{t(mode === 'form' ? 'mapping.form.lead' : 'mapping.screen.jsonataLead')}</p>
      <div className="row" style={{ marginBottom: '0.5rem' }}>
        <div className="field">
          <label htmlFor={nameId}>{t('mapping.screen.profileName')}</label>
          <input id={nameId} type="text" value={profile.name} onChange={(e) => edit({ name: e.target.value })} style={{ width: '18rem', maxWidth: '100%' }} />
        </div>
        <p className="hint">
          {t('mapping.screen.version', { version: profile.version })}
          {app.state.dirty ? t('mapping.screen.unsaved') : app.state.profilePath ? t('mapping.screen.savedIn', { path: app.state.profilePath }) : ''}
        </p>
        <button type="button" onClick={() => setMode(mode === 'form' ? 'jsonata' : 'form')} aria-pressed={mode === 'jsonata'}>
          {t(mode === 'form' ? 'mapping.form.showJsonata' : 'mapping.form.showForm')}
        </button>
      </div>
      {status && (
        <div className="banner ok" role="status">
          <p>{status}</p>
        </div>
      )}
      {notes && (notes.missingRequired.length > 0 || notes.notes.length > 0 || notes.unplaced.length > 0) && (
        <details className="banner info" open={notes.missingRequired.length > 0 || notes.notes.length <= 3}>
          <summary>
            {t('mapping.form.autoNotes')}
            {notes.missingRequired.length > 0 ? t('mapping.screen.autoNotesMissing', { names: notes.missingRequired.join(', ') }) : ''}
          </summary>
          <ul>
            {notes.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
            {notes.unplaced.length > 0 && <li>{t('mapping.screen.unplaced', { names: notes.unplaced.join(', ') })}</li>}
          </ul>
        </details>
      )}
      {mode === 'form' ? (
        <div className="mapping-layout">
          <div>
            {problem && (
              <div className="banner error">
                <p>{problem.message}</p>
              </div>
            )}
            {form && <MappingForm form={form} onChange={changeForm} ctx={ctx} user={preview?.user} />}
          </div>
          <PreviewPanel table={table} preview={preview} index={index} onIndex={(i) => app.update({ previewIndex: i })} compact />
        </div>
      ) : (
        <div className="columns-3">
          <div className="panel">
            <h2 style={{ marginTop: 0 }}>{t('mapping.screen.columns')}</h2>
            <div className="chips" role="list" aria-label={t('mapping.screen.columnsLabel')}>
              {table.columns.map((c) => (
                <span role="listitem" key={c.index}>
                  <button type="button" className="chip" onClick={() => editor.current?.insert(columnReference(c.header))} title={t('mapping.screen.insertColumn', { header: c.header, type: c.type })}>
                    {c.header}
                  </button>
                </span>
              ))}
            </div>
            <h2>{t('mapping.screen.helpers')}</h2>
            <div className="chips" role="list" aria-label={t('mapping.screen.helpersLabel')}>
              {(info?.helpers ?? []).map((h) => (
                <span role="listitem" key={h.name}>
                  <button type="button" className="chip mono" onClick={() => editor.current?.insert(`${h.name}()`)} title={h.description}>
                    {h.signature}
                  </button>
                </span>
              ))}
            </div>
          </div>
          <div>
            <JsonataEditor
              ref={editor}
              value={profile.mapping}
              onChange={(text) => edit({ mapping: text })}
              columns={table.columns.map((c) => c.header)}
              helpers={info?.helpers ?? []}
              problem={problem}
              hints={problem ? undefined : hints}
              label={t('mapping.screen.editorLabel')}
              describedBy={problemId}
            />
            <div id={problemId} aria-live="polite">
              {problem && (
                <div className="banner error" style={{ marginTop: '0.5rem' }}>
                  <p>{problem.message}</p>
                </div>
              )}
              {wordHints.length > 0 ? (
                <ul className="hints" aria-label={t('mapping.hint.listLabel')}>
                  {wordHints.map((h, i) => (
                    <li key={i} className={`sev-${h.severity}-text`}>
                      <mark className="hint-text">{profile.mapping.slice(h.from, h.to).trim() || '…'}</mark> {h.message}{' '}
                      {h.replacement !== undefined && (
                        <button type="button" className="quiet" onClick={() => edit({ mapping: profile.mapping.slice(0, h.from) + h.replacement + profile.mapping.slice(h.to) })}>
                          {t('mapping.hint.apply', { replacement: h.replacement.trim() === '' ? '—' : h.replacement.trim() })}
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              ) : (
                !problem && <p className="hint">{t('mapping.screen.noMistakes')}</p>
              )}
            </div>
          </div>
          <PreviewPanel table={table} preview={preview} index={index} onIndex={(i) => app.update({ previewIndex: i })} />
        </div>
      )}
      <details className="panel" style={{ marginTop: '1rem' }}>
        <summary>
          {t('mapping.screen.lookups')}
          {profile.lookups ? t('mapping.screen.count', { count: Object.keys(profile.lookups).length }) : ''}
        </summary>
        <LookupEditor lookups={profile.lookups} onChange={(lookups) => edit({ lookups })} />
      </details>
      <details className="panel" style={{ marginTop: '1rem' }}>
        <summary>
          {t('mapping.form.customAttributes')}
          {profile.extension ? t('mapping.screen.count', { count: profile.extension.attributes.length }) : ''}
        </summary>
        <CustomAttributesEditor
          extension={profile.extension}
          onChange={(next) =>
            app.update((s) => {
              const { extension: _dropped, ...rest } = s.profile!;
              return { profile: next ? { ...rest, extension: next } : rest, dirty: true };
            })
          }
        />
      </details>
      {tests.length > 0 && (
        <div className="panel" style={{ marginTop: '1rem' }}>
          <h2 style={{ marginTop: 0 }}>{t('mapping.screen.tests')}</h2>
          <ul className="list">
            {tests.map((r) => (
              <li key={r.name}>
                <span className={r.passed ? 'pass' : 'fail'}>{t(r.passed ? 'mapping.screen.pass' : 'mapping.screen.fail')}</span> {r.name}
                {!r.passed && (r.error || r.differences.length > 0) && <p className="hint">{r.error ?? r.differences.join('; ')}</p>}
              </li>
            ))}
          </ul>
        </div>
      )}
      <FooterBar>
        <button type="button" className="primary" onClick={() => app.go('validation')} disabled={Boolean(problem)}>
          {t('mapping.screen.next')}
        </button>
      </FooterBar>
    </section>
  );
}
