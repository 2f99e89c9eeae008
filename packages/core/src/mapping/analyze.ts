/**
 * Static analysis of a mapping's JSONata AST: which spreadsheet headers feed which SCIM attribute. This
 * is what lets a finding about `name.givenName` point at the FirstName cell. It is a best effort over
 * the shapes mappings actually take (object constructors, array constructors, blocks, conditions and
 * variables); anything it cannot follow simply yields no headers.
 */
import type jsonata from 'jsonata';

/** jsonata's processed AST has more node types (path, bind, sort, apply, …) than its typings list. */
interface Node {
  type: string;
  value?: unknown;
  position?: number;
  [key: string]: unknown;
}

/** What is known about one SCIM path of the output. */
interface PathInfo {
  headers: Set<string>;
  /** True when the value is not an object/array constructor, so its children cannot be told apart. */
  opaque: boolean;
  /** Smallest and largest token position inside the value, to attribute runtime errors to the path. */
  from: number;
  to: number;
  /** The path as written in the mapping (the map is keyed by its lower-case form). */
  path: string;
}

export interface MappingAnalysis {
  referencedHeaders: string[];
  headersFor(scimPath: string): string[];
  /** The innermost output path whose value contains the expression position, if any. */
  pathAt(position: number): string | undefined;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Child expression nodes of a node, whatever property holds them. */
function children(node: Node): Node[] {
  const out: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isNode(value)) out.push(value);
    else if (value && typeof value === 'object' && 'expr' in value) visit((value as { expr: unknown }).expr);
  };
  for (const key of [
    'lhs', 'rhs', 'steps', 'expressions', 'arguments', 'procedure', 'body', 'condition', 'then', 'else',
    'stages', 'predicate', 'pattern', 'update', 'delete', 'expr', 'expression',
  ]) {
    if (key in node) visit(node[key]);
  }
  if (node.type === 'sort' && Array.isArray(node.terms)) {
    for (const term of node.terms as { expression?: unknown }[]) visit(term.expression);
  }
  if (node.group && typeof node.group === 'object') visit((node.group as { lhs?: unknown }).lhs);
  return out;
}

/** A name step is a header when it is read from the row: first in a path, or right after `$` / `$$`. */
function headerOfPath(node: Node, rowContext: boolean): string | undefined {
  const steps = node.steps as Node[] | undefined;
  if (!steps || steps.length === 0) return undefined;
  // JSONata has no undefined literal; writing `undefined` (a field nobody has) is the idiom for "nothing".
  if (steps.length === 1 && steps[0]?.type === 'name' && steps[0].value === 'undefined') return undefined;
  const [first, second] = steps;
  if (first?.type === 'name' && rowContext) return String(first.value);
  if (first?.type === 'variable' && second?.type === 'name') {
    if (first.value === '$' || (first.value === '' && rowContext)) return String(second.value);
  }
  return undefined;
}

function isRowVariable(node: Node | undefined, rowContext: boolean): boolean {
  if (!node) return false;
  if (node.type === 'variable') return node.value === '$' || (node.value === '' && rowContext);
  if (node.type === 'path') {
    const steps = node.steps as Node[];
    return steps.length === 1 && isRowVariable(steps[0], rowContext);
  }
  return false;
}

interface Walked {
  headers: Set<string>;
  variables: Set<string>;
  from: number;
  to: number;
}

/** Collects headers and variable references in a subtree; `binds` receives `$name := expr` facts. */
function walk(node: Node, rowContext: boolean, binds: Map<string, Walked>, acc?: Walked): Walked {
  const out: Walked = acc ?? { headers: new Set(), variables: new Set(), from: Infinity, to: -Infinity };
  if (typeof node.position === 'number') {
    out.from = Math.min(out.from, node.position);
    out.to = Math.max(out.to, node.position);
  }
  switch (node.type) {
    case 'path': {
      const header = headerOfPath(node, rowContext);
      if (header !== undefined) out.headers.add(header);
      // Only the first step sees the row; later steps and all stages see the value of a step.
      (node.steps as Node[]).forEach((step, i) => walk(step, rowContext && i === 0 && step.type !== 'name', binds, out));
      return out;
    }
    case 'name':
      if (rowContext) out.headers.add(String(node.value));
      break;
    case 'variable':
      if (node.value !== '' && node.value !== '$') out.variables.add(String(node.value));
      break;
    case 'bind': {
      const lhs = node.lhs as Node;
      const rhs = walk(node.rhs as Node, rowContext, binds);
      const name = String(lhs.value);
      const previous = binds.get(name);
      if (previous) {
        rhs.headers.forEach((h) => previous.headers.add(h));
        rhs.variables.forEach((v) => previous.variables.add(v));
      } else {
        binds.set(name, rhs);
      }
      merge(out, rhs);
      out.variables.add(name);
      return out;
    }
    case 'function': {
      // $lookup($, 'First Name') reads a header by name.
      const procedure = node.procedure as Node | undefined;
      const args = (node.arguments as Node[] | undefined) ?? [];
      if (procedure?.type === 'variable' && procedure.value === 'lookup' && isRowVariable(args[0], rowContext)) {
        const key = args[1];
        if (key?.type === 'string') out.headers.add(String(key.value));
      }
      break;
    }
    default:
      break;
  }
  for (const child of children(node)) walk(child, rowContext, binds, out);
  return out;
}

function merge(into: Walked, from: Walked): void {
  from.headers.forEach((h) => into.headers.add(h));
  from.variables.forEach((v) => into.variables.add(v));
  into.from = Math.min(into.from, from.from);
  into.to = Math.max(into.to, from.to);
}

/** Headers of a walked subtree including those reached through variables (scopes are merged by name). */
function resolve(w: Walked, binds: Map<string, Walked>): Set<string> {
  const headers = new Set(w.headers);
  const seen = new Set<string>();
  const queue = [...w.variables];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const bound = binds.get(name);
    if (!bound) continue;
    bound.headers.forEach((h) => headers.add(h));
    queue.push(...bound.variables);
  }
  return headers;
}

function isConstructor(node: Node | undefined, kind: '{' | '['): boolean {
  return node?.type === 'unary' && node.value === kind;
}

/** Analyses a parsed mapping once; the result answers lookups without touching the AST again. */
export function analyzeMapping(ast: jsonata.ExprNode): MappingAnalysis {
  const root = ast as unknown as Node;
  const binds = new Map<string, Walked>();
  const all = walk(root, true, binds);
  const referenced = [...resolve(all, binds)];

  const paths = new Map<string, PathInfo>();
  const record = (path: string, value: Node, opaque: boolean): void => {
    const w = walk(value, true, new Map());
    const headers = resolve(w, binds);
    const add = (p: string): void => {
      const key = p.toLowerCase();
      const existing = paths.get(key);
      if (existing) {
        headers.forEach((h) => existing.headers.add(h));
        existing.opaque &&= opaque;
        existing.from = Math.min(existing.from, w.from);
        existing.to = Math.max(existing.to, w.to);
      } else {
        paths.set(key, { headers: new Set(headers), opaque, from: w.from, to: w.to, path: p });
      }
    };
    add(path);
    // Also answer for the path without array indexes ("emails.value" for "emails[0].value").
    const unindexed = path.replace(/\[\d+\]/g, '');
    if (unindexed !== path) add(unindexed);
  };

  const visitObject = (node: Node, prefix: string): void => {
    for (const pair of (node.lhs as [Node, Node][] | undefined) ?? []) {
      const [key, value] = pair;
      if (key.type !== 'string') continue;
      const path = prefix === '' ? String(key.value) : `${prefix}.${String(key.value)}`;
      visitValue(value, path);
    }
  };
  const visitValue = (value: Node, path: string): void => {
    if (isConstructor(value, '{')) {
      record(path, value, false);
      visitObject(value, path);
    } else if (isConstructor(value, '[')) {
      record(path, value, false);
      ((value.expressions as Node[] | undefined) ?? []).forEach((item, i) => visitValue(item, `${path}[${i}]`));
    } else {
      record(path, value, true);
    }
  };
  /** The object constructors that make up the result: through blocks, conditions and parentheses. */
  const visitRoot = (node: Node | undefined): void => {
    if (!node) return;
    if (isConstructor(node, '{')) visitObject(node, '');
    else if (node.type === 'block') visitRoot((node.expressions as Node[]).at(-1));
    else if (node.type === 'condition') {
      visitRoot(node.then as Node | undefined);
      visitRoot(node.else as Node | undefined);
    }
  };
  visitRoot(root);

  const cache = new Map<string, string[]>();
  const headersFor = (scimPath: string): string[] => {
    const query = scimPath.trim().toLowerCase();
    const hit = cache.get(query);
    if (hit) return [...hit];
    let answer: string[] = [];
    let probe = query;
    // A URN key such as "urn:…:enterprise:2.0:user" holds dots of its own: never cut inside it.
    let floor = 1;
    if (query.startsWith('urn:')) {
      const end = query.indexOf('.', query.lastIndexOf(':'));
      floor = end === -1 ? query.length : end;
    }
    for (;;) {
      const info = paths.get(probe);
      if (info) {
        if (probe === query || info.opaque) answer = [...info.headers];
        break;
      }
      const cut = Math.max(probe.lastIndexOf('.'), probe.lastIndexOf('['));
      if (cut < floor) break;
      probe = probe.slice(0, cut);
    }
    cache.set(query, answer);
    return [...answer];
  };

  const pathAt = (position: number): string | undefined => {
    let best: PathInfo | undefined;
    for (const info of paths.values()) {
      if (position < info.from || position > info.to) continue;
      if (!best || info.to - info.from < best.to - best.from || (info.to - info.from === best.to - best.from && info.path.length > best.path.length)) {
        best = info;
      }
    }
    return best?.path;
  };

  return { referencedHeaders: referenced, headersFor, pathAt };
}
