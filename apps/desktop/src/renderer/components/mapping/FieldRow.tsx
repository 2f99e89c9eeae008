/**
 * One line of the mapping form: "attribute ← column", how it is filled said in words (the way Entra's own
 * "Edit attribute" dialog says Direct / Constant / Expression), and what it gives for the selected row.
 * Every control has its own label naming the attribute, so a screen reader (and a test) can find
 * "Sign-in name: column" among twenty column pickers.
 */
import { useEffect, useId, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge } from '../../client';
import type { ColumnView, RowView } from '../../../shared/contract';
import type { FieldKindView, FieldValueView, FormFieldView, MappingHintView, TextChangeView } from '../../../shared/mapping-form';

const KINDS: FieldKindView[] = ['column', 'date', 'enabledWhen', 'yesNo', 'lookup', 'join', 'upn', 'constant', 'advanced'];
const CHANGES: TextChangeView[] = ['asIs', 'text', 'trim', 'title', 'upper', 'lower'];
const DATE_FORMATS = ['', 'dd/MM/yyyy', 'MM/dd/yyyy', 'yyyy-MM-dd', 'dd.MM.yyyy', 'd/M/yyyy', 'M/d/yyyy'];
const SEPARATORS = [' ', ', ', '.', '-', ''];

export interface FieldContext {
  tableId: string;
  columns: ColumnView[];
  row?: RowView | undefined;
  tables: string[];
}

/** The first column a value reads, carried over when the person switches to another way of filling it. */
function columnOf(value: FieldValueView | undefined): string {
  if (!value) return '';
  if (value.kind === 'join') return value.columns[0] ?? '';
  if (value.kind === 'upn') return value.given;
  if ('column' in value) return value.column;
  return '';
}

function findColumn(columns: ColumnView[], pattern: RegExp): string {
  return columns.find((c) => pattern.test(c.header))?.header ?? '';
}

/** A value of the chosen kind, keeping what can be kept of the previous one. */
export function switchKind(kind: FieldKindView, previous: FieldValueView | undefined, field: FormFieldView, ctx: FieldContext): FieldValueView {
  const column = columnOf(previous);
  switch (kind) {
    case 'column':
      return { kind, column, change: 'asIs' };
    case 'date':
      return { kind, column };
    case 'enabledWhen':
      return { kind, column, value: 'Active', ignoreCase: false, blankLeavesOut: true };
    case 'yesNo':
      return { kind, column };
    case 'lookup':
      return { kind, column, table: ctx.tables[0] ?? '' };
    case 'join':
      return { kind, columns: [column, ''], separator: ' ' };
    case 'upn':
      return { kind, given: findColumn(ctx.columns, /first|given|vorname|pr[ée]nom/i), family: findColumn(ctx.columns, /last|family|surname|nachname/i), domain: '' };
    case 'constant':
      return { kind, value: field.id === 'active' ? true : '' };
    case 'advanced':
      return { kind, text: previous?.kind === 'advanced' ? previous.text : '' };
  }
}

/**
 * What choosing a column on an unmapped line means, so one choice maps it: identifiers keep leading zeros,
 * a date is read as a date, and "account enabled" is on when the column says Active.
 */
export function columnChosen(field: FormFieldView, column: string): FieldValueView {
  const kind = field.suggested.find((k) => k === 'column' || k === 'date' || k === 'enabledWhen' || k === 'yesNo') ?? 'column';
  if (kind === 'date') return { kind, column };
  if (kind === 'enabledWhen') return { kind, column, value: 'Active', ignoreCase: false, blankLeavesOut: true };
  if (kind === 'yesNo') return { kind, column };
  const ids = ['externalId', 'manager', 'phone', 'postalCode'];
  return { kind: 'column', column, change: ids.includes(field.id) ? 'text' : 'asIs' };
}

/** What a value of the row looks like in the picker. */
function sampleOf(ctx: FieldContext, header: string): string | null | undefined {
  const index = ctx.columns.findIndex((c) => c.header === header);
  return index === -1 ? undefined : (ctx.row?.cells[index] ?? null);
}

function ColumnPicker({ label, value, onChange, ctx }: { label: string; value: string; onChange(column: string): void; ctx: FieldContext }) {
  const known = ctx.columns.some((c) => c.header === value);
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} className={value !== '' && !known ? 'invalid' : undefined} aria-invalid={value !== '' && !known}>
      <option value="">{t('mapping.form.chooseColumn')}</option>
      {!known && value !== '' && <option value={value}>{t('mapping.form.columnMissing', { header: value })}</option>}
      {ctx.columns.map((c) => {
        const sample = sampleOf(ctx, c.header);
        return (
          <option key={c.index} value={c.header}>
            {sample === null || sample === undefined ? t('mapping.form.columnOptionEmpty', { header: c.header }) : t('mapping.form.columnOption', { header: c.header, sample: sample.length > 40 ? `${sample.slice(0, 40)}…` : sample })}
          </option>
        );
      })}
    </select>
  );
}

/** The JSONata of one attribute, with its mistakes said where they are. */
function AdvancedField({ label, text, onChange, ctx }: { label: string; text: string; onChange(text: string): void; ctx: FieldContext }) {
  const [hints, setHints] = useState<MappingHintView[]>([]);
  const hintId = useId();
  useEffect(() => {
    if (text.trim() === '') {
      setHints([]);
      return;
    }
    const timer = setTimeout(() => {
      bridge.invoke('mapping:hints', { tableId: ctx.tableId, mapping: text }).then((r) => setHints(r.hints), () => setHints([]));
    }, 250);
    return () => clearTimeout(timer);
  }, [text, ctx.tableId]);
  return (
    <div className="field-advanced">
      <textarea aria-label={label} className="mono" rows={Math.min(8, Math.max(2, text.split('\n').length))} value={text} spellCheck={false} onChange={(e) => onChange(e.target.value)} aria-describedby={hints.length ? hintId : undefined} aria-invalid={hints.some((h) => h.severity === 'error')} />
      {hints.length > 0 && (
        <ul id={hintId} className="hints" aria-label={t('mapping.hint.listLabel')}>
          {hints.map((h, i) => (
            <li key={i} className={`sev-${h.severity}-text`}>
              <mark className="hint-text">{text.slice(h.from, h.to) || '…'}</mark> {h.message}{' '}
              {h.replacement !== undefined && (
                <button type="button" className="quiet" onClick={() => onChange(text.slice(0, h.from) + h.replacement + text.slice(h.to))}>
                  {t('mapping.hint.apply', { replacement: h.replacement === '' ? '—' : h.replacement })}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The controls for one kind of value. */
function ValueControls({ field, value, onChange, ctx }: { field: FormFieldView; value: FieldValueView; onChange(value: FieldValueView): void; ctx: FieldContext }) {
  const a = { attribute: field.label };
  const picker = (column: string, set: (column: string) => void, key: Parameters<typeof t>[0] = 'mapping.form.control.column') => (
    <ColumnPicker label={t(key, a)} value={column} onChange={set} ctx={ctx} />
  );
  switch (value.kind) {
    case 'column':
      return (
        <>
          {picker(value.column, (column) => onChange({ ...value, column }))}
          <select aria-label={t('mapping.form.control.change', a)} value={value.change} onChange={(e) => onChange({ ...value, change: e.target.value as TextChangeView })}>
            {CHANGES.map((c) => (
              <option key={c} value={c}>
                {t(`mapping.form.change.${c}`)}
              </option>
            ))}
          </select>
        </>
      );
    case 'date': {
      const custom = value.format !== undefined && !DATE_FORMATS.includes(value.format);
      return (
        <>
          {picker(value.column, (column) => onChange({ ...value, column }))}
          <select
            aria-label={t('mapping.form.control.format', a)}
            value={custom ? '*' : (value.format ?? '')}
            onChange={(e) => {
              const format = e.target.value;
              const { format: _old, ...rest } = value;
              onChange(format === '' ? rest : { ...rest, format: format === '*' ? 'dd-MM-yyyy' : format });
            }}
          >
            {DATE_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f === '' ? t('mapping.form.date.auto') : f}
              </option>
            ))}
            <option value="*">{t('mapping.form.date.custom')}</option>
          </select>
          {custom && <input type="text" aria-label={t('mapping.form.control.formatCustom', a)} value={value.format} onChange={(e) => onChange({ ...value, format: e.target.value })} size={12} />}
        </>
      );
    }
    case 'enabledWhen':
      return (
        <>
          {picker(value.column, (column) => onChange({ ...value, column }))}
          <input type="text" aria-label={t('mapping.form.control.whenValue', a)} value={value.value} onChange={(e) => onChange({ ...value, value: e.target.value })} size={10} />
          <label className="check">
            <input type="checkbox" checked={value.ignoreCase} onChange={(e) => onChange({ ...value, ignoreCase: e.target.checked })} />
            {t('mapping.form.control.ignoreCase', a).replace(`${field.label}: `, '')}
          </label>
        </>
      );
    case 'yesNo':
      return picker(value.column, (column) => onChange({ ...value, column }));
    case 'lookup':
      return (
        <>
          {picker(value.column, (column) => onChange({ ...value, column }))}
          {ctx.tables.length === 0 ? (
            <p className="hint">{t('mapping.form.noTables')}</p>
          ) : (
            <select aria-label={t('mapping.form.control.table', a)} value={value.table} onChange={(e) => onChange({ ...value, table: e.target.value })}>
              {!ctx.tables.includes(value.table) && <option value={value.table}>{value.table}</option>}
              {ctx.tables.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          )}
        </>
      );
    case 'join':
      return (
        <>
          {value.columns.map((c, i) => (
            <span key={i} className="join-part">
              {picker(c, (column) => onChange({ ...value, columns: value.columns.map((x, j) => (j === i ? column : x)) }), undefined)}
              {value.columns.length > 2 && (
                <button type="button" className="quiet" aria-label={t('mapping.form.control.removeJoinColumn', { ...a, n: i + 1 })} onClick={() => onChange({ ...value, columns: value.columns.filter((_, j) => j !== i) })}>
                  ×
                </button>
              )}
            </span>
          ))}
          <button type="button" className="quiet" onClick={() => onChange({ ...value, columns: [...value.columns, ''] })}>
            {t('mapping.form.control.addJoinColumn', a)}
          </button>
          <select aria-label={t('mapping.form.control.separator', a)} value={value.separator} onChange={(e) => onChange({ ...value, separator: e.target.value })}>
            {[...new Set([...SEPARATORS, value.separator])].map((s) => (
              <option key={s} value={s}>
                {s === ' ' ? t('mapping.form.separatorSpace') : s === '' ? '—' : s}
              </option>
            ))}
          </select>
        </>
      );
    case 'upn':
      return (
        <>
          {picker(value.given, (given) => onChange({ ...value, given }), 'mapping.form.control.given')}
          {picker(value.family, (family) => onChange({ ...value, family }), 'mapping.form.control.family')}
          <input type="text" aria-label={t('mapping.form.control.domain', a)} value={value.domain} placeholder={t('app.editors.upn.domainExample')} onChange={(e) => onChange({ ...value, domain: e.target.value.trim() })} size={16} />
        </>
      );
    case 'constant':
      return typeof value.value === 'boolean' ? (
        <select aria-label={t('mapping.form.control.constantYes', a)} value={value.value ? 'yes' : 'no'} onChange={(e) => onChange({ ...value, value: e.target.value === 'yes' })}>
          <option value="yes">{t('mapping.form.yes')}</option>
          <option value="no">{t('mapping.form.no')}</option>
        </select>
      ) : (
        <input type="text" aria-label={t('mapping.form.control.constant', a)} value={String(value.value)} onChange={(e) => onChange({ ...value, value: e.target.value })} />
      );
    case 'advanced':
      return <AdvancedField label={t('mapping.form.control.advanced', a)} text={value.text} onChange={(text) => onChange({ ...value, text })} ctx={ctx} />;
  }
}

/** The value at a form path of the built person (`#work` picks the work item of a list). */
export function valueAt(user: unknown, path: string[]): unknown {
  let node: unknown = user;
  for (const segment of path) {
    if (node === undefined || node === null) return undefined;
    if (segment.startsWith('#')) node = Array.isArray(node) ? node.find((i: { type?: unknown }) => i?.type === segment.slice(1)) : undefined;
    else node = typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

export function FieldRow({ field, onChange, ctx, gives }: { field: FormFieldView; onChange(value: FieldValueView | undefined): void; ctx: FieldContext; gives: unknown }) {
  const labelId = useId();
  const helpId = useId();
  const value = field.value;
  const missingColumn = value && 'column' in value && value.column !== '' && !ctx.columns.some((c) => c.header === value.column) ? value.column : undefined;
  const shown = gives === undefined || gives === null ? t('mapping.form.givesNothing') : typeof gives === 'object' ? JSON.stringify(gives) : String(gives);
  return (
    <li className={`form-field${field.required && !value ? ' needs' : ''}`} aria-labelledby={labelId}>
      <div className="form-label">
        <span id={labelId} className="form-name">
          {field.label}
          {field.required && <span className="required"> ({t('mapping.form.required')})</span>}
        </span>
        <span id={helpId} className="hint">
          {field.help}
        </span>
      </div>
      <div className="form-controls">
        {field.locked ? (
          <p className="hint">{t('mapping.form.locked')}</p>
        ) : (
          <>
            <select
              aria-label={t('mapping.form.control.kind', { attribute: field.label })}
              aria-describedby={helpId}
              value={value?.kind ?? ''}
              onChange={(e) => onChange(e.target.value === '' ? undefined : switchKind(e.target.value as FieldKindView, value, field, ctx))}
            >
              <option value="">{t('mapping.form.kind.none')}</option>
              {[...field.suggested, ...KINDS.filter((k) => !field.suggested.includes(k))].map((k) => (
                <option key={k} value={k}>
                  {t(`mapping.form.kind.${k}`)}
                </option>
              ))}
            </select>
            {value ? (
              <ValueControls field={field} value={value} onChange={onChange} ctx={ctx} />
            ) : (
              <ColumnPicker label={t('mapping.form.control.column', { attribute: field.label })} value="" onChange={(column) => onChange(column === '' ? undefined : columnChosen(field, column))} ctx={ctx} />
            )}
          </>
        )}
        {missingColumn !== undefined && <p className="hint sev-error-text">{t('mapping.form.columnMissingHint', { header: missingColumn })}</p>}
        {value && (
          <p className="gives">
            <span className="gives-label">{t('mapping.form.gives')}</span> <output className="mono">{shown}</output>
          </p>
        )}
      </div>
    </li>
  );
}
