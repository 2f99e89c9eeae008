/**
 * Compiling a profile's JSONata mapping once and evaluating it per row within limits, through the
 * compiled fast path in ./fast when the expression allows it, else through jsonata's interpreter. A
 * mapping is written by people, shared in files and run on every row of every upload, so a loop, a
 * runaway recursion or a huge string must end one row's evaluation with a clear error instead of
 * hanging the desktop app or exhausting its memory.
 */
import jsonata from 'jsonata';
import { CoreError, isCoreError } from '../errors';
import type { Profile } from '../profile/types';
import { analyzeMapping } from './analyze';
import { compileFast, jsonSizeBound } from './fast';
import type { RegisteredFunction } from './fast';
import { blank, bool, digits, entraDate, HELPER_FUNCTIONS, makeLookup, makePad, str, title, upn } from './helpers';
import { checkRegexLiterals, LinearRegExp } from './regex';

/** Bounds on one row's evaluation. */
export interface MappingLimits {
  /** Wall-clock time per row, in milliseconds. Default 2000. */
  timeoutMs?: number;
  /** Size of one row's output as UTF-8 JSON, in bytes. Default 64 KiB. */
  maxOutputBytes?: number;
  /** Nesting depth of evaluation (recursion). Default 300. */
  maxDepth?: number;
}

/** A mapping parsed and analysed once, ready to evaluate many rows. */
export interface CompiledMapping {
  readonly expression: string;
  /**
   * Header names the expression reads for an output path (`name.givenName` → `['FirstName']`;
   * `emails[0].value` → […]), from static analysis of the expression. Unknown → `[]`. Paths are
   * matched ignoring case; a path inside a value the analysis cannot split gets that value's headers.
   */
  headersFor(scimPath: string): string[];
  /** Every header name the expression references anywhere, in order of first appearance. */
  readonly referencedHeaders: string[];
  /**
   * The output path (as written in the mapping) whose value holds a position of the expression, for
   * pointing a runtime error at an attribute. Undefined when the position is outside any attribute.
   */
  pathAt(position: number): string | undefined;
  /**
   * Evaluates the mapping for one row (already converted by `toMappingInput`). Throws CoreError
   * MAPPING_RUNTIME, MAPPING_TIMEOUT, MAPPING_TOO_LARGE or MAPPING_TOO_DEEP.
   */
  evaluate(input: Record<string, unknown>): Promise<unknown>;
  /**
   * The same evaluation without awaiting, present when the expression compiled to the fast path
   * (`engine === 'compiled'`). Takes one row object (as `toMappingInput` makes); throws the same CoreErrors.
   */
  evaluateSync?(input: Record<string, unknown>): unknown;
  /**
   * `compiled`: the expression runs as synchronous closures built from its syntax tree; `interpreter`:
   * it uses constructs the compiler does not cover and runs in jsonata's evaluator. Results are the same.
   */
  readonly engine: 'compiled' | 'interpreter';
  /** Why the expression stays with the interpreter (the first construct the compiler does not cover). */
  readonly fallbackReason?: string;
}

/** How to compile; the default is right for every caller except tests and benchmarks comparing engines. */
export interface CompileOptions {
  /**
   * `auto` (default): the compiled fast path when the expression allows it, else the interpreter.
   * `interpreter`: always jsonata's evaluator (the reference the fast path is measured and tested against).
   */
  engine?: 'auto' | 'interpreter';
}

export const DEFAULT_MAPPING_LIMITS: Required<MappingLimits> = {
  timeoutMs: 2000,
  maxOutputBytes: 64 * 1024,
  maxDepth: 300,
};

/** No SCIM user needs a list this long; stopping here keeps `[1..10000000]` from allocating. */
const MAX_SEQUENCE = 100_000;

/** Characters of text built so far, kept on jsonata's per-evaluation environment (so concurrent rows do not share it). */
const allocated = Symbol('scimport.allocatedChars');

/** One-based line and column of a zero-based offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** The line of `text` holding `offset`, and a caret line under the offset (tabs kept so it aligns). */
export function caretExcerpt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const endAt = text.indexOf('\n', offset);
  const line = text.slice(start, endAt === -1 ? text.length : endAt).replace(/\r$/, '');
  const lead = line.slice(0, offset - start).replace(/[^\t]/g, ' ');
  return `  ${line}\n  ${lead}^`;
}

interface JsonataErrorLike {
  code?: unknown;
  position?: unknown;
  token?: unknown;
  message?: unknown;
}

function syntaxError(expression: string, err: JsonataErrorLike): CoreError {
  const raw = typeof err.position === 'number' ? err.position : 0;
  const token = typeof err.token === 'string' ? err.token : undefined;
  // jsonata reports the offset just after the offending token; point the caret at its first character.
  const offset = Math.min(expression.length, Math.max(0, token && token !== '(end)' ? raw - token.length : raw));
  const { line, column } = lineAndColumn(expression, offset);
  const reason = typeof err.message === 'string' ? err.message : 'the expression cannot be read';
  return new CoreError(
    'MAPPING_SYNTAX',
    `The mapping has a syntax error at line ${line}, column ${column}: ${reason}.\n${caretExcerpt(expression, offset)}\n` +
      'Correct the mapping at the caret and save the profile again.',
    { location: { field: '/mapping', position: offset }, cause: err },
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/**
 * Compiles a profile's mapping: parses it once, registers the helper library, installs the evaluation
 * bounds and analyses which headers feed which output path. The expression is then compiled to
 * synchronous closures (`engine: 'compiled'`, tens of times faster per row) unless it uses a construct
 * the compiler does not cover, in which case jsonata's interpreter evaluates it (`engine: 'interpreter'`,
 * `fallbackReason` says why); both give the same results and errors. Throws CoreError MAPPING_SYNTAX
 * (with the position and a caret excerpt) when the expression cannot be parsed.
 */
export function compileMapping(
  profile: Pick<Profile, 'mapping' | 'lookups' | 'input'>,
  limits: MappingLimits = {},
  options: CompileOptions = {},
): CompiledMapping {
  const bounds = { ...DEFAULT_MAPPING_LIMITS };
  for (const key of Object.keys(DEFAULT_MAPPING_LIMITS) as (keyof MappingLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) {
      throw new CoreError('INVALID_ARGUMENT', `The mapping limit ${key} must be a positive number, not ${String(value)}.`);
    }
    bounds[key] = value;
  }
  const expression = profile.mapping;
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new CoreError('MAPPING_SYNTAX', 'The mapping is empty: write a JSONata expression that builds the SCIM user.', {
      location: { field: '/mapping' },
    });
  }

  let expr: jsonata.Expression;
  try {
    // RE2 in place of JavaScript's backtracking engine: no pattern can block the thread (see ./regex).
    expr = jsonata(expression, {
      timeout: bounds.timeoutMs,
      stack: bounds.maxDepth,
      sequence: MAX_SEQUENCE,
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    });
  } catch (err) {
    throw syntaxError(expression, err as JsonataErrorLike);
  }
  try {
    checkRegexLiterals(expr.ast());
  } catch (err) {
    if (!isCoreError(err) || err.location.position === undefined) throw err;
    const offset = err.location.position;
    const { line, column } = lineAndColumn(expression, offset);
    throw new CoreError('MAPPING_SYNTAX', `The mapping cannot run at line ${line}, column ${column}. ${err.message}\n${caretExcerpt(expression, offset)}`, {
      location: { field: '/mapping', position: offset },
      cause: err,
    });
  }

  const tooLarge = (): CoreError =>
    new CoreError('MAPPING_TOO_LARGE', `The mapping built more than ${formatBytes(bounds.maxOutputBytes)} of text for one row and was stopped`);
  const defaultPattern = profile.input?.dateFormat;
  // One list serves both engines, so the compiled path calls exactly the functions jsonata would.
  const helpers: RegisteredFunction[] = [
    { name: 'entraDate', implementation: (v: unknown, p?: string) => entraDate(v, p, defaultPattern), signature: '<xs?:s>' },
    { name: 'lookup', implementation: makeLookup(profile.lookups), signature: '<xx?x?:x>' },
    { name: 'title', implementation: title, signature: '<s-:s>' },
    // Spreadsheet users reach for UPPER/LOWER; JSONata spells them $uppercase/$lowercase.
    { name: 'upper', implementation: (s?: string) => s?.toUpperCase(), signature: '<s-:s>' },
    { name: 'lower', implementation: (s?: string) => s?.toLowerCase(), signature: '<s-:s>' },
    { name: 'blank', implementation: blank, signature: '<x-:x>' },
    { name: 'upn', implementation: upn, signature: '<xxs:s>' },
    { name: 'bool', implementation: bool, signature: '<x-:b>' },
    { name: 'digits', implementation: digits, signature: '<x-n?:s>' },
    { name: 'str', implementation: str, signature: '<x-:s>' },
    { name: 'pad', implementation: makePad(bounds.maxOutputBytes, tooLarge), signature: '<s-ns?:s>' },
  ];
  for (const helper of helpers) expr.registerFunction(helper.name, helper.implementation, helper.signature);

  // jsonata's own guardrails (timeout, stack, sequence) bound time and depth; this exit hook bounds
  // memory: no single string may exceed the output limit, and the text built by functions and
  // operators over one row has a budget, so a loop of large strings stops before it costs gigabytes.
  const budget = Math.max(1024 * 1024, 16 * bounds.maxOutputBytes);
  const onExit = (node: { type?: string; position?: number }, _input: unknown, env: { base?: Record<symbol, number> }, result: unknown): void => {
    if (typeof result !== 'string' || (node.type !== 'function' && node.type !== 'binary' && node.type !== 'apply')) return;
    const base = env.base;
    const used = (base?.[allocated] ?? 0) + result.length;
    if (base) base[allocated] = used;
    if (result.length > bounds.maxOutputBytes || used > budget) {
      // Thrown outside any function call, so jsonata adds no position: give it the node's own.
      throw Object.assign(tooLarge(), { position: node.position });
    }
  };
  expr.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, onExit);

  const analysis = analyzeMapping(expr.ast());
  const fast =
    options.engine === 'interpreter'
      ? ({ ok: false, reason: 'the interpreter was asked for' } as const)
      : compileFast(expr.ast(), {
          helpers,
          maxDepth: bounds.maxDepth,
          limits: { timeoutMs: bounds.timeoutMs, maxOutputBytes: bounds.maxOutputBytes, maxSequence: MAX_SEQUENCE, textBudget: budget, tooLarge },
        });

  const runtimeError = (err: unknown): CoreError => {
    const e = (err ?? {}) as JsonataErrorLike & { name?: unknown };
    const rawPosition = typeof e.position === 'number' ? e.position : undefined;
    const position = rawPosition === undefined ? undefined : Math.max(0, rawPosition - 1);
    const where = rawPosition === undefined ? undefined : analysis.pathAt(rawPosition);
    const location = { ...(position === undefined ? {} : { position }), ...(where === undefined ? {} : { field: where }) };
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (isCoreError(err)) return new CoreError(err.code, err.message, { location, cause: err });
    if (e.code === 'D1012') {
      return new CoreError('MAPPING_TIMEOUT', `The mapping ran longer than ${bounds.timeoutMs} ms on one row and was stopped`, { location, cause: err });
    }
    if (e.code === 'D1011' || (err instanceof RangeError && /call stack/i.test(message))) {
      return new CoreError('MAPPING_TOO_DEEP', `The mapping nested deeper than ${bounds.maxDepth} levels and was stopped`, { location, cause: err });
    }
    if (e.code === 'D2014' || e.code === 'D2015') {
      return new CoreError('MAPPING_TOO_LARGE', `The mapping built a list of more than ${MAX_SEQUENCE} items for one row and was stopped`, {
        location,
        cause: err,
      });
    }
    if (err instanceof RangeError) {
      return new CoreError('MAPPING_TOO_LARGE', 'The mapping built text or a list too large to hold in memory and was stopped', { location, cause: err });
    }
    if (e.code === 'T1006' && typeof e.token === 'string') {
      return new CoreError(
        'MAPPING_RUNTIME',
        `$${e.token} is not a function: check its spelling (JSONata has $uppercase, $lowercase, $trim, $substring, $join, …; ` +
          `scimport adds ${HELPER_FUNCTIONS.map((f) => f.name).join(', ')})`,
        { location, cause: err },
      );
    }
    return new CoreError('MAPPING_RUNTIME', message, { location, cause: err });
  };

  const checkOutput = (result: unknown): unknown => {
    // Nearly every row is far below the limit: a bound settles it without writing the JSON.
    if (jsonSizeBound(result, bounds.maxOutputBytes) <= bounds.maxOutputBytes) return result;
    let json: string | undefined;
    try {
      json = JSON.stringify(result);
    } catch (err) {
      throw runtimeError(err instanceof RangeError ? tooLarge() : err);
    }
    if (json !== undefined && Buffer.byteLength(json, 'utf8') > bounds.maxOutputBytes) {
      throw new CoreError('MAPPING_TOO_LARGE', `The mapping produced more than ${formatBytes(bounds.maxOutputBytes)} of output for one row`);
    }
    return result;
  };

  const interpret = async (input: Record<string, unknown>): Promise<unknown> => {
    let result: unknown;
    try {
      result = await expr.evaluate(input);
    } catch (err) {
      throw runtimeError(err);
    }
    return checkOutput(result);
  };

  const common = {
    expression,
    referencedHeaders: analysis.referencedHeaders,
    headersFor: analysis.headersFor,
    pathAt: analysis.pathAt,
  };
  if (!fast.ok) {
    return { ...common, engine: 'interpreter', fallbackReason: fast.reason, evaluate: interpret };
  }
  const compiled = fast.mapping;
  const evaluateSync = (input: Record<string, unknown>): unknown => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new CoreError('INVALID_ARGUMENT', 'evaluateSync takes one row as an object of values keyed by header.');
    }
    let result: unknown;
    try {
      result = compiled.evaluate(input);
    } catch (err) {
      throw runtimeError(err);
    }
    return checkOutput(result);
  };
  return {
    ...common,
    engine: 'compiled',
    evaluateSync,
    // A list as input is jsonata's special case of a wrapped array: the interpreter keeps that rule.
    evaluate: async (input) => (input !== null && typeof input === 'object' && !Array.isArray(input) ? evaluateSync(input) : interpret(input)),
  };
}
