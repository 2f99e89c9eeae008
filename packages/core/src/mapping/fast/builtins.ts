/**
 * The jsonata built-in functions the compiled fast path covers, written to give jsonata 2.2's results for
 * the same (already signature-checked) arguments, quirks included: JSONata counts characters as code
 * points, `$split`/`$replace` take a plain-text pattern here (a regular expression sends the whole
 * mapping to the interpreter), `$round` rounds half to even. A call of any other built-in sends the
 * mapping to the interpreter too.
 */
import type { RunContext } from './runtime';
import { Signature } from './signature';
import {
  codePoints,
  createSequence,
  deepEqual,
  EvalError,
  isFunctionValue,
  isSequence,
  toBoolean,
  toText,
} from './values';

/** A function the compiled code can call: its signature and an implementation over validated arguments. */
export interface FastFunction {
  signature: Signature;
  impl(args: unknown[], ctx: RunContext): unknown;
  /** For a registered helper: the function itself, which `impl` calls with the arguments spread. */
  direct?: (...args: any[]) => unknown;
}

function substring(str: string | undefined, start: number, length?: number): string | undefined {
  if (str === undefined) return undefined;
  const chars = codePoints(str);
  let from = start;
  if (chars.length + from < 0) from = 0;
  if (length !== undefined) {
    if (length <= 0) return '';
    const end = from >= 0 ? from + length : chars.length + from + length;
    return chars.slice(from, end).join('');
  }
  return chars.slice(from).join('');
}

function trim(str: string | undefined): string | undefined {
  if (str === undefined) return undefined;
  let result = str.replace(/[ \t\n\r]+/gm, ' ');
  if (result.charAt(0) === ' ') result = result.substring(1);
  if (result.charAt(result.length - 1) === ' ') result = result.substring(0, result.length - 1);
  return result;
}

/** jsonata accepts decimal text, or 0x/0o/0b literals (its pattern is anchored loosely; kept as is). */
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;
const PREFIXED = /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/;

function toNumber(arg: unknown): number | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'string' && DECIMAL.test(arg) && !Number.isNaN(parseFloat(arg)) && Number.isFinite(Number(arg))) return parseFloat(arg);
  if (typeof arg === 'string' && PREFIXED.test(arg)) return Number(arg);
  if (arg === true) return 1;
  if (arg === false) return 0;
  throw new EvalError('D3030', arg);
}

/** Round half to even, shifting the decimal point in text so 1.005 rounds as written. */
function round(arg: number | undefined, precision?: number): number | undefined {
  if (arg === undefined) return undefined;
  let value = arg;
  if (precision) {
    const parts = value.toString().split('e');
    value = +`${parts[0]}e${parts[1] ? +parts[1] + precision : precision}`;
  }
  let result = Math.round(value);
  if (Math.abs(result - value) === 0.5 && Math.abs(result % 2) === 1) result = result - 1;
  if (precision) {
    const parts = result.toString().split('e');
    result = +`${parts[0]}e${parts[1] ? +parts[1] - precision : -precision}`;
  }
  return Object.is(result, -0) ? 0 : result;
}

function replace(str: string | undefined, pattern: unknown, replacement: unknown, limit?: number): string | undefined {
  if (str === undefined) return undefined;
  if (pattern === '') throw new EvalError('D3010', pattern);
  if (limit !== undefined && limit < 0) throw new EvalError('D3011', limit);
  if (limit !== undefined && !(limit > 0)) return str;
  if (typeof pattern !== 'string') {
    // jsonata would call the pattern as a matcher function; nothing else can be called.
    throw new EvalError('D3012', pattern);
  }
  let result = '';
  let position = 0;
  let count = 0;
  let index = str.indexOf(pattern, position);
  while (index !== -1 && (limit === undefined || count < limit)) {
    result += str.substring(position, index);
    // A replacement that is not text is appended as JavaScript writes it, exactly as jsonata does.
    result += String(replacement);
    position = index + pattern.length;
    count++;
    index = str.indexOf(pattern, position);
  }
  return result + str.substring(position);
}

function split(str: string | undefined, separator: unknown, limit?: number): string[] | undefined {
  if (str === undefined) return undefined;
  if (limit !== undefined && limit < 0) throw new EvalError('D3020', limit);
  if (limit !== undefined && !(limit > 0)) return [];
  if (typeof separator !== 'string') throw new EvalError('D3012', separator);
  return str.split(separator, limit);
}

function keys(arg: unknown, ctx: RunContext): unknown[] {
  const result = createSequence();
  if (Array.isArray(arg)) {
    const merged: Record<string, true> = Object.create(null) as Record<string, true>;
    for (const item of arg) for (const key of keys(item, ctx) as string[]) merged[key] = true;
    return keys(merged, ctx);
  }
  if (arg !== null && typeof arg === 'object' && !isFunctionValue(arg)) {
    for (const key of Object.keys(arg)) ctx.push(result, key);
  }
  return result;
}

function append(a: unknown, b: unknown, ctx: RunContext): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const left = Array.isArray(a) ? a : [a];
  const right = Array.isArray(b) ? b : [b];
  if (left.length + right.length > ctx.limits.maxSequence) throw new EvalError('D2015', left.length + right.length);
  return left.concat(right);
}

function distinct(arr: unknown, ctx: RunContext): unknown {
  if (arr === undefined) return undefined;
  if (!Array.isArray(arr) || arr.length <= 1) return arr;
  const sequence = isSequence(arr);
  const results: unknown[] = sequence ? createSequence() : [];
  for (const value of arr) {
    let seen = false;
    for (const kept of results) {
      if (deepEqual(value, kept)) {
        seen = true;
        break;
      }
    }
    if (!seen) {
      if (sequence) ctx.push(results, value);
      else results.push(value);
    }
  }
  return results;
}

type Impl = (args: unknown[], ctx: RunContext) => unknown;

const s = (v: unknown) => v as string | undefined;
const n = (v: unknown) => v as number | undefined;
const list = (v: unknown) => v as unknown[] | undefined;

const BUILTINS: Record<string, [string, Impl]> = {
  sum: ['<a<n>:n>', ([a]) => list(a)?.reduce<number>((t, x) => t + (x as number), 0)],
  count: ['<a:n>', ([a]) => list(a)?.length ?? 0],
  max: ['<a<n>:n>', ([a]) => (list(a) === undefined || list(a)?.length === 0 ? undefined : Math.max(...(a as number[])))],
  min: ['<a<n>:n>', ([a]) => (list(a) === undefined || list(a)?.length === 0 ? undefined : Math.min(...(a as number[])))],
  average: [
    '<a<n>:n>',
    ([a]) => (list(a) === undefined || list(a)?.length === 0 ? undefined : (a as number[]).reduce((t, x) => t + x, 0) / (a as number[]).length),
  ],
  string: ['<x-b?:s>', ([v, pretty]) => toText(v, pretty === true)],
  substring: ['<s-nn?:s>', ([str, start, length]) => substring(s(str), start as number, n(length))],
  substringBefore: [
    '<s-s:s>',
    ([str, chars]) => {
      if (str === undefined) return undefined;
      const pos = (str as string).indexOf(chars as string);
      return pos > -1 ? (str as string).substring(0, pos) : str;
    },
  ],
  substringAfter: [
    '<s-s:s>',
    ([str, chars]) => {
      if (str === undefined) return undefined;
      const pos = (str as string).indexOf(chars as string);
      return pos > -1 ? (str as string).substring(pos + (chars as string).length) : str;
    },
  ],
  lowercase: ['<s-:s>', ([str]) => s(str)?.toLowerCase()],
  uppercase: ['<s-:s>', ([str]) => s(str)?.toUpperCase()],
  length: ['<s-:n>', ([str]) => (str === undefined ? undefined : codePoints(str as string).length)],
  trim: ['<s-:s>', ([str]) => trim(s(str))],
  contains: [
    '<s-(sf):b>',
    ([str, token]) => {
      if (str === undefined || token === undefined) return undefined;
      if (typeof token !== 'string') throw new EvalError('D3012', token);
      return (str as string).indexOf(token) !== -1;
    },
  ],
  split: ['<s-(sf)n?:a<s>>', ([str, sep, limit]) => split(s(str), sep, n(limit))],
  join: ['<a<s>s?:s>', ([strs, sep]) => (strs === undefined ? undefined : (strs as string[]).join(sep === undefined ? '' : (sep as string)))],
  replace: ['<s-(sf)(sf)n?:s>', ([str, pattern, replacement, limit]) => replace(s(str), pattern, replacement, n(limit))],
  number: ['<(nsb)-:n>', ([v]) => toNumber(v)],
  abs: ['<n-:n>', ([v]) => (v === undefined ? undefined : Math.abs(v as number))],
  floor: ['<n-:n>', ([v]) => (v === undefined ? undefined : Math.floor(v as number))],
  ceil: ['<n-:n>', ([v]) => (v === undefined ? undefined : Math.ceil(v as number))],
  round: ['<n-n?:n>', ([v, precision]) => round(n(v), n(precision))],
  boolean: ['<x-:b>', ([v]) => toBoolean(v)],
  not: ['<x-:b>', ([v]) => (v === undefined ? undefined : !toBoolean(v))],
  exists: ['<x:b>', ([v]) => v !== undefined],
  keys: ['<x-:a<s>>', ([v], ctx) => keys(v, ctx)],
  append: ['<xx:a>', ([a, b], ctx) => append(a, b, ctx)],
  distinct: ['<x:x>', ([v], ctx) => distinct(v, ctx)],
};

/**
 * Every name jsonata binds before evaluation (its built-ins, `$now`, `$millis`): a mapping that refers
 * to one of these without calling a covered function needs the interpreter.
 */
export const JSONATA_NAMES = new Set([
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore', 'substringAfter', 'lowercase',
  'uppercase', 'length', 'trim', 'pad', 'match', 'contains', 'replace', 'split', 'join', 'formatNumber', 'formatBase',
  'formatInteger', 'parseInteger', 'number', 'floor', 'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not',
  'map', 'zip', 'filter', 'single', 'reduce', 'sift', 'keys', 'lookup', 'append', 'exists', 'spread', 'merge', 'reverse',
  'each', 'error', 'assert', 'type', 'sort', 'shuffle', 'distinct', 'base64encode', 'base64decode', 'encodeUrlComponent',
  'encodeUrl', 'decodeUrlComponent', 'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone', 'now', 'millis',
]);

/** A registered helper (scimport's library, or an override such as the capped `$pad`). */
export interface RegisteredFunction {
  name: string;
  implementation: (...args: any[]) => unknown;
  signature: string;
}

/** `fn(...args)` without the spread for the usual short lists (the same call: same `arguments.length`). */
function callWith(fn: (...args: any[]) => unknown, args: unknown[]): unknown {
  switch (args.length) {
    case 0:
      return fn();
    case 1:
      return fn(args[0]);
    case 2:
      return fn(args[0], args[1]);
    case 3:
      return fn(args[0], args[1], args[2]);
    default:
      return fn(...args);
  }
}

/**
 * The functions a compiled mapping may call: the covered jsonata built-ins, overridden by the helpers
 * registered on the mapping (as `registerFunction` overrides them for the interpreter).
 */
export function functionTable(helpers: readonly RegisteredFunction[]): Map<string, FastFunction> {
  const table = new Map<string, FastFunction>();
  for (const [name, [signature, impl]] of Object.entries(BUILTINS)) table.set(name, { signature: new Signature(signature), impl });
  for (const helper of helpers) {
    const fn = helper.implementation;
    table.set(helper.name, { signature: new Signature(helper.signature), impl: (args) => callWith(fn, args), direct: fn });
  }
  return table;
}
