/**
 * The words findings are written with: an attribute said as the person knows it (the column's header, or
 * "Sign-in name" rather than `userName`), a value as the sheet shows it, the person a row is about, and
 * lists of rows. Shared by the per-person checks, the whole-file checks and the grouping.
 */
import { isMessageKey, locale, t } from '@scimport/messages';
import type { CellRef, FindingPerson, ScimUser } from '../types';

const MAX_SHOWN = 60;

/** Text cut to what a message can show (60 characters), with an ellipsis when cut. */
export function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** "the text `abc`", "the number 12", … — the value as a person would recognise it from the sheet. */
export function shown(value: unknown, secret: boolean): string {
  if (value === null) return t('finding.shown.null');
  if (Array.isArray(value)) return t('finding.shown.list', { count: value.length });
  switch (typeof value) {
    case 'string':
      return secret ? t('finding.shown.secretText') : t('finding.shown.text', { value: shorten(value) });
    case 'number':
      return secret ? t('finding.shown.secretNumber') : t('finding.shown.number', { value: String(value) });
    case 'boolean':
      return secret ? t('finding.shown.secretBoolean') : t('finding.shown.boolean', { value: String(value) });
    case 'object':
      return t('finding.shown.object');
    default:
      return t('finding.shown.other', { type: typeof value });
  }
}

let lists: { locale: string; format: Intl.ListFormat } | undefined;

/** "A, B and C" in the catalogue's language. */
export function listOf(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  const current = locale();
  if (lists?.locale !== current) lists = { locale: current, format: new Intl.ListFormat(current, { type: 'conjunction' }) };
  return lists.format.format(parts);
}

/** Path inside its schema without list positions: `emails[0].value` → `emails.value`. */
function attributeKey(label: string): string {
  return label.replace(/\[\d+\]/g, '');
}

/** The everyday word for a known attribute ("Sign-in name" for `userName`), or undefined. */
export function attributeWords(label: string): string | undefined {
  const key = `finding.field.${attributeKey(label)}`;
  return isMessageKey(key) ? t(key) : undefined;
}

/**
 * How a finding names an attribute: its everyday word when it has one (the column header when
 * `preferHeader`, as for the employee id, whose header — WorkerID, Personnel number — is what HR calls
 * it), else the header(s) of the column(s) it came from, else its name in the mapping in backticks.
 */
export function fieldName(label: string, cells: readonly CellRef[], preferHeader = false): string {
  const headers = cells.map((c) => c.header);
  if (preferHeader && headers.length > 0) return listOf(headers);
  const words = attributeWords(label);
  if (words !== undefined) return words;
  if (headers.length > 0) return listOf(headers);
  return `\`${label}\``;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : shorten(trimmed);
}

/** A mapped user's name: the display name, else first and last name, else the formatted name. */
export function nameOf(user: ScimUser): string | undefined {
  const name = text(user.displayName);
  if (name !== undefined) return name;
  const parts = user.name;
  if (typeof parts !== 'object' || parts === null) return undefined;
  const { givenName, familyName, formatted } = parts as Record<string, unknown>;
  const given = text(givenName);
  const family = text(familyName);
  if (given !== undefined && family !== undefined) return `${given} ${family}`;
  return given ?? family ?? text(formatted);
}

/** Who a mapped user is: their name and employee id. Undefined when neither is known. */
export function personOf(user: ScimUser | undefined): FindingPerson | undefined {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return undefined;
  const name = nameOf(user);
  const externalId = text(user.externalId);
  if (name === undefined && externalId === undefined) return undefined;
  // Built key by key, not by spreading: this runs for every row of a file.
  const person: FindingPerson = {};
  if (name !== undefined) person.name = name;
  if (externalId !== undefined) person.externalId = externalId;
  return person;
}
