/**
 * A mapping read into a form and written back. The mapping is taken apart into its leaves (one per value,
 * each with its exact text and the object keys leading to it); the form's attributes claim the leaves at
 * their paths and show them as choices in words; every other leaf, and any part that cannot be taken apart,
 * is kept as written and put back in its place. Nested objects keep the `$exists(…) ?` guard they had (or
 * did not have), recomputed from what they hold, so a round trip never changes the people it builds.
 */
import jsonata from 'jsonata';
import { fieldRef, stringLiteral } from '../../automap/jsonata-text';
import { SCIM_ENTERPRISE_USER } from '../../types';
import { analyzeMapping } from '../analyze';
import { formAttributes, type Extension, type FormAttribute } from './attributes';
import { afterQuestionMark, arrayItems, objectEntries, readStringLiteral, trimSpan, type Span } from './split';
import { printValue, readValue, shape, type FieldValue } from './values';

/** One line of the form: the attribute and what fills it. */
export interface FormField extends FormAttribute {
  /** What fills it; absent when it is not mapped. */
  value?: FieldValue;
  /** Set inside a larger expression the form cannot take apart: editable only as JSONata. */
  locked?: boolean;
}

/** A part of the mapping that is not one of the form's attributes, kept exactly as written. */
export interface FormExtra {
  path: string[];
  text: string;
}

/** A mapping as the form shows it. */
export interface MappingForm {
  fields: FormField[];
  /** The mapping's other attributes, kept as written. */
  extras: FormExtra[];
  /** Whether each object or list of the mapping had a `$exists(…) ?` guard, by path key; new ones follow the defaults. */
  guards: Record<string, boolean>;
  /** Path keys of the values in the order the mapping wrote them, so a round trip keeps the order. */
  order: string[];
  /** The whole mapping, when it is not one object the form can take apart: it is then kept exactly as written. */
  verbatim?: string;
}

/** The key of a path in `guards` and `order`. */
export const pathKey = (path: string[]): string => JSON.stringify(path);

interface Leaf {
  path: string[];
  text: string;
}

/** Columns a piece of JSONata reads (empty when it does not parse). */
function columnsRead(text: string): string[] {
  try {
    return analyzeMapping(jsonata(text).ast()).referencedHeaders;
  } catch {
    return [];
  }
}

/** The columns of `$exists(A) or $exists(B)`, or undefined for any other condition. */
function guardColumns(text: string): string[] | undefined {
  let ast: { type: string; [k: string]: unknown };
  try {
    ast = jsonata(text).ast() as unknown as typeof ast;
  } catch {
    return undefined;
  }
  const out: string[] = [];
  const visit = (node: typeof ast): boolean => {
    if (node.type === 'binary' && node.value === 'or') return visit(node.lhs as typeof ast) && visit(node.rhs as typeof ast);
    const procedure = node.procedure as { type?: string; value?: unknown } | undefined;
    const args = node.arguments as { type: string; steps?: { type: string; value: unknown }[] }[] | undefined;
    const step = args?.[0]?.steps;
    if (node.type !== 'function' || procedure?.value !== 'exists' || args?.length !== 1 || args[0]?.type !== 'path' || step?.length !== 1 || step[0]?.type !== 'name') return false;
    out.push(String(step[0].value));
    return true;
  };
  return visit(ast) ? out : undefined;
}

const sameSet = (a: string[], b: string[]): boolean => new Set(a).size === new Set(b).size && a.every((x) => b.includes(x));

class Reader {
  readonly leaves: Leaf[] = [];
  readonly guards: Record<string, boolean> = {};
  constructor(private readonly text: string) {}

  /** Takes apart the object or list at `span` under `path`; false leaves `leaves` and `guards` untouched. */
  container(span: Span, path: string[], item: boolean): boolean {
    const text = this.text;
    let inner = span;
    let guard: string[] | undefined;
    const after = afterQuestionMark(text, span);
    if (after && (text[after.from] === '{' || text[after.from] === '[')) {
      guard = guardColumns(text.slice(span.from, after.question));
      if (!guard) return false;
      inner = { from: after.from, to: after.to };
    }
    const mark = this.leaves.length;
    const marks = { ...this.guards };
    const undo = (): false => {
      this.leaves.length = mark;
      for (const key of Object.keys(this.guards)) if (!(key in marks)) delete this.guards[key];
      return false;
    };
    if (text[inner.from] === '{') {
      const entries = objectEntries(text, inner);
      if (!entries || entries.length === 0 || new Set(entries.map((e) => e.key)).size !== entries.length) return undo();
      for (const entry of entries) {
        if (entry.key.startsWith('#')) return undo();
        // The `type` of a list item is the item's place in the form's paths, not a value of its own.
        if (item && entry.key === 'type') continue;
        this.value(entry.value, [...path, entry.key]);
      }
    } else if (text[inner.from] === '[' && !item) {
      const items = arrayItems(text, inner);
      if (!items || items.length === 0) return undo();
      const types = new Set<string>();
      for (const span of items) {
        const type = this.itemType(span);
        if (type === undefined || types.has(type) || !this.container(span, [...path, `#${type}`], true)) return undo();
        types.add(type);
      }
    } else {
      return undo();
    }
    if (guard) {
      const inside = this.leaves.slice(mark).flatMap((l) => columnsRead(l.text));
      if (!sameSet(guard, inside)) return undo();
    }
    this.guards[pathKey(path)] = guard !== undefined;
    return true;
  }

  /** The `type` of a list item written as `{ "type": 'work', … }` (behind an optional guard). */
  private itemType(span: Span): string | undefined {
    const after = afterQuestionMark(this.text, span);
    const entries = objectEntries(this.text, after ?? span);
    const type = entries?.find((e) => e.key === 'type');
    return type ? readStringLiteral(this.text.slice(type.value.from, type.value.to)) : undefined;
  }

  value(span: Span, path: string[]): void {
    const trimmed = trimSpan(this.text, span);
    if (this.container(trimmed, path, false)) return;
    this.leaves.push({ path, text: this.text.slice(trimmed.from, trimmed.to) });
  }
}

/**
 * Reads a mapping into the form: each attribute of `formAttributes(extension)` with the choice that says
 * what the mapping does for it (or `advanced` with its text), the rest kept as written. A mapping that is not
 * one object constructor (a block with variables, a condition around everything) is kept whole in `verbatim`.
 */
export function mappingToForm(mapping: string, extension?: Extension): MappingForm {
  const reader = new Reader(mapping);
  const whole = trimSpan(mapping, { from: 0, to: mapping.length });
  const entries = shape(mapping) !== undefined && mapping[whole.from] === '{' ? objectEntries(mapping, whole) : undefined;
  if (!entries || new Set(entries.map((e) => e.key)).size !== entries.length || entries.some((e) => e.key.startsWith('#'))) {
    return { fields: formAttributes(extension), extras: [], guards: {}, order: [], verbatim: mapping };
  }
  for (const entry of entries) reader.value(entry.value, [entry.key]);
  const leaves = reader.leaves;
  const fields: FormField[] = formAttributes(extension, leaves.map((l) => l.path)).map((attribute) => ({ ...attribute }));
  const claimed = new Set<Leaf>();
  for (const field of fields) {
    const key = pathKey(field.path);
    const leaf = leaves.find((l) => pathKey(l.path) === key);
    if (leaf) {
      field.value = readValue(leaf.text);
      claimed.add(leaf);
    } else if (leaves.some((l) => l.path.length < field.path.length && l.path.every((s, i) => field.path[i] === s))) {
      field.locked = true;
    }
  }
  return {
    fields,
    extras: leaves.filter((l) => !claimed.has(l)).map((l) => ({ path: l.path, text: l.text })),
    guards: reader.guards,
    order: leaves.map((l) => pathKey(l.path)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Writing

type TreeNode = { kind: 'leaf'; text: string } | { kind: 'object'; path: string[]; entries: Map<string, TreeNode> };

function insert(root: TreeNode & { kind: 'object' }, path: string[], text: string): void {
  let node = root;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node.entries.set(segment, { kind: 'leaf', text });
      return;
    }
    let next = node.entries.get(segment);
    if (!next || next.kind === 'leaf') {
      next = { kind: 'object', path: path.slice(0, i + 1), entries: new Map() };
      node.entries.set(segment, next);
    }
    node = next;
  });
}

function leafTexts(node: TreeNode): string[] {
  return node.kind === 'leaf' ? [node.text] : [...node.entries.values()].flatMap(leafTexts);
}

/** New objects and lists get a guard, so an empty address leaves no `{"type":"work"}` behind; new list items do not (their list has one). */
function guarded(form: MappingForm, path: string[]): boolean {
  const known = form.guards[pathKey(path)];
  if (known !== undefined) return known;
  return !(path.at(-1) ?? '').startsWith('#');
}

function print(node: TreeNode, indent: string, form: MappingForm): string {
  if (node.kind === 'leaf') return node.text;
  const inner = `${indent}  `;
  let prefix = '';
  if (node.path.length > 0 && guarded(form, node.path)) {
    const columns = [...new Set(leafTexts(node).flatMap(columnsRead))];
    if (columns.length > 0) prefix = `${columns.map((c) => `$exists(${fieldRef(c)})`).join(' or ')} ? `;
  }
  const children = [...node.entries.entries()];
  if (children.length > 0 && children.every(([k]) => k.startsWith('#'))) {
    const items = children.map(([k, child]) => {
      const item = child as TreeNode & { kind: 'object' };
      const typed: TreeNode = { ...item, entries: new Map([['type', { kind: 'leaf', text: stringLiteral(k.slice(1)) }], ...item.entries]) };
      return `${inner}${print(typed, inner, form)}`;
    });
    return `${prefix}[\n${items.join(',\n')}\n${indent}]`;
  }
  if (children.length === 0) return `${prefix}{}`;
  const lines = children.map(([k, child]) => `${inner}${JSON.stringify(k)}: ${print(child, inner, form)}`);
  return `${prefix}{\n${lines.join(',\n')}\n${indent}}`;
}

/** What `formToMapping` gives: the mapping, and the extension when the form needs one it did not have (the hire date). */
export interface FormMapping {
  mapping: string;
  extension?: Extension;
}

/**
 * Writes the form as a readable JSONata mapping (one attribute per line, odd headers quoted by the
 * jsonata-text printer). Parts the form does not show are written back exactly as they were read, in their
 * place. When the hire date is mapped to a custom attribute the profile does not declare yet, the returned
 * `extension` declares it.
 */
export function formToMapping(form: MappingForm, extension?: Extension): FormMapping {
  if (form.verbatim !== undefined) return { mapping: form.verbatim, ...(extension ? { extension } : {}) };
  const values = new Map<string, Leaf>();
  for (const extra of form.extras) values.set(pathKey(extra.path), extra);
  for (const field of form.fields) {
    if (!field.value || field.locked) continue;
    if (field.value.kind === 'advanced' && field.value.text.trim() === '') continue;
    // A new work email is the primary one, as Entra expects of a single address.
    if (field.id === 'email' && !form.order.some((k) => k.startsWith(pathKey(['emails', '#work']).slice(0, -1)))) {
      values.set(pathKey(['emails', '#work', 'primary']), { path: ['emails', '#work', 'primary'], text: 'true' });
    }
    values.set(pathKey(field.path), { path: field.path, text: printValue(field.value) });
  }
  const keys = [...form.order.filter((k) => values.has(k)), ...[...values.keys()].filter((k) => !form.order.includes(k))];
  const root: TreeNode & { kind: 'object' } = { kind: 'object', path: [], entries: new Map() };
  for (const key of keys) {
    const leaf = values.get(key) as Leaf;
    insert(root, leaf.path, leaf.text);
  }
  const mapping = print(root, '', form);
  return { mapping, ...withHireDate(form, extension) };
}

function withHireDate(form: MappingForm, extension?: Extension): { extension?: Extension } {
  const hire = form.fields.find((f) => f.id === 'hireDate');
  const [namespace, name] = hire?.path ?? [];
  if (!hire?.value || hire.locked || namespace === undefined || name === undefined || namespace === SCIM_ENTERPRISE_USER) {
    return extension ? { extension } : {};
  }
  if (extension && extension.namespace !== namespace) return { extension };
  if (extension?.attributes.some((a) => a.name === name)) return { extension };
  const attribute = { name, type: 'dateTime' as const, description: 'Hire date, for Entra\'s employeeHireDate.' };
  return { extension: { namespace, attributes: [...(extension?.attributes ?? []), attribute] } };
}
