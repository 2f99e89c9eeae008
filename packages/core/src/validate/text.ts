/**
 * Checks on the text of a mapped person that Entra refuses outright, kept apart from ./user (the
 * attribute schema checks) because they look at every value whatever its attribute:
 * - a NUL or other control character in any value (from a damaged export, or a cell pasted from a
 *   terminal): Entra rejects the whole operation, and in a bulk file such a value is invisible;
 * - a sign-in name with a space anywhere ('John Smith', ' padded@contoso.com '): Entra refuses such a
 *   user principal name, so the person would never be created.
 * Both are errors, so the row is held back and the person's file row names the problem.
 */
import { t } from '@scimport/messages';
import type { Finding, ScimUser } from '../types';
import type { UserContext } from './user';
import { fieldName, personOf, shorten } from './words';

/** Codes of these checks, with what they mean (stable, like VALIDATION_CODES). */
export const TEXT_CODES = {
  'text.control': 'A value holds a NUL or another control character, which Entra refuses.',
  'userName.spaces': 'The userName holds a space (inside, leading or trailing), which Entra refuses in a user principal name.',
} as const;

// C0 controls except tab, LF and CR (cells may hold line breaks), DEL, and the C1 controls.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;
const SPACE = /\s/;

/** "U+0000 (NUL)" for a finding: the character itself would be invisible. */
function describeControl(text: string): string {
  const code = text.charCodeAt(text.search(CONTROL));
  const names: Record<number, string> = { 0: 'NUL', 7: 'BEL', 8: 'BS', 0x0b: 'VT', 0x0c: 'FF', 0x1b: 'ESC', 0x7f: 'DEL' };
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return names[code] ? `U+${hex} (${names[code]})` : `U+${hex}`;
}

/** The value as a person can read it: control characters shown as ␀-style symbols. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- shown as the Unicode control pictures (␀, ␛ …)
  return shorten(text.replace(/[\x00-\x1f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0))).replace(/[\x7f-\x9f]/g, '�'));
}

/**
 * The findings of these checks for one mapped user, located as ./user locates its findings. Returns
 * an empty list for a good user; never throws.
 */
export function checkText(user: ScimUser, ctx: UserContext): Finding[] {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return [];
  const findings: Finding[] = [];
  let person: ReturnType<typeof personOf> | null = null;
  const add = (code: keyof typeof TEXT_CODES, path: string, label: string, key: Parameters<typeof t>[0], value: string, values: Record<string, string>) => {
    const cells = ctx.cellsFor(path);
    const finding: Finding = { severity: 'error', code, path, message: t(key, { field: fieldName(label, cells), ...values }), file: ctx.file, row: ctx.row };
    if (ctx.sheet !== undefined) finding.sheet = ctx.sheet;
    if (cells.length > 0) finding.cells = cells;
    if (person === null) person = personOf(user);
    if (person) finding.person = person;
    finding.value = visible(value);
    findings.push(finding);
  };

  const walk = (value: unknown, path: string, label: string) => {
    if (typeof value === 'string') {
      if (CONTROL.test(value)) add('text.control', path, label, 'finding.text.control', value, { value: visible(value), character: describeControl(value) });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, `${label}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        const child = (value as Record<string, unknown>)[key];
        // Extension attributes are labelled by their own name, as ./user labels them.
        const isUrn = key.startsWith('urn:');
        walk(child, path ? `${path}.${key}` : key, isUrn ? '' : label ? `${label}.${key}` : key);
      }
    }
  };
  for (const key of Object.keys(user)) {
    if (key === 'schemas') continue;
    const value = user[key];
    if (key.startsWith('urn:') && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const name of Object.keys(value)) walk((value as Record<string, unknown>)[name], `${key}.${name}`, name);
    } else walk(value, key, key);
  }

  const userName = user.userName;
  if (typeof userName === 'string' && userName.trim() !== '' && SPACE.test(userName)) {
    const where = userName.trim() !== userName ? 'edge' : 'inside';
    add('userName.spaces', 'userName', 'userName', 'finding.text.userNameSpaces', userName, { value: shorten(userName), where });
  }
  return findings;
}
