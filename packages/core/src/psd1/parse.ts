/**
 * A hand-written parser for the subset of PowerShell data (.psd1) that CSV2SCIM attribute mappings use:
 * `@{ }` hashtables, `@( )` arrays and comma lists, quoted strings, numbers, `$true`/`$false`/`$null`,
 * `{ … }` script blocks (kept as text, never run) and comments. Anything else is a PSD1_SYNTAX error that
 * names the line and column, because guessing at a mapping file is how people get wrong accounts.
 */
import { CoreError } from '../errors';

/** Where a value starts in the file (1-based line and column, as an editor shows them). */
export interface Psd1Position {
  line: number;
  column: number;
}

interface Node {
  /** Where the value starts. */
  at: Psd1Position;
  /** The value's text exactly as written in the file. */
  source: string;
}

export interface Psd1Entry {
  key: string;
  keyAt: Psd1Position;
  value: Psd1Value;
}

export type Psd1Value =
  | (Node & { type: 'hashtable'; entries: Psd1Entry[] })
  | (Node & { type: 'array'; items: Psd1Value[] })
  /** `expandable` marks a double-quoted string holding `$name` or `$(…)`, which PowerShell would expand. */
  | (Node & { type: 'string'; value: string; expandable: boolean })
  | (Node & { type: 'number'; value: number })
  | (Node & { type: 'boolean'; value: boolean })
  | (Node & { type: 'null' })
  /** `body` is the text between the braces. */
  | (Node & { type: 'scriptblock'; body: string });

// PowerShell accepts typographic quotes as well as ASCII ones; Word and Outlook put them into pasted files.
export const SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b";
export const DOUBLE_QUOTES = '"\u201c\u201d\u201e';

const BACKTICK_ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * Reads a PowerShell quoted string starting at `start` (which holds the opening quote). Single-quoted
 * strings are verbatim with '' for a quote; double-quoted ones take backtick escapes and "" for a quote,
 * and are `expandable` when they hold `$name` or `$(…)`, which PowerShell would replace.
 */
export function readQuoted(
  text: string,
  start: number,
): { value: string; end: number; expandable: boolean } | { error: 'unclosed'; at: number } {
  const double = DOUBLE_QUOTES.includes(text[start] ?? '');
  const quotes = double ? DOUBLE_QUOTES : SINGLE_QUOTES;
  let pos = start + 1;
  let value = '';
  let expandable = false;
  for (;;) {
    const ch = text[pos];
    if (ch === undefined) return { error: 'unclosed', at: start };
    if (double && ch === '`') {
      const next = text[pos + 1];
      if (next === undefined) return { error: 'unclosed', at: start };
      value += BACKTICK_ESCAPES[next] ?? next;
      pos += 2;
      continue;
    }
    if (quotes.includes(ch)) {
      // A doubled quote is a literal quote.
      if (quotes.includes(text[pos + 1] ?? '\n')) {
        value += ch;
        pos += 2;
        continue;
      }
      return { value, end: pos + 1, expandable };
    }
    if (double && ch === '$' && /[\p{L}_({:?^$]/u.test(text[pos + 1] ?? '')) expandable = true;
    value += ch;
    pos++;
  }
}

/**
 * Parses the text of a .psd1 file into a tree. Throws CoreError `PSD1_SYNTAX` (with `location.row` = line
 * and `location.column` = column) when the text is not in the supported subset.
 */
export function parsePsd1(text: string, file?: string): Psd1Value {
  if (typeof text !== 'string') {
    throw new CoreError('INVALID_ARGUMENT', 'parsePsd1 needs the text of a .psd1 file.', { location: file ? { file } : {} });
  }
  return new Parser(text.replace(/^\uFEFF/, ''), file).parseFile();
}

// Real mappings nest three levels deep; the limit keeps hostile files from exhausting the stack.
const MAX_DEPTH = 64;

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  parseFile(): Psd1Value {
    this.skip(true);
    if (this.pos >= this.text.length) this.fail(this.pos, 'the file is empty', 'A CSV2SCIM mapping file holds one @{ … } table.');
    const value = this.parseExpression();
    this.skip(true);
    if (this.pos < this.text.length) {
      this.fail(this.pos, `unexpected ${this.describeHere()} after the end of the mapping`, 'Remove it, or check for a stray closing brace above.');
    }
    return value;
  }

  // ---- positions and errors ------------------------------------------------------------------------

  private positionOf(offset: number): Psd1Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  private fail(offset: number, what: string, todo: string): never {
    const { line, column } = this.positionOf(offset);
    const where = `${this.file ?? 'The .psd1 file'}, line ${line}, column ${column}`;
    throw new CoreError('PSD1_SYNTAX', `${where}: ${what}. ${todo}`, {
      location: { ...(this.file ? { file: this.file } : {}), row: line, column: String(column) },
    });
  }

  private describeHere(): string {
    const ch = this.text[this.pos];
    if (ch === undefined) return 'end of file';
    if (ch === '\n' || ch === '\r') return 'line break';
    return `"${ch}"`;
  }

  private node(start: number): Node {
    return { at: this.positionOf(start), source: this.text.slice(start, this.pos) };
  }

  // ---- whitespace and comments ---------------------------------------------------------------------

  /** Skips spaces and comments; line breaks too when `newlines`. A backtick before a line break continues the line. */
  private skip(newlines: boolean): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\v' || ch === '\u00a0') this.pos++;
      else if ((ch === '\n' || ch === '\r') && newlines) this.pos++;
      else if (ch === '`' && /^`\r?\n/.test(this.text.slice(this.pos, this.pos + 3))) {
        this.pos += this.text[this.pos + 1] === '\r' ? 3 : 2;
      } else if (ch === '<' && this.text[this.pos + 1] === '#') {
        const end = this.text.indexOf('#>', this.pos + 2);
        if (end < 0) this.fail(this.pos, 'a <# comment is never closed', 'Add the closing #>.');
        this.pos = end + 2;
      } else if (ch === '#') {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n' && this.text[this.pos] !== '\r') this.pos++;
      } else return;
    }
  }

  // ---- values --------------------------------------------------------------------------------------

  /** A value, or several joined by commas (PowerShell's array operator). Line breaks may follow a comma. */
  private parseExpression(): Psd1Value {
    const start = this.pos;
    const first = this.parseValue();
    this.skip(false);
    if (this.text[this.pos] !== ',') return first;
    const items = [first];
    while (this.text[this.pos] === ',') {
      this.pos++;
      this.skip(true);
      items.push(this.parseValue());
      this.skip(false);
    }
    return { type: 'array', items, ...this.node(start) };
  }

  private parseValue(): Psd1Value {
    this.skip(false);
    const start = this.pos;
    const ch = this.text[this.pos];
    const next = this.text[this.pos + 1];
    if (ch === '@' && (next === '{' || next === '(')) {
      if (++this.depth > MAX_DEPTH) this.fail(start, `tables and lists are nested more than ${MAX_DEPTH} deep`, 'Flatten the mapping.');
      const value = next === '{' ? this.parseHashtable() : this.parseArray();
      this.depth--;
      return value;
    }
    if (ch !== undefined && (SINGLE_QUOTES + DOUBLE_QUOTES).includes(ch)) return this.parseQuoted();
    if (ch === '{') return this.parseScriptBlock();
    if (ch === '$') {
      const m = /^\$(true|false|null)\b/i.exec(this.text.slice(this.pos, this.pos + 7));
      if (!m) {
        this.fail(start, 'variables cannot be used in a data file', 'Use a quoted column name, or a fixed value inside { }.');
      }
      this.pos += m[0].length;
      const word = (m[1] ?? '').toLowerCase();
      if (word === 'null') return { type: 'null', ...this.node(start) };
      return { type: 'boolean', value: word === 'true', ...this.node(start) };
    }
    const num = /^[+-]?(?:0x[0-9a-f]+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(?![\w.])/i.exec(this.text.slice(this.pos, this.pos + 64));
    if (num) {
      this.pos += num[0].length;
      const raw = num[0];
      const negative = raw.startsWith('-');
      const body = raw.replace(/^[+-]/, '');
      const magnitude = /^0x/i.test(body) ? parseInt(body.slice(2), 16) : Number(body);
      return { type: 'number', value: negative ? -magnitude : magnitude, ...this.node(start) };
    }
    if (ch === undefined) this.fail(start, 'the file ends where a value was expected', 'Finish the last entry and close every @{ and @(.');
    if (ch === '\n' || ch === '\r' || ch === ';' || ch === '}' || ch === ')') {
      this.fail(start, 'a value is missing', "Put a value after '=', for example a column name in quotes: 'WorkerID'.");
    }
    const bare = /^[\p{L}_][\p{L}\p{N}_\-.]*/u.exec(this.text.slice(this.pos, this.pos + 256));
    if (bare) {
      this.fail(start, `the value ${bare[0]} is not in quotes`, `Write a column name in quotes, like '${bare[0]}'.`);
    }
    this.fail(
      start,
      `unexpected ${this.describeHere()} where a value was expected`,
      "Values are column names in quotes ('WorkerID'), @{ } tables, @( ) lists or { } script blocks.",
    );
  }

  private parseHashtable(): Psd1Value {
    const start = this.pos;
    this.pos += 2;
    const entries: Psd1Entry[] = [];
    const seen = new Map<string, string>();
    for (;;) {
      this.skipSeparators();
      const ch = this.text[this.pos];
      if (ch === '}') {
        this.pos++;
        return { type: 'hashtable', entries, ...this.node(start) };
      }
      if (ch === undefined) this.fail(start, 'this @{ is never closed', 'Add the matching } at the end of the table.');
      const keyStart = this.pos;
      const key = this.parseKey();
      // PowerShell rejects duplicate keys in a table literal, comparing them without regard to case.
      const folded = key.toLowerCase();
      const earlier = seen.get(folded);
      if (earlier !== undefined) {
        this.fail(keyStart, `the key "${key}" appears twice in the same table (first as "${earlier}")`, 'Keep one of them.');
      }
      seen.set(folded, key);
      this.skip(false);
      if (this.text[this.pos] !== '=') {
        this.fail(this.pos, `expected '=' after the key "${key}" but found ${this.describeHere()}`, "Write entries as key = 'value'.");
      }
      this.pos++;
      this.skip(true);
      const value = this.parseExpression();
      entries.push({ key, keyAt: this.positionOf(keyStart), value });
      this.skip(false);
      const after = this.text[this.pos];
      if (after !== undefined && after !== '\n' && after !== '\r' && after !== ';' && after !== '}') {
        this.fail(
          this.pos,
          `unexpected ${this.describeHere()} after the value of "${key}"`,
          'Put each entry on its own line or separate entries with ;. A comma makes a list: wrap lists in @( ).',
        );
      }
    }
  }

  private skipSeparators(): void {
    for (;;) {
      this.skip(true);
      if (this.text[this.pos] === ';') this.pos++;
      else return;
    }
  }

  private parseKey(): string {
    const ch = this.text[this.pos];
    if (ch !== undefined && (SINGLE_QUOTES + DOUBLE_QUOTES).includes(ch)) {
      const quoted = this.parseQuoted();
      if (quoted.type === 'string' && quoted.expandable) {
        this.fail(this.pos - quoted.source.length, `the key ${quoted.source} would be expanded by PowerShell`, 'Use single quotes for keys.');
      }
      return quoted.type === 'string' ? quoted.value : '';
    }
    const m = /^[\p{L}\p{N}_][\p{L}\p{N}_\-.:]*/u.exec(this.text.slice(this.pos, this.pos + 512));
    if (!m) {
      this.fail(this.pos, `expected a key but found ${this.describeHere()}`, 'Keys are attribute names such as externalId, or quoted texts.');
    }
    this.pos += m[0].length;
    return m[0];
  }

  private parseArray(): Psd1Value {
    const start = this.pos;
    this.pos += 2;
    const items: Psd1Value[] = [];
    for (;;) {
      this.skipSeparators();
      const ch = this.text[this.pos];
      if (ch === ')') {
        this.pos++;
        return { type: 'array', items, ...this.node(start) };
      }
      if (ch === undefined) this.fail(start, 'this @( is never closed', 'Add the matching ) at the end of the list.');
      const item = this.parseExpression();
      // @( 'a', 'b' ) is one comma list inside the sub-expression; PowerShell flattens it into the array.
      if (item.type === 'array' && !item.source.startsWith('@(')) items.push(...item.items);
      else items.push(item);
      this.skip(false);
      const after = this.text[this.pos];
      if (after !== undefined && after !== '\n' && after !== '\r' && after !== ';' && after !== ')') {
        this.fail(this.pos, `unexpected ${this.describeHere()} in a list`, 'Separate list items with commas or line breaks.');
      }
    }
  }

  private parseQuoted(): Psd1Value {
    const start = this.pos;
    const read = readQuoted(this.text, start);
    if ('error' in read) this.fail(read.error === 'unclosed' ? start : read.at, 'this quoted text is never closed', 'Add the closing quote.');
    this.pos = read.end;
    return { type: 'string', value: read.value, expandable: read.expandable, ...this.node(start) };
  }

  /** Finds the matching `}` while stepping over strings and comments, which may hold braces of their own. */
  private parseScriptBlock(): Psd1Value {
    const start = this.pos;
    this.pos++;
    let depth = 1;
    while (depth > 0) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail(start, 'this { script block is never closed', 'Add the matching }.');
      if ((SINGLE_QUOTES + DOUBLE_QUOTES).includes(ch)) {
        this.parseQuoted();
      } else if (ch === '#' || (ch === '<' && this.text[this.pos + 1] === '#')) {
        this.skip(false);
      } else if (ch === '`') {
        this.pos += 2;
      } else {
        if (ch === '{') depth++;
        else if (ch === '}') depth--;
        this.pos++;
      }
    }
    const node = this.node(start);
    return { type: 'scriptblock', body: node.source.slice(1, -1), ...node };
  }
}
