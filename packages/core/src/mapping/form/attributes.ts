/**
 * The attributes an HR person maps, in the order they think of them, each with where it lives in the SCIM
 * user the mapping builds. The list follows the profile: the hire date goes wherever the profile keeps it,
 * and every custom attribute of the profile's extension gets a line of its own.
 */
import { t, type MessageKey } from '@scimport/messages';
import { SCIM_ENTERPRISE_USER } from '../../types';
import type { Profile } from '../../profile/types';
import { SCIMPORT_EXTENSION } from '../../automap/synonyms';
import type { FieldKind } from './values';

export type Extension = NonNullable<Profile['extension']>;

export type FormAttributeId =
  | 'userName'
  | 'externalId'
  | 'givenName'
  | 'familyName'
  | 'displayName'
  | 'title'
  | 'department'
  | 'company'
  | 'manager'
  | 'active'
  | 'email'
  | 'phone'
  | 'street'
  | 'city'
  | 'postalCode'
  | 'country'
  | 'hireDate'
  | `custom:${string}`;

/** One line of the form. */
export interface FormAttribute {
  id: FormAttributeId;
  /** Name shown to the person, from the message catalogue. */
  label: string;
  /** One sentence saying what Entra does with it. */
  help: string;
  /**
   * Where the value goes: the keys of the mapping's objects, outermost first. `#work` stands for the item
   * of a list (emails, phoneNumbers, addresses) whose `type` is `work` — the only ones Entra processes.
   */
  path: string[];
  /** The SCIM path, for "Technical details". */
  scimPath: string;
  /** Entra refuses a person without it. */
  required: boolean;
  /** The choices offered first for this attribute (the others stay available). */
  suggested: FieldKind[];
}

const ENT = SCIM_ENTERPRISE_USER;
const TEXT: FieldKind[] = ['column', 'join', 'constant', 'lookup'];

const FIXED: { id: Exclude<FormAttributeId, `custom:${string}` | 'hireDate'>; path: string[]; required?: boolean; suggested: FieldKind[] }[] = [
  { id: 'userName', path: ['userName'], required: true, suggested: ['column', 'upn'] },
  { id: 'externalId', path: ['externalId'], required: true, suggested: ['column'] },
  { id: 'givenName', path: ['name', 'givenName'], suggested: TEXT },
  { id: 'familyName', path: ['name', 'familyName'], suggested: TEXT },
  { id: 'displayName', path: ['displayName'], suggested: ['join', 'column'] },
  { id: 'title', path: ['title'], suggested: TEXT },
  { id: 'department', path: [ENT, 'department'], suggested: TEXT },
  { id: 'company', path: [ENT, 'organization'], suggested: ['constant', 'column', 'lookup'] },
  { id: 'manager', path: [ENT, 'manager', 'value'], suggested: ['column'] },
  { id: 'active', path: ['active'], suggested: ['enabledWhen', 'yesNo', 'constant'] },
  { id: 'email', path: ['emails', '#work', 'value'], suggested: ['column', 'upn'] },
  { id: 'phone', path: ['phoneNumbers', '#work', 'value'], suggested: ['column'] },
  { id: 'street', path: ['addresses', '#work', 'streetAddress'], suggested: TEXT },
  { id: 'city', path: ['addresses', '#work', 'locality'], suggested: TEXT },
  { id: 'postalCode', path: ['addresses', '#work', 'postalCode'], suggested: ['column'] },
  { id: 'country', path: ['addresses', '#work', 'country'], suggested: ['column', 'lookup', 'constant'] },
];

/** The catalogue keys of the fixed attributes (the keys are listed so a missing message fails to compile). */
const LABELS: Record<string, [MessageKey, MessageKey]> = {
  userName: ['mapping.form.attr.userName', 'mapping.form.help.userName'],
  externalId: ['mapping.form.attr.externalId', 'mapping.form.help.externalId'],
  givenName: ['mapping.form.attr.givenName', 'mapping.form.help.givenName'],
  familyName: ['mapping.form.attr.familyName', 'mapping.form.help.familyName'],
  displayName: ['mapping.form.attr.displayName', 'mapping.form.help.displayName'],
  title: ['mapping.form.attr.title', 'mapping.form.help.title'],
  department: ['mapping.form.attr.department', 'mapping.form.help.department'],
  company: ['mapping.form.attr.company', 'mapping.form.help.company'],
  manager: ['mapping.form.attr.manager', 'mapping.form.help.manager'],
  active: ['mapping.form.attr.active', 'mapping.form.help.active'],
  email: ['mapping.form.attr.email', 'mapping.form.help.email'],
  phone: ['mapping.form.attr.phone', 'mapping.form.help.phone'],
  street: ['mapping.form.attr.street', 'mapping.form.help.street'],
  city: ['mapping.form.attr.city', 'mapping.form.help.city'],
  postalCode: ['mapping.form.attr.postalCode', 'mapping.form.help.postalCode'],
  country: ['mapping.form.attr.country', 'mapping.form.help.country'],
  hireDate: ['mapping.form.attr.hireDate', 'mapping.form.help.hireDate'],
};

/** Names a hire-date attribute goes by (compared without case and separators). */
const HIRE_DATE = /^(employee)?hire[\s_-]?date$/i;

/** The SCIM path of a form path, as Entra's documentation writes it. */
export function scimPathOf(path: string[]): string {
  // Written as scimport's findings write paths, so a finding and the form's details name the same thing.
  return path.map((segment, i) => (segment.startsWith('#') ? `[type eq "${segment.slice(1)}"]` : i === 0 ? segment : `.${segment}`)).join('');
}

function fixed(id: string, path: string[], required: boolean, suggested: FieldKind[]): FormAttribute {
  const [label, help] = LABELS[id] as [MessageKey, MessageKey];
  return { id: id as FormAttributeId, label: t(label), help: t(help), path, scimPath: scimPathOf(path), required, suggested };
}

/**
 * The form's attributes for a profile. `mappingPaths` (the paths the mapping already writes) lets the hire
 * date be found where an existing mapping keeps it.
 */
export function formAttributes(extension?: Extension, mappingPaths: string[][] = []): FormAttribute[] {
  const attributes = FIXED.map((a) => fixed(a.id, a.path, a.required ?? false, a.suggested));
  const declared = extension?.attributes.find((a) => HIRE_DATE.test(a.name));
  const written = mappingPaths.find((p) => p.length === 2 && p[0]?.startsWith('urn:') && HIRE_DATE.test(p[1] ?? ''));
  const hirePath = declared && extension ? [extension.namespace, declared.name] : (written ?? [extension?.namespace ?? SCIMPORT_EXTENSION, 'hireDate']);
  attributes.push(fixed('hireDate', hirePath, false, ['date']));
  for (const custom of extension?.attributes ?? []) {
    if (custom === declared) continue;
    attributes.push({
      id: `custom:${custom.name}`,
      label: t('mapping.form.attr.custom', { name: custom.name }),
      help: custom.description ?? t('mapping.form.help.custom'),
      path: [extension!.namespace, custom.name],
      scimPath: scimPathOf([extension!.namespace, custom.name]),
      required: custom.required ?? false,
      suggested: custom.type === 'boolean' ? ['yesNo', 'enabledWhen', 'constant'] : custom.type === 'dateTime' ? ['date'] : TEXT,
    });
  }
  return attributes;
}

export { HIRE_DATE };
