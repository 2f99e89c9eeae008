/**
 * What fills one attribute, said in words (the way Entra's "Edit attribute" dialog says Direct / Constant /
 * Expression), and the JSONata each choice stands for. Reading goes through the parser and is checked by
 * printing the choice again: only an expression whose re-print parses to the very same syntax tree is shown
 * as a choice, so reading a mapping into the form can never change what it does.
 */
import jsonata from 'jsonata';
import { call, col, printExpr, str, bin, type Expr } from '../../automap/jsonata-text';

/** How a column's text is changed on its way in. */
export type TextChange = 'asIs' | 'text' | 'trim' | 'title' | 'upper' | 'lower';

/** What fills one attribute. */
export type FieldValue =
  /** A column, as it is or with its text changed. */
  | { kind: 'column'; column: string; change: TextChange }
  /** A date column, written as Entra wants it; `format` (e.g. `dd/MM/yyyy`) when the cells are text. */
  | { kind: 'date'; column: string; format?: string }
  /** True when the column says `value`; `ignoreCase` compares without case; `blankLeavesOut` leaves the attribute out for a blank cell. */
  | { kind: 'enabledWhen'; column: string; value: string; ignoreCase: boolean; blankLeavesOut: boolean }
  /** A yes/no column (true/false, yes/no, 1/0, active/inactive). */
  | { kind: 'yesNo'; column: string }
  /** The column's value translated by one of the profile's lookup tables. */
  | { kind: 'lookup'; column: string; table: string; fallback?: string }
  /** Several columns joined with a separator. */
  | { kind: 'join'; columns: string[]; separator: string }
  /** A sign-in name built as first.last@domain. */
  | { kind: 'upn'; given: string; family: string; domain: string }
  /** The same value for everyone. */
  | { kind: 'constant'; value: string | number | boolean }
  /** Anything else, as JSONata text kept exactly as written. */
  | { kind: 'advanced'; text: string };

export type FieldKind = FieldValue['kind'];

const CHANGE_FN: Record<Exclude<TextChange, 'asIs'>, string> = { text: '$str', trim: '$trim', title: '$title', upper: '$upper', lower: '$lower' };

function toExpr(value: Exclude<FieldValue, { kind: 'advanced' }>): Expr {
  switch (value.kind) {
    case 'column':
      return value.change === 'asIs' ? col(value.column) : call(CHANGE_FN[value.change], col(value.column));
    case 'date':
      return value.format ? call('$entraDate', col(value.column), str(value.format)) : call('$entraDate', col(value.column));
    case 'enabledWhen': {
      const test = value.ignoreCase
        ? bin('=', call('$lowercase', col(value.column)), str(value.value.toLowerCase()))
        : bin('=', col(value.column), str(value.value));
      return value.blankLeavesOut ? { k: 'cond', test: call('$exists', col(value.column)), then: test } : test;
    }
    case 'yesNo':
      return call('$bool', col(value.column));
    case 'lookup':
      return value.fallback === undefined
        ? call('$lookup', str(value.table), col(value.column))
        : call('$lookup', str(value.table), col(value.column), str(value.fallback));
    case 'join': {
      const [first, ...rest] = value.columns;
      if (first === undefined) return str('');
      return rest.reduce<Expr>((acc, c) => bin('&', value.separator === '' ? acc : bin('&', acc, str(value.separator)), col(c)), col(first));
    }
    case 'upn':
      return call('$upn', col(value.given), col(value.family), str(value.domain));
    case 'constant':
      return typeof value.value === 'string'
        ? str(value.value)
        : typeof value.value === 'number'
          ? { k: 'num', value: value.value }
          : { k: 'bool', value: value.value };
  }
}

/** The JSONata text of a value (an advanced value's own text, unchanged). */
export function printValue(value: FieldValue): string {
  return value.kind === 'advanced' ? value.text : printExpr(toExpr(value));
}

// ---------------------------------------------------------------------------------------------------------
// Reading

interface Node {
  type: string;
  value?: unknown;
  [key: string]: unknown;
}

/** The syntax tree of a text without positions (which differ with spacing), or undefined when it does not parse. */
export function shape(text: string): string | undefined {
  try {
    return JSON.stringify(jsonata(text).ast(), (key, v: unknown) => (key === 'position' ? undefined : v));
  } catch {
    return undefined;
  }
}

function parse(text: string): Node | undefined {
  try {
    return jsonata(text).ast() as unknown as Node;
  } catch {
    return undefined;
  }
}

/** The column a bare (or back-quoted) name reads; undefined for any other node. */
function columnOf(node: Node | undefined): string | undefined {
  if (node?.type !== 'path') return undefined;
  const steps = node.steps as Node[];
  const [step] = steps;
  if (steps.length !== 1 || step?.type !== 'name' || Object.keys(step).some((k) => !['type', 'value', 'position'].includes(k))) return undefined;
  return String(step.value);
}

function stringOf(node: Node | undefined): string | undefined {
  return node?.type === 'string' ? String(node.value) : undefined;
}

function callOf(node: Node | undefined): { fn: string; args: Node[] } | undefined {
  const procedure = node?.procedure as Node | undefined;
  if (node?.type !== 'function' || procedure?.type !== 'variable') return undefined;
  return { fn: `$${String(procedure.value)}`, args: (node.arguments as Node[] | undefined) ?? [] };
}

/** Columns and separators of `A & ' ' & B & …`, left to right. */
function concatParts(node: Node): Node[] {
  if (node.type === 'binary' && node.value === '&') return [...concatParts(node.lhs as Node), node.rhs as Node];
  return [node];
}

function guess(node: Node): FieldValue | undefined {
  const column = columnOf(node);
  if (column !== undefined) return { kind: 'column', column, change: 'asIs' };
  if (node.type === 'string') return { kind: 'constant', value: String(node.value) };
  if (node.type === 'number' && typeof node.value === 'number') return { kind: 'constant', value: node.value };
  if (node.type === 'value' && typeof node.value === 'boolean') return { kind: 'constant', value: node.value };
  const fn = callOf(node);
  if (fn) {
    const [a, b, c] = fn.args;
    const first = columnOf(a);
    const change = (Object.entries(CHANGE_FN) as [TextChange, string][]).find(([, name]) => name === fn.fn)?.[0];
    if (change && first !== undefined) return { kind: 'column', column: first, change };
    if (fn.fn === '$entraDate' && first !== undefined) {
      const format = stringOf(b);
      return format === undefined ? { kind: 'date', column: first } : { kind: 'date', column: first, format };
    }
    if (fn.fn === '$bool' && first !== undefined) return { kind: 'yesNo', column: first };
    if (fn.fn === '$lookup') {
      const table = stringOf(a);
      const key = columnOf(b);
      const fallback = stringOf(c);
      if (table !== undefined && key !== undefined) return { kind: 'lookup', table, column: key, ...(fallback !== undefined ? { fallback } : {}) };
    }
    if (fn.fn === '$upn') {
      const given = columnOf(a);
      const family = columnOf(b);
      const domain = stringOf(c);
      if (given !== undefined && family !== undefined && domain !== undefined) return { kind: 'upn', given, family, domain };
    }
    return undefined;
  }
  if (node.type === 'binary' && node.value === '&') {
    const parts = concatParts(node);
    const columns = parts.filter((_, i) => i % 2 === 0).map(columnOf);
    const separators = parts.filter((_, i) => i % 2 === 1).map(stringOf);
    if (columns.every((c): c is string => c !== undefined) && separators.length > 0 && separators.every((s) => s !== undefined && s === separators[0])) {
      return { kind: 'join', columns, separator: separators[0] as string };
    }
    const bare = parts.map(columnOf);
    if (bare.every((c): c is string => c !== undefined)) return { kind: 'join', columns: bare, separator: '' };
    return undefined;
  }
  let test = node;
  let blankLeavesOut = false;
  if (node.type === 'condition' && node.else === undefined) {
    const guard = callOf(node.condition as Node);
    if (guard?.fn !== '$exists' || guard.args.length !== 1) return undefined;
    test = node.then as Node;
    blankLeavesOut = true;
  }
  if (test.type === 'binary' && test.value === '=') {
    const value = stringOf(test.rhs as Node);
    const direct = columnOf(test.lhs as Node);
    const lowered = callOf(test.lhs as Node);
    if (value === undefined) return undefined;
    if (direct !== undefined) return { kind: 'enabledWhen', column: direct, value, ignoreCase: false, blankLeavesOut };
    const inner = lowered?.fn === '$lowercase' && lowered.args.length === 1 ? columnOf(lowered.args[0]) : undefined;
    if (inner !== undefined) return { kind: 'enabledWhen', column: inner, value, ignoreCase: true, blankLeavesOut };
  }
  return undefined;
}

/**
 * The choice that says what `text` does, or `advanced` with the text unchanged when no choice says exactly
 * the same (checked by comparing syntax trees, so spacing and quote style do not matter but meaning does).
 */
export function readValue(text: string): FieldValue {
  const node = parse(text);
  const guessed = node ? guess(node) : undefined;
  if (guessed && shape(printValue(guessed)) === shape(text)) return guessed;
  return { kind: 'advanced', text };
}

/** The columns a value reads, as far as the form can tell (advanced values: none). */
export function columnsOfValue(value: FieldValue): string[] {
  switch (value.kind) {
    case 'join':
      return [...new Set(value.columns)];
    case 'upn':
      return [...new Set([value.given, value.family])];
    case 'constant':
    case 'advanced':
      return [];
    default:
      return [value.column];
  }
}
