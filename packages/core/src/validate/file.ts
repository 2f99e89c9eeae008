/**
 * Rules that need the whole file: duplicate externalIds and userNames, and manager references that
 * point outside the file. Only identifiers, row locations and each row's name (packed) are kept, so memory
 * stays small and linear in the number of rows.
 */
import { t, type MessageKey } from '@scimport/messages';
import type { CellRef, Finding, FindingPerson, ScimUser } from '../types';
import { SCIM_ENTERPRISE_USER } from '../types';
import { CoreError } from '../errors';
import type { UserContext, ValidationCode } from './user';
import { fieldName, listOf, nameOf, shorten } from './words';

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

interface CellsOfRow {
  externalId: CellRef[];
  userName: CellRef[];
  manager: CellRef[];
}

/** Row locations by index: row numbers in a plain array of small integers, sources once per run. */
class RowLocations {
  private readonly numbers: number[] = [];
  /** Runs of rows from one source: the index each starts at, with its file and sheet. */
  private readonly runs: Array<{ from: number; file: string; sheet: string | undefined }> = [];

  get length(): number {
    return this.numbers.length;
  }

  push(file: string, sheet: string | undefined, row: number): void {
    const last = this.runs[this.runs.length - 1];
    if (!last || last.file !== file || last.sheet !== sheet) this.runs.push({ from: this.numbers.length, file, sheet });
    this.numbers.push(row);
  }

  /** True when rows came from more than one file or sheet. */
  mixedSources(): boolean {
    const first = this.runs[0];
    return first !== undefined && this.runs.some((run) => run.file !== first.file || run.sheet !== first.sheet);
  }

  at(index: number): RowLocation {
    let low = 0;
    let high = this.runs.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.runs[mid]!.from <= index) low = mid;
      else high = mid - 1;
    }
    const run = this.runs[low]!;
    return { file: run.file, sheet: run.sheet, row: this.numbers[index]! };
  }
}

/** Rows per packed chunk of names. */
const PEOPLE_CHUNK = 1024;
/** Separates a row's name from its employee id inside a packed entry (never in a trimmed cell's text). */
const PERSON_SEPARATOR = '\u001f';

/**
 * Each row's name and employee id, for naming people in findings. Which rows end up in a finding is only
 * known once the whole file is read, so every row's is kept — packed: every 1,024 rows are joined into
 * one flat string with their end offsets in a typed array (about 4 bytes a row plus the characters). Held
 * one by one, 100k short strings cost several times that, and strings cut from a larger text (a CSV
 * chunk) would keep that text alive.
 */
class PeopleOfRows {
  private readonly chunks: string[] = [];
  private pending: string[] = [];
  private ends = new Uint32Array(PEOPLE_CHUNK);
  private length = 0;
  private offset = 0;

  push(name: string | undefined, externalId: string | undefined): void {
    const entry = name === undefined && externalId === undefined ? '' : `${name ?? ''}${PERSON_SEPARATOR}${externalId ?? ''}`;
    if (this.length === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.offset += entry.length;
    this.ends[this.length++] = this.offset;
    this.pending.push(entry);
    if (this.pending.length === PEOPLE_CHUNK) {
      this.chunks.push(this.pending.join(''));
      this.pending = [];
      this.offset = 0;
    }
  }

  at(index: number): FindingPerson | undefined {
    const entry = this.entry(index);
    if (!entry) return undefined;
    const cut = entry.indexOf(PERSON_SEPARATOR);
    const person: FindingPerson = {};
    if (cut > 0) person.name = entry.slice(0, cut);
    if (cut < entry.length - 1) person.externalId = entry.slice(cut + 1);
    return person;
  }

  nameAt(index: number): string | undefined {
    const entry = this.entry(index);
    const cut = entry ? entry.indexOf(PERSON_SEPARATOR) : 0;
    return cut > 0 ? entry!.slice(0, cut) : undefined;
  }

  private entry(index: number): string | undefined {
    const chunk = Math.floor(index / PEOPLE_CHUNK);
    return chunk < this.chunks.length
      ? this.chunks[chunk]!.slice(index % PEOPLE_CHUNK === 0 ? 0 : this.ends[index - 1]!, this.ends[index]!)
      : this.pending[index % PEOPLE_CHUNK];
  }
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
/** What `FileChecks.findingsInRowOrder` may leave out. */
export interface FileFindingsOptions {
  /** Only the warnings (managers), not the duplicate errors: for a caller that counts repeated warnings. */
  warningsOnly?: boolean;
  /** Whether a finding of `code` needs its message; one that does not gets '' (saves wording it). Default: all do. */
  worded?: (code: string) => boolean;
}

export class FileChecks {
  /**
   * Where each row came from, kept compactly since there is one per row: the row numbers as small
   * integers, and the file and sheet once per run of rows from the same source.
   */
  private readonly rows = new RowLocations();
  private readonly people = new PeopleOfRows();
  private readonly fields = new WeakMap<CellRef[], Map<string, string>>();
  /** The cells each row's identifiers came from; rows sharing the same cells share one record. */
  private readonly cells: Array<CellsOfRow | undefined> = [];
  private lastCells: CellsOfRow | undefined;
  private readonly externalIds = new Map<string, Entry>();
  private readonly userNames = new Map<string, Entry>();
  private readonly managerIndexes: number[] = [];
  private readonly managerValues: string[] = [];
  private readonly erroneous = new Set<number>();
  private result: { findings: Finding[] | undefined; duplicates: Map<number, Array<() => Finding>>; rejected: Set<number> } | undefined;

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
    this.rows.push(ctx.file, ctx.sheet, ctx.row);
    this.people.push(nameOf(user), typeof user.externalId === 'string' || typeof user.externalId === 'number' ? shorten(String(user.externalId).trim()) : undefined);
    if (hasErrors) this.erroneous.add(index);

    const externalId = typeof user.externalId === 'string' && user.externalId.trim() !== '' ? user.externalId : undefined;
    const userName = typeof user.userName === 'string' && user.userName.trim() !== '' ? user.userName : undefined;
    const manager = managerOf(user);
    if (externalId !== undefined) addRow(this.externalIds, externalId, index);
    if (userName !== undefined) addRow(this.userNames, userName, index);
    if (manager !== undefined) {
      this.managerIndexes.push(index);
      this.managerValues.push(manager);
    }
    // The callback may hold on to the whole row, so resolve the few paths these checks report on now.
    let cells: CellsOfRow | undefined;
    if (externalId !== undefined || userName !== undefined || manager !== undefined) {
      const externalIdCells = externalId !== undefined ? ctx.cellsFor('externalId') : NO_CELLS;
      const userNameCells = userName !== undefined ? ctx.cellsFor('userName') : NO_CELLS;
      const managerCells = manager !== undefined ? ctx.cellsFor(MANAGER_PATH) : NO_CELLS;
      const last = this.lastCells;
      cells = last && last.externalId === externalIdCells && last.userName === userNameCells && last.manager === managerCells
        ? last
        : (this.lastCells = { externalId: externalIdCells, userName: userNameCells, manager: managerCells });
    }
    this.cells.push(cells);
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
   * them out one by one then never holds them all. `options` leaves out what a caller does not need (see
   * FileFindingsOptions): wording a message is most of the cost.
   */
  *findingsInRowOrder(options: FileFindingsOptions = {}): Generator<Finding> {
    const result = this.decide();
    const worded = options.worded ?? (() => true);
    if (result.findings) {
      for (const finding of result.findings) if (!options.warningsOnly || finding.severity === 'warning') yield finding;
      return;
    }
    // Duplicates are few and decided up front; manager findings, one per row at most, are decided
    // here in index order, so nothing per row is held for them. On a row, duplicates come first.
    const duplicateIndexes = options.warningsOnly ? [] : [...result.duplicates.keys()].sort((a, b) => a - b);
    let d = 0;
    let m = 0;
    while (d < duplicateIndexes.length || m < this.managerIndexes.length) {
      const nextDuplicate = duplicateIndexes[d] ?? Infinity;
      if (nextDuplicate <= (this.managerIndexes[m] ?? Infinity)) {
        for (const make of result.duplicates.get(nextDuplicate)!) yield make();
        d++;
      } else {
        const finding = this.managerFinding(this.managerIndexes[m]!, this.managerValues[m]!, result.rejected, worded);
        if (finding) yield finding;
        m++;
      }
    }
  }

  /** `manager.notInFile` or `manager.rejected` for a row naming a manager, or none. */
  private managerFinding(index: number, value: string, rejected: Set<number>, worded: (code: string) => boolean): Finding | undefined {
    const entry = this.externalIds.get(value.toLowerCase());
    if (entry === undefined) {
      const word = () => t('finding.manager.notInFile', { value: shorten(value), header: this.fieldOf('manager.value', this.cells[index]?.manager ?? NO_CELLS) });
      return this.finding(index, 'warning', 'manager.notInFile', MANAGER_PATH, worded('manager.notInFile') ? word() : '', value);
    }
    const list = rowsOf(entry);
    if (list.every((i) => rejected.has(i) || this.erroneous.has(i))) {
      const word = () => t('finding.manager.rejected', { value: shorten(value), others: this.describeRows(list, index) });
      return this.finding(index, 'warning', 'manager.rejected', MANAGER_PATH, worded('manager.rejected') ? word() : '', value);
    }
    return undefined;
  }

  /** Decides which rows the duplicates reject; their messages, and the manager findings, wait for the caller. */
  private decide(): NonNullable<FileChecks['result']> {
    if (this.result) return this.result;
    const byIndex = new Map<number, Array<() => Finding>>();
    const rejected = new Set<number>();
    const push = (index: number, make: () => Finding) => {
      const list = byIndex.get(index);
      if (list) list.push(make);
      else byIndex.set(index, [make]);
    };

    const duplicates = (map: Map<string, Entry>, code: ValidationCode, path: 'externalId' | 'userName', key: MessageKey) => {
      for (const entry of map.values()) {
        if (typeof entry.rows === 'number') continue;
        const value = shorten(entry.shown);
        for (const index of entry.rows) {
          rejected.add(index);
          const rows = entry.rows;
          push(index, () => {
            let others = this.describeRows(rows.filter((i) => i !== index), index);
            if (entry.mixedCase) others = t('finding.rows.mixedCase', { list: others });
            // The employee id is said by its column's header (WorkerID), as HR calls it.
            const field = this.fieldOf(path, this.cells[index]?.[path] ?? NO_CELLS);
            return this.finding(index, 'error', code, path, t(key, { field, value, others }), entry.shown);
          });
        }
      }
    };
    duplicates(this.externalIds, 'externalId.duplicate', 'externalId', 'finding.externalId.duplicate');
    duplicates(this.userNames, 'userName.duplicate', 'userName', 'finding.userName.duplicate');

    this.result = { findings: undefined, duplicates: byIndex, rejected };
    return this.result;
  }

  /**
   * Excel row numbers of the rows that cross-row errors exclude (duplicated externalId or userName).
   * Throws when rows came from more than one file or sheet, where a row number alone is ambiguous:
   * use `rejectedIndexes` there.
   */
  rejectedRows(): Set<number> {
    if (this.rows.mixedSources()) {
      throw new CoreError('INVALID_ARGUMENT',
        'FileChecks.rejectedRows() cannot tell rows of different files or sheets apart; use rejectedIndexes() instead.');
    }
    return new Set([...this.rejectedIndexes()].map((i) => this.rows.at(i).row));
  }

  /** Indexes (as returned by `add`) of the rows that cross-row errors exclude. Runs `finish` if needed. */
  rejectedIndexes(): Set<number> {
    return new Set(this.decide().rejected);
  }

  /** The attribute said by its column's header; rows share their cell lists, so each is worded once. */
  private fieldOf(label: string, cells: CellRef[]): string {
    let byLabel = this.fields.get(cells);
    if (!byLabel) this.fields.set(cells, (byLabel = new Map()));
    let field = byLabel.get(label);
    if (field === undefined) byLabel.set(label, (field = fieldName(label, cells, true)));
    return field;
  }

  private finding(index: number, severity: Finding['severity'], code: ValidationCode, path: string, message: string, value: string): Finding {
    const loc = this.rows.at(index);
    const finding: Finding = { severity, code, path, message, file: loc.file };
    if (loc.sheet !== undefined) finding.sheet = loc.sheet;
    finding.row = loc.row;
    const cells = this.cells[index];
    const refs = path === 'externalId' ? cells?.externalId : path === 'userName' ? cells?.userName : cells?.manager;
    if (refs && refs.length > 0) finding.cells = refs;
    const person = this.people.at(index);
    if (person) finding.person = person;
    finding.value = shorten(value);
    return finding;
  }

  /**
   * The other rows, by name where known: "Aurelie Glovsky (row 499) and row 786"; "rows 7 and 12" when
   * no name is known; "staff.csv row 7" when a row is in another file or sheet than `self`.
   */
  private describeRows(indexes: number[], self: number): string {
    const here = this.rows.at(self);
    const shown = indexes.slice(0, MAX_LISTED).map((i) => ({ ...this.rows.at(i), name: this.people.nameAt(i) }));
    const sameSource = shown.every((r) => r.file === here.file && r.sheet === here.sheet);
    const more = indexes.length - shown.length;
    const tail = more > 0 ? [t('finding.rows.more', { count: more })] : [];
    if (sameSource && shown.every((r) => r.name === undefined)) {
      const list = listOf([...shown.map((r) => String(r.row)), ...tail]);
      return t(indexes.length === 1 ? 'finding.rows.one' : 'finding.rows.many', { row: list, list });
    }
    const parts = shown.map((r) => {
      const row = String(r.row);
      if (sameSource) return r.name !== undefined ? t('finding.rows.named', { name: r.name, row }) : t('finding.rows.one', { row });
      const where = r.sheet !== undefined
        ? t('finding.rows.elsewhereSheet', { file: r.file, sheet: r.sheet, row })
        : t('finding.rows.elsewhere', { file: r.file, row });
      return r.name !== undefined ? t('finding.rows.namedElsewhere', { name: r.name, where }) : where;
    });
    return listOf([...parts, ...tail]);
  }
}
