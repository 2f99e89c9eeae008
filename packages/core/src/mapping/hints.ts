/**
 * Mistakes in a mapping caught where they are made, in plain words: the check the editor runs as a person
 * types, before any row is mapped. It knows the habits people bring from Excel (a leading `=`,
 * CONCATENATE, PROPER, TEXT, IF, `<>`), that 'First Name' in quotes is text and not the column, which
 * columns the file has and which functions exist, and it says what to type instead of what the parser
 * expected. Each hint carries the span it is about and, where there is one obvious fix, its replacement.
 */
import jsonata from 'jsonata';
import { t } from '@scimport/messages';
import { fieldRef, stringLiteral } from '../automap/jsonata-text';
import { isCoreError } from '../errors';
import { suggest } from '../validate/suggest';
import { compileMapping } from './compile';
import { HELPER_FUNCTIONS } from './helpers';
import { scanList } from './form/split';

export interface MappingHint {
  /** Offsets in the mapping text (from 0, `to` exclusive) of what the hint is about. */
  from: number;
  to: number;
  severity: 'error' | 'warning';
  /** Stable code: `column.unknown`, `text.singleQuoted`, `function.unknown`, `excel.*`, `syntax.*`. */
  code: string;
  message: string;
  /** Text to put in place of `from`–`to` when the fix is obvious. */
  replacement?: string;
}

export interface MappingHintOptions {
  /** Variables the caller binds (none today); names here are not reported as unknown functions. */
  knownFunctions?: string[];
}

/** JSONata's own functions (2.x), which scimport's helpers sit beside. */
const JSONATA_FUNCTIONS = [
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore', 'substringAfter', 'lowercase', 'uppercase',
  'length', 'trim', 'pad', 'match', 'contains', 'replace', 'split', 'join', 'formatNumber', 'formatBase', 'formatInteger',
  'parseInteger', 'number', 'floor', 'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map', 'zip',
  'filter', 'single', 'reduce', 'keys', 'lookup', 'append', 'exists', 'spread', 'merge', 'reverse', 'each', 'error', 'assert',
  'type', 'sort', 'shuffle', 'distinct', 'base64encode', 'base64decode', 'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent',
  'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone', 'now', 'millis', 'sift',
].map((n) => `$${n}`);

/** Excel functions with a one-to-one scimport spelling. */
const EXCEL_RENAMES: Record<string, string> = {
  PROPER: '$title', UPPER: '$upper', LOWER: '$lower', TRIM: '$trim', LEN: '$length', SUBSTITUTE: '$replace', VALUE: '$number',
};

interface Node {
  type: string;
  value?: unknown;
  position?: number;
  [key: string]: unknown;
}

const hint = (from: number, to: number, code: string, message: string, replacement?: string, severity: MappingHint['severity'] = 'error'): MappingHint => ({
  from,
  to,
  severity,
  code,
  message,
  ...(replacement !== undefined ? { replacement } : {}),
});

/** The arguments of the call whose `(` is at `open`, as text, and where the call ends. */
function callArguments(text: string, open: number): { args: string[]; end: number } | undefined {
  const list = scanList(text, open);
  if (!list) return undefined;
  const bounds = [open, ...list.commas, list.close];
  const args = bounds.slice(0, -1).map((b, i) => text.slice(b + 1, bounds[i + 1]).trim());
  return { args: args.length === 1 && args[0] === '' ? [] : args, end: list.close + 1 };
}

/** Excel formulas written into the mapping. */
function excelHints(text: string): MappingHint[] {
  const out: MappingHint[] = [];
  // Outside strings only: mask quoted text so "IF(" inside a value is left alone.
  const masked = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (m) => ' '.repeat(m.length));
  // A formula's `=` at the start of the mapping or of a value (after `:`, `(` or `,`).
  for (const m of masked.matchAll(/(^|[:(,])(\s*)=(?![=>])/g)) {
    const at = m.index + (m[1] as string).length + (m[2] as string).length;
    out.push(hint(at, at + 1, 'excel.leadingEquals', t('mapping.hint.excel.leadingEquals'), ''));
  }
  for (const m of masked.matchAll(/(?<![\w$])([A-Za-z]+)\s*\(/g)) {
    const name = (m[1] as string).toUpperCase();
    const from = m.index;
    const open = from + m[0].length - 1;
    if (name === 'CONCATENATE' || name === 'CONCAT') {
      const call = callArguments(text, open);
      const replacement = call ? call.args.map((a) => a.replace(/^"(.*)"$/s, (_q, inner: string) => stringLiteral(inner))).join(' & ') : undefined;
      out.push(hint(from, call?.end ?? open + 1, 'excel.concatenate', t('mapping.hint.excel.concatenate', { replacement: replacement ?? 'A & B' }), replacement));
    } else if (EXCEL_RENAMES[name]) {
      const replacement = EXCEL_RENAMES[name];
      out.push(hint(from, from + (m[1] as string).length, 'excel.function', t('mapping.hint.excel.function', { excel: name, replacement: `${replacement}(…)` }), replacement));
    } else if (name === 'TEXT') {
      const call = callArguments(text, open);
      const value = call?.args[0] ?? 'HireDate';
      const replacement = `$entraDate(${value})`;
      out.push(hint(from, call?.end ?? open + 1, 'excel.text', t('mapping.hint.excel.text', { replacement }), call ? replacement : undefined));
    } else if (name === 'IF') {
      const call = callArguments(text, open);
      const [test, yes, no] = call?.args ?? [];
      const replacement = test && yes ? `${test.replace(/(?<![<>!=])==?(?!=)/, ' = ')} ? ${yes}${no ? ` : ${no}` : ''}`.replace(/\s+/g, ' ') : undefined;
      out.push(hint(from, call?.end ?? open + 1, 'excel.if', t('mapping.hint.excel.if', { replacement: replacement ?? "Status = 'Active' ? true : false" }), replacement));
    }
  }
  for (const m of masked.matchAll(/==|<>/g)) {
    const code = m[0] === '==' ? 'excel.doubleEquals' : 'excel.notEqual';
    out.push(hint(m.index, m.index + 2, code, t(code === 'excel.doubleEquals' ? 'mapping.hint.excel.doubleEquals' : 'mapping.hint.excel.notEqual'), m[0] === '==' ? '=' : '!='));
  }
  return out;
}

/** The parser's complaint turned into what to type. */
function syntaxHint(text: string): MappingHint | undefined {
  try {
    compileMapping({ mapping: text });
    return undefined;
  } catch (error) {
    if (!isCoreError(error) || error.code !== 'MAPPING_SYNTAX') return undefined;
    const offset = error.location.position ?? 0;
    const cause = (error.cause ?? {}) as { code?: string; token?: unknown; value?: unknown; message?: string };
    const token = typeof cause.token === 'string' ? cause.token : undefined;
    const expected = typeof cause.value === 'string' ? cause.value : undefined;
    const at = (code: string, message: string, replacement?: string, from = offset, to = Math.min(text.length, offset + Math.max(1, token?.length ?? 1))) =>
      hint(from, Math.max(from, to), code, message, replacement);
    switch (cause.code) {
      case 'S0202': {
        // `Expected "}", got "Name"` after a complete entry almost always means the comma at the end of the line above is missing.
        if ((expected === '}' || expected === ']' || expected === ')') && token !== undefined && !/^[)\]},:]$/.test(token)) {
          // The parser's offset may fall inside a quoted token: start from the token's first character.
          const tokenAt = text.lastIndexOf(token, offset);
          let end = tokenAt === -1 ? offset : tokenAt;
          const tokenStart = end;
          while (end > 0 && /[\s"'`]/.test(text[end - 1] ?? '')) end--;
          const gap = text.slice(end, tokenStart).replace(/["'`]+$/, '');
          return at('syntax.missingComma', t('mapping.hint.syntax.missingComma', { token: `“${token}”` }), `,${gap}`, end, end + gap.length);
        }
        return at('syntax.expected', t('mapping.hint.syntax.expected', { expected: `“${expected ?? '?'}”` }));
      }
      case 'S0203':
        return at('syntax.endTooSoon', t('mapping.hint.syntax.endTooSoon', { expected: `“${expected ?? '}'}”` }), undefined, Math.max(0, text.length - 1), text.length);
      case 'S0101': {
        const quote = text.lastIndexOf("'") > text.lastIndexOf('"') ? "'" : '"';
        return at('syntax.unclosedText', t('mapping.hint.syntax.unclosedText', { quote }), undefined, Math.max(0, text.length - 1), text.length);
      }
      case 'S0105':
        return at('syntax.unclosedName', t('mapping.hint.syntax.unclosedName'), undefined, Math.max(0, text.length - 1), text.length);
      case 'S0211':
        if ((token === '}' || token === ',') && /:\s*$/.test(text.slice(0, offset))) return at('syntax.emptyValue', t('mapping.hint.syntax.emptyValue'));
        if (token === '}' || token === ']') return at('syntax.unexpected', t('mapping.hint.syntax.unexpected', { token: `“${token}”` }), '', Math.max(0, text.lastIndexOf(',', offset)), Math.max(0, text.lastIndexOf(',', offset)) + 1);
        return at('syntax.unexpected', t('mapping.hint.syntax.unexpected', { token: `“${token ?? '?'}”` }));
      default:
        return at('syntax.other', t('mapping.hint.syntax.other', { reason: cause.message ?? error.message.split('\n')[0] ?? '' }));
    }
  }
}

/** Where a token ends (jsonata's positions) → where it starts in the text. */
function startOf(text: string, end: number, length: number): number {
  return Math.max(0, end - length);
}

/** Column names, quoted text that is a column, and unknown functions, from the syntax tree. */
function treeHints(text: string, ast: Node, headers: string[], known: Set<string>): MappingHint[] {
  const out: MappingHint[] = [];
  const headerSet = new Set(headers);
  const lowerHeaders = new Map(headers.map((h) => [h.toLowerCase(), h]));
  const bound = new Set<string>();
  const collectBinds = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(collectBinds);
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'bind' && (n.lhs as Node | undefined)?.type === 'variable') bound.add(`$${String((n.lhs as Node).value)}`);
    if (n.type === 'lambda') for (const a of (n.arguments as Node[] | undefined) ?? []) bound.add(`$${String(a.value)}`);
    for (const [k, v] of Object.entries(n)) if (k !== 'type' && k !== 'value' && k !== 'position') collectBinds(v);
  };
  collectBinds(ast);

  /** Strings compared with or passed as patterns are meant as text; only a bare value may be a misquoted column. */
  const visit = (node: unknown, rowContext: boolean, textContext: boolean): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, rowContext, textContext));
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    switch (n.type) {
      case 'path': {
        const steps = (n.steps as Node[]) ?? [];
        steps.forEach((step, i) => {
          if (i === 0 && rowContext && step.type === 'name') checkName(step);
          else visit(step, false, false);
        });
        return;
      }
      case 'name':
        if (rowContext) checkName(n);
        return;
      case 'string':
        if (!textContext) checkString(n);
        return;
      case 'unary':
        if (n.value === '{') {
          for (const [, value] of (n.lhs as [Node, Node][]) ?? []) visit(value, rowContext, false);
          return;
        }
        break;
      case 'binary':
        if (['=', '!=', 'in', '<', '>', '<=', '>='].includes(String(n.value))) {
          visit(n.lhs, rowContext, true);
          visit(n.rhs, rowContext, true);
          return;
        }
        break;
      case 'function': {
        const procedure = n.procedure as Node | undefined;
        if (procedure?.type === 'variable') {
          const name = `$${String(procedure.value)}`;
          if (!known.has(name) && !bound.has(name)) {
            const to = procedure.position ?? 0;
            const from = startOf(text, to, name.length);
            const suggestion = suggest(name.slice(1), [...known].map((k) => k.slice(1)));
            out.push(
              hint(
                from,
                to,
                'function.unknown',
                suggestion ? t('mapping.hint.unknownFunctionSuggest', { name, suggestion: `$${suggestion}` }) : t('mapping.hint.unknownFunction', { name }),
                suggestion ? `$${suggestion}` : undefined,
              ),
            );
          }
          // Only a function's first argument is a value; a pattern, table name or separator after it is text.
          ((n.arguments as Node[]) ?? []).forEach((arg, i) => visit(arg, rowContext, i > 0 || name === '$lookup'));
          return;
        }
        break;
      }
      default:
        break;
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'type' && k !== 'value' && k !== 'position') visit(v, rowContext && k !== 'procedure', textContext);
  };

  const checkName = (step: Node): void => {
    const name = String(step.value);
    if (headerSet.has(name) || name === 'undefined' || headers.length === 0) return;
    const end = step.position ?? 0;
    const quoted = text[end - 1] === '`';
    const from = startOf(text, end, name.length + (quoted ? 2 : 0));
    const suggestion = lowerHeaders.get(name.toLowerCase()) ?? suggest(name, headers);
    out.push(
      hint(
        from,
        end,
        'column.unknown',
        suggestion ? t('mapping.hint.unknownColumnSuggest', { name, suggestion }) : t('mapping.hint.unknownColumn', { name }),
        suggestion ? fieldRef(suggestion) : undefined,
      ),
    );
  };

  const checkString = (node: Node): void => {
    const value = String(node.value);
    const header = headerSet.has(value) ? value : lowerHeaders.get(value.trim().toLowerCase());
    if (header === undefined) return;
    const end = node.position ?? 0;
    const quote = text[end - 1] ?? "'";
    const from = Math.max(0, text.lastIndexOf(quote, end - 2));
    const replacement = fieldRef(header);
    out.push(hint(from, end, 'text.singleQuoted', t('mapping.hint.singleQuoted', { text: value, replacement }), replacement, 'warning'));
  };

  visit(ast, true, false);
  return out;
}

/**
 * The mistakes in `text`, a mapping for a file with `headers`, in the order they appear. An empty list means
 * the mapping reads, every column it names exists and every function it calls is known.
 */
export function mappingHints(text: string, headers: string[], options: MappingHintOptions = {}): MappingHint[] {
  const out = excelHints(text);
  const syntax = syntaxHint(text);
  if (syntax) {
    // Excel habits explain most parser complaints better; keep the parser's only when it points elsewhere.
    if (!out.some((h) => syntax.from < h.to + 1 && h.from <= syntax.to)) out.push(syntax);
  } else {
    const known = new Set([...JSONATA_FUNCTIONS, ...HELPER_FUNCTIONS.map((f) => f.name), '$upper', '$lower', '$str', ...(options.knownFunctions ?? [])]);
    const excel = [...out];
    for (const h of treeHints(text, jsonata(text).ast() as unknown as Node, headers, known)) {
      if (!excel.some((e) => h.from < e.to && e.from < h.to)) out.push(h);
    }
  }
  return out.sort((a, b) => a.from - b.from);
}
