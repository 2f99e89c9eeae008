/**
 * Rules that need the whole file: duplicate externalIds and userNames, and manager references that
 * point outside the file. Only identifiers and row locations are kept, so memory stays small and linear
 * in the number of rows.
 */
import type { CellRef, Finding, ScimUser } from '../types';
import { SCIM_ENTERPRISE_USER } from '../types';
import { CoreError } from '../errors';
import type { UserContext, ValidationCode } from './user';

const MANAGER_PATH = `${SCIM_ENTERPRISE_USER}.manager.value`;
/** How many other rows a duplicate finding lists before "and N more". */
const MAX_LISTED = 10;
const NO_CELLS: CellRef[] = [];

interface RowLocation {
  file: string;
  sheet: string | undefined;
  row: number;
}

/**
 * The rows holding one identifier. Several rows per identifier are rare, so a single index is stored
 * until a second one arrives. `shown` is the spelling first seen (keys are lower-cased for comparison).
 */
interface Entry {
  shown: string;
  rows: number | number[];
  /** Some rows spell the identifier with different upper/lower case. */
  mixedCase: boolean;
}

function addRow(map: Map<string, Entry>, value: string, index: number): void {
  const key = value.toLowerCase();
  const entry = map.get(key);
  if (entry === undefined) {
    map.set(key, { shown: value, rows: index, mixedCase: false });
    return;
  }
  if (typeof entry.rows === 'number') entry.rows = [entry.rows, index];
  else entry.rows.push(index);
  if (value !== entry.shown) entry.mixedCase = true;
}

function rowsOf(entry: Entry): number[] {
  return typeof entry.rows === 'number' ? [entry.rows] : entry.rows;
}

function managerOf(user: ScimUser): string | undefined {
  const enterprise = user[SCIM_ENTERPRISE_USER];
  if (typeof enterprise !== 'object' || enterprise === null) return undefined;
  const manager = (enterprise as Record<string, unknown>).manager;
  if (typeof manager !== 'object' || manager === null) return undefined;
  const value = (manager as Record<string, unknown>).value;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * Cross-row checks over one upload (one file, or several files sent together). Call `add` for every
 * mapped user in order, then `finish` once.
 *
 * Identifiers are compared without regard to case, because Entra matches externalId (to employeeId)
 * and userName (the UPN) case-insensitively: `E100` and `e100` are the same person to Entra.
 *
 * Rows are identified two ways: by their Excel row number (`rejectedRows`, only meaningful when every
 * row came from one file and sheet) and by the order they were added (`add` returns that index;
 * `rejectedIndexes` returns the rejected ones), which works across files.
 */
export class FileChecks {
  private readonly rows: RowLocation[] = [];
  private readonly cells: Array<{ externalId: CellRef[]; userName: CellRef[]; manager: CellRef[] } | undefined> = [];
  private readonly externalIds = new Map<string, Entry>();
  private readonly userNames = new Map<string, Entry>();
  private readonly managerRefs: Array<{ index: number; value: string }> = [];
  private readonly erroneous = new Set<number>();
  private result: { findings: Finding[] | undefined; perRow: Array<Array<() => Finding> | undefined>; rejected: Set<number> } | undefined;

  /**
   * Records one mapped user. Pass `hasErrors: true` when the row's own validation failed: that row
   * will not be sent, so people who name it as their manager get a warning. Returns the row's index
   * (0-based order of `add` calls).
   */
  add(user: ScimUser, ctx: UserContext, hasErrors = false): number {
    if (this.result) {
      throw new CoreError('INVALID_ARGUMENT', 'FileChecks.add was called after finish(); create a new FileChecks for another upload.');
    }
    const index = this.rows.length;
    this.rows.push({ file: ctx.file, sheet: ctx.sheet, row: ctx.row });
    if (hasErrors) this.erroneous.add(index);

    const externalId = typeof user.externalId === 'string' && user.externalId.trim() !== '' ? user.externalId : undefined;
    const userName = typeof user.userName === 'string' && user.userName.trim() !== '' ? user.userName : undefined;
    const manager = managerOf(user);
    if (externalId !== undefined) addRow(this.externalIds, externalId, index);
    if (userName !== undefined) addRow(this.userNames, userName, index);
    if (manager !== undefined) this.managerRefs.push({ index, value: manager });
    // The callback may hold on to the whole row, so resolve the few paths these checks report on now.
    this.cells.push(
      externalId !== undefined || userName !== undefined || manager !== undefined
        ? {
            externalId: externalId !== undefined ? ctx.cellsFor('externalId') : NO_CELLS,
            userName: userName !== undefined ? ctx.cellsFor('userName') : NO_CELLS,
            manager: manager !== undefined ? ctx.cellsFor(MANAGER_PATH) : NO_CELLS,
          }
        : undefined,
    );
    return index;
  }

  /**
   * Findings that need the whole file, in row order:
   * - `externalId.duplicate` (error) on every row of a duplicated externalId, each listing the other rows;
   * - `userName.duplicate` (error) likewise, because user principal names must be unique;
   * - `manager.notInFile` (warning) when manager.value is no externalId in the file;
   * - `manager.rejected` (warning) when the manager's rows all fail validation or are duplicates.
   * Calling it again returns the same findings.
   */
  finish(): Finding[] {
    const result = this.decide();
    result.findings ??= [...this.findingsInRowOrder()];
    return result.findings;
  }

  /**
   * The findings of `finish`, in the same order, each built only when it is reached: a file where
   * every row names a manager from elsewhere gets as many findings as rows, and a caller that writes
   * them out one by one then never holds them all.
   */
  *findingsInRowOrder(): Generator<Finding> {
    const result = this.decide();
    if (result.findings) {
      yield* result.findings;
      return;
    }
    for (const makers of result.perRow) {
      if (makers) for (const make of makers) yield make();
    }
  }

  /** Decides which rows are rejected and which findings each row gets; the messages wait for the caller. */
  private decide(): NonNullable<FileChecks['result']> {
    if (this.result) return this.result;
    const perRow: Array<Array<() => Finding> | undefined> = [];
    const rejected = new Set<number>();
    const push = (index: number, make: () => Finding) => (perRow[index] ??= []).push(make);

    const duplicates = (map: Map<string, Entry>, code: ValidationCode, path: 'externalId' | 'userName', what: (value: string, others: string) => string) => {
      for (const entry of map.values()) {
        if (typeof entry.rows === 'number') continue;
        const value = shorten(entry.shown);
        for (const index of entry.rows) {
          rejected.add(index);
          const rows = entry.rows;
          push(index, () => {
            let others = this.describeRows(rows.filter((i) => i !== index), index);
            if (entry.mixedCase) others += ' (Entra ignores upper/lower case here)';
            return this.finding(index, 'error', code, path, what(value, others));
          });
        }
      }
    };
    duplicates(this.externalIds, 'externalId.duplicate', 'externalId', (value, others) =>
      `externalId \`${value}\` is also used on ${others}; each person needs their own externalId, so none of these rows will be sent until the duplicates are fixed.`);
    duplicates(this.userNames, 'userName.duplicate', 'userName', (value, others) =>
      `userName \`${value}\` is also used on ${others}; Entra needs a unique user principal name for each person, so none of these rows will be sent until each has a different userName.`);

    for (const { index, value } of this.managerRefs) {
      const entry = this.externalIds.get(value.toLowerCase());
      if (entry === undefined) {
        push(index, () => this.finding(index, 'warning', 'manager.notInFile', MANAGER_PATH,
          `Manager \`${shorten(value)}\` is not an externalId in this file: the manager may already exist in Entra; if not, the manager reference will fail, so check the manager column.`));
        continue;
      }
      const list = rowsOf(entry);
      if (list.every((i) => rejected.has(i) || this.erroneous.has(i))) {
        push(index, () => this.finding(index, 'warning', 'manager.rejected', MANAGER_PATH,
          `Manager \`${shorten(value)}\` (${this.describeRows(list, index)}) has errors and will not be sent, so unless the manager already exists in Entra the manager reference will fail; fix the manager's row first.`));
      }
    }

    this.result = { findings: undefined, perRow, rejected };
    return this.result;
  }

  /**
   * Excel row numbers of the rows that cross-row errors exclude (duplicated externalId or userName).
   * Throws when rows came from more than one file or sheet, where a row number alone is ambiguous:
   * use `rejectedIndexes` there.
   */
  rejectedRows(): Set<number> {
    const first = this.rows[0];
    if (first && this.rows.some((r) => r.file !== first.file || r.sheet !== first.sheet)) {
      throw new CoreError('INVALID_ARGUMENT',
        'FileChecks.rejectedRows() cannot tell rows of different files or sheets apart; use rejectedIndexes() instead.');
    }
    return new Set([...this.rejectedIndexes()].map((i) => this.rows[i]!.row));
  }

  /** Indexes (as returned by `add`) of the rows that cross-row errors exclude. Runs `finish` if needed. */
  rejectedIndexes(): Set<number> {
    return new Set(this.decide().rejected);
  }

  private finding(index: number, severity: Finding['severity'], code: ValidationCode, path: string, message: string): Finding {
    const loc = this.rows[index]!;
    const finding: Finding = { severity, code, path, message, file: loc.file };
    if (loc.sheet !== undefined) finding.sheet = loc.sheet;
    finding.row = loc.row;
    const cells = this.cells[index];
    const refs = path === 'externalId' ? cells?.externalId : path === 'userName' ? cells?.userName : cells?.manager;
    if (refs && refs.length > 0) finding.cells = refs;
    return finding;
  }

  /** "rows 7 and 12" when all are in the same file and sheet as `self`, else "staff.csv row 7, …". */
  private describeRows(indexes: number[], self: number): string {
    const here = this.rows[self]!;
    const shown = indexes.slice(0, MAX_LISTED).map((i) => this.rows[i]!);
    const sameSource = shown.every((r) => r.file === here.file && r.sheet === here.sheet);
    const parts = shown.map((r) =>
      sameSource ? String(r.row) : `${r.file}${r.sheet !== undefined ? ` sheet "${r.sheet}"` : ''} row ${r.row}`);
    const more = indexes.length - shown.length;
    if (more > 0) parts.push(`${more} more`);
    const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
    if (!sameSource) return list;
    return `${indexes.length === 1 ? 'row' : 'rows'} ${list}`;
  }
}
