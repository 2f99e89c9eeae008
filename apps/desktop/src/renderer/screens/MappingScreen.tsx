/**
 * Mapping: the JSONata that turns a row into a SCIM user. The selected row and what it becomes sit side by
 * side and update as the person types; mistakes are underlined where they are; the profile's own tests
 * say pass or fail. Save raises the version; unsaved changes are marked and never dropped silently.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { bridge, download } from '../client';
import { importProfileFile, confirmDiscard, adoptProfile } from '../actions';
import { JsonataEditor, columnReference, type JsonataEditorHandle } from '../components/JsonataEditor';
import { LookupEditor } from '../components/LookupEditor';
import { CustomAttributesEditor } from '../components/CustomAttributesEditor';
import { useApp } from '../state';
import type { FindingView, MappingSyntaxProblem, ProfileTestView, RowView } from '../../shared/contract';

interface Preview {
  row: RowView;
  user?: unknown;
  findings: FindingView[];
  syntax?: MappingSyntaxProblem;
}

export function MappingScreen() {
  const app = useApp();
  const { table, profile, info } = app.state;
  const editor = useRef<JsonataEditorHandle>(null);
  const [preview, setPreview] = useState<Preview>();
  const [tests, setTests] = useState<ProfileTestView[]>([]);
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  const requestNo = useRef(0);
  const importInput = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const rowId = useId();
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

  const edit = (change: Partial<typeof profile>) => app.update((s) => ({ profile: { ...s.profile!, ...change }, dirty: true }));

  const save = async (saveAs: boolean) => {
    setBusy(true);
    try {
      const saved = await bridge.invoke('profile:save', { profile, ...(app.state.profilePath ? { path: app.state.profilePath } : {}), saveAs });
      app.update({ profile: saved.profile, profilePath: saved.path, dirty: false });
      setStatus(`Saved as version ${saved.profile.version} in ${saved.path}.`);
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
  const rowErrors = preview?.findings.filter((f) => f.severity === 'error') ?? [];
  const notes = app.state.autoMap;

  return (
    <section aria-labelledby="mapping-title">
      <div className="row spread">
        <h1 id="mapping-title" tabIndex={-1}>
          Mapping
        </h1>
        <div className="row">
          <button type="button" className="primary" onClick={() => void save(false)} disabled={busy}>
            Save
          </button>
          <button type="button" onClick={() => void save(true)} disabled={busy}>
            Save as copy
          </button>
          <button type="button" onClick={() => void autoMapAgain()} disabled={busy}>
            Map automatically again
          </button>
          <button type="button" onClick={() => download(`${profile.name.replace(/[^\w.-]+/g, '-') || 'profile'}.json`, `${JSON.stringify(profile, null, 2)}\n`, 'application/json')}>
            Export
          </button>
          <button type="button" onClick={() => importInput.current?.click()} disabled={busy}>
            Import .psd1 or profile…
          </button>
          <input
            ref={importInput}
            type="file"
            accept=".json,.psd1"
            className="visually-hidden"
            aria-label="Profile or CSV2SCIM file to import"
            tabIndex={-1}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file && confirmDiscard(app)) importProfileFile(app, file).catch(app.report);
            }}
          />
        </div>
      </div>
      <p className="lead">Each row of the file becomes one person through this mapping. Click a column to insert it; press Ctrl+Space for suggestions.</p>
      <div className="row" style={{ marginBottom: '0.5rem' }}>
        <div className="field">
          <label htmlFor={nameId}>Profile name</label>
          <input id={nameId} type="text" value={profile.name} onChange={(e) => edit({ name: e.target.value })} style={{ width: '22rem' }} />
        </div>
        <p className="hint">
          Version {profile.version}
          {app.state.dirty ? ' · unsaved changes' : app.state.profilePath ? ` · saved in ${app.state.profilePath}` : ''}
        </p>
      </div>
      {status && (
        <div className="banner ok" role="status">
          <p>{status}</p>
        </div>
      )}
      {notes && (notes.missingRequired.length > 0 || notes.notes.length > 0 || notes.unplaced.length > 0) && (
        <details className="banner info" open={notes.missingRequired.length > 0}>
          <summary>Notes from the automatic mapping{notes.missingRequired.length > 0 ? ` — no column found for ${notes.missingRequired.join(', ')}` : ''}</summary>
          <ul>
            {notes.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
            {notes.unplaced.length > 0 && <li>Columns not used: {notes.unplaced.join(', ')}.</li>}
          </ul>
        </details>
      )}
      <div className="columns-3">
        <div className="panel">
          <h2 style={{ marginTop: 0 }}>Columns</h2>
          <div className="chips" role="list" aria-label="Columns of the file (click to insert)">
            {table.columns.map((c) => (
              <span role="listitem" key={c.index}>
                <button type="button" className="chip" onClick={() => editor.current?.insert(columnReference(c.header))} title={`Insert ${c.header} (${c.type})`}>
                  {c.header}
                </button>
              </span>
            ))}
          </div>
          <h2>Helpers</h2>
          <div className="chips" role="list" aria-label="Helper functions (click to insert)">
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
            onChange={(mapping) => edit({ mapping })}
            columns={table.columns.map((c) => c.header)}
            helpers={info?.helpers ?? []}
            problem={problem}
            label="Mapping (JSONata)"
            describedBy={problemId}
          />
          <div id={problemId} aria-live="polite">
            {problem ? (
              <div className="banner error" style={{ marginTop: '0.5rem' }}>
                <p>{problem.message}</p>
              </div>
            ) : (
              <p className="hint">No mistakes in the mapping.</p>
            )}
          </div>
        </div>
        <div className="panel">
          <div className="row">
            <label htmlFor={rowId}>Row to preview</label>
            <button type="button" aria-label="Previous row" onClick={() => app.update({ previewIndex: Math.max(0, index - 1) })} disabled={index === 0}>
              ‹
            </button>
            <input
              id={rowId}
              type="number"
              min={1}
              value={index + 1}
              onChange={(e) => {
                const n = Number(e.target.value);
                if (Number.isInteger(n) && n >= 1) app.update({ previewIndex: n - 1 });
              }}
              style={{ width: '6rem' }}
            />
            <button type="button" aria-label="Next row" onClick={() => app.update({ previewIndex: index + 1 })}>
              ›
            </button>
          </div>
          {preview && (
            <>
              <h2>
                Row {preview.row.row} of {table.file}
              </h2>
              <dl className="source-cells">
                {table.columns.map((c, i) => (
                  <div key={c.index} style={{ display: 'contents' }}>
                    <dt>{c.header}</dt>
                    <dd style={{ margin: 0 }}>{preview.row.cells[i] ?? <span className="hint">(empty)</span>}</dd>
                  </div>
                ))}
              </dl>
              <h2>Becomes</h2>
              {preview.user !== undefined ? (
                <pre className="json" aria-label="The person this row becomes (SCIM)" tabIndex={0}>
                  {JSON.stringify(preview.user, null, 2)}
                </pre>
              ) : (
                <p className="hint">{problem ? 'Fix the mistake in the mapping to see the result.' : 'No person is built from this row.'}</p>
              )}
              {preview.findings.length > 0 && (
                <ul className="list" aria-label="Problems with this row">
                  {preview.findings.map((f, i) => (
                    <li key={i}>
                      <span className={`sev-${f.severity}`}>{f.severity === 'error' ? 'Error' : 'Warning'}:</span> {f.message}
                    </li>
                  ))}
                </ul>
              )}
              {rowErrors.length === 0 && preview.user !== undefined && <p className="pass">This row is ready to send.</p>}
            </>
          )}
        </div>
      </div>
      <details className="panel" style={{ marginTop: '1rem' }}>
        <summary>Lookup tables{profile.lookups ? ` (${Object.keys(profile.lookups).length})` : ''}</summary>
        <LookupEditor lookups={profile.lookups} onChange={(lookups) => edit({ lookups })} />
      </details>
      <details className="panel" style={{ marginTop: '1rem' }}>
        <summary>Custom attributes{profile.extension ? ` (${profile.extension.attributes.length})` : ''}</summary>
        <CustomAttributesEditor
          extension={profile.extension}
          onChange={(extension) =>
            app.update((s) => {
              const { extension: _dropped, ...rest } = s.profile!;
              return { profile: extension ? { ...rest, extension } : rest, dirty: true };
            })
          }
        />
      </details>
      {tests.length > 0 && (
        <div className="panel" style={{ marginTop: '1rem' }}>
          <h2 style={{ marginTop: 0 }}>Profile tests</h2>
          <ul className="list">
            {tests.map((t) => (
              <li key={t.name}>
                <span className={t.passed ? 'pass' : 'fail'}>{t.passed ? 'Pass' : 'Fail'}</span> {t.name}
                {!t.passed && (t.error || t.differences.length > 0) && <p className="hint">{t.error ?? t.differences.join('; ')}</p>}
              </li>
            ))}
          </ul>
        </div>
      )}
      <p style={{ marginTop: '1rem' }}>
        <button type="button" className="primary" onClick={() => app.go('validation')} disabled={Boolean(problem)}>
          Next: check the whole file
        </button>
      </p>
    </section>
  );
}
