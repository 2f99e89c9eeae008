/**
 * Compiles a jsonata AST into synchronous JavaScript closures: one closure per node, built once, called
 * per row. No code is generated as text (no `eval`, no `new Function`): profiles are shared between
 * people and the desktop app's content security policy forbids it.
 *
 * The closures follow jsonata 2.2's evaluator step by step (path flattening, sequences that collapse to
 * one value, predicates, the object constructor's grouping, argument signatures, where errors get their
 * position), so both engines give the same result for every row. Anything outside the covered subset
 * throws `Unsupported` while compiling, and the caller evaluates the whole mapping with jsonata instead.
 */
import type { FastFunction } from './builtins';
import { JSONATA_NAMES } from './builtins';
import type { RunContext } from './runtime';
import type { Sequence } from './values';
import {
  boolize,
  collapse,
  createSequence,
  deepEqual,
  EvalError,
  isArrayOfNumbers,
  isFunctionValue,
  isNumeric,
  isSequence,
  newObject,
  toBoolean,
  toText,
} from './values';

/** A jsonata AST node, as far as the compiler reads it. */
export interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  [key: string]: unknown;
}

/** One compiled node: jsonata's `evaluate(node, input)` for a row's evaluation context. */
export type Evaluator = (input: unknown, ctx: RunContext) => unknown;

/** The expression uses something the compiler does not cover; the message says what. */
export class Unsupported extends Error {}

const hasOwn = Object.prototype.hasOwnProperty;

/** Node properties that only constructs outside the covered subset carry. */
const UNSUPPORTED_MARKS: [string, string][] = [
  ['group', 'grouping ({…} after a path)'],
  ['focus', 'a focus variable binding (@$)'],
  ['index', 'a position variable binding (#$)'],
  ['tuple', 'a variable binding inside a path'],
  ['ancestor', 'a parent reference (%)'],
  ['keepArray', 'a kept array ([] after a path)'],
  ['keepSingletonArray', 'a kept array ([] after a path)'],
  ['seekingParent', 'a parent reference (%)'],
];

function where(node: AstNode): string {
  return typeof node.position === 'number' ? ` at position ${node.position}` : '';
}

function createSequenceOf(value: unknown): Sequence {
  const seq = createSequence();
  seq.push(value);
  return seq;
}

function markCons(array: unknown[]): void {
  Object.defineProperty(array, 'cons', { enumerable: false, configurable: false, value: true });
}

/** jsonata's field lookup: the value of `key` in an object, or every value of it across an array. */
function lookup(input: unknown, key: string, ctx: RunContext): unknown {
  if (Array.isArray(input)) {
    const result = createSequence();
    for (const item of input) {
      const found = lookup(item, key, ctx);
      if (found === undefined) continue;
      if (Array.isArray(found)) for (const v of found) ctx.push(result, v);
      else ctx.push(result, found);
    }
    return result;
  }
  if (input !== null && typeof input === 'object' && hasOwn.call(input, key) && !isFunctionValue(input)) {
    return (input as Record<string, unknown>)[key];
  }
  return undefined;
}

/**
 * jsonata hands a function-valued argument to a function as a closure that knows its arity (reading the
 * arity can fail, as it does there). Only values carrying jsonata's markers get here: the compiled path
 * never makes functions, so the closure is never called by a covered function.
 */
function asFunctionArgument(value: unknown): unknown {
  const f = value as { arity?: unknown; implementation?: unknown; length?: unknown; arguments?: { length: number } };
  const arity =
    typeof f.arity === 'number'
      ? f.arity
      : typeof f.implementation === 'function'
        ? f.implementation.length
        : typeof f.length === 'number'
          ? f.length
          : (f.arguments as { length: number }).length;
  return Object.assign(() => undefined, { arity });
}

/** jsonata's fn.append, with its sequence limit. */
function append(a: unknown, b: unknown, ctx: RunContext): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const left = Array.isArray(a) ? a : [a];
  const right = Array.isArray(b) ? b : [b];
  if (left.length + right.length > ctx.limits.maxSequence) throw new EvalError('D2015', left.length + right.length);
  return left.concat(right);
}

/** A filter (`[…]` after a step or value): a constant index, or an expression evaluated per item. */
interface Filter {
  index?: number;
  test?: Evaluator;
}

function applyFilter(filter: Filter, input: unknown, ctx: RunContext): unknown {
  let results: unknown = createSequence();
  const items = Array.isArray(input) ? input : createSequenceOf(input);
  if (filter.index !== undefined) {
    let index = Math.floor(filter.index);
    if (index < 0) index = items.length + index;
    const item: unknown = items[index];
    if (item !== undefined) {
      if (Array.isArray(item)) results = item;
      else ctx.push(results as Sequence, item);
    }
    return results;
  }
  const test = filter.test as Evaluator;
  for (let index = 0; index < items.length; index++) {
    ctx.tick();
    const item: unknown = items[index];
    let res = test(item, ctx);
    if (isNumeric(res)) res = [res];
    if (isArrayOfNumbers(res)) {
      for (const n of res) {
        let at = Math.floor(n);
        if (at < 0) at = items.length + at;
        if (at === index) ctx.push(results as Sequence, item);
      }
    } else if (toBoolean(res)) {
      ctx.push(results as Sequence, item);
    }
  }
  return results;
}

/** A step of a path: its node's evaluator and the filters written after it. */
interface Step {
  node: AstNode;
  evaluate: Evaluator;
  stages: Filter[];
  consarray: boolean;
  variable: boolean;
}

function evaluateStep(step: Step, input: unknown[], ctx: RunContext, lastStep: boolean): unknown[] {
  const result = createSequence();
  for (let i = 0; i < input.length; i++) {
    ctx.tick();
    let res = step.evaluate(input[i], ctx);
    for (const stage of step.stages) res = applyFilter(stage, res, ctx);
    if (res !== undefined) ctx.push(result, res);
  }
  const only = result[0];
  if (lastStep && result.length === 1 && Array.isArray(only) && !isSequence(only)) return only;
  const flat = createSequence();
  for (const res of result) {
    if (!Array.isArray(res) || (res as Partial<Sequence>).cons === true) ctx.push(flat, res);
    else for (const v of res) ctx.push(flat, v);
  }
  return flat;
}

function evaluatePath(steps: Step[], input: unknown, ctx: RunContext): unknown {
  let inputSequence: unknown[] =
    Array.isArray(input) && !(steps[0] as Step).variable ? input : createSequenceOf(input);
  let resultSequence: unknown;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    if (i === 0 && step.consarray) resultSequence = step.evaluate(inputSequence, ctx);
    else resultSequence = evaluateStep(step, inputSequence, ctx, i === steps.length - 1);
    if (resultSequence === undefined || (resultSequence as unknown[]).length === 0) break;
    inputSequence = resultSequence as unknown[];
  }
  return resultSequence;
}

/** jsonata's operand checks of arithmetic: true when both sides are numbers, false when one is missing. */
function numeric(lhs: unknown, rhs: unknown): boolean {
  if (lhs !== undefined && !isNumeric(lhs)) throw new EvalError('T2001', lhs);
  if (rhs !== undefined && !isNumeric(rhs)) throw new EvalError('T2002', rhs);
  return lhs !== undefined && rhs !== undefined;
}

function compare(lhs: unknown, rhs: unknown, op: string): boolean | undefined {
  const ltype = typeof lhs;
  const rtype = typeof rhs;
  const lok = ltype === 'undefined' || ltype === 'string' || ltype === 'number';
  const rok = rtype === 'undefined' || rtype === 'string' || rtype === 'number';
  if (!lok || !rok) throw new EvalError('T2010', !(ltype === 'string' || ltype === 'number') ? lhs : rhs);
  if (ltype === 'undefined' || rtype === 'undefined') return undefined;
  if (ltype !== rtype) throw new EvalError('T2009', lhs);
  const l = lhs as string | number;
  const r = rhs as string | number;
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    default:
      return l >= r;
  }
}

function concat(lhs: unknown, rhs: unknown): string {
  const l = lhs === undefined ? '' : (toText(lhs) as string);
  const r = rhs === undefined ? '' : (toText(rhs) as string);
  return l.concat(r);
}

/**
 * Gives an error the position jsonata gives it at this point: an operator always takes the error of its
 * own evaluation (and names itself); a function call takes the position and names itself when nothing
 * deeper has.
 */
function place(err: unknown, position: number | undefined, token: string, operator: boolean): unknown {
  if (err !== null && typeof err === 'object') {
    const e = err as { position?: unknown; token?: unknown };
    e.position = position;
    if (operator || e.token === undefined) e.token = token;
    if (err instanceof EvalError) err.describe();
  }
  return err;
}

/** Static scope: the binding slot each variable name refers to at this point of the expression. */
type Scope = Map<string, number>;

export interface CompileOptions {
  functions: Map<string, FastFunction>;
  /** The deepest nesting jsonata may evaluate before it reports a stack overflow. */
  maxDepth: number;
}

export interface FastProgram {
  /** Evaluates the expression for one input. Throws EvalError, CoreError or the errors of helpers. */
  run(input: unknown, ctx: RunContext): unknown;
  /** Binding slots the program needs in its RunContext. */
  slots: number;
}

/** Compiles an AST, or throws Unsupported naming the first construct the compiler does not cover. */
export function compileAst(ast: AstNode, options: CompileOptions): FastProgram {
  let slots = 0;
  let depth = 0;
  const scopes: Scope[] = [];

  const resolve = (name: string): number | undefined => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const slot = (scopes[i] as Scope).get(name);
      if (slot !== undefined) return slot;
    }
    return undefined;
  };

  const compile = (node: AstNode): Evaluator => {
    depth++;
    try {
      if (depth > options.maxDepth) throw new Unsupported(`the expression nests deeper than ${options.maxDepth} levels`);
      for (const [mark, what] of UNSUPPORTED_MARKS) {
        if (node[mark] !== undefined && node[mark] !== false) throw new Unsupported(`${what}${where(node)}`);
      }
      const predicates = node.predicate as { type: string; expr: AstNode }[] | undefined;
      let evaluate =
        node.type === 'function' && !predicates
          ? compileCall(node, false, true)
          : node.type === 'path'
            ? compilePath(node, !predicates)
            : compileCore(node);
      if (predicates) {
        const filters = predicates.map(compileFilter);
        const inner = evaluate;
        evaluate = (input, ctx) => {
          let result = inner(input, ctx);
          for (const f of filters) result = applyFilter(f, result, ctx);
          return result;
        };
      }
      // A call or path without filters does the exit rules below itself: one closure instead of three.
      if ((node.type === 'function' || node.type === 'path') && !predicates) return evaluate;
      // The interpreter's exit hook counts the text function calls and operators build.
      if (node.type === 'function' || node.type === 'apply' || (node.type === 'binary' && node.value === '&')) {
        const inner = evaluate;
        const position = node.position;
        evaluate = (input, ctx) => {
          const result = inner(input, ctx);
          if (typeof result === 'string') ctx.text(result, position);
          return result;
        };
      }
      if (predicates || MAY_YIELD_SEQUENCE.has(node.type)) {
        const inner = evaluate;
        evaluate = (input, ctx) => collapse(inner(input, ctx));
      }
      return evaluate;
    } finally {
      depth--;
    }
  };

  const compileFilter = (predicate: { type: string; expr: AstNode }): Filter => {
    if (predicate.type !== 'filter') throw new Unsupported(`a ${predicate.type} stage${where(predicate.expr)}`);
    if (predicate.expr.type === 'number') return { index: predicate.expr.value as number };
    return { test: compile(predicate.expr) };
  };

  const compileStep = (node: AstNode): Step => {
    const stages = (node.stages as { type: string; expr: AstNode }[] | undefined) ?? [];
    return {
      node,
      evaluate: compile(node),
      stages: stages.map(compileFilter),
      consarray: node.consarray === true,
      variable: node.type === 'variable',
    };
  };

  /**
   * A call. With `exit`, the call also applies the exit rules `compile` would wrap it in (the text count
   * and the collapse of a sequence), which only a call without filters may do itself.
   */
  const compileCall = (
    node: AstNode,
    withContext: boolean,
    exit = false,
  ): ((input: unknown, ctx: RunContext, first?: unknown) => unknown) => {
    const procedure = node.procedure as AstNode;
    if (procedure.type !== 'variable') throw new Unsupported(`a call of a computed function${where(node)}`);
    const name = String(procedure.value);
    if (resolve(name) !== undefined) throw new Unsupported(`a call of $${name}, which the mapping assigns${where(node)}`);
    const fn = options.functions.get(name);
    if (!fn) {
      throw new Unsupported(
        JSONATA_NAMES.has(name) ? `$${name}${where(node)} is not covered by the compiler` : `$${name}${where(node)} is not a known function`,
      );
    }
    const args = (node.arguments as AstNode[]).map((arg) => {
      if (arg.type === 'operator') throw new Unsupported(`a partial application${where(node)}`);
      return compile(arg);
    });
    const position = node.position;
    const { signature, impl, direct } = fn;
    const finish = (result: unknown, ctx: RunContext): unknown => {
      if (!exit) return result;
      if (typeof result === 'string') {
        ctx.text(result, position);
        return result;
      }
      return collapse(result);
    };
    const invoke = (values: unknown[], input: unknown, ctx: RunContext): unknown => {
      let result: unknown;
      try {
        result = impl(signature.validate(values, input), ctx);
      } catch (err) {
        throw place(err, position, name, false);
      }
      return finish(result, ctx);
    };
    const argument = (value: unknown): unknown => (isFunctionValue(value) ? asFunctionArgument(value) : value);
    const [only] = args;
    // The usual calls take one argument or none: no loop, no growing array.
    if (!withContext && args.length === 0) return (input, ctx) => invoke([], input, ctx);
    if (!withContext && args.length === 1 && only) {
      if (direct) {
        // A helper given one argument its signature takes as is: called directly, as impl would call it.
        return (input, ctx) => {
          const value = argument(only(input, ctx));
          if (!signature.passesAlone(value)) return invoke([value], input, ctx);
          let result: unknown;
          try {
            result = direct(value);
          } catch (err) {
            throw place(err, position, name, false);
          }
          return finish(result, ctx);
        };
      }
      return (input, ctx) => invoke([argument(only(input, ctx))], input, ctx);
    }
    const count = args.length;
    const offset = withContext ? 1 : 0;
    return (input, ctx, first) => {
      const values = new Array<unknown>(count + offset);
      if (withContext) values[0] = first;
      for (let i = 0; i < count; i++) values[i + offset] = argument((args[i] as Evaluator)(input, ctx));
      return invoke(values, input, ctx);
    };
  };

  const compileObject = (node: AstNode): Evaluator => {
    const pairs = node.lhs as [AstNode, AstNode][];
    const keys = pairs.map(([key]) => compile(key));
    const values = pairs.map(([, value]) => compile(value));
    const position = node.position;
    const literal = pairs.map(([key]) => (key.type === 'string' ? String(key.value) : undefined));
    const plain =
      literal.every((k) => k !== undefined && k !== '_jsonata_lambda' && k !== '_jsonata_function') &&
      new Set(literal).size === literal.length;

    const general: Evaluator = (input, ctx) => {
      // jsonata gives an empty list one undefined item so a literal object is still built, and it does so
      // in place: the list itself changes, which shows wherever else it is used.
      if (Array.isArray(input) && input.length === 0) input.push(undefined);
      const items: unknown[] = Array.isArray(input) ? input : [input];
      const groups = Object.create(null) as Record<string, { data: unknown; pair: number }>;
      for (const item of items) {
        ctx.tick();
        for (let p = 0; p < keys.length; p++) {
          const key = (keys[p] as Evaluator)(item, ctx);
          if (typeof key !== 'string' && key !== undefined) throw new EvalError('T1003', key, position);
          if (key === undefined) continue;
          if (key === '_jsonata_lambda' || key === '_jsonata_function') throw new EvalError('D1013', key, position);
          const entry = groups[key];
          if (entry !== undefined) {
            if (entry.pair !== p) throw new EvalError('D1009', key, position);
            entry.data = append(entry.data, item, ctx);
          } else {
            groups[key] = { data: item, pair: p };
          }
        }
      }
      const result = newObject();
      for (const key of Object.keys(groups)) {
        const entry = groups[key] as { data: unknown; pair: number };
        const value = (values[entry.pair] as Evaluator)(entry.data, ctx);
        if (value !== undefined) result[key] = value;
      }
      return result;
    };
    if (!plain) return general;

    // The usual shape: literal, distinct keys over one row. Same result, without the grouping.
    const names = literal as string[];
    const count = names.length;
    return (input, ctx) => {
      if (Array.isArray(input)) return general(input, ctx);
      const result = newObject();
      for (let i = 0; i < count; i++) {
        const value = (values[i] as Evaluator)(input, ctx);
        if (value !== undefined) result[names[i] as string] = value;
      }
      return result;
    };
  };

  const compileArray = (node: AstNode): Evaluator => {
    const items = (node.expressions as AstNode[]).map((item) => ({ evaluate: compile(item), nested: item.value === '[' }));
    const cons = node.consarray === true;
    const count = items.length;
    /** Adds one item's value: jsonata's fn.append, in place (the list is new, so nobody else sees it). */
    const add = (result: unknown[], value: unknown, nested: boolean, ctx: RunContext): unknown[] => {
      if (value === undefined) return result;
      if (nested) {
        result.push(value);
        return result;
      }
      const added = Array.isArray(value) ? value.length : 1;
      if (result.length + added > ctx.limits.maxSequence) throw new EvalError('D2015', result.length + added);
      if (added === 1 && !Array.isArray(value)) {
        result.push(value);
        return result;
      }
      return result.concat(value);
    };
    const [single] = items;
    if (count === 1 && single) {
      // One item: nothing later can change what it returned, so it is added at once.
      return (input, ctx) => {
        const result = add([], single.evaluate(input, ctx), single.nested, ctx);
        if (cons) markCons(result);
        return result;
      };
    }
    return (input, ctx) => {
      // Every item is evaluated before any is added, as in jsonata: a later item may change a list an
      // earlier one returned (an object built over an empty list fills it in place).
      const values = new Array<unknown>(count);
      for (let i = 0; i < count; i++) values[i] = (items[i] as (typeof items)[number]).evaluate(input, ctx);
      let result: unknown[] = [];
      for (let i = 0; i < count; i++) result = add(result, values[i], (items[i] as (typeof items)[number]).nested, ctx);
      if (cons) markCons(result);
      return result;
    };
  };

  const compileBlock = (node: AstNode): Evaluator => {
    const expressions = node.expressions as AstNode[];
    scopes.push(new Map());
    try {
      const parts: Evaluator[] = [];
      for (const expr of expressions) {
        if (expr.type === 'bind') parts.push(compileBind(expr));
        else parts.push(compile(expr));
      }
      if (parts.length === 0) return () => undefined;
      if (parts.length === 1) return parts[0] as Evaluator;
      return (input, ctx) => {
        let result: unknown;
        for (const part of parts) result = part(input, ctx);
        return result;
      };
    } finally {
      scopes.pop();
    }
  };

  const compileBind = (node: AstNode): Evaluator => {
    depth++;
    try {
      if (node.predicate !== undefined || node.stages !== undefined) throw new Unsupported(`a filtered assignment${where(node)}`);
      const name = String((node.lhs as AstNode).value);
      if (name === '' || name === '$') throw new Unsupported(`an assignment to $${name}${where(node)}`);
      const rhs = compile(node.rhs as AstNode);
      const slot = slots++;
      (scopes[scopes.length - 1] as Scope).set(name, slot);
      return (input, ctx) => {
        const value = rhs(input, ctx);
        ctx.vars[slot] = value;
        return value;
      };
    } finally {
      depth--;
    }
  };

  const compileVariable = (node: AstNode): Evaluator => {
    const name = String(node.value);
    if (name === '') return (input) => input;
    if (name === '$') return (_input, ctx) => ctx.root;
    const slot = resolve(name);
    if (slot !== undefined) return (_input, ctx) => ctx.vars[slot];
    if (JSONATA_NAMES.has(name) || options.functions.has(name)) throw new Unsupported(`$${name} used as a value${where(node)}`);
    // An unbound variable is simply nothing.
    return () => undefined;
  };

  /** A path; with `exit`, it collapses its result itself (which only a path without filters may do). */
  const compilePath = (node: AstNode, exit = false): Evaluator => {
    const steps = (node.steps as AstNode[]).map(compileStep);
    const [first] = steps;
    if (steps.length === 1 && first && first.node.type === 'name' && first.stages.length === 0) {
      // A single field of the row: the overwhelmingly common path, without sequences.
      const key = String(first.node.value);
      return (input, ctx) => {
        if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
          const value =
            hasOwn.call(input, key) && !(input === ctx.root ? ctx.rootIsFunction() : isFunctionValue(input))
              ? (input as Record<string, unknown>)[key]
              : undefined;
          if (!Array.isArray(value)) return value;
          if (!isSequence(value)) return value;
        }
        return exit ? collapse(evaluatePath(steps, input, ctx)) : evaluatePath(steps, input, ctx);
      };
    }
    if (exit) return (input, ctx) => collapse(evaluatePath(steps, input, ctx));
    return (input, ctx) => evaluatePath(steps, input, ctx);
  };

  const compileBinary = (node: AstNode): Evaluator => {
    const op = String(node.value);
    const position = node.position;
    const lhs = compile(node.lhs as AstNode);
    const rhs = compile(node.rhs as AstNode);
    switch (op) {
      case 'and':
      case 'or': {
        const isAnd = op === 'and';
        return (input, ctx) => {
          const l = lhs(input, ctx);
          try {
            const lb = boolize(l);
            if (isAnd ? !lb : lb) return lb;
            return boolize(rhs(input, ctx));
          } catch (err) {
            throw place(err, position, op, true);
          }
        };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return (input, ctx) => {
          const l = lhs(input, ctx);
          const r = rhs(input, ctx);
          try {
            if (!numeric(l, r)) return undefined;
          } catch (err) {
            throw place(err, position, op, true);
          }
          const a = l as number;
          const b = r as number;
          switch (op) {
            case '+':
              return a + b;
            case '-':
              return a - b;
            case '*':
              return a * b;
            case '/':
              return a / b;
            default:
              return a % b;
          }
        };
      case '=':
      case '!=': {
        const equal = op === '=';
        return (input, ctx) => {
          const l = lhs(input, ctx);
          const r = rhs(input, ctx);
          if (l === undefined || r === undefined) return false;
          return deepEqual(l, r) === equal;
        };
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return (input, ctx) => {
          const l = lhs(input, ctx);
          const r = rhs(input, ctx);
          try {
            return compare(l, r, op);
          } catch (err) {
            throw place(err, position, op, true);
          }
        };
      case '&':
        return (input, ctx) => {
          const l = lhs(input, ctx);
          const r = rhs(input, ctx);
          try {
            return concat(l, r);
          } catch (err) {
            throw place(err, position, op, true);
          }
        };
      case 'in':
        return (input, ctx) => {
          const l = lhs(input, ctx);
          const r = rhs(input, ctx);
          if (l === undefined || r === undefined) return false;
          if (!Array.isArray(r)) return r === l;
          for (const item of r) if (item === l) return true;
          return false;
        };
      default:
        throw new Unsupported(`the ${op} operator${where(node)}`);
    }
  };

  const compileCore = (node: AstNode): Evaluator => {
    switch (node.type) {
      case 'string':
      case 'number':
      case 'value': {
        const value = node.value;
        return () => value;
      }
      case 'name': {
        const key = String(node.value);
        return (input, ctx) => lookup(input, key, ctx);
      }
      case 'path':
        return compilePath(node);
      case 'variable':
        return compileVariable(node);
      case 'binary':
        return compileBinary(node);
      case 'unary': {
        if (node.value === '[') return compileArray(node);
        if (node.value === '{') return compileObject(node);
        if (node.value === '-') {
          const operand = compile(node.expression as AstNode);
          const position = node.position;
          return (input, ctx) => {
            const value = operand(input, ctx);
            if (value === undefined) return undefined;
            if (isNumeric(value)) return -value;
            throw new EvalError('D1002', value, position, '-');
          };
        }
        throw new Unsupported(`the ${String(node.value)} operator${where(node)}`);
      }
      case 'condition': {
        const condition = compile(node.condition as AstNode);
        const then = compile(node.then as AstNode);
        const otherwise = node.else === undefined ? undefined : compile(node.else as AstNode);
        return (input, ctx) => {
          if (toBoolean(condition(input, ctx))) return then(input, ctx);
          return otherwise === undefined ? undefined : otherwise(input, ctx);
        };
      }
      case 'block':
        return compileBlock(node);
      case 'function':
        return compileCall(node, false);
      case 'apply': {
        const rhs = node.rhs as AstNode;
        if (rhs.type !== 'function') {
          compile(rhs); // names the construct when it is itself outside the subset (a transform, a lambda)
          throw new Unsupported(`~> to something other than a function call${where(node)}`);
        }
        const lhs = compile(node.lhs as AstNode);
        // jsonata invokes the right-hand call directly: its own filters and exit rules do not apply.
        const call = compileCall(rhs, true);
        return (input, ctx) => call(input, ctx, lhs(input, ctx));
      }
      case 'bind':
        throw new Unsupported(`an assignment outside a block's top level${where(node)}`);
      case 'regex':
        throw new Unsupported(`a regular expression${where(node)}`);
      case 'lambda':
        throw new Unsupported(`a function definition${where(node)}`);
      case 'partial':
        throw new Unsupported(`a partial application${where(node)}`);
      case 'sort':
        throw new Unsupported(`sorting (^)${where(node)}`);
      case 'transform':
        throw new Unsupported(`a transform (|…|)${where(node)}`);
      case 'wildcard':
        throw new Unsupported(`a wildcard (*)${where(node)}`);
      case 'descendant':
        throw new Unsupported(`a descendant wildcard (**)${where(node)}`);
      case 'parent':
        throw new Unsupported(`a parent reference (%)${where(node)}`);
      default:
        throw new Unsupported(`the construct ${node.type}${where(node)}`);
    }
  };

  const root = compile(ast);
  return {
    slots,
    run: (input, ctx) => root(input, ctx),
  };
}

/** Node types whose evaluation may return a sequence, which jsonata collapses on the way out. */
const MAY_YIELD_SEQUENCE = new Set(['path', 'name', 'variable', 'function', 'apply']);

