/**
 * Translates the small PowerShell expressions CSV2SCIM mappings put in script blocks
 * (`{ $_.'WorkerStatus' -eq 'Active' }`, `{ 'work' }`, `{ $_.First + ' ' + $_.Last }`, date formatting)
 * into JSONata. It never runs PowerShell: anything outside the understood subset is reported with a
 * reason instead of being guessed, because a half-understood rule silently produces wrong accounts.
 *
 * Semantics kept from PowerShell: `-eq`/`-ne` compare text without regard to case (`-ceq`/`-cne` with
 * it); `-and`/`-or` have equal precedence and run left to right; `-not`/`!` bind tighter than comparisons;
 * an empty cell compares equal to ''.
 */
import { bin, call, col, columnsOf, str, type Expr } from '../automap/jsonata-text';
import { DOUBLE_QUOTES, SINGLE_QUOTES, readQuoted } from './parse';

/** Raised for anything the translator does not understand; `message` says what, for a person. */
export class Untranslatable extends Error {
  override readonly name = 'Untranslatable';
}

// Script blocks in mappings are one-liners; the limits keep hostile ones from exhausting the stack.
const MAX_NESTING = 64;
const MAX_TOKENS = 2000;

export type ValueType = 'string' | 'boolean' | 'number' | 'date';

/** A translated expression and what kind of value it gives. */
export interface Translated {
  expr: Expr;
  type: ValueType | 'mixed';
}

/** Translates the body of a script block (the text between its braces). Throws Untranslatable. */
export function translateScriptBlock(body: string): Translated {
  const tokens = lex(body);
  // Operator chains become left-nested trees that convert() walks recursively; mappings never come close.
  if (tokens.length > MAX_TOKENS) throw new Untranslatable(`it is longer than ${MAX_TOKENS} words and symbols`);
  const parser = new PsParser(tokens);
  const ast = parser.parseBody();
  return finish(convert(ast));
}

// ---- lexer -----------------------------------------------------------------------------------------

type Token =
  | { t: 'str'; value: string; expandable: boolean; raw: string }
  | { t: 'num'; value: number; raw: string }
  | { t: 'var'; name: string; raw: string }
  | { t: 'op'; name: string; raw: string }
  | { t: 'word'; name: string; raw: string }
  | { t: 'punct'; name: string; raw: string }
  | { t: 'sep'; raw: string };

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos] ?? '';
    const rest = text.slice(pos);
    let m: RegExpExecArray | null;
    if (/[ \t\f\v\u00a0]/.test(ch)) {
      pos++;
    } else if (ch === '`' && /^`\r?\n/.test(rest)) {
      pos += rest[1] === '\r' ? 3 : 2;
    } else if (ch === '\n' || ch === '\r' || ch === ';') {
      tokens.push({ t: 'sep', raw: ch });
      pos++;
    } else if (ch === '<' && text[pos + 1] === '#') {
      const end = text.indexOf('#>', pos + 2);
      pos = end < 0 ? text.length : end + 2;
    } else if (ch === '#') {
      while (pos < text.length && text[pos] !== '\n' && text[pos] !== '\r') pos++;
    } else if ((SINGLE_QUOTES + DOUBLE_QUOTES).includes(ch)) {
      const read = readQuoted(text, pos);
      if ('error' in read) throw new Untranslatable('it has text in quotes that is never closed');
      tokens.push({ t: 'str', value: read.value, expandable: read.expandable, raw: text.slice(pos, read.end) });
      pos = read.end;
    } else if ((m = /^\$(\{[^}]*\}|[\p{L}\p{N}_:?^]+|\$)/u.exec(rest))) {
      tokens.push({ t: 'var', name: (m[1] ?? '').replace(/^\{|\}$/g, ''), raw: m[0] });
      pos += m[0].length;
    } else if (ch === '-' && (m = /^-[a-z]+/i.exec(rest))) {
      tokens.push({ t: 'op', name: m[0].toLowerCase(), raw: m[0] });
      pos += m[0].length;
    } else if ((m = /^(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?![\w])/i.exec(rest)) && !(tokens[tokens.length - 1]?.raw === '.')) {
      tokens.push({ t: 'num', value: /^0x/i.test(m[0]) ? parseInt(m[0].slice(2), 16) : Number(m[0]), raw: m[0] });
      pos += m[0].length;
    } else if ((m = /^[\p{L}_][\p{L}\p{N}_]*(?:-[\p{L}][\p{L}\p{N}_]*)?/u.exec(rest))) {
      // After a dot the word is a member name, which cannot hold a dash (`$_.A-eq` is not one name).
      const afterDot = tokens[tokens.length - 1]?.raw === '.';
      const word = afterDot ? (/^[\p{L}_][\p{L}\p{N}_]*/u.exec(rest)?.[0] ?? m[0]) : m[0];
      tokens.push({ t: 'word', name: word, raw: word });
      pos += word.length;
    } else if (rest.startsWith('::')) {
      tokens.push({ t: 'punct', name: '::', raw: '::' });
      pos += 2;
    } else if ('(){}[].,+!=|*/%<>&@-'.includes(ch)) {
      tokens.push({ t: 'punct', name: ch, raw: ch });
      pos++;
    } else {
      throw new Untranslatable(`it uses "${ch}", which the importer does not understand`);
    }
  }
  return tokens;
}

// ---- parser ----------------------------------------------------------------------------------------

type Ps =
  | { t: 'str'; value: string; expandable: boolean; raw: string }
  | { t: 'num'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'null' }
  | { t: 'var'; name: string }
  | { t: 'member'; target: Ps; name: string; args?: Ps[] }
  /** `[type]::Name(args)`; `args` is absent for a static property such as `[cultureinfo]::InvariantCulture`. */
  | { t: 'static'; type: string; name: string; args?: Ps[] }
  | { t: 'cast'; type: string; operand: Ps }
  | { t: 'bin'; op: string; left: Ps; right: Ps }
  | { t: 'not'; operand: Ps }
  | { t: 'if'; clauses: { cond: Ps; body: Ps }[]; otherwise?: Ps }
  | { t: 'command'; name: string; args: Ps[]; params: Record<string, Ps> };

const COMPARISONS = new Set(['-eq', '-ne', '-ieq', '-ine', '-ceq', '-cne']);
const UNSUPPORTED_COMPARISONS = new Set([
  '-gt', '-ge', '-lt', '-le', '-igt', '-ige', '-ilt', '-ile', '-cgt', '-cge', '-clt', '-cle', '-like', '-notlike',
  '-ilike', '-clike', '-match', '-notmatch', '-imatch', '-cmatch', '-contains', '-notcontains', '-in', '-notin',
  '-replace', '-ireplace', '-creplace', '-split', '-join', '-is', '-isnot', '-as', '-f', '-xor', '-band', '-bor',
]);


class PsParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private isPunct(name: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === 'punct' && t.name === name;
  }

  private expectPunct(name: string, what: string): void {
    if (!this.isPunct(name)) throw new Untranslatable(`it is missing ${what}`);
    this.i++;
  }

  private skipSeps(): void {
    while (this.peek()?.t === 'sep') this.i++;
  }

  parseBody(): Ps {
    this.skipSeps();
    if (this.peek() === undefined) throw new Untranslatable('the script block is empty');
    const stmt = this.parseStatement();
    this.skipSeps();
    const extra = this.peek();
    if (extra !== undefined) throw new Untranslatable(unexpected(extra, 'it runs more than one statement'));
    return stmt;
  }

  private parseStatement(): Ps {
    if (++this.depth > MAX_NESTING) throw new Untranslatable('it nests expressions too deeply');
    try {
      return this.parseStatementInner();
    } finally {
      this.depth--;
    }
  }

  private parseStatementInner(): Ps {
    const t = this.peek();
    if (t?.t === 'word' && t.name.toLowerCase() === 'if') return this.parseIf();
    if (t?.t === 'word' && t.name.toLowerCase() === 'return') this.i++;
    const e = this.parseLogical();
    const next = this.peek();
    if (next?.t === 'punct' && next.name === '|') throw new Untranslatable('it uses a pipeline (|)');
    if (next?.t === 'punct' && next.name === '=') throw new Untranslatable('it assigns a variable');
    return e;
  }

  private parseIf(): Ps {
    const clauses: { cond: Ps; body: Ps }[] = [];
    let otherwise: Ps | undefined;
    this.i++; // if
    clauses.push(this.parseClause());
    for (;;) {
      const save = this.i;
      this.skipSeps();
      const t = this.peek();
      const word = t?.t === 'word' ? t.name.toLowerCase() : '';
      if (word === 'elseif') {
        this.i++;
        clauses.push(this.parseClause());
      } else if (word === 'else') {
        this.i++;
        otherwise = this.parseBlock();
        break;
      } else {
        this.i = save;
        break;
      }
    }
    return { t: 'if', clauses, ...(otherwise ? { otherwise } : {}) };
  }

  private parseClause(): { cond: Ps; body: Ps } {
    this.expectPunct('(', "the '(' after if");
    const cond = this.parseLogical();
    this.expectPunct(')', "the ')' closing the if condition");
    return { cond, body: this.parseBlock() };
  }

  private parseBlock(): Ps {
    this.skipSeps();
    this.expectPunct('{', "the '{' of an if or else branch");
    this.skipSeps();
    const body = this.parseStatement();
    this.skipSeps();
    this.expectPunct('}', "the '}' closing an if or else branch (each branch must give one value)");
    return body;
  }

  /** -and / -or: one precedence level, left to right, as in PowerShell. */
  private parseLogical(): Ps {
    let left = this.parseComparison();
    for (;;) {
      const t = this.peek();
      if (t?.t === 'op' && (t.name === '-and' || t.name === '-or')) {
        this.i++;
        this.skipSeps();
        left = { t: 'bin', op: t.name, left, right: this.parseComparison() };
      } else if (t?.t === 'op' && t.name === '-xor') {
        throw new Untranslatable('it uses -xor');
      } else {
        return left;
      }
    }
  }

  private parseComparison(): Ps {
    const left = this.parseAdditive();
    const t = this.peek();
    if (t?.t === 'op' && COMPARISONS.has(t.name)) {
      this.i++;
      const right = this.parseAdditive();
      const again = this.peek();
      if (again?.t === 'op' && COMPARISONS.has(again.name)) throw new Untranslatable('it chains comparisons');
      return { t: 'bin', op: t.name, left, right };
    }
    if (t?.t === 'op' && UNSUPPORTED_COMPARISONS.has(t.name)) {
      throw new Untranslatable(`it uses ${t.raw}, which the importer does not translate`);
    }
    return left;
  }

  private parseAdditive(): Ps {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t?.t === 'punct' && t.name === '+') {
        this.i++;
        left = { t: 'bin', op: '+', left, right: this.parseUnary() };
      } else if (t?.t === 'punct' && '-*/%'.includes(t.name)) {
        throw new Untranslatable(`it does arithmetic (${t.name})`);
      } else {
        return left;
      }
    }
  }

  private parseUnary(): Ps {
    if (++this.depth > MAX_NESTING) throw new Untranslatable('it nests expressions too deeply');
    try {
      return this.parseUnaryInner();
    } finally {
      this.depth--;
    }
  }

  private parseUnaryInner(): Ps {
    const t = this.peek();
    if ((t?.t === 'op' && t.name === '-not') || (t?.t === 'punct' && t.name === '!')) {
      this.i++;
      return { t: 'not', operand: this.parseUnary() };
    }
    if (t?.t === 'punct' && t.name === '[') {
      const type = this.parseTypeName();
      if (this.isPunct('::')) {
        this.i++;
        const name = this.peek();
        if (name?.t !== 'word') throw new Untranslatable(`it calls a static member of [${type}] the importer does not know`);
        this.i++;
        const args = this.isPunct('(') ? this.parseArgs() : undefined;
        return this.parsePostfix({ t: 'static', type, name: name.name, ...(args ? { args } : {}) });
      }
      return { t: 'cast', type, operand: this.parseUnary() };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parseTypeName(): string {
    this.i++; // [
    let name = '';
    while (!this.isPunct(']')) {
      const t = this.peek();
      if (t === undefined || t.t === 'sep') throw new Untranslatable("it has a '[' type name that is never closed");
      name += t.raw;
      this.i++;
    }
    this.i++; // ]
    return name.toLowerCase().replace(/^system\./, '');
  }

  private parseArgs(): Ps[] {
    this.expectPunct('(', "a '('");
    const args: Ps[] = [];
    if (this.isPunct(')')) {
      this.i++;
      return args;
    }
    for (;;) {
      args.push(this.parseLogical());
      if (this.isPunct(',')) {
        this.i++;
        continue;
      }
      this.expectPunct(')', "the ')' closing a method call");
      return args;
    }
  }

  private parsePostfix(target: Ps): Ps {
    let node = target;
    for (;;) {
      if (this.isPunct('.')) {
        this.i++;
        const t = this.peek();
        let name: string;
        if (t?.t === 'word') name = t.name;
        else if (t?.t === 'str') {
          if (t.expandable) throw new Untranslatable(`it reads a column whose name ${t.raw} PowerShell would expand`);
          name = t.value;
        } else throw new Untranslatable("it has a '.' that is not followed by a column or method name");
        this.i++;
        const args = this.isPunct('(') ? this.parseArgs() : undefined;
        node = { t: 'member', target: node, name, ...(args ? { args } : {}) };
      } else if (this.isPunct('[')) {
        throw new Untranslatable('it indexes into a value with [ ]');
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): Ps {
    const t = this.peek();
    if (t === undefined || t.t === 'sep') throw new Untranslatable('a value is missing');
    this.i++;
    switch (t.t) {
      case 'str':
        return { t: 'str', value: t.value, expandable: t.expandable, raw: t.raw };
      case 'num':
        return { t: 'num', value: t.value };
      case 'var': {
        const name = t.name.toLowerCase();
        if (name === 'true' || name === 'false') return { t: 'bool', value: name === 'true' };
        if (name === 'null') return { t: 'null' };
        return { t: 'var', name: t.name };
      }
      case 'punct':
        if (t.name === '(') {
          this.skipSeps();
          const inner = this.parseParenthesised();
          this.skipSeps();
          this.expectPunct(')', "a ')'");
          return inner;
        }
        if (t.name === '@') throw new Untranslatable('it builds an array or table inside the script block');
        throw new Untranslatable(`it uses "${t.raw}" where a value was expected`);
      case 'word':
        return this.parseCommand(t.name);
      case 'op':
        throw new Untranslatable(`it uses ${t.raw} where a value was expected`);
    }
  }

  /** `( … )` may hold a command, as in `(Get-Date $_.HireDate).ToString('o')`. */
  private parseParenthesised(): Ps {
    const t = this.peek();
    if (t?.t === 'word' && !this.isPunct('.', 1)) return this.parseCommand((this.i++, t.name));
    return this.parseLogical();
  }

  /** Only `Get-Date <value> [-Format '<format>']` is understood; other commands are reported. */
  private parseCommand(name: string): Ps {
    if (name.toLowerCase() !== 'get-date') throw new Untranslatable(`it runs the command ${name}`);
    const args: Ps[] = [];
    const params: Record<string, Ps> = {};
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.t === 'sep' || (t.t === 'punct' && (t.name === ')' || t.name === '}'))) break;
      if (t.t === 'op') {
        this.i++;
        const param = t.name.toLowerCase();
        if (param !== '-format' && param !== '-date') throw new Untranslatable(`it passes ${t.raw} to Get-Date`);
        const value = this.parsePostfix(this.parsePrimary());
        if (param === '-date') args.push(value);
        else params.format = value;
      } else {
        args.push(this.parsePostfix(this.parsePrimary()));
      }
    }
    return { t: 'command', name: 'get-date', args, params };
  }
}

function unexpected(t: Token, fallback: string): string {
  return t.t === 'punct' && t.name === '|' ? 'it uses a pipeline (|)' : fallback;
}

// ---- conversion to JSONata -------------------------------------------------------------------------

/** A value during conversion: dates stay apart until formatted, so they can become one `$entraDate`. */
type Value =
  | { type: 'string' | 'boolean' | 'number' | 'mixed'; expr: Expr }
  | { type: 'date'; source: Expr; pattern?: string };

function finish(v: Value): Translated {
  if (v.type === 'date') return { expr: entraDate(v), type: 'date' };
  return { expr: v.expr, type: v.type };
}

function entraDate(v: { source: Expr; pattern?: string }): Expr {
  return v.pattern === undefined ? call('$entraDate', v.source) : call('$entraDate', v.source, str(v.pattern));
}

const isColumn = (e: Expr): e is { k: 'col'; name: string } => e.k === 'col';

function asText(v: Value, what: string): Expr {
  if (v.type === 'date') throw new Untranslatable(`it uses a date in ${what} without formatting it`);
  if (v.type === 'boolean') throw new Untranslatable(`it uses a true/false value in ${what}`);
  return v.expr;
}

function convert(node: Ps): Value {
  switch (node.t) {
    case 'str':
      if (node.expandable) throw new Untranslatable(`the text ${node.raw} would have variables expanded by PowerShell`);
      return { type: 'string', expr: str(node.value) };
    case 'num':
      return { type: 'number', expr: { k: 'num', value: node.value } };
    case 'bool':
      return { type: 'boolean', expr: { k: 'bool', value: node.value } };
    case 'null':
      throw new Untranslatable('it uses $null');
    case 'var':
      if (node.name === '_' || node.name.toLowerCase() === 'psitem') {
        throw new Untranslatable('it uses the whole row ($_) rather than one of its columns');
      }
      throw new Untranslatable(`it uses the variable $${node.name}, which only exists inside a PowerShell session`);
    case 'member':
      return convertMember(node);
    case 'static':
      return convertStatic(node);
    case 'cast':
      return convertCast(node.type, convert(node.operand));
    case 'command': {
      const [arg, ...more] = node.args;
      if (arg === undefined || more.length > 0) throw new Untranslatable('it calls Get-Date without exactly one date to read');
      const date: Value = { type: 'date', source: asText(convert(arg), 'Get-Date') };
      return node.params.format === undefined ? date : formatDate(date, node.params.format);
    }
    case 'not': {
      const v = convert(node.operand);
      if (v.type === 'boolean') return { type: 'boolean', expr: call('$not', v.expr) };
      const e = asText(v, '-not');
      // An empty cell is absent from the row; PowerShell sees '' there, which -not turns into true.
      if (isColumn(e)) return { type: 'boolean', expr: call('$not', call('$exists', e)) };
      return { type: 'boolean', expr: { k: 'cond', test: e, then: { k: 'bool', value: false }, else: { k: 'bool', value: true } } };
    }
    case 'bin':
      if (node.op === '+') return convertConcat(node.left, node.right);
      if (node.op === '-and' || node.op === '-or') {
        const l = convert(node.left);
        const r = convert(node.right);
        const op = node.op === '-and' ? 'and' : 'or';
        return { type: 'boolean', expr: bin(op, truthy(l, node.op), truthy(r, node.op)) };
      }
      return convertComparison(node.op, convert(node.left), convert(node.right));
    case 'if': {
      const branches = node.clauses.map((c) => ({ cond: truthy(convert(c.cond), 'if'), body: finishValue(convert(c.body)) }));
      const otherwise = node.otherwise ? finishValue(convert(node.otherwise)) : undefined;
      let expr: Expr | undefined = otherwise?.expr;
      for (let i = branches.length - 1; i >= 0; i--) {
        const b = branches[i];
        if (!b) continue;
        expr = expr === undefined ? { k: 'cond', test: b.cond, then: b.body.expr } : { k: 'cond', test: b.cond, then: b.body.expr, else: expr };
      }
      const types = new Set([...branches.map((b) => b.body.type), ...(otherwise ? [otherwise.type] : [])]);
      const [only] = types;
      return { type: types.size === 1 && only !== undefined ? only : 'mixed', expr: expr as Expr };
    }
  }
}

/** A branch's value: a date inside an if/else is already formatted text by the time it is chosen. */
function finishValue(v: Value): { type: 'string' | 'boolean' | 'number' | 'mixed'; expr: Expr } {
  const f = finish(v);
  return { expr: f.expr, type: f.type === 'date' ? 'string' : f.type };
}

/** PowerShell's truthiness of a string (non-empty is true) is also JSONata's, and absent is false in both. */
function truthy(v: Value, what: string): Expr {
  if (v.type === 'date') throw new Untranslatable(`it uses a date as a condition in ${what}`);
  return v.expr;
}

function convertConcat(leftNode: Ps, rightNode: Ps): Value {
  const left = convert(leftNode);
  const right = convert(rightNode);
  if (left.type === 'number') throw new Untranslatable('it adds numbers with +');
  return { type: 'string', expr: bin('&', asText(left, 'text joined with +'), asText(right, 'text joined with +')) };
}

const lower = (e: Expr): Expr => (e.k === 'call' && (e.fn === '$lowercase' || e.fn === '$uppercase') ? call('$lowercase', ...e.args) : call('$lowercase', e));

function convertComparison(op: string, a: Value, b: Value): Value {
  const negate = op.endsWith('ne');
  const caseSensitive = op.startsWith('-c');
  // PowerShell converts the right operand to the left one's type; with text on the left (every CSV
  // column is text) that means comparing text, and $true becomes 'True'.
  let [subject, literal] = [a, b];
  if (a.type !== 'date' && a.expr.k !== 'col' && columnsOf(a.expr).length === 0 && b.type !== 'date' && columnsOf(b.expr).length > 0) {
    if (a.type !== 'string') throw new Untranslatable(`it compares a fixed ${a.type === 'boolean' ? 'true/false' : 'number'} value on the left with a column`);
    [subject, literal] = [b, a];
  }
  if (subject.type !== 'string' && subject.type !== 'mixed') {
    throw new Untranslatable(`it compares a ${subject.type === 'date' ? 'date' : subject.type === 'boolean' ? 'true/false result' : 'number'} with ${op}`);
  }
  if (literal.type === 'date') throw new Untranslatable('it compares with a date');
  if (columnsOf(literal.expr).length > 0) throw new Untranslatable('it compares two columns with each other');
  const lit = literal.expr;
  const text = lit.k === 'str' ? lit.value : lit.k === 'num' ? String(lit.value) : lit.k === 'bool' ? (lit.value ? 'True' : 'False') : undefined;
  if (text === undefined) throw new Untranslatable(`it compares with something that is not a fixed value`);
  const subjectExpr = subject.expr;

  if (text === '') {
    const present: Expr = isColumn(subjectExpr) ? call('$exists', subjectExpr) : bin('and', call('$exists', subjectExpr), bin('!=', subjectExpr, str('')));
    return { type: 'boolean', expr: negate ? present : call('$not', present) };
  }
  const cased = text.toLowerCase() !== text.toUpperCase();
  const eq =
    caseSensitive || !cased ? bin('=', subjectExpr, str(text)) : bin('=', lower(subjectExpr), str(text.toLowerCase()));
  // `$not(a = b)` rather than `a != b`: JSONata's != is false for an absent (empty) cell, PowerShell's -ne true.
  return { type: 'boolean', expr: negate ? call('$not', eq) : eq };
}

function convertMember(node: Ps & { t: 'member' }): Value {
  const target = node.target;
  if (target.t === 'var' && (target.name === '_' || target.name.toLowerCase() === 'psitem')) {
    if (node.args) throw new Untranslatable(`it calls the method ${node.name}() on the whole row`);
    return { type: 'string', expr: col(node.name) };
  }
  const v = convert(target);
  const method = node.name.toLowerCase();
  const args = node.args;
  if (v.type === 'date') {
    if (method === 'tostring' && args && args.length === 1 && args[0]) return formatDate(v, args[0]);
    throw new Untranslatable(`it uses .${node.name} on a date; only .ToString('yyyy-MM-ddTHH:mm:ssZ') is translated`);
  }
  if (args === undefined) {
    if (method === 'length' && v.type === 'string') return { type: 'number', expr: call('$length', v.expr) };
    throw new Untranslatable(`it reads the property .${node.name} of a value`);
  }
  if (v.type !== 'string' && v.type !== 'mixed') throw new Untranslatable(`it calls .${node.name}() on a ${v.type === 'boolean' ? 'true/false' : 'number'} value`);
  const literalArgs = args.map((a) => convert(a));
  const noArgs = literalArgs.length === 0;
  const numbers = literalArgs.every((a) => a.type === 'number');
  const strings = literalArgs.every((a) => a.type === 'string' && a.expr.k === 'str');
  const argExprs = literalArgs.flatMap((a) => (a.type === 'date' ? [] : [a.expr]));
  const [firstArg] = argExprs;
  switch (method) {
    case 'tolower':
    case 'tolowerinvariant':
      if (noArgs) return { type: 'string', expr: call('$lowercase', v.expr) };
      break;
    case 'toupper':
    case 'toupperinvariant':
      if (noArgs) return { type: 'string', expr: call('$uppercase', v.expr) };
      break;
    case 'trim':
      // JSONata's $trim also folds runs of inner spaces into one, which suits names and IDs.
      if (noArgs) return { type: 'string', expr: call('$trim', v.expr) };
      break;
    case 'trimstart':
      if (noArgs) return { type: 'string', expr: call('$replace', v.expr, { k: 'raw', text: '/^\\s+/' }, str('')) };
      break;
    case 'trimend':
      if (noArgs) return { type: 'string', expr: call('$replace', v.expr, { k: 'raw', text: '/\\s+$/' }, str('')) };
      break;
    case 'substring':
      if (numbers && (literalArgs.length === 1 || literalArgs.length === 2)) return { type: 'string', expr: call('$substring', v.expr, ...argExprs) };
      break;
    case 'replace':
      // String.Replace with an empty search text throws in .NET; $replace refuses it too.
      if (strings && argExprs.length === 2 && firstArg?.k === 'str' && firstArg.value !== '') {
        return { type: 'string', expr: call('$replace', v.expr, ...argExprs) };
      }
      break;
    case 'tostring':
      if (noArgs) return v;
      break;
    default:
      throw new Untranslatable(`it calls the method .${node.name}(), which the importer does not translate`);
  }
  throw new Untranslatable(`it calls .${node.name}() with arguments the importer does not translate`);
}

function convertStatic(node: Ps & { t: 'static' }): Value {
  const method = node.name.toLowerCase();
  if (node.type !== 'datetime' || node.args === undefined) {
    throw new Untranslatable(`it uses [${node.type}]::${node.name}${node.args ? '()' : ''}`);
  }
  // The third argument of ParseExact (a culture or $null) only matters for month names, which the
  // accepted formats do not have, so it is not looked at.
  const [first, second, ...rest] = node.args;
  if (method === 'parse' && first && !second) return { type: 'date', source: asText(convert(first), 'a date') };
  if (method === 'parseexact' && first && second && rest.length <= 1) {
    const fmt = convert(second);
    if (fmt.type !== 'string' || fmt.expr.k !== 'str') throw new Untranslatable('it calls ParseExact with a format that is not fixed text');
    const pattern = fmt.expr.value;
    if (!isReadablePattern(pattern)) {
      throw new Untranslatable(
        `it reads dates in the format '${pattern}'; only day, month, four-digit year and time parts (${PATTERN_TOKENS.join(', ')}) are translated`,
      );
    }
    return { type: 'date', source: asText(convert(first), 'a date'), pattern };
  }
  throw new Untranslatable(`it calls [datetime]::${node.name}() in a way the importer does not translate`);
}

// The date-pattern tokens $entraDate reads; .NET formats using others (yy, MMM, hh, tt) are reported.
const PATTERN_TOKENS = ['d', 'dd', 'M', 'MM', 'yyyy', 'H', 'HH', 'mm', 'ss'];

function isReadablePattern(pattern: string): boolean {
  if (!/^[dMyHms/.\-\s:]+$/.test(pattern)) return false;
  const tokens = pattern.match(/([dMyHms])\1*/g) ?? [];
  const has = (t: string): boolean => tokens.some((x) => x[0] === t);
  return tokens.every((t) => PATTERN_TOKENS.includes(t)) && has('d') && has('M') && has('y');
}

function convertCast(type: string, v: Value): Value {
  switch (type) {
    case 'datetime':
      return { type: 'date', source: asText(v, 'a [datetime] conversion') };
    case 'string':
      return v.type === 'date' ? v : { type: v.type === 'number' || v.type === 'boolean' ? 'string' : v.type, expr: v.type === 'string' ? v.expr : call('$string', v.expr) };
    case 'bool':
    case 'boolean':
      throw new Untranslatable("it converts with [bool], which turns any non-empty text, even 'False', into true");
    default:
      throw new Untranslatable(`it converts a value to [${type}]`);
  }
}

/** A date formatted as ISO 8601 (what Entra takes) becomes `$entraDate(...)`; other formats are reported. */
function formatDate(date: Value & { type: 'date' }, formatNode: Ps): Value {
  const fmt = convert(formatNode);
  if (fmt.type !== 'string' || fmt.expr.k !== 'str') throw new Untranslatable('it formats a date with a format that is not fixed text');
  const f = fmt.expr.value.replace(/['"]/g, '');
  const iso = ['o', 's', 'u'].includes(f.toLowerCase()) || /^yyyy-MM-dd(?:[T ]HH:mm(?::ss(?:\.[fF]{1,7})?)?(?:Z|K|zzz)?)?$/.test(f);
  if (!iso) throw new Untranslatable(`it formats a date as '${fmt.expr.value}', which is not the ISO 8601 form Entra takes`);
  return { type: 'string', expr: entraDate(date) };
}
