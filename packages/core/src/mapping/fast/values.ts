/**
 * JSONata's value model, reproduced for the compiled fast path: sequences (arrays the evaluator builds and
 * flattens, collapsing to a single value or nothing), its effective boolean, its text of a value, its
 * deep equality, and its errors. Everything here must behave exactly as jsonata 2.2 does, because the
 * compiled and interpreted engines have to produce the same users from the same rows.
 */

/** An evaluation error shaped like jsonata's own (code, position, token), so one converter serves both engines. */
export class EvalError extends Error {
  readonly code: string;
  position: number | undefined;
  token: string | undefined;
  readonly value: unknown;
  /** One-based index of the argument a signature error is about. */
  readonly index: number | undefined;

  constructor(code: string, value?: unknown, position?: number, token?: string, index?: number) {
    super(code);
    this.code = code;
    this.value = value;
    this.position = position;
    this.token = token;
    this.index = index;
    this.describe();
  }

  /** Writes the message again, once the operator or function the error belongs to is known. */
  describe(): void {
    this.message = describeError(this);
  }
}

function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Our own wording of the jsonata error codes the fast path raises (the codes, not the text, are what match). */
function describeError(err: EvalError): string {
  const { code, value, token, index } = err;
  const op = token === undefined ? 'the operator' : `the ${token} operator`;
  const fn = token === undefined ? 'a function' : `$${token}`;
  const arg = index === undefined ? 'an argument' : `argument ${index}`;
  switch (code) {
    case 'T2001':
      return `The left side of ${op} must evaluate to a number, not ${shown(value)}`;
    case 'T2002':
      return `The right side of ${op} must evaluate to a number, not ${shown(value)}`;
    case 'T2009':
      return `The values either side of ${op} must be of the same type (both numbers or both texts), not ${shown(value)}`;
    case 'T2010':
      return `The values either side of ${op} must be numbers or texts, not ${shown(value)}`;
    case 'D1001':
      return `The number ${shown(value)} is out of range`;
    case 'D1002':
      return `Cannot negate ${shown(value)}: it is not a number`;
    case 'T1003':
      return `A key of an object must be text, not ${shown(value)}`;
    case 'D1009':
      return `Two keys of one object evaluate to the same name ${shown(value)}`;
    case 'D1013':
      return `The key ${shown(value)} is reserved`;
    case 'T0410':
      return `The value ${shown(value)} given as ${arg} of ${fn} has the wrong type`;
    case 'T0411':
      return `${fn} was called without ${arg}, and the value in context (${shown(value)}) cannot stand in for it`;
    case 'T0412':
      return `${arg} of ${fn} must be a list of one kind of value, not ${shown(value)}`.replace(/^a/, 'A');
    case 'D3001':
      return `Cannot turn ${shown(value)} into text`;
    case 'D3010':
      return 'The second argument of $replace cannot be empty text';
    case 'D3011':
      return 'The fourth argument of $replace must be a positive number';
    case 'D3012':
      return `The pattern given to ${fn} must be text, not ${shown(value)}`;
    case 'D3020':
      return 'The third argument of $split must be a positive number';
    case 'D3030':
      return `Unable to cast value to a number: ${shown(value)}`;
    case 'D2015':
      return `The mapping built a list of more than ${shown(value)} items`;
    case 'D1012':
      return `The evaluation ran longer than ${shown(value)} ms`;
    default:
      return `Evaluation error ${code}`;
  }
}

/**
 * Objects the mapping builds. jsonata makes them with Object.create(null), so they inherit nothing (no
 * toString: a helper that turns one into text fails, as it does under jsonata), but V8 keeps such objects
 * in slow dictionary mode. Instances of a constructor whose prototype inherits nothing behave the same
 * and stay fast.
 */
export const BUILT_PROTOTYPE: object = Object.create(null) as object;
function BuiltObject(): void {}
BuiltObject.prototype = BUILT_PROTOTYPE;
const Built = BuiltObject as unknown as new () => Record<string, unknown>;

export function newObject(): Record<string, unknown> {
  return new Built();
}

/** A sequence: an array the evaluator built, which collapses to its single item or to nothing. */
export type Sequence = unknown[] & { sequence: true; keepSingleton?: boolean; cons?: boolean };

/** Longest sequence a row may build; set once per compiled mapping (jsonata's `sequence` option). */
export interface Limits {
  maxSequence: number;
}

export function createSequence(): Sequence {
  const seq = [] as unknown as Sequence;
  seq.sequence = true;
  return seq;
}

export function isSequence(value: unknown): value is Sequence {
  return Array.isArray(value) && (value as Partial<Sequence>).sequence === true;
}

/** jsonata's exit rule: an empty sequence is nothing and a sequence of one is its item (unless kept). */
export function collapse(value: unknown): unknown {
  if (Array.isArray(value) && (value as Partial<Sequence>).sequence === true) {
    if (value.length === 0) return undefined;
    if (value.length === 1 && (value as Sequence).keepSingleton !== true) return value[0];
  }
  return value;
}

/**
 * Whether jsonata would take a value for a function: a real function, or an object carrying its internal
 * markers. Checked where the value is used rather than by scanning each row beforehand: a use costs a
 * type test (and two property reads for an object), a scan cost every value of every row.
 */
export function isFunctionValue(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object') return false;
  const v = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return v._jsonata_function === true || v._jsonata_lambda === true;
}

/** jsonata's isNumeric: a number that is not NaN; an infinite one is an error. */
export function isNumeric(value: unknown): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (!Number.isFinite(value)) throw new EvalError('D1001', value);
  return true;
}

export function isArrayOfNumbers(value: unknown): value is number[] {
  if (!Array.isArray(value)) return false;
  let all = true;
  // jsonata tests every item (so an infinite one throws even after a non-number).
  for (const item of value) if (!isNumeric(item)) all = false;
  return all;
}

/** jsonata's effective boolean value (`$boolean`); undefined stays undefined. */
export function toBoolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1) return toBoolean(value[0]);
    if (value.length > 1) {
      let trues = 0;
      for (const item of value) if (toBoolean(item)) trues++;
      return trues > 0;
    }
    return false;
  }
  if (typeof value === 'string') return value.length > 0;
  if (isNumeric(value)) return value !== 0;
  if (value !== null && typeof value === 'object' && !isFunctionValue(value)) return Object.keys(value).length > 0;
  return value === true;
}

/** The boolean of a condition operand: undefined counts as false. */
export function boolize(value: unknown): boolean {
  return toBoolean(value) ?? false;
}

function numberReplacer(_key: string, val: unknown): unknown {
  if (val !== undefined && val !== null && isNumeric(val)) return Number.isInteger(val) ? val : Number(val.toPrecision(15));
  return val && isFunctionValue(val) ? '' : val;
}

/** jsonata's `$string`: text as is, numbers to 15 significant digits, anything else as JSON. */
export function toText(value: unknown, prettify = false): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EvalError('D3001', value);
    return String(Number.isInteger(value) ? value : Number(value.toPrecision(15)));
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isFunctionValue(value)) return '';
  return JSON.stringify(value, numberReplacer, prettify ? 2 : 0) as string;
}

/** jsonata's deep equality (`=`): same type, same items in order, same keys in any order. */
export function deepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs !== 'object' || typeof rhs !== 'object' || lhs === null || rhs === null) return false;
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    if (lhs.length !== rhs.length) return false;
    for (let i = 0; i < lhs.length; i++) if (!deepEqual(lhs[i], rhs[i])) return false;
    return true;
  }
  // jsonata compares property names of anything else, arrays against objects included.
  const lkeys = Object.getOwnPropertyNames(lhs).sort();
  const rkeys = Object.getOwnPropertyNames(rhs).sort();
  if (lkeys.length !== rkeys.length) return false;
  for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false;
  for (const key of lkeys) {
    if (!deepEqual((lhs as Record<string, unknown>)[key], (rhs as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** Characters of a string as jsonata counts them (code points). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}
