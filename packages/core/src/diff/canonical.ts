/**
 * One canonical form of a SCIM user, used both to hash it and to compare it attribute by attribute.
 * Two users that Entra would treat alike must have the same canonical form, or every daily run would
 * resend people who did not change.
 */
import { createHash } from 'node:crypto';

/** A canonical value: JSON without empty values, object keys in code-unit order. */
export type CanonicalValue = string | number | boolean | CanonicalValue[] | { [key: string]: CanonicalValue };

/**
 * SCIM has several spellings of "no value": null, an absent attribute, `""`, `[]` and `{}` (RFC 7643
 * §2.5 treats unassigned and null alike; an empty string or list carries no value either). They all
 * canonicalise to `undefined` so that a mapping which starts emitting `"phoneNumbers": []` is not a change.
 * Objects and lists that hold only empty values are empty themselves. Strings are kept exactly (case and
 * spaces are data). Top-level `schemas` is a set: sorted and deduplicated.
 */
export function canonicalize(value: unknown): CanonicalValue | undefined {
  return canon(value, true);
}

/** `schemas` as a set: its text entries, deduplicated and sorted (URN order carries no meaning). */
function schemaSet(schemas: readonly unknown[]): string[] {
  const texts: string[] = [];
  for (const s of schemas) if (typeof s === 'string' && s !== '') texts.push(s);
  texts.sort();
  let kept = 0;
  for (let i = 0; i < texts.length; i++) if (i === 0 || texts[i] !== texts[kept - 1]) texts[kept++] = texts[i]!;
  texts.length = kept;
  return texts;
}

function canon(value: unknown, top: boolean): CanonicalValue | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : value;
    case 'number':
      // JSON has no NaN or Infinity: JSON.stringify would write null, which is "no value".
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      // Functions, symbols and bigints do not survive JSON; treat them as JSON.stringify does.
      return undefined;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (Array.isArray(value)) {
    const items: CanonicalValue[] = [];
    for (const item of value) {
      const c = canon(item, false);
      if (c !== undefined) items.push(c);
    }
    return items.length === 0 ? undefined : items;
  }
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source).sort();
  const out: Record<string, CanonicalValue> = {};
  let any = false;
  for (const key of keys) {
    const raw = source[key];
    const c = canon(top && key === 'schemas' && Array.isArray(raw) ? schemaSet(raw) : raw, false);
    if (c === undefined) continue;
    // A spreadsheet header can be any text, "__proto__" included: keep it an own property.
    if (key === '__proto__') Object.defineProperty(out, key, { value: c, enumerable: true, writable: true, configurable: true });
    else out[key] = c;
    any = true;
  }
  return any ? out : undefined;
}

/**
 * JSON text of the canonical form (exactly `JSON.stringify(canonicalize(value))`); `""` for a value that
 * is empty altogether. Written directly because it runs once per person on every diff: skipping the
 * intermediate objects and the per-string `JSON.stringify` call for strings that need no escaping makes
 * it about 2× faster (measured on 100,000 users, see `pnpm bench`).
 */
export function canonicalJson(value: unknown): string {
  return json(value, true) ?? '';
}

/** Characters JSON.stringify escapes (quote, backslash, controls) and any surrogate, which it may escape. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Attribute names repeat on every user: quote each once. Bounded so odd input cannot grow it without end. */
const quotedKeys = new Map<string, string>();

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function json(value: unknown, top: boolean): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : quote(value);
    case 'number':
      // String() and JSON.stringify agree on every finite number.
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : quote(value.toISOString());
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) {
      const c = json(item, false);
      if (c !== undefined) out += out === '' ? c : `,${c}`;
    }
    return out === '' ? undefined : `[${out}]`;
  }
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source).sort();
  let out = '';
  for (const key of keys) {
    const v = source[key];
    const c = json(top && key === 'schemas' && Array.isArray(v) ? schemaSet(v) : v, false);
    if (c === undefined) continue;
    out += `${out === '' ? '' : ','}${quoteKey(key)}:${c}`;
  }
  return out === '' ? undefined : `{${out}}`;
}

/**
 * Stable hash of a SCIM user: SHA-256 (hex) of its canonical JSON. Equal for users that differ only
 * in key order, `schemas` order, or in the spelling of empty values.
 */
export function hashUser(data: unknown): string {
  return createHash('sha256').update(canonicalJson(data), 'utf8').digest('hex');
}
