import { ENTERPRISE_USER_URN, getCI, isRecord } from './scim';

/**
 * How Entra names what a SCIM user carries, for modifiedProperties: the target (Entra user) attribute of the
 * API-driven app's default mappings (entra-docs inbound-provisioning-api-configure-app, the attribute mapping page).
 * Paths not listed keep their SCIM path (custom extension attributes, which the admin maps themselves).
 */
const ENTRA_NAMES: Record<string, string> = {
  username: 'userPrincipalName',
  externalid: 'employeeId',
  displayname: 'displayName',
  'name.givenname': 'givenName',
  'name.familyname': 'surname',
  title: 'jobTitle',
  active: 'accountEnabled',
  usertype: 'userType',
  preferredlanguage: 'preferredLanguage',
  nickname: 'mailNickname',
  'emails.value': 'mail',
  'phonenumbers.value': 'telephoneNumber',
  'addresses.streetaddress': 'streetAddress',
  'addresses.locality': 'city',
  'addresses.region': 'state',
  'addresses.postalcode': 'postalCode',
  'addresses.country': 'country',
  [`${ENTERPRISE_USER_URN}:department`.toLowerCase()]: 'department',
  [`${ENTERPRISE_USER_URN}:employeenumber`.toLowerCase()]: 'employeeNumber',
  [`${ENTERPRISE_USER_URN}:costcenter`.toLowerCase()]: 'employeeOrgData.costCenter',
  [`${ENTERPRISE_USER_URN}:division`.toLowerCase()]: 'employeeOrgData.division',
  [`${ENTERPRISE_USER_URN}:organization`.toLowerCase()]: 'companyName',
  [`${ENTERPRISE_USER_URN}:manager.value`.toLowerCase()]: 'manager',
};

/** The multi-valued attributes Entra reads only the `work` entry of. */
export const WORK_ONLY = ['emails', 'phoneNumbers', 'addresses'] as const;

export interface SkippedValue {
  /** `emails[type eq "home"]`, as SCIM filters name an entry. */
  path: string;
  value: string;
}

/**
 * Drop the entries of emails, addresses and phoneNumbers whose type is not `work`: Entra processes only the work
 * ones (entra-docs inbound-provisioning-api-concepts / -faqs, "only work type is supported" limitation). Returns the
 * data to store (the same object when nothing was dropped) and what was dropped, for the log.
 */
export function keepWorkEntries(data: Record<string, unknown>): { data: Record<string, unknown>; skipped: SkippedValue[] } {
  const skipped: SkippedValue[] = [];
  let out = data;
  for (const attribute of WORK_ONLY) {
    const key = Object.keys(data).find((k) => k.toLowerCase() === attribute.toLowerCase());
    const list = key === undefined ? undefined : data[key];
    if (key === undefined || !Array.isArray(list)) continue;
    const kept = list.filter((entry) => {
      const type = isRecord(entry) ? getCI(entry, 'type') : undefined;
      if (typeof type === 'string' && type.toLowerCase() === 'work') return true;
      skipped.push({ path: `${attribute}[type eq "${typeof type === 'string' ? type : ''}"]`, value: describeEntry(entry) });
      return false;
    });
    if (kept.length !== list.length) {
      if (out === data) out = { ...data };
      if (kept.length > 0) out[key] = kept;
      else delete out[key];
    }
  }
  return { data: out, skipped };
}

function describeEntry(entry: unknown): string {
  if (!isRecord(entry)) return JSON.stringify(entry);
  const value = getCI(entry, 'value') ?? getCI(entry, 'formatted') ?? getCI(entry, 'streetAddress');
  return typeof value === 'string' ? value : JSON.stringify(entry);
}

/**
 * Flatten a SCIM user to Entra attribute name → string value. Work entries of multi-valued attributes flatten to
 * their Entra attribute (emails[work].value → mail); other arrays compare whole under their SCIM name.
 */
export function entraProperties(value: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  flatten(value, '', '', out);
  return out;
}

function flatten(value: Record<string, unknown>, prefix: string, separator: string, out: Map<string, string>): void {
  for (const [key, v] of Object.entries(value)) {
    if (prefix === '' && key.toLowerCase() === 'schemas') continue;
    const path = prefix === '' ? key : `${prefix}${separator}${key}`;
    if (isRecord(v)) {
      flatten(v, path, prefix === '' && key.toLowerCase().startsWith('urn:') ? ':' : '.', out);
    } else if (Array.isArray(v) && prefix === '' && WORK_ONLY.some((a) => a.toLowerCase() === key.toLowerCase())) {
      const work = v.find((e) => isRecord(e) && String(getCI(e, 'type')).toLowerCase() === 'work');
      if (isRecord(work)) {
        for (const [field, fv] of Object.entries(work)) {
          if (field.toLowerCase() === 'type' || field.toLowerCase() === 'primary' || fv === undefined || fv === null) continue;
          out.set(entraName(`${key}.${field}`), typeof fv === 'string' ? fv : JSON.stringify(fv));
        }
      }
    } else if (v !== undefined && v !== null) {
      out.set(entraName(path), typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
}

function entraName(path: string): string {
  return ENTRA_NAMES[path.toLowerCase()] ?? path;
}
