import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../types';
import { loadProfile } from '../profile';
import { transformFile } from '../pipeline';
import { FindingGrouper, groupFindings, groupWordsNeedMessage, type FindingGroup } from './group';

const DATA = new URL('../../../../test-data/', import.meta.url);
const SAMPLE = fileURLToPath(new URL('microsoft/csv-with-1000-records.csv', DATA));
const PROFILE = fileURLToPath(new URL('profiles/microsoft-attribute-mapping.json', DATA));

describe("groups on Microsoft's 1,000-row sample", () => {
  let flat: Finding[] = [];
  let groups: FindingGroup[] = [];
  let invalid = 0;
  let grouper = new FindingGrouper();

  beforeAll(async () => {
    const profile = await loadProfile(PROFILE);
    grouper = new FindingGrouper();
    const findings: Finding[] = [];
    const summary = await transformFile({
      input: SAMPLE,
      profile,
      keepFindings: 0,
      onFinding: (f) => {
        findings.push(f);
        grouper.add(f);
      },
    });
    flat = findings;
    groups = grouper.groups();
    invalid = summary.invalid;
  });

  it('turns the flat list of findings into one group per problem', () => {
    expect(flat.length).toBe(3110);
    // 265 duplicated WorkerIDs (each with its shared sign-in name folded in) and 5 kinds of warning.
    expect(groups.length).toBe(270);
    expect(groups.filter((g) => g.severity === 'error')).toHaveLength(265);
    expect(groups.filter((g) => g.code === 'userName.duplicate')).toEqual([]);
    // Errors first, then by size.
    const firstWarning = groups.findIndex((g) => g.severity === 'warning');
    expect(groups.slice(firstWarning).every((g) => g.severity === 'warning')).toBe(true);
    expect(groups.slice(firstWarning).map((g) => g.count)).toEqual([1000, 366, 265, 196, 1]);
    // Every held-back row is in exactly one error group.
    expect(groups.filter((g) => g.severity === 'error').reduce((n, g) => n + g.count, 0)).toBe(invalid);
    // Reading the groups again gives the same groups.
    expect(grouper.groups()).toEqual(groups);
  });

  it('names the four people who share WorkerID 1222, with their rows', () => {
    const group = groups.find((g) => g.code === 'externalId.duplicate' && g.value === '1222')!;
    expect(group.count).toBe(4);
    expect(group.header).toBe('WorkerID');
    expect(group.path).toBe('externalId');
    expect(group.title).toBe('WorkerID 1222 is used by 4 different people');
    expect(group.people.map((p) => [p.name, p.row, p.externalId])).toEqual([
      ['Talya Fleeta', 2, '1222'],
      ['Aurelie Glovsky', 499, '1222'],
      [expect.any(String), 709, '1222'],
      [expect.any(String), 786, '1222'],
    ]);
    expect(group.people[0]!.cells).toEqual([{ header: 'WorkerID', letter: 'A' }]);
    expect(group.advice).toBe('None of them is sent until each has their own WorkerID and their own sign-in name (they share EMP1222 too).');
    expect(group.text).toMatch(/^WorkerID 1222 is used by 4 different people: Talya Fleeta \(row 2\), Aurelie Glovsky \(row 499\), .+ \(row 709\), and .+ \(row 786\)\. None of them is sent/);
  });

  it('gathers the country UK into one group that says to use GB', () => {
    const group = groups.find((g) => g.code === 'country.notIso')!;
    expect(group).toMatchObject({ severity: 'warning', value: 'UK', header: 'CountryCode', count: 196 });
    expect(group.title).toBe('Country UK is not a country code Entra accepts (196 people)');
    expect(group.advice).toBe('Use GB (United Kingdom): correct the CountryCode column, or translate it with a lookup table on the Mapping screen.');
    expect(group.people[0]).toMatchObject({ name: 'Talya Fleeta', row: 2 });
    expect(group.text).toContain('and 191 more.');
  });

  it('says the sign-in names in HR words, with each person’s own value', () => {
    const group = groups.find((g) => g.code === 'userName.notUpn')!;
    expect(group.count).toBe(1000);
    expect(group.title).toBe('1,000 sign-in names are not email-style (name@your-domain), such as EMP1222');
    expect(group.people).toHaveLength(200);
    expect(group.people[0]).toMatchObject({ name: 'Talya Fleeta', row: 2, value: 'EMP1222' });
    for (const g of groups) expect(`${g.title} ${g.advice}`).not.toMatch(/userName|externalId|ISO 3166|urn:|SCIM/);
  });

  it('lists the missing managers in the title', () => {
    const group = groups.find((g) => g.code === 'manager.notInFile')!;
    expect(group.title).toMatch(/^366 people have managers who are not in this file \(1684, 1405, 1535, and \d+ more\)$/);
  });
});

function finding(extra: Partial<Finding>): Finding {
  return { severity: 'error', code: 'value.dateOnly', message: 'Hire date is the date `2021-05-01` without a time.', path: 'x.hireDate', file: 'a.csv', ...extra };
}

describe('FindingGrouper', () => {
  it('keeps at most maxPeople per group while counting them all', () => {
    const grouper = new FindingGrouper({ maxPeople: 3, namesInText: 2 });
    for (let row = 2; row < 12; row++) grouper.add(finding({ row, person: { name: `P${row}` } }));
    const [group] = grouper.groups();
    expect(group!.count).toBe(10);
    expect(group!.people.map((p) => p.row)).toEqual([2, 3, 4]);
    expect(group!.title).toBe('Hire date is the date `2021-05-01` without a time.');
    expect(group!.text).toBe('Hire date is the date `2021-05-01` without a time: P2 (row 2), P3 (row 3), and 8 more. The same problem is on 10 rows.');
    expect(grouper.size).toBe(10);
  });

  it('counts a person once when one row has two findings of the same kind', () => {
    const groups = groupFindings([finding({ row: 2, path: 'emails[0].value' }), finding({ row: 2, path: 'emails[1].value' }), finding({ row: 3, path: 'emails[0].value' })]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.count).toBe(2);
  });

  it('keeps each problem of the whole file apart, and says it concerns the file', () => {
    const groups = groupFindings([
      { severity: 'warning', code: 'header.blank', message: 'Column D has no header.' },
      { severity: 'warning', code: 'header.blank', message: 'Column F has no header.' },
    ]);
    expect(groups.map((g) => [g.count, g.people.length, g.text])).toEqual([
      [1, 0, 'Column D has no header. This concerns the whole file, not one person.'],
      [1, 0, 'Column F has no header. This concerns the whole file, not one person.'],
    ]);
  });

  it('sorts errors first, then the largest, then by first row', () => {
    const groups = groupFindings([
      finding({ severity: 'warning', code: 'a', row: 2 }),
      finding({ severity: 'warning', code: 'a', row: 3 }),
      finding({ severity: 'error', code: 'b', row: 9 }),
      finding({ severity: 'error', code: 'c', row: 4 }),
    ]);
    expect(groups.map((g) => g.code)).toEqual(['c', 'b', 'a']);
  });

  it('stays bounded: past maxGroups, new problems of a kind share one group', () => {
    const grouper = new FindingGrouper({ maxGroups: 3 });
    for (let i = 0; i < 100; i++) {
      const value = `E${i}`;
      grouper.add(finding({ code: 'externalId.duplicate', path: 'externalId', value, row: 2 + 2 * i, message: `WorkerID \`${value}\` is also used by row ${3 + 2 * i}.` }));
      grouper.add(finding({ code: 'externalId.duplicate', path: 'externalId', value, row: 3 + 2 * i, message: `WorkerID \`${value}\` is also used by row ${2 + 2 * i}.` }));
    }
    const groups = grouper.groups();
    expect(groups).toHaveLength(4);
    const overflow = groups.find((g) => g.id.endsWith(':*'))!;
    expect(overflow.count).toBe(194);
    expect(overflow.value).toBeUndefined();
    expect(overflow.title).toMatch(/^194 more problems of this kind, such as: WorkerID `E3`/);
  });

  it('says a duplicated id on rows of the same person is one person entered twice', () => {
    const dup = (row: number) => finding({ code: 'externalId.duplicate', path: 'externalId', value: '7', row, person: { name: 'Ada Lovelace', externalId: '7' }, cells: [{ header: 'Personnel number', letter: 'B' }] });
    const [group] = groupFindings([dup(4), dup(9)]);
    expect(group!.title).toBe('Personnel number 7 is on 2 rows, all for Ada Lovelace');
    expect(group!.advice).toBe('Keep one row for Ada Lovelace and remove the others; none of these rows is sent until then.');
  });

  it('words the codes it knows without their findings’ own sentences (a caller may leave them unworded)', () => {
    const codes = ['externalId.duplicate', 'userName.duplicate', 'country.notIso', 'userName.notUpn', 'manager.notInFile', 'manager.rejected', 'entry.notWork', 'manager.self'];
    for (const code of codes) {
      expect(groupWordsNeedMessage(code)).toBe(false);
      const [group] = groupFindings([finding({ code, path: 'x', value: 'V', row: 2, message: '' }), finding({ code, path: 'x', value: 'V', row: 3, message: '' })]);
      expect(group!.title, code).not.toBe('');
      expect(group!.advice, code).not.toBe('');
    }
    expect(groupWordsNeedMessage('phone.notE164')).toBe(true);
  });
});
