/**
 * Splitting a mapping's text into its object entries while keeping every value's exact text. jsonata's AST
 * records only where tokens end, which is not enough to cut a value out of the text unchanged; a small
 * scanner that knows strings, back-quoted names, comments and regex literals is, and it is what lets an
 * attribute the form cannot show keep its JSONata byte for byte.
 */

/** A span of the text: `text.slice(from, to)`. */
export interface Span {
  from: number;
  to: number;
}

/** One `"key": value` entry of an object constructor. */
export interface EntrySpan {
  key: string;
  value: Span;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set([')', ']', '}']);

/** Where a token that cannot contain brackets or commas ends, from its first character; undefined for other characters. */
function skipAtom(text: string, i: number, regexAllowed: boolean): number | undefined {
  const ch = text[i];
  if (ch === '"' || ch === "'") {
    let j = i + 1;
    while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
    return Math.min(text.length, j + 1);
  }
  if (ch === '`') {
    const end = text.indexOf('`', i + 1);
    return end === -1 ? text.length : end + 1;
  }
  if (ch === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    return end === -1 ? text.length : end + 2;
  }
  if (ch === '/' && regexAllowed) {
    let j = i + 1;
    while (j < text.length && text[j] !== '/') j += text[j] === '\\' ? 2 : 1;
    j++;
    while (j < text.length && /[a-z]/i.test(text[j] ?? '')) j++;
    return j;
  }
  return undefined;
}

/**
 * The top-level separators of a bracketed list starting at `open` (`{`, `[` or `(`): the offsets of its
 * commas at depth one and of its closing bracket. Undefined when the brackets do not balance.
 */
export function scanList(text: string, open: number): { commas: number[]; close: number } | undefined {
  const first = text[open];
  if (first === undefined || !OPEN[first]) return undefined;
  const stack: string[] = [];
  const commas: number[] = [];
  // A `/` starts a regex where an operand is expected (JSONata decides the same way).
  let regexAllowed = true;
  for (let i = open; i < text.length; ) {
    const ch = text[i] as string;
    const atomEnd = skipAtom(text, i, regexAllowed);
    if (atomEnd !== undefined) {
      if (!(ch === '/' && text[i + 1] === '*')) regexAllowed = false;
      i = atomEnd;
      continue;
    }
    if (OPEN[ch]) {
      stack.push(OPEN[ch]);
      regexAllowed = true;
    } else if (CLOSE.has(ch)) {
      if (stack.pop() !== ch) return undefined;
      if (stack.length === 0) return { commas, close: i };
      regexAllowed = false;
    } else if (ch === ',' && stack.length === 1) {
      commas.push(i);
      regexAllowed = true;
    } else if (/\s/.test(ch)) {
      // whitespace keeps the previous decision
    } else {
      regexAllowed = !/[A-Za-z0-9_$]/.test(ch);
    }
    i++;
  }
  return undefined;
}

/** The first character that is not blank, from `i` on. */
function skipBlank(text: string, i: number, end = text.length): number {
  while (i < end && /\s/.test(text[i] ?? '')) i++;
  return i;
}

/** Trims a span of blanks on both sides. */
export function trimSpan(text: string, span: Span): Span {
  let { from, to } = span;
  from = skipBlank(text, from, to);
  while (to > from && /\s/.test(text[to - 1] ?? '')) to--;
  return { from, to };
}

/** The value of a JSONata string literal written in `'…'` or `"…"`, or undefined when `raw` is anything else. */
export function readStringLiteral(raw: string): string | undefined {
  const q = raw[0];
  if ((q !== '"' && q !== "'") || raw.length < 2 || raw.at(-1) !== q) return undefined;
  if (skipAtom(raw, 0, false) !== raw.length) return undefined;
  const inner = raw.slice(1, -1);
  // Re-written as a JSON string: the escapes are JSON's; only a bare `"` inside '…' needs one added.
  let json = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (c === '\\') {
      json += c + (inner[i + 1] ?? '');
      i++;
    } else json += c === '"' ? '\\"' : c;
  }
  try {
    return JSON.parse(`"${json}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * The entries of the object constructor occupying `span` exactly, each key read as text and each value's
 * span trimmed; undefined when the span is not one object whose keys are all plain string literals.
 */
export function objectEntries(text: string, span: Span): EntrySpan[] | undefined {
  const { from, to } = trimSpan(text, span);
  if (text[from] !== '{') return undefined;
  const list = scanList(text, from);
  if (!list || list.close !== to - 1) return undefined;
  const bounds = [from, ...list.commas, list.close];
  const entries: EntrySpan[] = [];
  for (let n = 0; n + 1 < bounds.length; n++) {
    const start = (bounds[n] as number) + 1;
    const end = bounds[n + 1] as number;
    const part = trimSpan(text, { from: start, to: end });
    if (part.from === part.to) {
      // `{}` has one empty part; a trailing comma is a syntax error JSONata reports itself.
      if (bounds.length === 2) return [];
      return undefined;
    }
    const keyEnd = skipAtom(text, part.from, false);
    if (keyEnd === undefined) return undefined;
    const key = readStringLiteral(text.slice(part.from, keyEnd));
    const colon = skipBlank(text, keyEnd, part.to);
    if (key === undefined || text[colon] !== ':') return undefined;
    const value = trimSpan(text, { from: colon + 1, to: part.to });
    if (value.from === value.to) return undefined;
    entries.push({ key, value });
  }
  return entries;
}

/** The items of the array constructor occupying `span` exactly, trimmed; undefined otherwise. */
export function arrayItems(text: string, span: Span): Span[] | undefined {
  const { from, to } = trimSpan(text, span);
  if (text[from] !== '[') return undefined;
  const list = scanList(text, from);
  if (!list || list.close !== to - 1) return undefined;
  const bounds = [from, ...list.commas, list.close];
  const items: Span[] = [];
  for (let n = 0; n + 1 < bounds.length; n++) {
    const part = trimSpan(text, { from: (bounds[n] as number) + 1, to: bounds[n + 1] as number });
    if (part.from === part.to) return bounds.length === 2 ? [] : undefined;
    items.push(part);
  }
  return items;
}

/**
 * For `$exists(A) or … ? {…}` (the guard auto-map writes in front of nested objects): the span after the
 * `?`. Undefined when the text has no top-level `?`. The caller checks with the parser that the part before
 * is such a guard.
 */
export function afterQuestionMark(text: string, span: Span): (Span & { question: number }) | undefined {
  let depth = 0;
  let regexAllowed = true;
  for (let i = span.from; i < span.to; ) {
    const ch = text[i] as string;
    const atomEnd = skipAtom(text, i, regexAllowed);
    if (atomEnd !== undefined) {
      regexAllowed = false;
      i = atomEnd;
      continue;
    }
    if (OPEN[ch]) depth++;
    else if (CLOSE.has(ch)) depth--;
    else if (ch === '?' && depth === 0) return { ...trimSpan(text, { from: i + 1, to: span.to }), question: i };
    if (!/\s/.test(ch)) regexAllowed = !/[A-Za-z0-9_$)\]}]/.test(ch);
    i++;
  }
  return undefined;
}
