/** Changes: who is new, changed, unchanged or leaving since the last upload to the target; the safety check. */
import { useCallback, useEffect, useId, useState } from 'react';
import { bridge } from '../client';
import { Stat, plural } from '../components/common';
import { useApp } from '../state';
import type { DiffKindView, DiffRecordView } from '../../shared/contract';

const KINDS: { id: DiffKindView | 'all'; label: string }[] = [
  { id: 'all', label: 'Everyone' },
  { id: 'new', label: 'New' },
  { id: 'changed', label: 'Changed' },
  { id: 'unchanged', label: 'Unchanged' },
  { id: 'missing', label: 'Leavers' },
  { id: 'returning', label: 'Returning' },
];
const PAGE = 200;

function show(value: unknown): string {
  if (value === null || value === undefined) return '(nothing)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function DiffScreen() {
  const app = useApp();
  const { diff, validationJobId, target } = app.state;
  const [kind, setKind] = useState<DiffKindView | 'all'>('all');
  const [records, setRecords] = useState<DiffRecordView[]>([]);
  const [total, setTotal] = useState(0);
  const [busy, setBusy] = useState(false);
  const allowId = useId();

  useEffect(() => {
    if (diff || !validationJobId) return;
    setBusy(true);
    bridge
      .invoke('diff:compute', { jobId: validationJobId, target })
      .then((d) => app.update({ diff: d, allowMassChanges: false }), app.report)
      .finally(() => setBusy(false));
  }, [diff, validationJobId, target, app]);

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

  if (!diff) {
    return (
      <section aria-labelledby="diff-title">
        <h1 id="diff-title" tabIndex={-1}>
          What changes
        </h1>
        <p aria-live="polite">{busy ? 'Comparing with the last upload…' : ''}</p>
      </section>
    );
  }
  const c = diff.counts;
  const blocked = diff.gate.tripped && !app.state.allowMassChanges;
  return (
    <section aria-labelledby="diff-title">
      <h1 id="diff-title" tabIndex={-1}>
        What changes
      </h1>
      <p className="lead">Compared with what was last accepted by {diff.targetLabel}.</p>
      <div className="stats" role="group" aria-label="Counts">
        <Stat label="new" value={c.new} tone="good" />
        <Stat label="changed" value={c.changed} tone={c.changed ? 'warn' : undefined} />
        <Stat label="unchanged" value={c.unchanged} />
        <Stat label={diff.leaverPolicy === 'disable' ? 'leavers (to disable)' : 'leavers (ignored)'} value={c.missing} tone={c.missing ? 'bad' : undefined} />
        <Stat label="returning" value={c.returning} />
      </div>
      {diff.gate.tripped && (
        <div className="banner warn" role="alert">
          <div>
            <p>
              <strong>Safety check: this upload changes more people than usual.</strong>
            </p>
            {diff.gate.reasons.map((r, i) => (
              <p key={i}>{r}</p>
            ))}
            <p className="row">
              <input id={allowId} type="checkbox" checked={app.state.allowMassChanges} onChange={(e) => app.update({ allowMassChanges: e.target.checked })} />
              <label htmlFor={allowId}>I have checked these changes and want to send them anyway</label>
            </p>
          </div>
        </div>
      )}
      <div className="row spread">
        <p>
          To send: {plural(diff.operations, 'person', 'people')}
          {diff.disables > 0 ? ` and ${plural(diff.disables, 'leaver')} to disable` : ''}, in {plural(diff.calls, 'request')}.
        </p>
        <button type="button" className="primary" onClick={() => app.go('upload')} disabled={blocked || diff.operations + diff.disables === 0}>
          Next: upload
        </button>
      </div>
      <div className="tabs" role="tablist" aria-label="Show">
        {KINDS.map((k) => (
          <button key={k.id} type="button" role="tab" aria-selected={kind === k.id} aria-controls="diff-records" onClick={() => setKind(k.id)}>
            {k.label}
          </button>
        ))}
      </div>
      <div id="diff-records" role="tabpanel" aria-label={KINDS.find((k) => k.id === kind)?.label}>
        {records.length === 0 ? (
          <p className="hint">No one here.</p>
        ) : (
          <table className="simple">
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Row</th>
                <th scope="col">What happens</th>
                <th scope="col">Before → after</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.externalId}>
                  <td>
                    {r.displayName ?? r.externalId} <span className="hint">({r.externalId})</span>
                  </td>
                  <td>{r.row ?? '—'}</td>
                  <td>{{ new: 'created', changed: 'updated', unchanged: 'nothing', missing: diff.leaverPolicy === 'disable' ? 'disabled' : 'nothing (leaver ignored)', returning: 'enabled again' }[r.kind]}</td>
                  <td>
                    {r.changes?.length ? (
                      <ul className="list">
                        {r.changes.map((ch) => (
                          <li key={ch.path}>
                            <code>{ch.path}</code>: <span className="before">{show(ch.before)}</span> → <span className="after">{show(ch.after)}</span>
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
            Show {Math.min(PAGE, total - records.length)} more
          </button>
        )}
      </div>
    </section>
  );
}
