/**
 * The check's findings as an HR person acts on them: one card per problem, the people it concerns named with
 * their row, and what to do. Problems of the same kind (265 duplicated ids, say) are gathered under one
 * heading that can be folded. Choosing a person shows the row of the file it comes from.
 */
import { useState } from 'react';
import { t, type MessageKey } from '@scimport/messages';
import { formatNumber } from './common';
import type { FindingGroupView } from '../../shared/contract';

/** People listed on a card before "show all". */
const FIRST = 6;

export type GroupPerson = FindingGroupView['people'][number];

/** The heading of a kind of problem, by finding code; kinds not listed use their cards' own titles. */
const KINDS: Record<string, MessageKey> = {
  'externalId.duplicate': 'app.check.kind.externalIdDuplicate',
  'userName.duplicate': 'app.check.kind.userNameDuplicate',
  'userName.notUpn': 'app.check.kind.userNameNotUpn',
  'country.notIso': 'app.check.kind.country',
  'manager.notInFile': 'app.check.kind.managerNotInFile',
  'manager.rejected': 'app.check.kind.managerRejected',
};

function Card({ group, onPerson, selected }: { group: FindingGroupView; onPerson: (group: FindingGroupView, person: GroupPerson) => void; selected?: string }) {
  const [all, setAll] = useState(false);
  const g = group;
  const shown = all ? g.people : g.people.slice(0, FIRST);
  const hidden = g.count - shown.length;
  return (
    <li className={`group group-${g.severity}`}>
      <p className="group-title">
        <span className={`badge ${g.severity === 'error' ? 'bad' : 'warn'}`}>{t(g.severity === 'error' ? 'app.check.severityError' : 'app.check.severityWarning')}</span>{' '}
        <strong>{g.title}</strong>
      </p>
      {g.advice && <p className="group-advice">{g.advice}</p>}
      <ul className="people" aria-label={t('app.check.peopleOf', { title: g.title })}>
        {shown.map((p, i) => {
          const key = `${g.id}:${i}`;
          return (
            <li key={key}>
              <button type="button" className={`quiet person ${selected === key ? 'selected' : ''}`} aria-pressed={selected === key} onClick={() => onPerson(g, p)}>
                {p.name ?? p.externalId ?? t('app.check.unnamed')}
                {p.row !== undefined ? ` ${t('app.check.row', { row: p.row })}` : ''}
              </button>
            </li>
          );
        })}
      </ul>
      {hidden > 0 && (
        <p>
          {g.people.length > shown.length ? (
            <button type="button" className="quiet" onClick={() => setAll(true)}>
              {t('app.check.showAll', { count: g.people.length - shown.length })}
            </button>
          ) : (
            <span className="hint">{t('app.check.andMore', { count: hidden, shown: formatNumber(hidden) })}</span>
          )}
        </p>
      )}
    </li>
  );
}

export function FindingGroups({ groups, onPerson, selected }: { groups: FindingGroupView[]; onPerson: (group: FindingGroupView, person: GroupPerson) => void; selected?: string }) {
  if (groups.length === 0) return <p>{t('app.check.noProblems')}</p>;
  // Kinds in the order their first card comes (the services sort errors first, then the largest).
  const kinds = new Map<string, FindingGroupView[]>();
  for (const g of groups) {
    const list = kinds.get(g.code);
    if (list) list.push(g);
    else kinds.set(g.code, [g]);
  }
  return (
    <ul className="groups" aria-label={t('app.check.groupsLabel')}>
      {[...kinds.entries()].map(([code, list], k) => {
        if (list.length === 1) return <Card key={code} group={list[0]!} onPerson={onPerson} {...(selected ? { selected } : {})} />;
        const people = list.reduce((n, g) => n + g.count, 0);
        const label = KINDS[code];
        return (
          <li key={code} className="kind">
            <details open={k === 0}>
              <summary>
                <span className={`badge ${list[0]!.severity === 'error' ? 'bad' : 'warn'}`}>{t(list[0]!.severity === 'error' ? 'app.check.severityError' : 'app.check.severityWarning')}</span>{' '}
                <strong>{label ? t(label, { problems: list.length, people }) : t('app.check.kind.other', { problems: list.length, people })}</strong>
              </summary>
              <ul className="kind-groups" aria-label={label ? t(label, { problems: list.length, people }) : t('app.check.kind.other', { problems: list.length, people })}>
                {list.map((g) => (
                  <Card key={g.id} group={g} onPerson={onPerson} {...(selected ? { selected } : {})} />
                ))}
              </ul>
            </details>
          </li>
        );
      })}
    </ul>
  );
}
