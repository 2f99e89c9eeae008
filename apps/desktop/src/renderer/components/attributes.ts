/**
 * Attribute names as an HR person says them ("Department", not `urn:…:enterprise:2.0:User.department`), for
 * the Changes screen's before → after. Unknown paths fall back to their last word.
 */
import { t, type MessageKey } from '@scimport/messages';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const LABELS: Record<string, MessageKey> = {
  userName: 'app.attr.userName',
  externalId: 'app.attr.externalId',
  displayName: 'app.attr.displayName',
  'name.givenName': 'app.attr.givenName',
  'name.familyName': 'app.attr.familyName',
  title: 'app.attr.title',
  active: 'app.attr.active',
  nickName: 'app.attr.nickName',
  userType: 'app.attr.userType',
  emails: 'app.attr.email',
  phoneNumbers: 'app.attr.phone',
  addresses: 'app.attr.address',
  [`${ENTERPRISE}.department`]: 'app.attr.department',
  [`${ENTERPRISE}.organization`]: 'app.attr.company',
  [`${ENTERPRISE}.division`]: 'app.attr.division',
  [`${ENTERPRISE}.costCenter`]: 'app.attr.costCenter',
  [`${ENTERPRISE}.employeeNumber`]: 'app.attr.employeeNumber',
  [`${ENTERPRISE}.manager`]: 'app.attr.manager',
  [`${ENTERPRISE}.manager.value`]: 'app.attr.manager',
};

export function attributeLabel(path: string): string {
  const bare = path.replace(/\[\d+\]/g, '');
  const key = LABELS[bare] ?? LABELS[bare.split('.')[0] ?? ''];
  if (key) return t(key);
  const last = bare.split(/[.:]/).pop() ?? bare;
  return last.charAt(0).toUpperCase() + last.slice(1);
}
