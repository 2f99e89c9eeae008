/**
 * Per-user validation of a mapped SCIM user against the core User schema, the enterprise extension,
 * the profile's custom extension and the rules Entra's inbound provisioning enforces in practice.
 */
import { t, type MessageKey, type MessageValues } from '@scimport/messages';
import type { CellRef, Finding, FindingPerson, ScimUser, Severity } from '../types';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';
import type { Profile } from '../profile/types';
import type { AttributeDef, AttributeTable } from './schema';
import { CORE_TABLE, ENTERPRISE_TABLE, customTable } from './schema';
import { suggest } from './suggest';
import { countryName, countryVerdict } from './country';
import { fieldName, listOf, personOf, shorten, shown as describe } from './words';
import { checkText } from './text';

/**
 * Where a mapped user came from. `cellsFor` answers which cells fed a SCIM path; paths look like
 * `userName`, `name.givenName`, `emails[0].value`, and for extensions
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value` (URN, a dot, then the path
 * inside the extension). It may return an empty array when no cell is known.
 */
export interface UserContext {
  file: string;
  sheet?: string;
  row: number;
  cellsFor(path: string): CellRef[];
}

/**
 * Codes of the findings validation produces, with what they mean. Codes are stable: tools and the app
 * filter and count by them.
 */
export const VALIDATION_CODES = {
  'attribute.unknown': 'An attribute name the schema does not know (a suggestion is given when one is close).',
  'attribute.case': 'An attribute name that differs from the schema only by case; Entra matches names case-sensitively.',
  'attribute.readOnly': 'A read-only attribute; Entra ignores it (warning).',
  'attribute.required': 'A required attribute of the custom extension is missing.',
  'extension.undeclared': 'An extension block whose URN is not the profile’s custom extension namespace.',
  'extension.notObject': 'An extension block that is not an object of attributes.',
  'extension.coreUrn': 'Core attributes nested under the core schema URN instead of at the top level.',
  'user.notObject': 'The mapping produced something other than one user object for the row.',
  'externalId.missing': 'The user has no externalId.',
  'externalId.empty': 'The externalId is an empty or blank text.',
  'externalId.whitespace': 'The externalId starts or ends with spaces (warning).',
  'externalId.duplicate': 'The same externalId appears on several rows; none of them is sent.',
  'userName.missing': 'The user has no userName.',
  'userName.empty': 'The userName is an empty or blank text.',
  'userName.notUpn': 'The userName is not in user@domain form, which Entra needs for the user principal name (warning).',
  'country.notIso': 'An address country is not a two-letter code Entra accepts (ISO 3166-1 alpha-2) such as US, GB, DE; the finding names the code meant when it is clear (UK → GB) (warning).',
  'userName.duplicate': 'The same userName (UPN) appears on several rows; none of them is sent.',
  'id.present': 'The user carries an `id`; Entra assigns ids itself.',
  'schemas.invalid': 'The mapped `schemas` is not a list of texts; bulk requests replace it (warning).',
  'schemas.unexpected': 'The mapped `schemas` lists a URN the profile does not use (warning).',
  'value.notString': 'A text attribute holds a number, boolean, object or list.',
  'value.notBoolean': 'A boolean attribute holds something other than true or false.',
  'value.notInteger': 'An integer attribute holds something other than a whole number.',
  'value.notNumber': 'A decimal attribute holds something other than a number.',
  'value.notObject': 'A complex attribute holds something other than an object.',
  'value.notList': 'A multi-valued attribute holds a single value instead of a list.',
  'value.notSingle': 'A single-valued attribute holds a list.',
  'value.null': 'An attribute is null (warning).',
  'value.dateOnly': 'A date-time attribute holds a date without a time part.',
  'value.notDateTime': 'A date-time attribute holds text that is not an ISO 8601 date-time with a time zone.',
  'email.invalid': 'An email address is not plausible (name@domain.tld, no spaces).',
  'entry.notWork': 'An email, phone number or address whose `type` is not `work` (or that has none); Entra ignores it (warning).',
  'primary.multiple': 'More than one value of a multi-valued attribute is marked primary.',
  'type.unknown': 'A `type` value outside the schema’s canonical values (warning).',
  'manager.self': 'The manager reference points at the user’s own externalId (warning).',
  'manager.notInFile': 'The manager’s externalId is not in the file (warning).',
  'manager.rejected': 'The manager’s own row has errors and will not be sent (warning).',
} as const;

export type ValidationCode = keyof typeof VALIDATION_CODES;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;
// Deliberately loose: catches the mistakes HR files contain (blank, no @, spaces, no domain dot),
// not every RFC 5322 corner case.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[^\s@.]{2,}$/;
const URN_PREFIX = 'urn:';

/** Attributes whose value must never be echoed into a message. */
const SECRET_ATTRIBUTES: ReadonlySet<string> = new Set(['password']);

interface Where {
  /** Full SCIM path (as in Finding.path). */
  path: string;
  /** Path inside its schema (the URN is noise for a person); turned into words for messages. */
  label: string;
  secret: boolean;
}

function child(where: Where, name: string): Where {
  return { path: `${where.path}.${name}`, label: `${where.label}.${name}`, secret: where.secret };
}

function item(where: Where, index: number): Where {
  return { path: `${where.path}[${index}]`, label: `${where.label}[${index}]`, secret: where.secret };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validCalendar(m: RegExpExecArray): boolean {
  const [, y, mo, d, h, mi, s, , , oh, om] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return false;
  if (oh !== undefined && (Number(oh) > 14 || Number(om) > 59)) return false;
  return true;
}

/** True when `value` is an ISO 8601 date-time with seconds and a time zone, as Entra accepts it. */
export function isEntraDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  return m !== null && validCalendar(m);
}

/** True when `value` looks like a deliverable email address (name@domain.tld, no spaces). */
export function isPlausibleEmail(value: string): boolean {
  return EMAIL.test(value);
}

class Collector {
  readonly findings: Finding[] = [];
  /** Worked out at the first finding: most people have none. */
  private person: FindingPerson | undefined | null = null;
  constructor(
    private readonly ctx: UserContext,
    private readonly user: ScimUser,
  ) {}

  /**
   * Records a finding whose sentence is the catalogue message `key` filled with `values`. `value` is the
   * value at fault as the file shows it, for grouping (never a secret).
   */
  add(severity: Severity, code: ValidationCode, path: string, key: MessageKey, values?: MessageValues, value?: string): void {
    const { ctx } = this;
    const finding: Finding = { severity, code, path, message: t(key, values), file: ctx.file };
    if (ctx.sheet !== undefined) finding.sheet = ctx.sheet;
    finding.row = ctx.row;
    const cells = ctx.cellsFor(path);
    if (cells.length > 0) finding.cells = cells;
    if (this.person === null) this.person = personOf(this.user);
    if (this.person) finding.person = this.person;
    if (value !== undefined) finding.value = shorten(value);
    this.findings.push(finding);
  }

  /**
   * The attribute at `where` in a person's words: "Sign-in name", the column's header, or its name. The
   * employee id is said by its header (WorkerID, Personnel number): that is what HR calls it.
   */
  field(where: Where, preferHeader = where.label === 'externalId'): string {
    return fieldName(where.label, this.ctx.cellsFor(where.path), preferHeader);
  }

  /** The headers of the columns `path` came from ("CountryCode"), or undefined when none is known. */
  headers(path: string): string | undefined {
    const cells = this.ctx.cellsFor(path);
    return cells.length > 0 ? listOf(cells.map((c) => c.header)) : undefined;
  }
}

interface Validation {
  out: Collector;
  custom: AttributeTable | undefined;
}

function checkAttribute(v: Validation, def: AttributeDef, value: unknown, where: Where): void {
  if (value === null) {
    nullWarning(v, where);
    return;
  }
  if (def.mutability === 'readOnly') {
    v.out.add('warning', 'attribute.readOnly', where.path, 'finding.attribute.readOnly', { field: v.out.field(where), name: where.label });
    return;
  }
  if (def.multiValued) {
    if (!Array.isArray(value)) {
      v.out.add('error', 'value.notList', where.path, 'finding.value.notList', { field: v.out.field(where), shown: describe(value, where.secret) });
      return;
    }
    value.forEach((element, i) => checkSingle(v, def, element, item(where, i)));
    if (def.sub?.byName.has('primary')) {
      const primaries = value.filter((e) => isPlainObject(e) && e.primary === true).length;
      if (primaries > 1) {
        v.out.add('error', 'primary.multiple', where.path, 'finding.primary.multiple', { field: v.out.field(where), count: primaries });
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    v.out.add('error', 'value.notSingle', where.path, 'finding.value.notSingle', { field: v.out.field(where), shown: describe(value, where.secret) });
    return;
  }
  checkSingle(v, def, value, where);
}

function nullWarning(v: Validation, where: Where): void {
  v.out.add('warning', 'value.null', where.path, 'finding.value.null', { field: v.out.field(where) });
}

/**
 * The field and value of a wrong value, for its message. A plain function, not a closure in checkSingle:
 * that runs for every attribute of every row, and a closure there is allocated (and named) on each call.
 */
function words(v: Validation, where: Where, value: unknown): MessageValues {
  return { field: v.out.field(where), shown: describe(value, where.secret) };
}

function checkSingle(v: Validation, def: AttributeDef, value: unknown, where: Where): void {
  if (value === null) {
    nullWarning(v, where);
    return;
  }
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') {
        const key = typeof value === 'number' || typeof value === 'boolean' ? 'finding.value.notString.convert' : 'finding.value.notString.single';
        v.out.add('error', 'value.notString', where.path, key, words(v, where, value));
      } else if (def.format === 'email' && !isPlausibleEmail(value)) {
        const secret = where.secret;
        v.out.add('error', 'email.invalid', where.path, 'finding.email.invalid',
          { field: v.out.field(where), value: secret ? '…' : shorten(value) }, secret ? undefined : value);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') v.out.add('error', 'value.notBoolean', where.path, 'finding.value.notBoolean', words(v, where, value));
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        v.out.add('error', 'value.notInteger', where.path, 'finding.value.notInteger', words(v, where, value));
      }
      return;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        v.out.add('error', 'value.notNumber', where.path, 'finding.value.notNumber', words(v, where, value));
      }
      return;
    case 'dateTime':
      checkDateTime(v, value, where);
      return;
    case 'complex':
      checkComplex(v, def, value, where);
      return;
  }
}

function checkDateTime(v: Validation, value: unknown, where: Where): void {
  if (typeof value === 'string' && isEntraDateTime(value)) return;
  if (typeof value === 'string' && DATE_ONLY.test(value)) {
    v.out.add('error', 'value.dateOnly', where.path, 'finding.value.dateOnly', { field: v.out.field(where), value });
    return;
  }
  v.out.add('error', 'value.notDateTime', where.path, 'finding.value.notDateTime', { field: v.out.field(where), shown: describe(value, where.secret) });
}

function checkComplex(v: Validation, def: AttributeDef, value: unknown, where: Where): void {
  const sub = def.sub;
  if (!isPlainObject(value) || !sub) {
    const example = sub?.byName.has('value') ? 'value' : (sub?.names[0] ?? 'value');
    v.out.add('error', 'value.notObject', where.path, 'finding.value.notObject',
      { field: v.out.field(where), example, shown: describe(value, where.secret) });
    return;
  }
  for (const key of Object.keys(value)) {
    const subDef = lookup(v, sub, key, child(where, key), () => t('finding.attribute.what', { kind: 'sub', parent: v.out.field(where) }));
    if (subDef) checkAttribute(v, subDef, value[key], child(where, subDef.name));
  }
  const type = sub.byName.get('type');
  const typeValue = value.type;
  // An entry of a work-only list that is not `work` is reported once, as entry.notWork: advising "use mobile"
  // for `Mobile` would steer towards another value Entra ignores.
  if (WORK_ONLY_ITEM.test(where.label) && typeof typeValue === 'string' && !isWork(typeValue)) return;
  if (type && type.canonicalValues.length > 0 && typeof typeValue === 'string' && !type.canonicalValues.includes(typeValue)) {
    const near = type.canonicalValues.find((c) => c.toLowerCase() === typeValue.trim().toLowerCase());
    const typeWhere = child(where, 'type');
    v.out.add('warning', 'type.unknown', typeWhere.path, near ? 'finding.type.unknown.near' : 'finding.type.unknown.list',
      { field: v.out.field(typeWhere), value: shorten(typeValue), allowed: type.canonicalValues.join(', '), near: near ?? '' }, typeValue);
  }
}

/**
 * Finds `key` in `table`; reports a case slip or an unknown name (with a suggestion) and returns
 * undefined in those cases. `what` names the table in messages: "an Entra user attribute", ….
 */
function lookup(v: Validation, table: AttributeTable, key: string, where: Where, what: () => string): AttributeDef | undefined {
  const def = table.byName.get(key);
  if (def) return def;
  const near = table.byLower.get(key.toLowerCase());
  if (near) {
    v.out.add('error', 'attribute.case', where.path, 'finding.attribute.case', { name: where.label, near: near.name });
    return undefined;
  }
  const guess = suggest(key, table.names);
  if (guess) v.out.add('error', 'attribute.unknown', where.path, 'finding.attribute.unknown.guess', { name: where.label, what: what(), guess });
  else v.out.add('error', 'attribute.unknown', where.path, 'finding.attribute.unknown.none', { name: where.label, what: what() });
  return undefined;
}

function topLevel(name: string): Where {
  return { path: name, label: name, secret: SECRET_ATTRIBUTES.has(name) };
}

function checkUnknownTopLevel(v: Validation, key: string): void {
  const where = topLevel(key);
  const near = CORE_TABLE.byLower.get(key.toLowerCase());
  if (near) {
    lookup(v, CORE_TABLE, key, where, () => t('finding.attribute.what', { kind: 'core' }));
    return;
  }
  // A core-level name that belongs to an extension: say where it goes rather than guessing a core name.
  const home = [ENTERPRISE_TABLE, v.custom].find((t) => t?.byLower.has(key.toLowerCase()));
  if (home) {
    const name = home.byLower.get(key.toLowerCase())!.name;
    // The URN stays in this one: the fix is to move the attribute into that block of the mapping.
    v.out.add('error', 'attribute.unknown', where.path, 'finding.attribute.elsewhere',
      { name: key, kind: home === ENTERPRISE_TABLE ? 'enterprise' : 'custom', urn: home.urn, near: name });
    return;
  }
  lookup(v, CORE_TABLE, key, where, () => t('finding.attribute.what', { kind: 'core' }));
}

function checkExtensionBlock(v: Validation, table: AttributeTable, value: unknown, urn: string, kind: 'enterprise' | 'custom'): void {
  if (!isPlainObject(value)) {
    v.out.add('error', 'extension.notObject', urn, 'finding.extension.notObject', { urn, kind, shown: describe(value, false) });
    return;
  }
  for (const key of Object.keys(value)) {
    const where: Where = { path: `${urn}.${key}`, label: key, secret: false };
    const def = lookup(v, table, key, where, () => t('finding.attribute.what', { kind: table === v.custom ? 'custom' : 'enterprise' }));
    if (def) checkAttribute(v, def, value[key], { path: `${urn}.${def.name}`, label: def.name, secret: false });
  }
  checkRequired(v, table, value, urn);
}

function checkRequired(v: Validation, table: AttributeTable, block: Record<string, unknown> | undefined, urn: string): void {
  for (const def of table.byName.values()) {
    if (!def.required) continue;
    if (block && Object.hasOwn(block, def.name)) continue;
    // A case-slipped key was already reported; a second "missing" finding would only add noise.
    if (block && Object.keys(block).some((k) => k.toLowerCase() === def.name.toLowerCase())) continue;
    const where: Where = { path: `${urn}.${def.name}`, label: def.name, secret: false };
    v.out.add('error', 'attribute.required', where.path, 'finding.attribute.required', { field: v.out.field(where) });
  }
}

function checkExtensionKey(v: Validation, key: string, value: unknown): void {
  if (key === SCIM_ENTERPRISE_USER) {
    checkExtensionBlock(v, ENTERPRISE_TABLE, value, key, 'enterprise');
    return;
  }
  if (v.custom && key === v.custom.urn) {
    checkExtensionBlock(v, v.custom, value, key, 'custom');
    return;
  }
  if (key === SCIM_CORE_USER) {
    v.out.add('error', 'extension.coreUrn', key, 'finding.extension.coreUrn', { urn: key });
    return;
  }
  const known = [SCIM_ENTERPRISE_USER, SCIM_CORE_USER, ...(v.custom ? [v.custom.urn] : [])];
  const near = known.find((u) => u.toLowerCase() === key.toLowerCase());
  if (near) {
    v.out.add('error', 'attribute.case', key, 'finding.extension.case', { name: key, near });
    return;
  }
  if (v.custom) v.out.add('error', 'extension.undeclared', key, 'finding.extension.undeclared.other', { name: key, urn: v.custom.urn });
  else v.out.add('error', 'extension.undeclared', key, 'finding.extension.undeclared.none', { name: key });
}

function checkExternalId(v: Validation, user: ScimUser): void {
  if (!Object.hasOwn(user, 'externalId')) {
    if (Object.keys(user).some((k) => k.toLowerCase() === 'externalid')) return; // case slip already reported
    v.out.add('error', 'externalId.missing', 'externalId', 'finding.externalId.missing');
    return;
  }
  const value = user.externalId;
  const where = topLevel('externalId');
  if (value === null) {
    v.out.add('error', 'externalId.empty', 'externalId', 'finding.externalId.empty', { field: v.out.field(where) });
    return;
  }
  if (typeof value !== 'string') {
    checkSingle(v, CORE_TABLE.byName.get('externalId')!, value, where);
    return;
  }
  if (value.trim() === '') {
    v.out.add('error', 'externalId.empty', 'externalId', 'finding.externalId.empty', { field: v.out.field(where) });
  } else if (value.trim() !== value) {
    v.out.add('warning', 'externalId.whitespace', 'externalId', 'finding.externalId.whitespace',
      { field: v.out.field(where), value: shorten(value) }, value);
  }
}

function checkUserName(v: Validation, user: ScimUser): void {
  if (!Object.hasOwn(user, 'userName')) {
    if (Object.keys(user).some((k) => k.toLowerCase() === 'username')) return; // case slip already reported
    v.out.add('error', 'userName.missing', 'userName', 'finding.userName.missing');
    return;
  }
  const value = user.userName;
  if (value === null || (typeof value === 'string' && value.trim() === '')) {
    v.out.add('error', 'userName.empty', 'userName', 'finding.userName.empty', { field: v.out.field(topLevel('userName')) });
  }
}

// user@domain with a dotted domain; the local part may not hold spaces or a second @.
const UPN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkUpnShape(v: Validation, user: ScimUser): void {
  const value = user.userName;
  if (typeof value !== 'string' || value.trim() === '' || UPN.test(value)) return;
  v.out.add('warning', 'userName.notUpn', 'userName', 'finding.userName.notUpn', { value: shorten(value) }, value);
}

function checkCountries(v: Validation, user: ScimUser): void {
  const addresses = user.addresses;
  if (!Array.isArray(addresses)) return;
  addresses.forEach((address, index) => {
    if (!isPlainObject(address) || typeof address.country !== 'string') return;
    const country = address.country;
    const verdict = countryVerdict(country);
    if (!verdict) return;
    const path = `addresses[${index}].country`;
    const values = { value: shorten(country), header: v.out.headers(path) ?? t('finding.country.column') };
    if (verdict.kind === 'meant') {
      v.out.add('warning', 'country.notIso', path, 'finding.country.meant',
        { ...values, code: verdict.meant, country: countryName(verdict.meant) }, country);
    } else {
      v.out.add('warning', 'country.notIso', path, verdict.kind === 'region' ? 'finding.country.region' : 'finding.country.unknown', values, country);
    }
  });
}

/**
 * Entra processes only `work` addresses, emails and phone numbers and ignores the rest without saying so
 * (entra-docs inbound-provisioning-api-issues: "only work type ... are processed"); an entry without a type is
 * not `work` either. Said as a warning: the person is still sent, only that entry never arrives.
 */
const WORK_ONLY = ['emails', 'phoneNumbers', 'addresses'] as const;
const WORK_ONLY_ITEM = /^(emails|phoneNumbers|addresses)\[\d+\]$/;

/** `work` as Entra's mapping matches it (SCIM compares `type` without regard to case). */
function isWork(type: string): boolean {
  return type.trim().toLowerCase() === 'work';
}

/** What identifies an entry to a person: the email or phone number, or the address's street, city or country. */
function entryText(kind: (typeof WORK_ONLY)[number], entry: Record<string, unknown>): string | undefined {
  const keys = kind === 'addresses' ? ['formatted', 'streetAddress', 'locality', 'country'] : ['value'];
  for (const key of keys) {
    const value = entry[key];
    if (typeof value === 'string' && value.trim() !== '') return shorten(value.trim().replace(/\s+/g, ' '));
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

function checkWorkOnly(v: Validation, user: ScimUser): void {
  for (const kind of WORK_ONLY) {
    const list = user[kind];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, index) => {
      if (!isPlainObject(entry)) return;
      const type = entry.type;
      // A type that is not text is already an error (value.notString).
      if (type !== undefined && type !== null && typeof type !== 'string') return;
      if (typeof type === 'string' && isWork(type)) return;
      const text = entryText(kind, entry);
      // Nothing to send in the entry (an empty phone column): nothing is lost, nothing to say.
      if (text === undefined) return;
      const path = kind === 'addresses' ? `${kind}[${index}]` : `${kind}[${index}].value`;
      const typed = typeof type === 'string' && type.trim() !== '';
      v.out.add('warning', 'entry.notWork', path, typed ? 'finding.entry.notWork' : 'finding.entry.noType',
        { kind, value: text, type: typed ? shorten(type.trim()) : '' }, typed ? type.trim() : '');
    });
  }
}

function checkSchemas(v: Validation, value: unknown): void {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) {
    v.out.add('warning', 'schemas.invalid', 'schemas', 'finding.schemas.invalid');
    return;
  }
  const expected = new Set([SCIM_CORE_USER, SCIM_ENTERPRISE_USER, ...(v.custom ? [v.custom.urn] : [])]);
  for (const urn of value as string[]) {
    if (!expected.has(urn)) {
      v.out.add('warning', 'schemas.unexpected', 'schemas', 'finding.schemas.unexpected', { urn: shorten(urn) });
    }
  }
}

function checkManagerSelf(v: Validation, user: ScimUser): void {
  const enterprise = user[SCIM_ENTERPRISE_USER];
  if (!isPlainObject(enterprise) || !isPlainObject(enterprise.manager)) return;
  const manager = enterprise.manager.value;
  if (typeof manager === 'string' && typeof user.externalId === 'string' && manager === user.externalId && manager !== '') {
    const where: Where = { path: `${SCIM_ENTERPRISE_USER}.manager.value`, label: 'manager.value', secret: false };
    v.out.add('warning', 'manager.self', where.path, 'finding.manager.self', { field: v.out.field(where), value: shorten(manager) }, manager);
  }
}

/**
 * Checks one mapped user. Returns its findings (errors exclude the row from upload, warnings do not),
 * each carrying the origin from `ctx` and the cells `ctx.cellsFor` names for its path. Schema tables
 * are built once per process and once per profile extension, so this is cheap enough for 100k rows.
 */
export function validateUser(user: ScimUser, profile: Pick<Profile, 'extension'>, ctx: UserContext): Finding[] {
  const extension = profile.extension;
  const v: Validation = { out: new Collector(ctx, user), custom: extension ? customTable(extension) : undefined };
  // The type says object, but a mapping expression can yield anything; say so instead of crashing.
  if (!isPlainObject(user)) {
    v.out.add('error', 'user.notObject', '', 'finding.user.notObject', { shown: describe(user, false) });
    return v.out.findings;
  }

  for (const key of Object.keys(user)) {
    const value = user[key];
    if (key === 'externalId') continue; // checked below with Entra's stricter rules
    if (key === 'schemas') {
      checkSchemas(v, value);
      continue;
    }
    if (key === 'userName' && value === null) continue; // reported as userName.empty below
    if (key.toLowerCase() === 'id') {
      v.out.add('error', 'id.present', key, 'finding.id.present', { name: key });
      continue;
    }
    if (key.toLowerCase().startsWith(URN_PREFIX)) {
      checkExtensionKey(v, key, value);
      continue;
    }
    const def = CORE_TABLE.byName.get(key);
    if (def) checkAttribute(v, def, value, topLevel(key));
    else checkUnknownTopLevel(v, key);
  }
  checkExternalId(v, user);
  checkUserName(v, user);
  checkUpnShape(v, user);
  checkCountries(v, user);
  checkWorkOnly(v, user);
  if (v.custom && !Object.hasOwn(user, v.custom.urn)) checkRequired(v, v.custom, undefined, v.custom.urn);
  checkManagerSelf(v, user);
  v.out.findings.push(...checkText(user, ctx));
  return v.out.findings;
}
