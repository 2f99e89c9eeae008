/**
 * Warnings repeated on many rows, written once. Microsoft's sample gives every one of its 1,000 rows the same
 * "sign-in name is not email-style" warning; a 100,000-row export gives 100,000 such lines, which bury the
 * errors in errors.csv and cost time to write. Past `LIST_REPEATS_UP_TO` findings of one kind (one problem in
 * one column, as the app's screens group them), errors.csv gets one line for the kind instead, at its first row:
 * the group's sentence (what is wrong, on how many rows, what to do) and a `rows` cell listing every row
 * concerned, first rows first (so the annotated copy made later from errors.csv still marks each of them). Errors are never collapsed: every row
 * in error keeps its own line.
 */
import { t } from '@scimport/messages';
import type { Finding } from '../types';
import { FindingGrouper, groupKey } from '../validate/group';

/** A warning on this many rows or fewer keeps a line per row; one more and the kind is written once. */
export const LIST_REPEATS_UP_TO = 10;
/**
 * Characters of row list in one `rows` cell. Excel keeps 32,767 characters of a cell and cuts the rest when it
 * opens the file; a longer list continues on a next line of the same kind.
 */
const ROWS_CELL_CHARS = 30_000;

interface Kind {
  code: string;
  source: 'row' | 'file';
  /** Findings of the kind seen so far. */
  findings: number;
  grouper: FindingGrouper;
  first: Finding;
  /** Every row concerned, as ascending [first, last] ranges. */
  ranges: number[];
  written: boolean;
}

/**
 * Counts warnings by kind as the transform meets them (in row order), then says which kinds are written once and
 * gives their lines. Memory per kind is its row ranges (two numbers per run of consecutive rows) and a group with
 * its first few people.
 */
export class RepeatedWarnings {
  private readonly kinds: Kind[] = [];
  private readonly byKey = new Map<string, number>();

  /**
   * Notes a warning (`source`: a row's own check, or a whole-file check such as managers); returns its kind's number and whether the finding is still among the first
   * `LIST_REPEATS_UP_TO` of its kind (the only ones that can be written as lines of their own). A warning
   * without a row (about the whole file) has no kind: undefined.
   */
  add(finding: Finding, source: 'row' | 'file'): { kind: number; listed: boolean } | undefined {
    const key = keyOf(finding, source);
    if (key === undefined) return undefined;
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.kinds.length;
      this.byKey.set(key, index);
      this.kinds.push({ code: finding.code, source, findings: 0, grouper: new FindingGrouper({ maxPeople: 5, namesInText: 5, maxGroups: 1 }), first: finding, ranges: [], written: false });
    }
    const kind = this.kinds[index]!;
    kind.findings++;
    kind.grouper.add(finding);
    const row = finding.row!;
    const last = kind.ranges.length - 1;
    if (last < 0 || row > kind.ranges[last]! + 1) kind.ranges.push(row, row);
    else if (row > kind.ranges[last]!) kind.ranges[last] = row;
    return { kind: index, listed: kind.findings <= LIST_REPEATS_UP_TO };
  }

  /** The kind of a finding already added (a second pass over the same findings), or undefined. */
  kindOf(finding: Finding, source: 'row' | 'file'): number | undefined {
    const key = keyOf(finding, source);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Whether every kind of `code` from `source` is written once: then none of its findings' own sentences is needed. */
  allCollapsed(code: string, source: 'row' | 'file'): boolean {
    let any = false;
    for (const [index, kind] of this.kinds.entries()) {
      if (kind.code !== code || kind.source !== source) continue;
      if (!this.collapsed(index)) return false;
      any = true;
    }
    return any;
  }

  /** Whether the kind is written once (decided once every finding has been added). */
  collapsed(kind: number): boolean {
    return this.kinds[kind]!.findings > LIST_REPEATS_UP_TO;
  }

  /**
   * The lines standing for a collapsed kind, the first time it is asked for (at the kind's first row, so the
   * report stays in row order); none afterwards. Usually one; a row list longer than a cell continues on more.
   */
  take(kind: number): Finding[] {
    const entry = this.kinds[kind]!;
    if (entry.written) return [];
    entry.written = true;
    const group = entry.grouper.groups()[0]!;
    const parts = rowListParts(entry.ranges);
    const message = t('finding.group.textNoPeople', { title: group.title.replace(/[.]$/, ''), advice: group.advice });
    return parts.map((part) => {
      const { first } = entry;
      const line: Finding = {
        severity: 'warning',
        code: first.code,
        // What is wrong (with the count) and what to do, without the people the screens name: the rows cell
        // lists them all, and the sentence also serves as each row's note in an annotated copy.
        message,
        ...(first.path !== undefined ? { path: first.path } : {}),
        ...(first.file !== undefined ? { file: first.file } : {}),
        ...(first.sheet !== undefined ? { sheet: first.sheet } : {}),
        row: part.firstRow,
        ...(first.cells !== undefined ? { cells: first.cells } : {}),
        repeats: { count: part.count, rows: part.text },
      };
      return line;
    });
  }
}

/**
 * What makes findings one kind: the problem as the app groups it, in one column, from one source. Per-row and
 * whole-file findings arrive in two passes, each in row order: kept apart, each kind's rows only ever grow.
 * Errors and warnings about the whole file have no kind.
 */
function keyOf(finding: Finding, source: 'row' | 'file'): string | undefined {
  if (finding.severity !== 'warning' || finding.row === undefined) return undefined;
  return `${source}\u0000${groupKey(finding)}\u0000${(finding.cells ?? []).map((c) => c.letter).join(';')}\u0000${finding.sheet ?? ''}`;
}

/** The ranges as `2–1001, 1005, 1010–1012` text, cut into cells of at most ROWS_CELL_CHARS characters. */
function rowListParts(ranges: number[]): { text: string; firstRow: number; count: number }[] {
  const parts: { text: string; firstRow: number; count: number }[] = [];
  let items: string[] = [];
  let size = 0;
  let count = 0;
  let firstRow = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const from = ranges[i]!;
    const to = ranges[i + 1]!;
    // An en dash, not a hyphen: Excel reads a cell such as `3-12` as a date (12 March).
    const item = from === to ? String(from) : `${from}\u2013${to}`;
    if (items.length > 0 && size + item.length + 2 > ROWS_CELL_CHARS) {
      parts.push({ text: items.join(', '), firstRow, count });
      items = [];
      size = 0;
      count = 0;
    }
    if (items.length === 0) firstRow = from;
    items.push(item);
    size += item.length + 2;
    count += to - from + 1;
  }
  if (items.length > 0) parts.push({ text: items.join(', '), firstRow, count });
  return parts;
}

/**
 * The rows of a `rows` cell (`2–1001, 1005`), ascending, one at a time; a hyphen is read like the en dash (a
 * report edited by hand). Text that is not a row list yields nothing.
 */
export function* rowsOfList(text: string): Generator<number> {
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\s*(?:[-\u2013]\s*(\d+))?\s*$/.exec(item);
    if (!match) continue;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    for (let row = from; row <= to; row++) yield row;
  }
}
