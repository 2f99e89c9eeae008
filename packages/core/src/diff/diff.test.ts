import { describe, expect, it } from 'vitest';
import { isCoreError } from '../errors';
import type { ScimUser } from '../types';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';
import { EXT, syntheticUser, syntheticUsers } from '../__tests__/scim-users';
import { canonicalize, hashUser } from './canonical';
import { diffAttributes, diffUsers, type CurrentUser } from './diff';
import { planUpload } from './plan';
import { Snapshot } from './snapshot';

const ENT = SCIM_ENTERPRISE_USER;

function current(users: ScimUser[]): CurrentUser[] {
  return users.map((data, i) => ({ externalId: data.externalId as string, data, row: i + 2 }));
}

function acceptedSnapshot(users: ScimUser[]): Snapshot {
  const snapshot = new Snapshot();
  snapshot.markAccepted(users.map((data) => ({ data: data as never })), new Date('2025-01-01T00:00:00Z'));
  return snapshot;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

describe('diffUsers', () => {
  it('finds nothing to send on a second run of an unchanged file', () => {
    const users = syntheticUsers(200);
    const snapshot = acceptedSnapshot(users);
    const result = diffUsers(current(users.map(clone)), snapshot);
    expect(result.counts).toEqual({ new: 0, changed: 0, unchanged: 200, missing: 0, returning: 0, alreadyDisabled: 0 });
    const plan = planUpload(result, { leavers: { policy: 'disable' } });
    expect(plan.operations).toHaveLength(0);
    expect(plan.disables).toHaveLength(0);
    expect(plan.calls).toBe(0);
    expect(plan.gate).toEqual({ tripped: false, reasons: [] });
  });

  it('reports exactly the edits, the new hire and the leaver, with each attribute before and after', () => {
    const users = syntheticUsers(50);
    const snapshot = acceptedSnapshot(users);
    const next = users.map(clone);
    next[3]!.title = 'Head of Tours';
    (next[7]![ENT] as Record<string, unknown>).department = 'Legal & Compliance';
    (next[7]!.name as Record<string, unknown>).familyName = 'Jensen';
    next[9]!.emails = [{ value: 'new.address@contoso.example', type: 'work', primary: true }];
    const leaver = next.splice(20, 1)[0]!;
    next.push(syntheticUser(1000));

    const result = diffUsers(current(next), snapshot);
    expect(result.counts).toEqual({ new: 1, changed: 3, unchanged: 46, missing: 1, returning: 0, alreadyDisabled: 0 });
    const byKind = (kind: string) => result.records.filter((r) => r.kind === kind);
    expect(byKind('new').map((r) => r.externalId)).toEqual(['E001000']);
    expect(byKind('missing').map((r) => r.externalId)).toEqual([leaver.externalId]);
    expect(byKind('missing')[0]!.row).toBeUndefined();

    const changed = Object.fromEntries(byKind('changed').map((r) => [r.externalId, r]));
    expect(changed.E000003!.row).toBe(5);
    expect(changed.E000003!.changes).toEqual([{ path: 'title', before: 'Title 3', after: 'Head of Tours' }]);
    expect(changed.E000007!.changes).toEqual([
      { path: 'name.familyName', before: 'Family7', after: 'Jensen' },
      { path: `${ENT}.department`, before: 'Tour Operations', after: 'Legal & Compliance' },
    ]);
    expect(changed.E000009!.changes).toEqual([{ path: 'emails[0].value', before: 'user9@contoso.example', after: 'new.address@contoso.example' }]);

    const plan = planUpload(result, { leavers: { policy: 'disable' }, extension: { namespace: EXT, attributes: [] } });
    expect(plan.operations.map((op) => op.data.externalId).sort()).toEqual(['E000003', 'E000007', 'E000009', 'E001000']);
    expect(plan.disables.map((op) => op.data)).toEqual([
      { schemas: [SCIM_CORE_USER, ENT], externalId: leaver.externalId, userName: leaver.userName, active: false },
    ]);
    expect(plan.calls).toBe(1);
  });

  it('treats null, absent, [], {} and "" alike, ignores key and schemas order, but compares values exactly', () => {
    const before: ScimUser = {
      schemas: [SCIM_CORE_USER, ENT, EXT],
      externalId: 'A1',
      userName: 'ann@contoso.example',
      nickName: null,
      phoneNumbers: [],
      addresses: [{}],
      [ENT]: { department: 'Sales', manager: {} },
      [EXT]: { payGrade: '' },
    };
    const after: ScimUser = {
      [ENT]: { department: 'Sales' },
      userName: 'ann@contoso.example',
      externalId: 'A1',
      schemas: [EXT, ENT, SCIM_CORE_USER, ENT],
      title: undefined,
      name: { givenName: null },
    };
    expect(diffAttributes(before, after)).toEqual([]);
    expect(hashUser(before)).toBe(hashUser(after));
    const snapshot = acceptedSnapshot([before]);
    expect(diffUsers(current([after]), snapshot).counts.unchanged).toBe(1);

    const renamed = { ...after, userName: 'Ann@contoso.example' };
    expect(diffAttributes(before, renamed)).toEqual([{ path: 'userName', before: 'ann@contoso.example', after: 'Ann@contoso.example' }]);
    expect(diffAttributes({ a: '1' }, { a: 1 })).toEqual([{ path: 'a', before: '1', after: 1 }]);
    // An attribute that appears or disappears shows null on the empty side.
    expect(diffAttributes(before, { ...after, title: 'CFO' })).toEqual([{ path: 'title', before: null, after: 'CFO' }]);
    expect(diffAttributes({ ...before, title: 'CFO' }, { ...after, title: '' })).toEqual([{ path: 'title', before: 'CFO', after: null }]);
  });

  it('keeps list order meaningful except for schemas', () => {
    expect(canonicalize({ schemas: ['b', 'a'], emails: [{ value: 'y' }, { value: 'x' }] })).toEqual({
      emails: [{ value: 'y' }, { value: 'x' }],
      schemas: ['a', 'b'],
    });
  });

  it('recognises a returning person and re-enables someone whose mapping has no active attribute', () => {
    const users = syntheticUsers(10);
    const snapshot = acceptedSnapshot(users);
    // Last run disabled E000004 as a leaver.
    snapshot.markAccepted([{ data: { schemas: [SCIM_CORE_USER, ENT], externalId: 'E000004', userName: 'user4@contoso.example', active: false } }]);
    expect(snapshot.records.get('E000004')!.data.title).toBe('Title 4'); // merged onto the previous record
    const again = diffUsers(current(users.map(clone)), snapshot);
    expect(again.counts).toMatchObject({ returning: 1, unchanged: 9, changed: 0 });
    const back = again.records.find((r) => r.kind === 'returning')!;
    expect(back.externalId).toBe('E000004');
    expect(back.changes).toEqual([{ path: 'active', before: false, after: true }]);

    const withoutActive = users.map(clone).map((u) => {
      delete u.active;
      return u;
    });
    const result = diffUsers(current(withoutActive), snapshot);
    expect(result.counts.returning).toBe(1);
    const plan = planUpload(result, { leavers: { policy: 'disable' } });
    const op = plan.operations.find((o) => o.data.externalId === 'E000004')!;
    expect(op.data.active).toBe(true);
  });

  it('does not disable again someone already disabled and still absent', () => {
    const users = syntheticUsers(10);
    const snapshot = acceptedSnapshot(users);
    snapshot.markAccepted([{ data: { schemas: [SCIM_CORE_USER, ENT], externalId: 'E000002', active: false } }]);
    const result = diffUsers(current(users.filter((u) => u.externalId !== 'E000002')), snapshot);
    expect(result.counts).toMatchObject({ missing: 0, alreadyDisabled: 1, unchanged: 9 });
    expect(result.records).toHaveLength(9);
  });

  it('sends again people whose last upload failed, in the file or not', () => {
    const users = syntheticUsers(10);
    const snapshot = acceptedSnapshot(users);
    snapshot.markAccepted([{ data: { schemas: [SCIM_CORE_USER, ENT], externalId: 'E000008', active: false } }]);
    expect(snapshot.markFailed(['E000001', 'E000008', 'nobody'])).toBe(2);
    const result = diffUsers(current(users.filter((u) => u.externalId !== 'E000008').map(clone)), snapshot);
    expect(result.counts).toMatchObject({ changed: 1, unchanged: 8, missing: 1 });
    expect(result.records.find((r) => r.kind === 'changed')).toMatchObject({ externalId: 'E000001', retry: true, changes: [] });
    expect(result.records.find((r) => r.kind === 'missing')).toMatchObject({ externalId: 'E000008', retry: true });
    // Accepted again: trusted again.
    snapshot.markAccepted([{ data: users[1]! }]);
    expect(snapshot.records.get('E000001')!.failedAt).toBeUndefined();
  });

  it('falls back to the attribute walk when only the stored hash differs', () => {
    const users = syntheticUsers(3);
    const snapshot = acceptedSnapshot(users);
    for (const record of snapshot.records.values()) record.hash = 'from-an-older-canonical-form';
    expect(diffUsers(current(users), snapshot).counts.unchanged).toBe(3);
  });

  it('refuses a file with the same externalId twice, naming both rows', () => {
    const user = syntheticUser(1);
    try {
      diffUsers([{ externalId: 'E000001', data: user, row: 4 }, { externalId: 'E000001', data: user, row: 9 }], new Snapshot());
      expect.unreachable();
    } catch (error) {
      expect(isCoreError(error) && error.code).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toContain('rows 4 and 9');
    }
  });

  it('is right on 100,000 people against a 100,000-person snapshot', () => {
    const users = syntheticUsers(100_000);
    const snapshot = acceptedSnapshot(users);
    const next = users.map((u, i) => {
      if (i % 100 !== 0) return u;
      const c = clone(u);
      c.title = `${String(c.title)} (acting)`;
      return c;
    });
    next.splice(99_990, 10);
    for (let i = 0; i < 25; i++) next.push(syntheticUser(200_000 + i));
    const result = diffUsers(current(next), snapshot);
    expect(result.counts).toEqual({ new: 25, changed: 1000, unchanged: 98_990, missing: 10, returning: 0, alreadyDisabled: 0 });
    const changed = result.records.filter((r) => r.kind === 'changed');
    expect(changed.every((r) => r.changes?.length === 1 && r.changes[0]!.path === 'title')).toBe(true);
    expect(changed[1]!.changes).toEqual([{ path: 'title', before: 'Title 0', after: 'Title 0 (acting)' }]);
    expect(result.records.filter((r) => r.kind === 'missing').map((r) => r.externalId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `E0${99_990 + i}`));
    const plan = planUpload(result, { leavers: { policy: 'disable' } });
    expect(plan.operations).toHaveLength(1025);
    expect(plan.disables).toHaveLength(10);
    expect(plan.calls).toBe(21);
    expect(plan.gate.tripped).toBe(false);
  });
});
