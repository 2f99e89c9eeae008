/**
 * A cheap upper bound of the UTF-8 size of a value written as JSON. Checking a row's output against the
 * output limit used to cost a JSON.stringify per row, more than the compiled mapping itself; the bound
 * settles almost every row, and only an output that might be too large is measured exactly.
 */
import { BUILT_PROTOTYPE } from './values';

/** Worst case per UTF-16 unit of a string in JSON: a control character written as \u001f. */
const PER_CHAR = 6;
/** Longest JSON text of a number (-1.2345678901234567e-308). */
const PER_NUMBER = 24;

function plainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null || proto === BUILT_PROTOTYPE) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * Upper bound of `Buffer.byteLength(JSON.stringify(value))`, or Infinity when the value is one the bound
 * does not cover (class instances, values with toJSON, very deep nesting), so the caller measures it.
 * Returns early once the bound passes `stopAbove`.
 */
export function jsonSizeBound(value: unknown, stopAbove: number): number {
  return sizeOf(value, 0, 0, stopAbove);
}

/** Adds the bound of `v` to `total` (a plain recursive function: no closure per call on the hot path). */
function sizeOf(v: unknown, total: number, depth: number, stopAbove: number): number {
  if (total > stopAbove) return total;
  switch (typeof v) {
    case 'string':
      return total + 2 + v.length * PER_CHAR;
    case 'number':
      return total + PER_NUMBER;
    case 'boolean':
      return total + 5;
    case 'undefined':
    case 'function':
      return total + 4;
    case 'object': {
      if (v === null) return total + 4;
      if (depth > 64) return Infinity;
      if (Array.isArray(v)) {
        let sum = total + 2 + v.length;
        for (const item of v) sum = sizeOf(item, sum, depth + 1, stopAbove);
        return sum;
      }
      if (!plainObject(v)) return Infinity;
      let sum = total + 2;
      for (const key in v) {
        const item = (v as Record<string, unknown>)[key];
        // Text, the usual value, is added here rather than by a call.
        if (typeof item === 'string' && sum <= stopAbove) sum += 6 + (key.length + item.length) * PER_CHAR;
        else sum = sizeOf(item, sum + 4 + key.length * PER_CHAR, depth + 1, stopAbove);
      }
      return sum;
    }
    default:
      return Infinity;
  }
}
