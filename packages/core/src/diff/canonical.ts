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
    let c = canon(source[key], false);
    if (top && key === 'schemas' && Array.isArray(c)) c = [...new Set(c.map(String))].sort();
    if (c === undefined) continue;
    out[key] = c;
    any = true;
  }
  return any ? out : undefined;
}

/**
 * JSON text of the canonical form; `""` for a value that is empty altogether. Written directly rather
 * than through `canonicalize` + `JSON.stringify`: this runs once per person on every diff, and skipping the
 * intermediate objects roughly halves its cost.
 */
export function canonicalJson(value: unknown): string {
  return json(value, true) ?? '';
}

function json(value: unknown, top: boolean): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : JSON.stringify(value.toISOString());
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
    const c = top && key === 'schemas' && Array.isArray(v)
      ? json([...new Set(v.filter((x) => x !== null && x !== undefined && x !== '').map(String))].sort(), false)
      : json(v, false);
    if (c === undefined) continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${c}`;
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
