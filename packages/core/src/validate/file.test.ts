import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { CellRef, ScimUser } from '../types';
import { SCIM_ENTERPRISE_USER } from '../types';
import { isCoreError } from '../errors';
import { FileChecks, validateUser, errorReportCsv, type UserContext } from './index';

const ENT = SCIM_ENTERPRISE_USER;
const CELLS: Record<string, CellRef[]> = {
  externalId: [{ header: 'Worker ID', letter: 'A' }],
  userName: [{ header: 'UPN', letter: 'B' }],
  [`${ENT}.manager.value`]: [{ header: 'Manager ID', letter: 'C' }],
};

function ctx(row: number, file = 'staff.csv', sheet?: string): UserContext {
  return { file, row, ...(sheet ? { sheet } : {}), cellsFor: (path) => CELLS[path] ?? [] };
}

function user(externalId: unknown, userName?: string, manager?: unknown, displayName?: string): ScimUser {
  return {
    externalId,
    userName: userName ?? `${String(externalId)}@contoso.com`,
    ...(displayName !== undefined ? { displayName } : {}),
    ...(manager !== undefined ? { [ENT]: { manager: { value: manager } } } : {}),
  };
}

function run(users: ScimUser[], first = 2): FileChecks {
  const checks = new FileChecks();
  users.forEach((u, i) => checks.add(u, ctx(first + i)));
  return checks;
}

describe('FileChecks', () => {
  it('finds nothing in a clean file where managers are in the file', () => {
    const checks = run([user('E1'), user('E2', undefined, 'E1'), user('E3', undefined, 'E2')]);
    expect(checks.finish()).toEqual([]);
    expect(checks.rejectedRows()).toEqual(new Set());
  });

  it('reports every row of a duplicated externalId, each listing the others', () => {
    const checks = run([user('E1'), user('E2'), user('E1', 'x@contoso.com'), user('E3'), user('E1', 'y@contoso.com')]);
    const findings = checks.finish();
    expect(findings.map((f) => [f.code, f.row, f.severity])).toEqual([
      ['externalId.duplicate', 2, 'error'],
      ['externalId.duplicate', 4, 'error'],
      ['externalId.duplicate', 6, 'error'],
    ]);
    // The employee id is said by its column's header, as HR knows it.
    expect(findings[0]!.message).toBe(
      'Worker ID `E1` is also used by rows 4 and 6; each person needs their own Worker ID, so none of these rows is sent until the duplicates are fixed.',
    );
    expect(findings[1]!.message).toContain('rows 2 and 6');
    expect(findings[2]!.message).toContain('rows 2 and 4');
    expect(findings[0]).toMatchObject({ path: 'externalId', file: 'staff.csv', cells: CELLS.externalId, value: 'E1', person: { externalId: 'E1' } });
    expect(checks.rejectedRows()).toEqual(new Set([2, 4, 6]));
  });

  it('treats externalIds that differ only by case as duplicates, and says so', () => {
    const findings = run([user('e100', 'a@x.com'), user('E100', 'b@x.com')]).finish();
    expect(findings.map((f) => f.code)).toEqual(['externalId.duplicate', 'externalId.duplicate']);
    expect(findings[0]!.message).toContain('upper/lower case');
  });

  it('reports duplicate userNames (UPN conflict) on every row, ignoring case', () => {
    const checks = run([user('E1', 'ada@contoso.com'), user('E2', 'ADA@contoso.com'), user('E3', 'bob@contoso.com')]);
    const findings = checks.finish();
    expect(findings.map((f) => [f.code, f.row, f.path])).toEqual([
      ['userName.duplicate', 2, 'userName'],
      ['userName.duplicate', 3, 'userName'],
    ]);
    expect(findings[0]!.message).toContain('Sign-in name `ada@contoso.com`');
    expect(findings[0]!.message).not.toContain('userName');
    expect(findings[0]!.message).toContain('row 3');
    expect(findings[0]!.cells).toEqual(CELLS.userName);
    expect(checks.rejectedRows()).toEqual(new Set([2, 3]));
  });

  it('lists at most ten other rows', () => {
    const findings = run(Array.from({ length: 14 }, (_, i) => user('SAME', `u${i}@x.com`))).finish();
    expect(findings).toHaveLength(14);
    expect(findings[0]!.message).toContain('rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, and 3 more');
  });

  it('names the people of the other rows and of the row itself', () => {
    const checks = run([
      user('1222', 'EMP1222', undefined, 'Talya Fleeta'),
      user('1300', 'EMP1300', undefined, 'Someone Else'),
      user('1222', 'EMP1222b', undefined, 'Aurelie Glovsky'),
      user('1222', 'EMP1222c'),
    ]);
    const findings = checks.finish();
    expect(findings.map((f) => [f.row, f.person])).toEqual([
      [2, { name: 'Talya Fleeta', externalId: '1222' }],
      [4, { name: 'Aurelie Glovsky', externalId: '1222' }],
      [5, { externalId: '1222' }],
    ]);
    expect(findings[0]!.message).toContain('also used by Aurelie Glovsky (row 4) and row 5;');
    expect(findings[2]!.message).toContain('also used by Talya Fleeta (row 2) and Aurelie Glovsky (row 4);');
  });

  it('warns when a manager is not in the file, without rejecting the row', () => {
    const checks = run([user('E1', undefined, '89607'), user('E2', undefined, 'E1')]);
    const findings = checks.finish();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      severity: 'warning',
      code: 'manager.notInFile',
      path: `${ENT}.manager.value`,
      row: 2,
      cells: CELLS[`${ENT}.manager.value`],
    });
    expect(findings[0]!.message).toBe(
      'Manager `89607` is not the employee id of anyone in this file: fine if the manager is already in Entra; if not, the manager link will fail, so check the Manager ID column.',
    );
    expect(findings[0]).toMatchObject({ value: '89607', person: { externalId: 'E1' } });
    expect(checks.rejectedRows()).toEqual(new Set());
  });

  it('ignores manager values that are not text (validateUser reports those)', () => {
    expect(run([user('E1', undefined, 89607), user('E2', undefined, '')]).finish()).toEqual([]);
  });

  it('warns when the manager row itself will not be sent', () => {
    const checks = new FileChecks();
    checks.add(user('M1'), ctx(2), true);
    checks.add(user('E1', undefined, 'M1'), ctx(3));
    checks.add(user('D1', 'd1@x.com'), ctx(4));
    checks.add(user('D1', 'd2@x.com'), ctx(5));
    checks.add(user('E2', undefined, 'D1'), ctx(6));
    const findings = checks.finish();
    expect(findings.filter((f) => f.code === 'manager.rejected').map((f) => f.row)).toEqual([3, 6]);
    expect(findings.find((f) => f.row === 3)!.message).toContain('row 2');
  });

  it('skips users without a usable externalId or userName', () => {
    const checks = run([user(701984, 'a@x.com'), user(701984, 'b@x.com'), user('', 'c@x.com'), user('', 'd@x.com')]);
    expect(checks.finish()).toEqual([]);
  });

  it('names the file of other rows when duplicates span files or sheets, and keys rows by index', () => {
    const checks = new FileChecks();
    expect(checks.add(user('E1', 'a@x.com'), ctx(2, 'employees.csv'))).toBe(0);
    expect(checks.add(user('E2', 'b@x.com'), ctx(2, 'contractors.xlsx', 'Q1'))).toBe(1);
    expect(checks.add(user('E1', 'c@x.com'), ctx(3, 'contractors.xlsx', 'Q1'))).toBe(2);
    const findings = checks.finish();
    expect(findings[0]!.message).toContain('contractors.xlsx sheet "Q1" row 3');
    expect(findings[1]!.message).toContain('employees.csv row 2');
    expect(checks.rejectedIndexes()).toEqual(new Set([0, 2]));
    try {
      checks.rejectedRows();
      expect.unreachable();
    } catch (error) {
      expect(isCoreError(error) && error.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('finish is idempotent and add after finish is refused', () => {
    const checks = run([user('E1'), user('E1', 'other@x.com')]);
    const first = checks.finish();
    expect(checks.finish()).toBe(first);
    expect(() => checks.add(user('E9'), ctx(9))).toThrow(/after finish/);
  });

  it('rejectedRows runs finish when it was not called', () => {
    expect(run([user('E1'), user('E1', 'z@x.com')]).rejectedRows()).toEqual(new Set([2, 3]));
  });

  it('resolves cells when rows are added, not later', () => {
    let calls = 0;
    const checks = new FileChecks();
    checks.add(user('E1', 'a@x.com', 'E2'), { file: 'f.csv', row: 2, cellsFor: (p) => (calls++, CELLS[p] ?? []) });
    const before = calls;
    checks.finish();
    expect(before).toBe(3);
    expect(calls).toBe(before);
  });
});

describe("FileChecks on Microsoft's extended sample", () => {
  it('warns that manager 89607 is not in the file and finds no duplicates among distinct people', () => {
    const url = new URL('../../../../test-data/microsoft/Extended-SCIM-bulk-request-Core+Enterprise.json', import.meta.url);
    const request = JSON.parse(readFileSync(url, 'utf8')) as { Operations: Array<{ data: ScimUser }> };
    const checks = new FileChecks();
    const perRow = request.Operations.map((op, i) => {
      const findings = validateUser(op.data, {}, ctx(i + 2));
      checks.add(op.data, ctx(i + 2), findings.some((f) => f.severity === 'error'));
      return findings;
    });
    const cross = checks.finish();
    expect(cross.map((f) => [f.code, f.row])).toEqual([['manager.notInFile', 2]]);
    expect(checks.rejectedRows()).toEqual(new Set());
    // The report lists every finding once, with a header line.
    const csv = errorReportCsv([...perRow.flat(), ...cross]);
    expect(csv.trimEnd().split('\r\n')).toHaveLength(1 + perRow.flat().length + cross.length);
  });
});
