/**
 * A small intermediate form for the JSONata mappings that auto-map and the CSV2SCIM importer write, and the
 * printer that turns it into readable, multi-line JSONata text. Generating text from a tree (rather than
 * gluing strings) is what keeps quoting and operator precedence right for odd header names.
 */

/** One JSONata expression, as far as the generators need them. */
export type Expr =
  | { k: 'col'; name: string }
  | { k: 'str'; value: string }
  | { k: 'num'; value: number }
  | { k: 'bool'; value: boolean }
  /** A fixed piece of JSONata, e.g. a regex literal. Must be an atom (no parentheses needed around it). */
  | { k: 'raw'; text: string }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'bin'; op: '&' | '=' | '!=' | 'and' | 'or'; left: Expr; right: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else?: Expr };

/** A node of the SCIM object being built: a value, a nested object, or an array. */
export type MapNode =
  | { k: 'expr'; expr: Expr }
  | { k: 'object'; entries: MapEntry[] }
  | { k: 'array'; items: MapNode[] };

export interface MapEntry {
  key: string;
  node: MapNode;
  /**
   * Leave this nested object or array unguarded even when it reads columns. Used for extension objects at
   * the top level, whose guard would list every column and which are harmless when empty.
   */
  noGuard?: boolean;
}

export const col = (name: string): Expr => ({ k: 'col', name });
export const str = (value: string): Expr => ({ k: 'str', value });
export const call = (fn: string, ...args: Expr[]): Expr => ({ k: 'call', fn, args });
export const bin = (op: '&' | '=' | '!=' | 'and' | 'or', left: Expr, right: Expr): Expr => ({ k: 'bin', op, left, right });
export const exprNode = (expr: Expr): MapNode => ({ k: 'expr', expr });

// Words JSONata reads as operators or literals: a column named like this must be back-quoted.
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

/**
 * The JSONata reference to a row field named `name`: bare when it is a plain identifier, back-quoted
 * otherwise. JSONata has no escape inside back-quotes, so a name holding a back-quote is looked up by key.
 */
export function fieldRef(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  if (!name.includes('`')) return `\`${name}\``;
  return `$sift($$, function($v, $k) { $k = ${stringLiteral(name)} }).*`;
}

/**
 * A JSONata string literal. Single quotes read best in mappings; JSONata accepts no `\'` escape inside
 * them, so anything needing escapes is written as a JSON (double-quoted) string, which JSONata accepts as is.
 */
export function stringLiteral(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/['\\\u0000-\u001f\u2028\u2029]/.test(value)) return `'${value}'`;
  return JSON.stringify(value);
}

// JSONata binding powers (from its parser); atoms and calls bind tightest.
const PREC = { cond: 20, or: 25, and: 30, '=': 40, '!=': 40, '&': 50, atom: 100 } as const;

function precOf(e: Expr): number {
  if (e.k === 'bin') return PREC[e.op];
  if (e.k === 'cond') return PREC.cond;
  return PREC.atom;
}

function wrap(e: Expr, min: number): string {
  const text = printExpr(e);
  return precOf(e) < min ? `(${text})` : text;
}

/** Prints one expression on one line, adding parentheses only where JSONata's precedence needs them. */
export function printExpr(e: Expr): string {
  switch (e.k) {
    case 'col':
      return fieldRef(e.name);
    case 'str':
      return stringLiteral(e.value);
    case 'num':
      return Number.isFinite(e.value) ? String(e.value) : 'null';
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'raw':
      return e.text;
    case 'call':
      return `${e.fn}(${e.args.map((a) => printExpr(a)).join(', ')})`;
    case 'bin': {
      const p = PREC[e.op];
      // Left-associative: an equal-precedence left operand needs no parentheses, a right one does.
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`;
    }
    case 'cond': {
      const head = `${wrap(e.test, PREC.cond + 1)} ? ${wrap(e.then, PREC.cond + 1)}`;
      return e.else === undefined ? head : `${head} : ${wrap(e.else, PREC.cond + 1)}`;
    }
  }
}

/** The distinct columns an expression reads, in first-use order. */
export function columnsOf(e: Expr, into: string[] = []): string[] {
  switch (e.k) {
    case 'col':
      if (!into.includes(e.name)) into.push(e.name);
      break;
    case 'call':
      for (const a of e.args) columnsOf(a, into);
      break;
    case 'bin':
      columnsOf(e.left, into);
      columnsOf(e.right, into);
      break;
    case 'cond':
      columnsOf(e.test, into);
      columnsOf(e.then, into);
      if (e.else) columnsOf(e.else, into);
      break;
    default:
      break;
  }
  return into;
}

/** The distinct columns a mapping node reads. */
export function columnsOfNode(node: MapNode, into: string[] = []): string[] {
  if (node.k === 'expr') return columnsOf(node.expr, into);
  if (node.k === 'object') for (const e of node.entries) columnsOfNode(e.node, into);
  else for (const item of node.items) columnsOfNode(item, into);
  return into;
}

/**
 * `$exists(A) or $exists(B) ? ` — written in front of a nested object or array so that a row with none of
 * its columns filled gets no `{}` or `[{"type":"work"}]` left-over that would reach Entra as junk.
 */
function guardPrefix(node: MapNode): string {
  const cols = columnsOfNode(node);
  if (cols.length === 0) return '';
  return `${cols.map((c) => `$exists(${fieldRef(c)})`).join(' or ')} ? `;
}

function printNode(node: MapNode, indent: string, guard: boolean): string {
  if (node.k === 'expr') return printExpr(node.expr);
  const inner = `${indent}  `;
  const prefix = guard ? guardPrefix(node) : '';
  if (node.k === 'object') {
    if (node.entries.length === 0) return `${prefix}{}`;
    const lines = node.entries.map(
      (e) => `${inner}${JSON.stringify(e.key)}: ${printNode(e.node, inner, !e.noGuard)}`,
    );
    return `${prefix}{\n${lines.join(',\n')}\n${indent}}`;
  }
  // With one item the array's own guard is enough; with several each item carries its own as well, so
  // an empty second column does not leave a bare {"type":"work"} beside a filled first one.
  const guardItems = node.items.length > 1;
  const lines = node.items.map((item) => `${inner}${printNode(item, inner, guardItems)}`);
  return `${prefix}[\n${lines.join(',\n')}\n${indent}]`;
}

/** Prints a whole mapping: an object constructor with two-space indents, one attribute per line. */
export function printMapping(root: MapNode & { k: 'object' }): string {
  return printNode(root, '', false);
}
