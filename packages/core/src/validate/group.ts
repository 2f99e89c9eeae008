/**
 * Findings grouped into problems, for people: Microsoft's 1,000-row sample gives 3,110 findings, but an HR
 * person has a few dozen things to fix — "WorkerID 1222 is used by 4 different people: Talya Fleeta (row 2),
 * … — none of them is sent until each has their own WorkerID", "Country UK is not a country code Entra
 * accepts (196 people): use GB". Each group says what is wrong, what to do, and who it concerns.
 *
 * Findings arrive one at a time (`FindingGrouper.add`), as the transform streams them, and memory stays
 * bounded whatever the file's length: each group keeps at most `maxPeople` people while counting them all,
 * and past `maxGroups` groups, new problems of a kind already seen are counted in one group for that kind.
 */
import { t, type MessageKey } from '@scimport/messages';
import type { CellRef, Finding, Severity } from '../types';
import { countryName, countryVerdict } from './country';
import { fieldName, listOf } from './words';

/** One person (one row) a group concerns. */
export interface FindingGroupPerson {
  /** Row number as Excel shows it. */
  row?: number;
  file?: string;
  sheet?: string;
  /** Display name (or first and last name) of the row's person, when the row was mapped. */
  name?: string;
  /** The row's employee id (externalId). */
  externalId?: string;
  /** The cells to point at in the row. */
  cells?: CellRef[];
  /** This person's value at fault, when the group gathers several values (each sign-in name, each manager id). */
  value?: string;
}

/**
 * One problem, with the people it concerns. Plain data (it crosses IPC and is written as JSON as it is).
 *
 * - `id` is stable for the same problem across runs (severity, code and what ties the findings together),
 *   so a screen can keep a group open or selected while the check runs again.
 * - `title` says what is wrong with the count ("WorkerID 1222 is used by 4 different people"); `advice` what
 *   to do ("None of them is sent until each has their own WorkerID."); `text` is both with the first few
 *   people named, as one paragraph for plain-text output. All three come from the message catalogue.
 * - `count` is the number of people (rows) concerned — or of findings, for problems not tied to a row;
 *   `people` lists the first `maxPeople` of them in the order their findings came (row order for a
 *   transform), so `count - people.length` more are not listed.
 * - `path` is the SCIM path of the attribute concerned, for Technical details, never for the sentence.
 */
export interface FindingGroup {
  id: string;
  severity: Severity;
  code: string;
  title: string;
  advice: string;
  text: string;
  count: number;
  people: FindingGroupPerson[];
  path?: string;
  /** The one value the whole group is about (the duplicated id, the country written `UK`), if any. */
  value?: string;
  /** The header(s) of the column(s) concerned, as the file names them. */
  header?: string;
}

export interface GroupOptions {
  /** People kept per group (all are counted). Default 200. */
  maxPeople?: number;
  /** People named in `text`, before "and N more". Default 5. */
  namesInText?: number;
  /** Groups kept apart before new problems of a kind already seen share one group. Default 5,000. */
  maxGroups?: number;
}

/** One group per value: each duplicated id, each wrong country code, is its own problem. */
const BY_VALUE: ReadonlySet<string> = new Set(['externalId.duplicate', 'userName.duplicate', 'country.notIso', 'type.unknown', 'entry.notWork']);
/**
 * One group for the code, whatever the value: every sign-in name differs, every missing manager is a
 * different id, yet the fix is one and the same (the people list shows each value).
 */
const BY_CODE: ReadonlySet<string> = new Set(['userName.notUpn', 'manager.notInFile', 'manager.rejected', 'manager.self']);
/** Codes whose people list shows each person's own value. */
const PERSON_VALUE: ReadonlySet<string> = new Set(['userName.notUpn', 'manager.notInFile', 'manager.rejected']);
/** Title and advice of the groups that gather one code whatever the value. */
const BY_CODE_WORDS: Readonly<Record<string, { title: MessageKey; advice: MessageKey }>> = {
  'userName.notUpn': { title: 'finding.group.userName.notUpn.title', advice: 'finding.group.userName.notUpn.advice' },
  'manager.notInFile': { title: 'finding.group.manager.notInFile.title', advice: 'finding.group.manager.notInFile.advice' },
  'manager.rejected': { title: 'finding.group.manager.rejected.title', advice: 'finding.group.manager.rejected.advice' },
};
/**
 * Whether a group of `code` is worded from its first finding's own sentence (a code without words of its own), so
 * a caller building findings only to group them must word them.
 */
export function groupWordsNeedMessage(code: string): boolean {
  return !OWN_WORDS.has(code);
}
/** The codes `FindingGrouper.words` words itself (its switch): keep the two in step. */
const OWN_WORDS: ReadonlySet<string> = new Set([
  'externalId.duplicate', 'userName.duplicate', 'country.notIso', 'userName.notUpn', 'manager.notInFile', 'manager.rejected', 'entry.notWork', 'manager.self',
]);

/** Distinct values remembered per group, for titles such as "(1684, 1405 and 140 more)". */
const MAX_VALUES = 10_000;
const VALUES_IN_TITLE = 3;

interface Building {
  id: string;
  severity: Severity;
  code: string;
  /** The first finding's sentence, path and cells: they speak for the group when nothing better is known. */
  message: string;
  path: string | undefined;
  cells: CellRef[] | undefined;
  value: string | undefined;
  count: number;
  people: FindingGroupPerson[];
  /** Distinct values seen (BY_CODE groups), capped at MAX_VALUES. */
  values: Set<string> | undefined;
  overflow: boolean;
  firstRow: number;
  /** The row of the last finding counted: several findings of one row count the person once. */
  lastRow: string | undefined;
  /** Set when the sign-in name duplicates of the same rows were folded into this employee-id group. */
  alsoUserName?: string;
}

/** What ties findings into one group (see FindingGroup.id): the same problem, whatever row it is on. */
export function groupKey(f: Finding): string {
  const base = `${f.severity}:${f.code}`;
  // A problem of the whole file (a header, the mapping): each distinct sentence is its own problem.
  if (f.row === undefined) return `${base}:${f.message}`;
  if (BY_CODE.has(f.code)) return base;
  const path = (f.path ?? '').replace(/\[\d+\]/g, '');
  if (BY_VALUE.has(f.code) && f.value !== undefined) return `${base}:${path}:${f.value}`;
  return `${base}:${path}`;
}

function personOf(f: Finding, withValue: boolean): FindingGroupPerson {
  const person: FindingGroupPerson = {};
  if (f.row !== undefined) person.row = f.row;
  if (f.file !== undefined) person.file = f.file;
  if (f.sheet !== undefined) person.sheet = f.sheet;
  if (f.person?.name !== undefined) person.name = f.person.name;
  if (f.person?.externalId !== undefined) person.externalId = f.person.externalId;
  if (f.cells !== undefined) person.cells = f.cells;
  if (withValue && f.value !== undefined) person.value = f.value;
  return person;
}

function sameRows(a: FindingGroupPerson[], b: FindingGroupPerson[]): boolean {
  if (a.length !== b.length) return false;
  const key = (p: FindingGroupPerson) => `${p.file ?? ''}\u0000${p.sheet ?? ''}\u0000${p.row ?? ''}`;
  const left = new Set(a.map(key));
  return b.every((p) => left.has(key(p)));
}

/**
 * Gathers findings into groups as they come. `add` each finding (in row order for a meaningful people
 * order), then read `groups()` — at the end, or at any time for the groups so far.
 */
export class FindingGrouper {
  private readonly building = new Map<string, Building>();
  private readonly maxPeople: number;
  private readonly namesInText: number;
  private readonly maxGroups: number;
  private added = 0;

  constructor(options: GroupOptions = {}) {
    this.maxPeople = Math.max(0, options.maxPeople ?? 200);
    this.namesInText = Math.max(0, options.namesInText ?? 5);
    this.maxGroups = Math.max(1, options.maxGroups ?? 5000);
  }

  /** Findings added so far. */
  get size(): number {
    return this.added;
  }

  add(finding: Finding): void {
    this.added++;
    let key = groupKey(finding);
    let group = this.building.get(key);
    if (!group && this.building.size >= this.maxGroups) {
      // Bounded: a file with 50,000 duplicated ids does not make 50,000 groups.
      key = `${finding.severity}:${finding.code}:*`;
      group = this.building.get(key);
      if (group) group.overflow = true;
    }
    if (!group) {
      group = {
        id: key,
        severity: finding.severity,
        code: finding.code,
        message: finding.message,
        path: finding.path,
        cells: finding.cells,
        value: BY_VALUE.has(finding.code) ? finding.value : undefined,
        count: 0,
        people: [],
        values: BY_CODE.has(finding.code) ? new Set() : undefined,
        overflow: key.endsWith(':*'),
        firstRow: finding.row ?? 0,
        lastRow: undefined,
      };
      this.building.set(key, group);
    }
    if (group.values && finding.value !== undefined && group.values.size < MAX_VALUES) group.values.add(finding.value);
    // Findings come in row order, so a row's second finding of the same kind (two bad emails) follows its first.
    const row = finding.row === undefined ? undefined : `${finding.file ?? ''}\u0000${finding.sheet ?? ''}\u0000${finding.row}`;
    if (row !== undefined && row === group.lastRow) return;
    group.lastRow = row;
    group.count++;
    if (finding.row !== undefined && group.people.length < this.maxPeople) {
      group.people.push(personOf(finding, PERSON_VALUE.has(finding.code)));
    }
  }

  /** The groups so far: errors first, then the largest, then in the order of their first row. */
  groups(): FindingGroup[] {
    const hidden = this.foldUserNameDuplicates();
    const list = [...this.building.values()].filter((g) => !hidden.has(g));
    list.sort((a, b) =>
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) || b.count - a.count || a.firstRow - b.firstRow || (a.id < b.id ? -1 : 1));
    return list.map((g) => this.finish(g));
  }

  /**
   * Microsoft's sample, like many HR exports, derives the sign-in name from the employee id: the rows that
   * share WorkerID 1222 also share EMP1222. That is one problem for a person, so a sign-in-name group with
   * exactly the rows of an employee-id group is said inside that group instead of on its own.
   */
  private foldUserNameDuplicates(): Set<Building> {
    const folded = new Set<Building>();
    const complete = (g: Building) => g.people.length === g.count && g.count > 0;
    const byFirstRow = new Map<string, Building[]>();
    for (const g of this.building.values()) {
      // Decided afresh on every call: more findings may have come since the last.
      delete g.alsoUserName;
      if (g.code !== 'externalId.duplicate' || g.overflow || !complete(g)) continue;
      const first = g.people[0]!;
      const key = `${first.file}\u0000${first.sheet}\u0000${first.row}`;
      byFirstRow.set(key, [...(byFirstRow.get(key) ?? []), g]);
    }
    for (const g of this.building.values()) {
      if (g.code !== 'userName.duplicate' || g.overflow || !complete(g) || g.severity !== 'error') continue;
      const first = g.people[0]!;
      const candidates = byFirstRow.get(`${first.file}\u0000${first.sheet}\u0000${first.row}`) ?? [];
      const match = candidates.find((c) => c.alsoUserName === undefined && sameRows(c.people, g.people));
      if (match && g.value !== undefined) {
        match.alsoUserName = g.value;
        folded.add(g);
      }
    }
    return folded;
  }

  private finish(g: Building): FindingGroup {
    const header = g.cells && g.cells.length > 0 ? listOf(g.cells.map((c) => c.header)) : undefined;
    const { title, advice } = this.words(g, header);
    const named = g.people.slice(0, this.namesInText).map((p) => {
      const who = p.row === undefined ? '' : p.name !== undefined
        ? t('finding.group.person', { name: p.name, row: String(p.row) })
        : t('finding.group.personNoName', { row: String(p.row) });
      return p.value !== undefined ? t('finding.group.personWithValue', { person: who, value: p.value }) : who;
    });
    const more = g.count - named.length;
    const people = g.people.length > 0 ? listOf(more > 0 ? [...named, t('finding.group.more', { count: more })] : named) : '';
    // A generic title is a finding's sentence, full stop included; the paragraph adds its own.
    const bare = title.replace(/[.]$/, '');
    const text = people ? t('finding.group.text', { title: bare, people, advice }) : t('finding.group.textNoPeople', { title: bare, advice });
    const group: FindingGroup = { id: g.id, severity: g.severity, code: g.code, title, advice, text, count: g.count, people: g.people };
    if (g.path !== undefined && g.path !== '') group.path = g.path;
    if (g.value !== undefined && !g.overflow) group.value = g.value;
    if (header !== undefined) group.header = header;
    return group;
  }

  private words(g: Building, header: string | undefined): { title: string; advice: string } {
    const count = g.count;
    const value = g.value ?? '';
    if (g.overflow) return { title: t('finding.group.overflow.title', { count, message: g.message }), advice: this.genericAdvice(g) };
    switch (g.code) {
      case 'externalId.duplicate': {
        const field = fieldName('externalId', g.cells ?? [], true);
        // The same name on every row is one person entered twice, not several people sharing an id.
        const name = g.people[0]?.name;
        if (name !== undefined && g.people.length === count && g.people.every((p) => p.name === name)) {
          return {
            title: t('finding.group.externalId.duplicate.sameTitle', { field, value, count, name }),
            advice: t('finding.group.externalId.duplicate.sameAdvice', { name }),
          };
        }
        return {
          title: t('finding.group.externalId.duplicate.title', { field, value, count }),
          advice: g.alsoUserName !== undefined
            ? t('finding.group.externalId.duplicate.alsoUserName', { field, signIn: g.alsoUserName })
            : t('finding.group.externalId.duplicate.advice', { field }),
        };
      }
      case 'userName.duplicate':
        return { title: t('finding.group.userName.duplicate.title', { value, count }), advice: t('finding.group.userName.duplicate.advice') };
      case 'country.notIso': {
        const verdict = countryVerdict(value);
        const column = header ?? t('finding.country.column');
        const advice = verdict?.kind === 'meant'
          ? t('finding.group.country.meant', { code: verdict.meant, country: countryName(verdict.meant), header: column })
          : verdict?.kind === 'region'
            ? t('finding.group.country.region', { value, header: column })
            : t('finding.group.country.unknown', { header: column });
        return { title: t('finding.group.country.title', { value, count }), advice };
      }
      case 'userName.notUpn':
      case 'manager.notInFile':
      case 'manager.rejected': {
        const values = [...(g.values ?? [])];
        const shown = values.slice(0, VALUES_IN_TITLE);
        const rest = values.length - shown.length;
        const list = listOf(rest > 0 ? [...shown, t('finding.group.more', { count: rest })] : shown);
        const words = BY_CODE_WORDS[g.code]!;
        return { title: t(words.title, { count, value: values[0] ?? '', values: list }), advice: t(words.advice) };
      }
      case 'entry.notWork': {
        // The group is per list and type: `phoneNumbers[0].value` → phoneNumbers.
        const kind = (g.path ?? '').replace(/\[.*$/, '');
        return {
          title: t('finding.group.entry.notWork.title', { kind, type: value === '' ? 'none' : value, count }),
          advice: t('finding.group.entry.notWork.advice', { kind }),
        };
      }
      case 'manager.self':
        return { title: t('finding.group.manager.self.title', { count }), advice: t('finding.group.manager.self.advice') };
      default:
        return { title: g.message, advice: this.genericAdvice(g) };
    }
  }

  private genericAdvice(g: Building): string {
    return g.people.length === 0 && g.firstRow === 0 ? t('finding.group.generic.adviceFile') : t('finding.group.generic.advice', { count: g.count });
  }
}

/** Groups findings in one call (see FindingGrouper). */
export function groupFindings(findings: Iterable<Finding>, options?: GroupOptions): FindingGroup[] {
  const grouper = new FindingGrouper(options);
  for (const finding of findings) grouper.add(finding);
  return grouper.groups();
}
