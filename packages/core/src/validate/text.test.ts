import { describe, expect, it } from 'vitest';
import type { ScimUser } from '../types';
import { SCIM_ENTERPRISE_USER } from '../types';
import { validateUser, type UserContext } from './index';

const ctx: UserContext = {
  file: 'staff.csv',
  row: 7,
  cellsFor: (path) => (path === 'name.givenName' ? [{ header: 'FirstName', letter: 'B' }] : path === 'userName' ? [{ header: 'UPN', letter: 'D' }] : []),
};

const person = (extra: Partial<ScimUser>): ScimUser => ({ externalId: '1001', userName: 'ann.lee@contoso.com', name: { givenName: 'Ann', familyName: 'Lee' }, ...extra }) as ScimUser;

describe('text Entra refuses', () => {
  it('makes a NUL in a name an error naming the field, the cell and the character, shown visibly', () => {
    const findings = validateUser(person({ name: { givenName: 'An\u0000n', familyName: 'Lee' } }), {}, ctx).filter((f) => f.code === 'text.control');
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ severity: 'error', path: 'name.givenName', row: 7, file: 'staff.csv', cells: [{ header: 'FirstName', letter: 'B' }], value: 'An\u2400n' });
    expect(finding!.message).toMatch(/`An\u2400n` holds an invisible control character \(U\+0000 \(NUL\)\), which Entra refuses, so this person is not sent/);
    expect(finding!.message).not.toMatch(/SCIM|userName/);
  });

  it('finds control characters in extension values and lists, and leaves tabs and line breaks alone', () => {
    const user = person({
      [SCIM_ENTERPRISE_USER]: { department: 'Sales\u001b[0m' },
      phoneNumbers: [{ type: 'work', value: '555\u0007' }],
      title: 'Line one\nline two\tand a tab',
    } as Partial<ScimUser>);
    const paths = validateUser(user, {}, ctx).filter((f) => f.code === 'text.control').map((f) => f.path);
    expect(paths.sort()).toEqual(['phoneNumbers[0].value', `${SCIM_ENTERPRISE_USER}.department`]);
  });

  it('makes a sign-in name with a space inside, before or after an error, not a warning', () => {
    for (const [userName, words] of [['John Smith', 'holds a space'], [' padded@contoso.com ', 'starts or ends with a space'], ['ann.lee@contoso.com\t', 'starts or ends with a space']] as const) {
      const found = validateUser(person({ userName }), {}, ctx).filter((f) => f.code === 'userName.spaces');
      expect(found, userName).toHaveLength(1);
      expect(found[0]!.severity).toBe('error');
      expect(found[0]!.message).toContain(words);
      expect(found[0]!.cells).toEqual([{ header: 'UPN', letter: 'D' }]);
    }
    expect(validateUser(person({}), {}, ctx).filter((f) => f.severity === 'error')).toEqual([]);
  });
});
