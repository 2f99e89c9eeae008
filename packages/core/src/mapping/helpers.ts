/**
 * The helper library registered on every compiled mapping. Each helper turns an empty input (missing
 * cell, empty or blank text, null) into `undefined`, so an empty cell makes the attribute absent rather
 * than blank; each refuses values it cannot read with a message naming the value, never by guessing.
 */
import { CoreError } from '../errors';
import type { Profile } from '../profile/types';
import { toEntraDate } from './dates';

/** Documentation of one helper, for docs and editor completion. */
export interface HelperFunctionInfo {
  name: string;
  signature: string;
  description: string;
}

export const HELPER_FUNCTIONS: HelperFunctionInfo[] = [
  {
    name: '$entraDate',
    signature: '$entraDate(value, pattern?)',
    description:
      'Date in the form Entra accepts (2021-05-01T00:00:00Z) from an ISO date or date-time, an Excel serial number, or text in ' +
      'the pattern given (dd/MM/yyyy, MM/dd/yyyy, d.M.yyyy, yyyy-MM-dd, optionally followed by HH:mm or HH:mm:ss). Without a ' +
      'pattern the profile\'s input.dateFormat is used. An impossible date or text that does not match is an error.',
  },
  {
    name: '$lookup',
    signature: '$lookup(table, key, default?)',
    description:
      'Value of key in the profile lookup table named table (exact match first, then ignoring case and surrounding spaces); ' +
      'default (or nothing) when the key is missing. An unknown table is an error. Given an object instead of a table name ' +
      'it behaves like JSONata\'s own $lookup(object, key).',
  },
  {
    name: '$title',
    signature: '$title(text)',
    description: 'Title case: "ginnie O\'NEIL-SMITH" becomes "Ginnie O\'Neil-Smith".',
  },
  {
    name: '$upper',
    signature: '$upper(text)',
    description: 'Upper case; the same as JSONata\'s $uppercase.',
  },
  {
    name: '$lower',
    signature: '$lower(text)',
    description: 'Lower case; the same as JSONata\'s $lowercase.',
  },
  {
    name: '$blank',
    signature: '$blank(value)',
    description: 'Nothing when value is empty, blank text or null; value unchanged otherwise.',
  },
  {
    name: '$upn',
    signature: '$upn(given, family, domain)',
    description:
      'User principal name given.family@domain in lower case, with accents folded (é → e, ß → ss) and characters a UPN ' +
      'cannot hold removed. Nothing when the domain or both names are empty.',
  },
  {
    name: '$bool',
    signature: '$bool(value)',
    description:
      'true or false from true/false, yes/no, y/n, 1/0 or active/inactive (any case). Nothing when empty; any other value is an error.',
  },
  {
    name: '$digits',
    signature: '$digits(value, width?)',
    description:
      'An identifier made of digits, as text: keeps leading zeros and pads with zeros to width. A value with other characters is an error.',
  },
  {
    name: '$str',
    signature: '$str(value)',
    description: 'Text from a value; whole numbers lose the ".0" a spreadsheet may add (1234.0 becomes "1234").',
  },
];

/** The error helpers throw: jsonata adds the position, the compiled mapping turns it into a finding. */
export function helperError(fn: string, message: string): CoreError {
  return new CoreError('MAPPING_RUNTIME', `$${fn}: ${message}`);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
}

/** Text of a number without float noise or the ".0" of integral values, even past 1e21. */
export function numberToText(n: number): string {
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  return String(Number(n.toPrecision(15)));
}

export function str(value: unknown): string | undefined {
  if (isEmpty(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberToText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw helperError('str', `${describeValue(value)} is a list or an object, not a single value`);
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'active']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'inactive']);
const EXACT_WORDS = new Map<string, boolean>();
for (const [words, meaning] of [[TRUE_WORDS, true], [FALSE_WORDS, false]] as const) {
  for (const word of words) {
    for (const form of [word, word.toUpperCase(), word.charAt(0).toUpperCase() + word.slice(1)]) EXACT_WORDS.set(form, meaning);
  }
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'string') {
    // Most cells hold one of the words as written in a few usual casings: no trimming or lowercasing.
    const known = EXACT_WORDS.get(value);
    if (known !== undefined) return known;
  }
  if (isEmpty(value)) return undefined;
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return true;
  if (word !== undefined && FALSE_WORDS.has(word)) return false;
  throw helperError(
    'bool',
    `${describeValue(value)} is not a yes/no value; use true/false, yes/no, y/n, 1/0 or active/inactive`,
  );
}

export function digits(value: unknown, width?: number): string | undefined {
  if (isEmpty(value)) return undefined;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw helperError('digits', `${value} is not a whole, non-negative number, so it cannot be an identifier of digits`);
    }
    text = numberToText(value);
  } else if (typeof value === 'string') {
    const m = /^(\d+)(?:\.0+)?$/.exec(value.trim());
    if (!m?.[1]) throw helperError('digits', `${describeValue(value)} holds characters other than digits`);
    text = m[1];
  } else {
    throw helperError('digits', `${describeValue(value)} is not a number or text`);
  }
  if (width !== undefined) {
    if (!Number.isInteger(width) || width < 1 || width > 64) {
      throw helperError('digits', `the width ${width} must be a whole number from 1 to 64`);
    }
    text = text.padStart(width, '0');
  }
  return text;
}

export function blank(value: unknown): unknown {
  return isEmpty(value) ? undefined : value;
}

export function title(value: string | undefined): string | undefined {
  if (isEmpty(value) || value === undefined) return undefined;
  // Capitalise after a space, hyphen or opening bracket; after an apostrophe only for name prefixes
  // like O'Neil or d'Arcy, so "don't" stays "Don't".
  return value
    .toLowerCase()
    .replace(/(^|[\s\-(/])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase())
    .replace(/(^|[\s\-(/])(\p{L})(['’])(\p{L})/gu, (_m, sep: string, a: string, q: string, b: string) => sep + a + q + b.toUpperCase());
}

/** Letters NFKD does not decompose into a base letter plus accents. */
const FOLD: Record<string, string> = {
  ß: 'ss', ẞ: 'ss', æ: 'ae', Æ: 'ae', ø: 'o', Ø: 'o', œ: 'oe', Œ: 'oe', đ: 'd', Đ: 'd', ł: 'l', Ł: 'l',
  þ: 'th', Þ: 'th', ð: 'd', Ð: 'd', ı: 'i', ħ: 'h', Ħ: 'h', ŧ: 't', Ŧ: 't',
};

/** Lower-case ASCII with only the characters Entra allows in a UPN prefix (A–Z a–z 0–9 ' . - _ ! # ^ ~). */
export function foldForUpn(text: string): string {
  return text
    .replace(/[ßẞæÆøØœŒđĐłŁþÞðÐıħĦŧŦ]/g, (c) => FOLD[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9'._!#^~-]/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+|\.+$/g, '');
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

export function upn(given: unknown, family: unknown, domain: string | undefined): string | undefined {
  if (isEmpty(domain) || domain === undefined || (isEmpty(given) && isEmpty(family))) return undefined;
  const host = domain.trim().replace(/^@/, '').toLowerCase();
  if (!DOMAIN.test(host)) throw helperError('upn', `"${domain}" is not a domain name such as contoso.com`);
  const names = [given, family].filter((v) => !isEmpty(v)).map((v) => str(v) ?? '');
  const local = names.map(foldForUpn).filter((p) => p !== '').join('.');
  if (local === '') {
    throw helperError(
      'upn',
      `no letters usable in a user name remain of ${names.map(describeValue).join(' and ')}; map userName from another column`,
    );
  }
  if (local.length > 64) {
    throw helperError('upn', `"${local}" is longer than the 64 characters Entra allows before the @`);
  }
  return `${local}@${host}`;
}

/** Entra date from a value; `pattern` defaults to the profile's input.dateFormat. */
export function entraDate(value: unknown, pattern: string | undefined, defaultPattern: string | undefined): string | undefined {
  if (isEmpty(value)) return undefined;
  try {
    return toEntraDate(value, isEmpty(pattern) ? defaultPattern : pattern);
  } catch (err) {
    throw helperError('entraDate', (err as Error).message);
  }
}

/** A lookup table with a second index that ignores case and surrounding spaces, built on first use. */
interface Table {
  exact: Record<string, string>;
  loose?: Map<string, string>;
}

/** `$lookup(table, key, default?)` over profile.lookups, compatible with JSONata's own `$lookup(object, key)`. */
export function makeLookup(lookups: Profile['lookups']): (table: unknown, key: unknown, fallback?: unknown) => unknown {
  const tables = new Map<string, Table>();
  for (const [name, exact] of Object.entries(lookups ?? {})) tables.set(name, { exact });
  const objectLookup = (input: unknown, key: string): unknown => {
    if (Array.isArray(input)) {
      const found = input.flatMap((item) => {
        const v = objectLookup(item, key);
        return v === undefined ? [] : [v];
      });
      return found.length === 0 ? undefined : found.length === 1 ? found[0] : found;
    }
    if (input !== null && typeof input === 'object' && Object.prototype.hasOwnProperty.call(input, key)) {
      return (input as Record<string, unknown>)[key];
    }
    return undefined;
  };
  return (table, key, fallback) => {
    if (typeof table !== 'string') {
      return table === undefined || key === undefined ? undefined : objectLookup(table, String(key));
    }
    const found = tables.get(table);
    if (!found) {
      const names = [...tables.keys()];
      throw helperError(
        'lookup',
        names.length === 0
          ? `there is no lookup table "${table}": the profile has no lookup tables; add one under "lookups"`
          : `there is no lookup table "${table}"; the profile has ${names.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    const text = str(key);
    if (text === undefined) return fallback;
    if (Object.prototype.hasOwnProperty.call(found.exact, text)) return found.exact[text];
    if (!found.loose) {
      found.loose = new Map();
      for (const [k, v] of Object.entries(found.exact)) {
        const loose = k.trim().toLowerCase();
        if (!found.loose.has(loose)) found.loose.set(loose, v);
      }
    }
    const loose = found.loose.get(text.trim().toLowerCase());
    return loose === undefined ? fallback : loose;
  };
}

/** JSONata's `$pad`, with the width capped so one call cannot build a string of hundreds of megabytes. */
export function makePad(maxChars: number, tooLarge: () => Error): (s: string | undefined, width: number, char?: string) => string | undefined {
  return (s, width, char) => {
    if (s === undefined) return undefined;
    const w = Math.trunc(width);
    if (Math.abs(w) > maxChars) throw tooLarge();
    const fill = char === undefined || char === '' ? ' ' : char;
    const have = [...s].length;
    const missing = Math.abs(w) - have;
    if (missing <= 0) return s;
    const padding = [...fill.repeat(Math.ceil(missing / [...fill].length))].slice(0, missing).join('');
    return w > 0 ? s + padding : padding + s;
  };
}
