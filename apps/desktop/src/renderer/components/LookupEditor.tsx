/**
 * Lookup tables for `$lookup(table, key)`, written the way HR staff keep them: one `key = value` per line
 * (for example `UK = GB` to turn the file's country words into ISO codes).
 */
import { useEffect, useId, useState } from 'react';
import { t } from '@scimport/messages';

type Tables = Record<string, Record<string, string>>;

function toText(table: Record<string, string>): string {
  return Object.entries(table)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

/** Lines to a table; lines without `=` are reported by their number. */
export function parseLines(text: string): { table: Record<string, string>; bad: number[] } {
  const table: Record<string, string> = {};
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.indexOf('=');
    if (at <= 0) bad.push(i + 1);
    else table[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  return { table, bad };
}

export function LookupEditor({ lookups, onChange }: { lookups: Tables | undefined; onChange(next: Tables): void }) {
  const names = Object.keys(lookups ?? {});
  const [current, setCurrent] = useState(names[0] ?? '');
  const [text, setText] = useState(toText(lookups?.[current] ?? {}));
  const [bad, setBad] = useState<number[]>([]);
  const [newName, setNewName] = useState('');
  const ids = { table: useId(), lines: useId(), name: useId(), problem: useId() };

  useEffect(() => setText(toText(lookups?.[current] ?? {})), [current, lookups]);

  const commit = () => {
    if (!current) return;
    const parsed = parseLines(text);
    setBad(parsed.bad);
    if (parsed.bad.length === 0) onChange({ ...(lookups ?? {}), [current]: parsed.table });
  };

  return (
    <div>
      <div className="row">
        {names.length > 0 && (
          <div className="field">
            <label htmlFor={ids.table}>{t('app.editors.lookup.table')}</label>
            <select id={ids.table} value={current} onChange={(e) => setCurrent(e.target.value)}>
              {names.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </div>
        )}
        <form
          className="row"
          style={{ alignItems: 'flex-end' }}
          onSubmit={(e) => {
            e.preventDefault();
            const name = newName.trim();
            if (!name || names.includes(name)) return;
            onChange({ ...(lookups ?? {}), [name]: {} });
            setCurrent(name);
            setNewName('');
          }}
        >
          <div className="field">
            <label htmlFor={ids.name}>{t('app.editors.lookup.newName')}</label>
            <input id={ids.name} type="text" value={newName} onChange={(e) => setNewName(e.target.value)} />
          </div>
          <button type="submit" style={{ marginBottom: '0.6rem' }} disabled={!newName.trim()}>
            {t('app.editors.lookup.add')}
          </button>
        </form>
      </div>
      {current && (
        <div className="field">
          <label htmlFor={ids.lines}>
            {t('app.editors.lookup.entries', { table: current })} <code>{t('app.editors.lookup.format')}</code>
          </label>
          <textarea
            id={ids.lines}
            rows={6}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onBlur={commit}
            aria-describedby={ids.problem}
            className="mono"
          />
          <p id={ids.problem} className={bad.length ? 'fail' : 'hint'} aria-live="polite">
            {bad.length ? t('app.editors.lookup.badLines', { lines: bad.join(', ') }) : t('app.editors.lookup.usage', { table: current })}
          </p>
        </div>
      )}
    </div>
  );
}
