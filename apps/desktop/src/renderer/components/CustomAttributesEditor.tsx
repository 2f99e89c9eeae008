/**
 * Custom attributes: what the profile sends beyond the SCIM User and enterprise schemas, under one extension
 * namespace (urn:ietf:params:scim:schemas:extension:<name>:1.0:User). The Upload screen's preflight checks that
 * the provisioning job's schema knows each of them; the sandbox learns them by itself. Changes reach the profile
 * only once they are valid, so a half-typed name never ends up saved.
 */
import { useEffect, useId, useState } from 'react';
import { t, type MessageKey } from '@scimport/messages';
import type { ProfileData } from '../../shared/contract';

type Extension = NonNullable<ProfileData['extension']>;
type AttributeType = 'string' | 'integer' | 'boolean' | 'dateTime';
interface Draft {
  name: string;
  type: AttributeType;
  multiValued: boolean;
}

const PREFIX = 'urn:ietf:params:scim:schemas:extension:';
const SUFFIX = ':1.0:User';
const TYPES: { value: AttributeType; label: MessageKey }[] = [
  { value: 'string', label: 'app.editors.custom.typeString' },
  { value: 'integer', label: 'app.editors.custom.typeInteger' },
  { value: 'boolean', label: 'app.editors.custom.typeBoolean' },
  { value: 'dateTime', label: 'app.editors.custom.typeDateTime' },
];
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SPACE = /^[A-Za-z0-9_-]+$/;

/** The `<name>` of an extension URN, or the whole text when it is not one. */
export function namespaceName(namespace: string | undefined): string {
  if (!namespace) return '';
  return namespace.startsWith(PREFIX) && namespace.endsWith(SUFFIX) ? namespace.slice(PREFIX.length, -SUFFIX.length) : namespace;
}

/** What is wrong with a draft, in words (empty when it can go into the profile). */
export function problemsOf(space: string, attributes: Draft[]): string[] {
  const problems: string[] = [];
  if (attributes.length > 0 && !SPACE.test(space)) problems.push(t('app.editors.custom.badSpace'));
  const seen = new Set<string>();
  attributes.forEach((a, i) => {
    if (!NAME.test(a.name)) problems.push(t('app.editors.custom.badName', { n: i + 1 }));
    else if (seen.has(a.name.toLowerCase())) problems.push(t('app.editors.custom.twice', { n: i + 1, name: a.name }));
    seen.add(a.name.toLowerCase());
  });
  return problems;
}

function draftsOf(extension: Extension | undefined): Draft[] {
  return (extension?.attributes ?? []).map((a) => ({ name: a.name, type: (TYPES.some((type) => type.value === a.type) ? a.type : 'string') as AttributeType, multiValued: Boolean(a.multiValued) }));
}

export function CustomAttributesEditor({ extension, onChange }: { extension: Extension | undefined; onChange(next: Extension | undefined): void }) {
  const [space, setSpace] = useState(namespaceName(extension?.namespace) || 'custom');
  const [attributes, setAttributes] = useState<Draft[]>(draftsOf(extension));
  const ids = { space: useId(), spaceHint: useId(), problems: useId(), caption: useId() };
  const key = JSON.stringify(extension ?? null);

  // Another profile was opened (or this one loaded again): start from what it holds.
  useEffect(() => {
    const current = JSON.parse(key) as Extension | null;
    setSpace(namespaceName(current?.namespace) || 'custom');
    setAttributes(draftsOf(current ?? undefined));
  }, [key]);

  const apply = (nextSpace: string, next: Draft[]) => {
    setSpace(nextSpace);
    setAttributes(next);
    if (problemsOf(nextSpace, next).length > 0) return;
    const kept = new Map((extension?.attributes ?? []).map((a) => [a.name, a]));
    const built: Extension | undefined =
      next.length === 0
        ? undefined
        : {
            namespace: `${PREFIX}${nextSpace}${SUFFIX}`,
            // Fields this editor does not show (description, required) are kept as they were.
            attributes: next.map((a) => {
              const { multiValued: _before, ...earlier } = kept.get(a.name) ?? { name: a.name, type: a.type };
              return { ...earlier, name: a.name, type: a.type, ...(a.multiValued ? { multiValued: true } : {}) };
            }),
          };
    if (JSON.stringify(built ?? null) !== key) onChange(built);
  };

  const change = (index: number, patch: Partial<Draft>) => apply(space, attributes.map((a, i) => (i === index ? { ...a, ...patch } : a)));
  const problems = problemsOf(space, attributes);
  const namespace = `${PREFIX}${space}${SUFFIX}`;

  return (
    <div>
      <p className="hint" style={{ marginTop: 0 }}>
        {t('app.editors.custom.lead')}
      </p>
      <div className="field">
        <label htmlFor={ids.space}>{t('app.editors.custom.space')}</label>
        <input id={ids.space} type="text" value={space} onChange={(e) => apply(e.target.value.trim(), attributes)} aria-describedby={ids.spaceHint} style={{ maxWidth: '20rem' }} />
        <p className="hint mono" id={ids.spaceHint}>
          {namespace}
        </p>
      </div>
      {attributes.length > 0 && (
        <table className="simple" aria-describedby={ids.caption}>
          <caption id={ids.caption} className="visually-hidden">
            {t('app.editors.custom.caption')}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('app.editors.custom.colName')}</th>
              <th scope="col">{t('app.editors.custom.colType')}</th>
              <th scope="col">{t('app.editors.custom.colMultiValued')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('app.editors.custom.colRemove')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {attributes.map((a, i) => (
              <tr key={i}>
                <td>
                  <input type="text" aria-label={t('app.editors.custom.name', { n: i + 1 })} value={a.name} onChange={(e) => change(i, { name: e.target.value.trim() })} />
                </td>
                <td>
                  <select aria-label={t('app.editors.custom.type', { n: i + 1 })} value={a.type} onChange={(e) => change(i, { type: e.target.value as AttributeType })}>
                    {TYPES.map((type) => (
                      <option key={type.value} value={type.value}>
                        {t(type.label)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input type="checkbox" aria-label={t('app.editors.custom.multiValued', { n: i + 1 })} checked={a.multiValued} onChange={(e) => change(i, { multiValued: e.target.checked })} />
                </td>
                <td>
                  <button type="button" className="quiet" onClick={() => apply(space, attributes.filter((_, j) => j !== i))}>
                    {a.name ? t('app.editors.custom.remove', { name: a.name }) : t('app.editors.custom.removeUnnamed', { n: i + 1 })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" onClick={() => apply(space, [...attributes, { name: '', type: 'string', multiValued: false }])}>
          {t('app.editors.custom.add')}
        </button>
      </p>
      <div id={ids.problems} aria-live="polite">
        {problems.length > 0 ? (
          <ul className="list">
            {problems.map((p) => (
              <li key={p} className="fail">
                {t('app.editors.custom.notSaved', { problem: p })}
              </li>
            ))}
          </ul>
        ) : (
          attributes.length > 0 && (
            <p className="hint">
              {t('app.editors.custom.usage')} <code>"{namespace}": {'{'} "{attributes[0]?.name}": … {'}'}</code>
            </p>
          )
        )}
      </div>
    </div>
  );
}
