/**
 * A small streaming XML scanner for worksheet parts, which are most of an .xlsx and nearly all its
 * reading time. A general parser (saxes) checks and reports far more than a worksheet needs and costs
 * several times the inflating; this one finds tags and text with indexOf, and still refuses what is not
 * well-formed in ways that matter: unbalanced or mismatched tags, unknown entities, a part that ends
 * inside a tag.
 *
 * Text is handed out complete (never split at a chunk boundary), line ends normalised and entities
 * decoded as an XML parser does. CDATA sections, comments, processing instructions and declarations are
 * skipped, as the saxes-based reader (which listened to text events only) ignored them.
 */

/** What the scanner reports. */
export interface XmlScanHandlers {
  /** An element opens; its attributes are `text` from `start` to `end` (read them with `readAttributes`). */
  open(name: string, text: string, start: number, end: number): void;
  close(name: string): void;
  /** Text between tags (only called when `wantsText` says so). */
  text(text: string): void;
  /** Whether the next text matters: skipping unwanted text saves decoding it. */
  wantsText(): boolean;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; throws on any other. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`unterminated entity ${whole}`);
    const known = ENTITIES[name];
    if (known !== undefined) return known;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : name.startsWith('#') ? Number.parseInt(name.slice(1), 10) : Number.NaN;
    if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) throw new Error(`undefined entity ${whole}`);
    return String.fromCodePoint(code);
  });
}

/** XML line-end handling: CR LF and lone CR read as LF. */
function normaliseLines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * Reads the unprefixed attributes `names` of a tag in one pass over its attribute text (`text` from
 * `start` to `end`, as `open` hands it out): `values[i]` becomes the decoded value of `names[i]`, or
 * undefined when the tag has none.
 */
export function readAttributes(text: string, start: number, end: number, names: readonly string[], values: (string | undefined)[]): void {
  for (let n = 0; n < names.length; n++) values[n] = undefined;
  let i = start;
  while (i < end) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    if (i >= end) break;
    const eq = text.indexOf('=', i);
    if (eq < 0 || eq >= end) throw new Error('attribute without a value');
    let q = eq + 1;
    while (q < end && isSpace(text.charCodeAt(q))) q++;
    const quote = text.charCodeAt(q);
    if (quote !== 34 && quote !== 39) throw new Error('unquoted attribute value');
    const close = text.indexOf(quote === 34 ? '"' : "'", q + 1);
    if (close < 0 || close >= end) throw new Error('unterminated attribute value');
    let nameEnd = eq;
    while (nameEnd > i && isSpace(text.charCodeAt(nameEnd - 1))) nameEnd--;
    for (let n = 0; n < names.length; n++) {
      const name = names[n]!;
      // First occurrence wins, as an attribute may not repeat in well-formed XML anyway.
      if (values[n] === undefined && nameEnd - i === name.length && text.startsWith(name, i)) {
        const raw = text.slice(q + 1, close);
        values[n] = decodeEntities(/[\t\n\r]/.test(raw) ? raw.replace(/[\t\n\r]/g, ' ') : raw);
        break;
      }
    }
    i = close + 1;
  }
}

/** From after a tag's '<' to its '>', over quoted attribute values (which may hold '>'). */
// Unrolled (no nested quantifier over the same characters), so a tag cut off at a chunk's end fails
// in linear time instead of backtracking.
const TAG_END = /[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>/y;

export class XmlScanner {
  private rest = '';
  private readonly open: string[] = [];
  private sawRoot = false;

  constructor(private readonly on: XmlScanHandlers) {}

  write(chunk: string): void {
    const text = this.rest ? this.rest + chunk : chunk;
    this.rest = '';
    const n = text.length;
    let i = 0;
    while (i < n) {
      const lt = text.indexOf('<', i);
      if (lt < 0) {
        // Text running to the end of the chunk may go on in the next one.
        this.rest = text.slice(i);
        return;
      }
      if (lt > i) this.textBetween(text, i, lt);
      const end = this.markup(text, lt);
      if (end < 0) {
        this.rest = text.slice(lt);
        return;
      }
      i = end;
    }
  }

  /** How many elements are open: 1 between the children of the root element. */
  get depth(): number {
    return this.open.length;
  }

  /** Whether the last write ended inside markup or text that the next one completes. */
  get pending(): boolean {
    return this.rest !== '';
  }

  close(): void {
    if (this.rest.trim() !== '') throw new Error(this.rest.trimStart().startsWith('<') ? 'the part ends inside a tag' : 'text after the root element');
    if (this.open.length > 0) throw new Error(`unclosed tag: ${this.open[this.open.length - 1]}`);
    if (!this.sawRoot) throw new Error('no root element');
  }

  private textBetween(text: string, start: number, end: number): void {
    if (this.open.length === 0) {
      for (let k = start; k < end; k++) {
        const code = text.charCodeAt(k);
        if (!isSpace(code) && code !== 0xfeff) throw new Error('text outside the root element');
      }
      return;
    }
    if (this.on.wantsText()) this.on.text(decodeEntities(normaliseLines(text.slice(start, end))));
  }

  /** Handles the markup starting at `lt`; returns where it ends, or -1 when it is not complete yet. */
  private markup(text: string, lt: number): number {
    const next = text.charCodeAt(lt + 1);
    if (Number.isNaN(next)) return -1;
    if (next === 33 /* ! */) {
      if (text.startsWith('<!--', lt)) return after(text, '-->', lt + 4);
      if (text.startsWith('<![CDATA[', lt)) return after(text, ']]>', lt + 9);
      if (text.length - lt < 9 && '<![CDATA['.startsWith(text.slice(lt))) return -1;
      return after(text, '>', lt + 2);
    }
    if (next === 63 /* ? */) return after(text, '?>', lt + 2);
    // A tag: find its '>' outside quoted attribute values (which may hold '>').
    TAG_END.lastIndex = lt + 1;
    if (!TAG_END.test(text)) return -1;
    const k = TAG_END.lastIndex - 1;
    if (next === 47 /* / */) {
      const name = text.slice(lt + 2, k).trimEnd();
      const expected = this.open.pop();
      if (name !== expected) throw new Error(expected === undefined ? `unexpected close tag ${name}` : `expected </${expected}> but found </${name}>`);
      this.on.close(name);
      return k + 1;
    }
    const selfClosing = text.charCodeAt(k - 1) === 47;
    const innerEnd = selfClosing ? k - 1 : k;
    let nameEnd = lt + 1;
    while (nameEnd < innerEnd && !isSpace(text.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === lt + 1) throw new Error('a tag without a name');
    const name = text.slice(lt + 1, nameEnd);
    if (this.open.length === 0) {
      if (this.sawRoot) throw new Error('a second root element');
      this.sawRoot = true;
    }
    this.on.open(name, text, nameEnd, innerEnd);
    if (selfClosing) this.on.close(name);
    else this.open.push(name);
    return k + 1;
  }
}

/** The index after `token` at or past `from`, or -1 when the text ends first. */
function after(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at < 0 ? -1 : at + token.length;
}
