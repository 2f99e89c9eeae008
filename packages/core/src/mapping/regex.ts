/**
 * Regular expressions in mappings, run in linear time. JavaScript's engine backtracks: `/^(a+)+$/` on
 * 65 characters of one cell takes longer than the universe has existed, and it never returns to the
 * evaluator's timer, so in the desktop app's preview (which maps in-thread) it froze every other call.
 * RE2 (here re2js, its pure-JavaScript port) matches in time linear in the text, whatever the pattern.
 *
 * `LinearRegExp` stands in for `RegExp` as jsonata's `RegexEngine`: jsonata builds a `RegExp` from a
 * literal at parse time (flags `g` plus the mapping's `i`/`m`), then calls `new RegexEngine(thatRegExp)`,
 * sets `lastIndex` and calls `exec`. That is the only way a mapping reaches a regular expression:
 * `$match`, `$replace`, `$split` and `$contains` take them as such matchers. The compiled fast path
 * (./fast) runs no regular expression at all — a regex literal sends the mapping to the interpreter —
 * so this one engine covers both.
 *
 * What RE2 does not run, and scimport therefore refuses with a sentence (at compile time for literals):
 * backreferences (`\1`, `\k<name>`) and lookarounds (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`) — no
 * linear-time engine can — and repeat counts above 1000. Kept as JavaScript people expect: flags i and
 * m, `\s` with JavaScript's Unicode spaces (a no-break space in a name is common in HR exports), `.` not
 * matching line terminators, `undefined` for a group that did not take part, UTF-16 offsets. Left as RE2
 * does it: `^`/`$` under `m` see only `\n` as a line end (JavaScript also `\r`, U+2028, U+2029); `i`
 * folds case by Unicode's simple folding (JavaScript by upper-casing), which differs for a few letters
 * such as ſ and the Kelvin sign; `.` consumes a whole surrogate pair where JavaScript takes one half.
 */
import { t } from '@scimport/messages';
import { RE2JS } from 're2js';
import { CoreError } from '../errors';

/** JavaScript's `\s` (ECMA-262 WhiteSpace and LineTerminator), in RE2 class syntax. */
const JS_SPACE = '\\t\\n\\x0B\\f\\r \\x{00A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** JavaScript's `.` without the s flag (which jsonata does not allow) excludes all four line terminators. */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

type Unsupported = 'backreference' | 'lookaround';

/** The first construct of a JavaScript pattern that RE2 cannot run, found by a scan that knows escapes and classes. */
function unsupportedConstruct(source: string): Unsupported | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      // Inside a class `\1` is an octal escape in JavaScript, not a backreference.
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<'))) return 'backreference';
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') {
      inClass = true;
    } else if (ch === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!') || rest === '<=' || rest === '<!') return 'lookaround';
    }
  }
  return undefined;
}

/**
 * RE2 syntax for a JavaScript pattern: re2js's own translation (named groups, `\u`, `\c`, `[^]`, …),
 * then `\s`, `\S` and `.` widened to JavaScript's meaning. `\S` inside a class keeps RE2's ASCII
 * meaning: RE2 has no class subtraction to spell it.
 */
function toRe2Syntax(source: string): string {
  const translated = RE2JS.translateRegExp(source);
  let out = '';
  let inClass = false;
  for (let i = 0; i < translated.length; i++) {
    const ch = translated[i] as string;
    if (ch === '\\') {
      const next = translated[i + 1] ?? '';
      if (next === 's') out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
      else if (next === 'S' && !inClass) out += `[^${JS_SPACE}]`;
      else out += ch + next;
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
      // A `]` first in a class (after an optional `^`) is literal in RE2.
      if (translated[i + 1] === '^') out += translated[++i];
      if (translated[i + 1] === ']') out += translated[++i];
    } else {
      out += ch === '.' ? JS_DOT : ch;
    }
  }
  return out;
}

/** Patterns compiled so far: jsonata builds a new engine each time a literal is evaluated, once per row. */
const cache = new Map<string, RE2JS>();
const CACHE_SIZE = 256;

function shown(source: string): string {
  return source.length > 80 ? `${source.slice(0, 77)}…` : source;
}

/**
 * The RE2 program for a JavaScript pattern and flags (only i and m count). Throws CoreError
 * MAPPING_SYNTAX with a sentence from the catalogue when the pattern uses what RE2 cannot run.
 */
export function compileLinear(source: string, flags: string): RE2JS {
  const key = `${flags.includes('i') ? 'i' : ''}${flags.includes('m') ? 'm' : ''}/${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const feature = unsupportedConstruct(source);
  const refuse = (what: string): CoreError =>
    new CoreError('MAPPING_SYNTAX', t('mapping.regex.unsupported', { pattern: shown(source), feature: what }));
  if (feature) throw refuse(t(`mapping.regex.feature.${feature}`));
  let program: RE2JS;
  try {
    program = RE2JS.compile(toRe2Syntax(source), (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0));
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    if (/repeat count/.test(reason)) throw refuse(t('mapping.regex.feature.repeat'));
    throw new CoreError('MAPPING_SYNTAX', t('mapping.regex.invalid', { pattern: shown(source), reason }), { cause: err });
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, program);
  return program;
}

/** A match as `RegExp.prototype.exec` returns it: the text, then each group (`undefined` when it took no part). */
type ExecResult = (string | undefined)[] & { index: number; input: string };

/**
 * The subset of `RegExp` jsonata uses (construction from a RegExp or a pattern, `lastIndex`, `exec`
 * with the global flag's semantics), evaluated by RE2 in linear time. Passed to jsonata as its
 * `RegexEngine` option.
 */
export class LinearRegExp {
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  private readonly program: RE2JS;

  constructor(pattern: RegExp | string, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.program = compileLinear(this.source, this.flags);
  }

  exec(text: string): ExecResult | null {
    const from = this.lastIndex;
    if (from > text.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.program.matcher(text);
    if (!matcher.find(from)) {
      this.lastIndex = 0;
      return null;
    }
    const result = [] as unknown as ExecResult;
    for (let g = 0; g <= matcher.groupCount(); g++) result.push(matcher.group(g) ?? undefined);
    result.index = matcher.start();
    result.input = text;
    this.lastIndex = matcher.end();
    return result;
  }
}

interface RegexNode {
  type?: unknown;
  value?: unknown;
  position?: unknown;
}

/**
 * Every regex literal of a parsed expression, compiled once so a pattern RE2 cannot run is refused
 * when the mapping is compiled (at the literal's opening slash), not on each row. Throws as `compileLinear`.
 */
export function checkRegexLiterals(ast: unknown): void {
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const n = node as RegexNode;
    if (n.type === 'regex' && n.value instanceof RegExp) {
      try {
        compileLinear(n.value.source, n.value.flags);
      } catch (err) {
        if (err instanceof CoreError && typeof n.position === 'number') {
          // jsonata places a literal just after its flags; the position given is its opening slash.
          const start = Math.max(0, n.position - n.value.flags.replace('g', '').length - n.value.source.length - 2);
          throw new CoreError(err.code, err.message, { location: { field: '/mapping', position: start }, cause: err });
        }
        throw err;
      }
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(ast);
}
