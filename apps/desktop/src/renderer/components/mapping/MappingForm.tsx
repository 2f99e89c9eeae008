/**
 * The mapping as a form: one line per attribute, the required ones not mapped yet first (as spreadsheet
 * importers do), then the rest in the order HR thinks of them. Attributes the mapping sets that the form does
 * not list are named and kept as written; a mapping the form cannot take apart is said so, not hidden.
 */
import { t } from '@scimport/messages';
import type { FieldValueView, MappingFormView } from '../../../shared/mapping-form';
import { TechnicalDetails } from '../common';
import { FieldRow, valueAt, type FieldContext } from './FieldRow';
import './mapping.css';

/** True when a value has everything it needs to be written (an unfinished line is left out of the mapping). */
export function complete(value: FieldValueView | undefined): boolean {
  if (!value) return false;
  switch (value.kind) {
    case 'join':
      return value.columns.filter((c) => c !== '').length > 0;
    case 'upn':
      return value.given !== '' && value.family !== '' && /\.[a-z]{2,}$/i.test(value.domain);
    case 'lookup':
      return value.column !== '' && value.table !== '';
    case 'constant':
      return value.value !== '';
    case 'advanced':
      return value.text.trim() !== '';
    default:
      return value.column !== '';
  }
}

/** The form as it is sent to be written: unfinished lines left out, empty join columns dropped. */
export function finished(form: MappingFormView): MappingFormView {
  return {
    ...form,
    fields: form.fields.map((f) => {
      const { value, ...rest } = f;
      if (!complete(value)) return rest;
      return value?.kind === 'join' ? { ...rest, value: { ...value, columns: value.columns.filter((c) => c !== '') } } : f;
    }),
  };
}

export function MappingForm({ form, onChange, ctx, user }: { form: MappingFormView; onChange(form: MappingFormView): void; ctx: FieldContext; user: unknown }) {
  if (form.verbatim !== undefined) {
    return (
      <div className="banner info">
        <p>{t('mapping.form.verbatim')}</p>
      </div>
    );
  }
  const missing = form.fields.filter((f) => f.required && !complete(f.value));
  const ordered = [...missing, ...form.fields.filter((f) => !missing.includes(f))];
  const extras = form.extras;
  const set = (id: string, value: FieldValueView | undefined) =>
    onChange({
      ...form,
      fields: form.fields.map((f) => {
        if (f.id !== id) return f;
        const { value: _old, ...rest } = f;
        return value ? { ...rest, value } : rest;
      }),
    });
  return (
    <div>
      {missing.length > 0 && (
        <div className="banner warn" role="status">
          <p>{t('mapping.form.requiredMissing', { count: missing.length, names: missing.map((f) => f.label).join(', ') })}</p>
        </div>
      )}
      <ul className="form-list" aria-label={t('mapping.form.title')}>
        {ordered.map((field) => (
          <FieldRow key={field.id} field={field} ctx={ctx} gives={valueAt(user, field.path)} onChange={(value) => set(field.id, value)} />
        ))}
      </ul>
      {extras.length > 0 && (
        <>
          <p className="hint">{t('mapping.form.extras', { count: extras.length })}</p>
          <TechnicalDetails summary={t('mapping.form.technical')}>
            <ul className="list mono">
              {form.extras.map((e) => (
                <li key={JSON.stringify(e.path)}>
                  {e.path.join(' › ')}: {e.text}
                </li>
              ))}
            </ul>
          </TechnicalDetails>
        </>
      )}
    </div>
  );
}
