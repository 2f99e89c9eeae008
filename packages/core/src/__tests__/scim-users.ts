/** Synthetic SCIM users shaped like Microsoft's sample BulkRequest, for diff and snapshot tests. */
import { toOperation } from '../bulk';
import type { BulkOperation } from '../types';

export const EXT = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DEPARTMENTS = ['Finance', 'Sales', 'Tour Operations', 'R&D', 'Legal'];

/** The operation data of person `i` (externalId `E000123`), deterministic. */
export function syntheticUser(i: number): BulkOperation['data'] {
  const id = `E${String(i).padStart(6, '0')}`;
  return toOperation({
    externalId: id,
    userName: `user${i}@contoso.example`,
    name: { givenName: `Given${i}`, familyName: `Family${i % 997}` },
    displayName: `Given${i} Family${i % 997}`,
    emails: [{ value: `user${i}@contoso.example`, type: 'work', primary: true }],
    phoneNumbers: i % 3 === 0 ? [{ value: `+1 555 ${String(i % 10000).padStart(4, '0')}`, type: 'work' }] : [],
    title: `Title ${i % 50}`,
    active: true,
    [ENT]: {
      employeeNumber: id,
      department: DEPARTMENTS[i % DEPARTMENTS.length],
      costCenter: String(4000 + (i % 200)),
      ...(i > 0 ? { manager: { value: `E${String(Math.floor(i / 10)).padStart(6, '0')}` } } : {}),
    },
    [EXT]: { payGrade: `Level-${i % 7}`, onLeave: false },
  }, EXT).data;
}

export function syntheticUsers(n: number): BulkOperation['data'][] {
  return Array.from({ length: n }, (_, i) => syntheticUser(i));
}
