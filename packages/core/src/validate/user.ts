/**
 * Per-user validation of a mapped SCIM user against the core User schema, the enterprise extension,
 * the profile's custom extension and the rules Entra's inbound provisioning enforces in practice.
 */
import type { CellRef, Finding, ScimUser, Severity } from '../types';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';
import type { Profile } from '../profile/types';
import type { AttributeDef, AttributeTable } from './schema';
import { CORE_TABLE, ENTERPRISE_TABLE, customTable } from './schema';
import { suggest } from './suggest';

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
  'country.notIso': 'An address country is not an ISO 3166-1 alpha-2 code such as US, GB, DE (warning).',
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
  'primary.multiple': 'More than one value of a multi-valued attribute is marked primary.',
  'type.unknown': 'A `type` value outside the schema’s canonical values (warning).',
  'manager.self': 'The manager reference points at the user’s own externalId (warning).',
  'manager.notInFile': 'The manager’s externalId is not in the file (warning).',
  'manager.rejected': 'The manager’s own row has errors and will not be sent (warning).',
} as const;

export type ValidationCode = keyof typeof VALIDATION_CODES;

const MAX_SHOWN = 60;
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
  /** Path inside its schema, used in messages (the URN is noise for a person). */
  label: string;
  secret: boolean;
}

function child(where: Where, name: string): Where {
  return { path: `${where.path}.${name}`, label: `${where.label}.${name}`, secret: where.secret };
}

function item(where: Where, index: number): Where {
  return { path: `${where.path}[${index}]`, label: `${where.label}[${index}]`, secret: where.secret };
}

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** "the text `abc`", "the number 12", … — the value as a person would recognise it from the sheet. */
function describe(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length} value${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string':
      return secret ? 'a text' : `the text \`${shorten(value)}\``;
    case 'number':
      return secret ? 'a number' : `the number ${value}`;
    case 'boolean':
      return secret ? 'a boolean' : `the value ${value}`;
    case 'object':
      return 'an object';
    default:
      return `a value of type ${typeof value}`;
  }
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
  constructor(private readonly ctx: UserContext) {}

  add(severity: Severity, code: ValidationCode, path: string, message: string): void {
    const { ctx } = this;
    const finding: Finding = { severity, code, path, message, file: ctx.file };
    if (ctx.sheet !== undefined) finding.sheet = ctx.sheet;
    finding.row = ctx.row;
    const cells = ctx.cellsFor(path);
    if (cells.length > 0) finding.cells = cells;
    this.findings.push(finding);
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
    v.out.add('warning', 'attribute.readOnly', where.path,
      `\`${where.label}\` is read-only and Entra ignores it; remove it from the mapping.`);
    return;
  }
  if (def.multiValued) {
    if (!Array.isArray(value)) {
      v.out.add('error', 'value.notList', where.path,
        `\`${where.label}\` must be a list ([ … ]) but is ${describe(value, where.secret)}; wrap the value in [ ] in the mapping.`);
      return;
    }
    value.forEach((element, i) => checkSingle(v, def, element, item(where, i)));
    if (def.sub?.byName.has('primary')) {
      const primaries = value.filter((e) => isPlainObject(e) && e.primary === true).length;
      if (primaries > 1) {
        v.out.add('error', 'primary.multiple', where.path,
          `\`${where.label}\` has ${primaries} entries marked primary: true but at most one may be; mark only one as primary in the mapping.`);
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    v.out.add('error', 'value.notSingle', where.path,
      `\`${where.label}\` takes one value but is ${describe(value, where.secret)}; map a single value to it.`);
    return;
  }
  checkSingle(v, def, value, where);
}

function nullWarning(v: Validation, where: Where): void {
  v.out.add('warning', 'value.null', where.path,
    `\`${where.label}\` is null; leave it out of the mapping when there is no value, because a null may clear the value in Entra.`);
}

function checkSingle(v: Validation, def: AttributeDef, value: unknown, where: Where): void {
  if (value === null) {
    nullWarning(v, where);
    return;
  }
  const shown = describe(value, where.secret);
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') {
        const fix = typeof value === 'number' || typeof value === 'boolean'
          ? 'wrap the expression with $string() in the mapping'
          : 'map a single text value to it';
        v.out.add('error', 'value.notString', where.path, `\`${where.label}\` is ${shown} but must be text; ${fix}.`);
      } else if (def.format === 'email' && !isPlausibleEmail(value)) {
        v.out.add('error', 'email.invalid', where.path,
          `\`${where.label}\` is ${shown}, which is not a valid email address (name@domain.tld, no spaces); correct it in the file, or leave the email out when the cell is empty.`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') {
        v.out.add('error', 'value.notBoolean', where.path,
          `\`${where.label}\` is ${shown} but must be true or false; convert it with $bool() in the mapping.`);
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        v.out.add('error', 'value.notInteger', where.path,
          `\`${where.label}\` is ${shown} but must be a whole number; convert it with $number() in the mapping.`);
      }
      return;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        v.out.add('error', 'value.notNumber', where.path,
          `\`${where.label}\` is ${shown} but must be a number; convert it with $number() in the mapping.`);
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
    v.out.add('error', 'value.dateOnly', where.path,
      `\`${where.label}\` is the date \`${value}\` without a time, but Entra needs \`${value}T00:00:00Z\`; convert it with $entraDate() in the mapping.`);
    return;
  }
  v.out.add('error', 'value.notDateTime', where.path,
    `\`${where.label}\` is ${describe(value, where.secret)}, which is not a date-time like 2021-05-01T00:00:00Z; convert it with $entraDate() in the mapping.`);
}

function checkComplex(v: Validation, def: AttributeDef, value: unknown, where: Where): void {
  const sub = def.sub;
  if (!isPlainObject(value) || !sub) {
    const example = sub?.byName.has('value') ? 'value' : (sub?.names[0] ?? 'value');
    v.out.add('error', 'value.notObject', where.path,
      `\`${where.label}\` must be an object such as { "${example}": … } but is ${describe(value, where.secret)}; put the value inside the object in the mapping.`);
    return;
  }
  for (const key of Object.keys(value)) {
    const subDef = lookup(v, sub, key, child(where, key), () => `a sub-attribute of \`${where.label}\``);
    if (subDef) checkAttribute(v, subDef, value[key], child(where, subDef.name));
  }
  const type = sub.byName.get('type');
  const typeValue = value.type;
  if (type && type.canonicalValues.length > 0 && typeof typeValue === 'string' && !type.canonicalValues.includes(typeValue)) {
    const near = type.canonicalValues.find((c) => c.toLowerCase() === typeValue.trim().toLowerCase());
    const fix = near ? `use \`${near}\`` : `use one of ${type.canonicalValues.join(', ')}`;
    v.out.add('warning', 'type.unknown', `${where.path}.type`,
      `\`${where.label}.type\` is \`${shorten(typeValue)}\`, which is not one of ${type.canonicalValues.join(', ')}; Entra's attribute mappings look for these exact values, so ${fix}.`);
  }
}

/**
 * Finds `key` in `table`; reports a case slip or an unknown name (with a suggestion) and returns
 * undefined in those cases. `what` names the table in messages: "a SCIM User attribute", ….
 */
function lookup(v: Validation, table: AttributeTable, key: string, where: Where, what: () => string): AttributeDef | undefined {
  const def = table.byName.get(key);
  if (def) return def;
  const near = table.byLower.get(key.toLowerCase());
  if (near) {
    v.out.add('error', 'attribute.case', where.path,
      `\`${where.label}\` is not ${what()} — did you mean \`${near.name}\`? Entra matches attribute names case-sensitively, so rename it in the mapping.`);
    return undefined;
  }
  const guess = suggest(key, table.names);
  const hint = guess ? ` — did you mean \`${guess}\`? Rename it in the mapping.` : '; remove it from the mapping or rename it to a known attribute.';
  v.out.add('error', 'attribute.unknown', where.path, `\`${where.label}\` is not ${what()}${hint}`);
  return undefined;
}

function topLevel(name: string): Where {
  return { path: name, label: name, secret: SECRET_ATTRIBUTES.has(name) };
}

function checkUnknownTopLevel(v: Validation, key: string): void {
  const where = topLevel(key);
  const near = CORE_TABLE.byLower.get(key.toLowerCase());
  if (near) {
    lookup(v, CORE_TABLE, key, where, () => 'a SCIM User attribute');
    return;
  }
  // A core-level name that belongs to an extension: say where it goes rather than guessing a core name.
  const home = [ENTERPRISE_TABLE, v.custom].find((t) => t?.byLower.has(key.toLowerCase()));
  if (home) {
    const name = home.byLower.get(key.toLowerCase())!.name;
    const kind = home === ENTERPRISE_TABLE ? 'enterprise extension' : "profile's custom extension";
    v.out.add('error', 'attribute.unknown', where.path,
      `\`${key}\` is not a core SCIM User attribute — it belongs inside the ${kind} block \`${home.urn}\` (as \`${name}\`); move it there in the mapping.`);
    return;
  }
  lookup(v, CORE_TABLE, key, where, () => 'a SCIM User attribute');
}

function checkExtensionBlock(v: Validation, table: AttributeTable, value: unknown, urn: string, kind: string): void {
  if (!isPlainObject(value)) {
    v.out.add('error', 'extension.notObject', urn,
      `\`${urn}\` must be an object of ${kind} attributes ({ … }) but is ${describe(value, false)}; fix the mapping.`);
    return;
  }
  for (const key of Object.keys(value)) {
    const where: Where = { path: `${urn}.${key}`, label: key, secret: false };
    const def = lookup(v, table, key, where, () =>
      table === v.custom ? "declared in the profile's custom extension (declare it there with its type)" : `an ${kind} attribute`);
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
    v.out.add('error', 'attribute.required', `${urn}.${def.name}`,
      `\`${def.name}\` is required by the profile's custom extension but is missing; map a column to it or fill the empty cells.`);
  }
}

function checkExtensionKey(v: Validation, key: string, value: unknown): void {
  if (key === SCIM_ENTERPRISE_USER) {
    checkExtensionBlock(v, ENTERPRISE_TABLE, value, key, 'enterprise extension');
    return;
  }
  if (v.custom && key === v.custom.urn) {
    checkExtensionBlock(v, v.custom, value, key, 'custom extension');
    return;
  }
  if (key === SCIM_CORE_USER) {
    v.out.add('error', 'extension.coreUrn', key,
      `Core attributes must sit at the top level of the user, not inside \`${key}\`; move them out of that block in the mapping.`);
    return;
  }
  const known = [SCIM_ENTERPRISE_USER, SCIM_CORE_USER, ...(v.custom ? [v.custom.urn] : [])];
  const near = known.find((u) => u.toLowerCase() === key.toLowerCase());
  if (near) {
    v.out.add('error', 'attribute.case', key,
      `\`${key}\` differs from \`${near}\` only by case, and Entra matches schema URNs exactly; rename the block in the mapping.`);
    return;
  }
  const message = v.custom
    ? `\`${key}\` is not the profile's custom extension namespace (\`${v.custom.urn}\`); rename the block to that namespace or remove it from the mapping.`
    : `\`${key}\` is not declared in the profile; declare this namespace and its attributes as the profile's custom extension, or remove the block from the mapping.`;
  v.out.add('error', 'extension.undeclared', key, message);
}

function checkExternalId(v: Validation, user: ScimUser): void {
  if (!Object.hasOwn(user, 'externalId')) {
    if (Object.keys(user).some((k) => k.toLowerCase() === 'externalid')) return; // case slip already reported
    v.out.add('error', 'externalId.missing', 'externalId',
      '`externalId` is missing; Entra matches people by it, so map the employee ID column to `externalId`.');
    return;
  }
  const value = user.externalId;
  if (value === null) {
    v.out.add('error', 'externalId.empty', 'externalId',
      '`externalId` is null; Entra matches people by it, so fill the employee ID cell or fix the mapping.');
    return;
  }
  if (typeof value !== 'string') {
    checkSingle(v, CORE_TABLE.byName.get('externalId')!, value, topLevel('externalId'));
    return;
  }
  if (value.trim() === '') {
    v.out.add('error', 'externalId.empty', 'externalId',
      '`externalId` is empty; Entra matches people by it, so fill the employee ID cell or fix the mapping.');
  } else if (value.trim() !== value) {
    v.out.add('warning', 'externalId.whitespace', 'externalId',
      `\`externalId\` \`${shorten(value)}\` starts or ends with spaces, which Entra keeps when matching; trim it with $trim() in the mapping.`);
  }
}

function checkUserName(v: Validation, user: ScimUser): void {
  if (!Object.hasOwn(user, 'userName')) {
    if (Object.keys(user).some((k) => k.toLowerCase() === 'username')) return; // case slip already reported
    v.out.add('error', 'userName.missing', 'userName',
      '`userName` is missing; every user needs one (it becomes the sign-in name), so map a column to `userName`.');
    return;
  }
  const value = user.userName;
  if (value === null || (typeof value === 'string' && value.trim() === '')) {
    v.out.add('error', 'userName.empty', 'userName',
      '`userName` is empty; every user needs one (it becomes the sign-in name), so fill the cell or fix the mapping.');
  }
}

// user@domain with a dotted domain; the local part may not hold spaces or a second @.
const UPN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkUpnShape(v: Validation, user: ScimUser): void {
  const value = user.userName;
  if (typeof value !== 'string' || value.trim() === '' || UPN.test(value)) return;
  v.out.add('warning', 'userName.notUpn', 'userName',
    `\`userName\` \`${shorten(value)}\` is not in user@domain form; Entra's default mapping makes it the user principal name, which needs a verified domain (for example with $upn(...) or & '@contoso.com' in the mapping).`);
}

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });
/** Codes ICU accepts as aliases or groupings that are not ISO 3166-1 countries, with what was meant. */
const NOT_ISO_COUNTRIES: Readonly<Record<string, string>> = { UK: 'GB', EU: '', UN: '', EZ: '', ZZ: '' };

// Files repeat the same few countries on every row: decide each code once.
const countryVerdicts = new Map<string, string | undefined>();

function countryProblem(code: string): string | undefined {
  if (countryVerdicts.has(code)) return countryVerdicts.get(code);
  const verdict = decideCountry(code);
  if (countryVerdicts.size < 10_000) countryVerdicts.set(code, verdict);
  return verdict;
}

function decideCountry(code: string): string | undefined {
  if (Object.hasOwn(NOT_ISO_COUNTRIES, code)) {
    const meant = NOT_ISO_COUNTRIES[code];
    return meant ? `is not an ISO 3166-1 code (use \`${meant}\`)` : 'is not a country';
  }
  if (!/^[A-Z]{2}$/.test(code)) return 'is not a two-letter ISO 3166-1 code';
  if (/^(Q[M-Z]|X[A-Z]|AA)$/.test(code) || REGION_NAMES.of(code) === code) return 'is not a known ISO 3166-1 code';
  return undefined;
}

function checkCountries(v: Validation, user: ScimUser): void {
  const addresses = user.addresses;
  if (!Array.isArray(addresses)) return;
  addresses.forEach((address, index) => {
    if (!isPlainObject(address) || typeof address.country !== 'string') return;
    const problem = countryProblem(address.country);
    if (problem) {
      v.out.add('warning', 'country.notIso', `addresses[${index}].country`,
        `Country \`${shorten(address.country)}\` ${problem}; SCIM and Entra's usage location expect ISO 3166-1 alpha-2 codes, so correct the column or translate it with $lookup.`);
    }
  });
}

function checkSchemas(v: Validation, value: unknown): void {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) {
    v.out.add('warning', 'schemas.invalid', 'schemas',
      '`schemas` is not a list of schema URNs; the bulk request replaces it with the schemas actually used, so you can remove it from the mapping.');
    return;
  }
  const expected = new Set([SCIM_CORE_USER, SCIM_ENTERPRISE_USER, ...(v.custom ? [v.custom.urn] : [])]);
  for (const urn of value as string[]) {
    if (!expected.has(urn)) {
      v.out.add('warning', 'schemas.unexpected', 'schemas',
        `\`schemas\` lists \`${shorten(urn)}\`, which this profile does not use; the bulk request replaces the list with the schemas actually used, so remove it from the mapping.`);
    }
  }
}

function checkManagerSelf(v: Validation, user: ScimUser): void {
  const enterprise = user[SCIM_ENTERPRISE_USER];
  if (!isPlainObject(enterprise) || !isPlainObject(enterprise.manager)) return;
  const manager = enterprise.manager.value;
  if (typeof manager === 'string' && typeof user.externalId === 'string' && manager === user.externalId && manager !== '') {
    v.out.add('warning', 'manager.self', `${SCIM_ENTERPRISE_USER}.manager.value`,
      '`manager.value` is this person\'s own externalId; correct the manager column (leave it empty for someone without a manager).');
  }
}

/**
 * Checks one mapped user. Returns its findings (errors exclude the row from upload, warnings do not),
 * each carrying the origin from `ctx` and the cells `ctx.cellsFor` names for its path. Schema tables
 * are built once per process and once per profile extension, so this is cheap enough for 100k rows.
 */
export function validateUser(user: ScimUser, profile: Pick<Profile, 'extension'>, ctx: UserContext): Finding[] {
  const extension = profile.extension;
  const v: Validation = { out: new Collector(ctx), custom: extension ? customTable(extension) : undefined };
  // The type says object, but a mapping expression can yield anything; say so instead of crashing.
  if (!isPlainObject(user)) {
    v.out.add('error', 'user.notObject', '',
      `The mapping produced ${describe(user, false)} for this row instead of one user object; make the mapping return a single { … } object.`);
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
      v.out.add('error', 'id.present', key, `\`${key}\` must not be sent because Entra assigns ids itself; remove it from the mapping.`);
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
  if (v.custom && !Object.hasOwn(user, v.custom.urn)) checkRequired(v, v.custom, undefined, v.custom.urn);
  checkManagerSelf(v, user);
  return v.out.findings;
}
