/**
 * Mapping one spreadsheet row to one SCIM user. Row-level problems become findings that name the row
 * and the cells involved; nothing here throws for a bad row, so one bad row never stops a file.
 */
import { describeLocation, isCoreError } from '../errors';
import type { CoreErrorCode } from '../errors';
import type { CellRef, ColumnInfo, Finding, ScimUser, SourceRow } from '../types';
import type { CompiledMapping } from './compile';
import { formatEntraDate } from './dates';

/** The result of mapping one row: the user when one was built, and what went wrong. */
export interface MapRowResult {
  user?: ScimUser;
  findings: Finding[];
}

/**
 * The object a mapping sees for a row: values keyed by header, dates as Entra's `YYYY-MM-DDTHH:mm:ssZ`
 * text (exceljs gives wall-clock dates as UTC), numbers, booleans and text as they are.
 */
export function toMappingInput(row: SourceRow): Record<string, unknown> {
  // A plain loop: this runs for every row and costs more than a compiled mapping when written with
  // entries/flatMap. A header named "__proto__" is defined as an own value, never a prototype.
  const input: Record<string, unknown> = {};
  for (const header in row.values) {
    if (!Object.hasOwn(row.values, header)) continue;
    let value: unknown = row.values[header];
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) continue;
      value = formatEntraDate(value);
    }
    setOwn(input, header, value);
  }
  return input;
}

/** Assigns an own property; `__proto__` needs defineProperty to stay a value. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isMetadataOnly(item: unknown): boolean {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
  for (const key in item) if (Object.hasOwn(item, key) && !ITEM_METADATA.has(key)) return false;
  return true;
}

/** Keys that only describe a multi-valued item; an item with nothing else (`{type:'work'}`) is empty. */
const ITEM_METADATA = new Set(['type', 'primary']);

/**
 * Removes undefined, blank text, functions, empty objects and empty arrays, recursively, so an empty
 * cell makes an attribute absent instead of blank. An array item left with only `type`/`primary` is
 * dropped too: a work phone without a number is no phone. Returns plain objects and arrays.
 */
export function stripEmpty(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const element of value) {
      const item = stripEmpty(element);
      if (item !== undefined && !isMetadataOnly(item)) items.push(item);
    }
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let kept = 0;
    for (const key of Object.keys(value)) {
      const child = stripEmpty((value as Record<string, unknown>)[key]);
      if (child === undefined) continue;
      setOwn(out, key, child);
      kept++;
    }
    return kept === 0 ? undefined : out;
  }
  return value;
}

const FINDING_CODES: Partial<Record<CoreErrorCode, string>> = {
  MAPPING_RUNTIME: 'mapping.runtime',
  MAPPING_TIMEOUT: 'mapping.timeout',
  MAPPING_TOO_LARGE: 'mapping.tooLarge',
  MAPPING_TOO_DEEP: 'mapping.tooDeep',
};

const ADVICE: Partial<Record<CoreErrorCode, string>> = {
  MAPPING_RUNTIME: 'Correct the value in the spreadsheet, or adjust the mapping, and run again.',
  MAPPING_TIMEOUT: 'Look in the mapping for a regular expression that backtracks (such as /^(a+)+$/), a function that calls itself without end or a very large range such as [1..1000000].',
  MAPPING_TOO_LARGE: 'Look in the mapping for $pad, ranges or repeated joins that build very long text or lists.',
  MAPPING_TOO_DEEP: 'Look in the mapping for a function that calls itself without end.',
};

function cellsFor(headers: readonly string[], columns: readonly ColumnInfo[]): CellRef[] {
  const cells: CellRef[] = [];
  for (const header of headers) {
    const column = columns.find((c) => c.header === header);
    if (column) cells.push({ header: column.header, letter: column.letter });
  }
  return cells;
}

function where(row: SourceRow): Pick<Finding, 'file' | 'sheet' | 'row'> {
  return {
    file: row.origin.file,
    ...(row.origin.sheet === undefined ? {} : { sheet: row.origin.sheet }),
    row: row.origin.row,
  };
}

/**
 * Maps one row: evaluates the compiled mapping, checks the result is one object and strips empty
 * values. Evaluation failures become one finding (`mapping.runtime`, `mapping.timeout`,
 * `mapping.tooLarge`, `mapping.tooDeep`) naming the row, the attribute and the cells when known; a
 * result that is not an object is `mapping.notObject`; a row that maps to nothing is `mapping.empty`.
 * Cells holding an Excel error (#N/A, …) that the mapping reads give `mapping.cellError`, because the
 * mapping saw them as empty. Never throws for row-level problems.
 */
export async function mapRow(mapping: CompiledMapping, row: SourceRow, columns: ColumnInfo[]): Promise<MapRowResult> {
  const findings: Finding[] = [];
  // Only messages need the location text: build it on demand, not for every good row.
  const prefixOf = () => describeLocation({ file: row.origin.file, sheet: row.origin.sheet, row: row.origin.row });

  if (row.cellErrors && row.cellErrors.length > 0) {
    const read = new Set(mapping.referencedHeaders);
    for (const cell of row.cellErrors) {
      if (!read.has(cell.header)) continue;
      findings.push({
        severity: 'error',
        code: 'mapping.cellError',
        message:
          `${describeLocation({ ...row.origin, column: cell.letter, header: cell.header })}: the cell holds the Excel error ${cell.error}, ` +
          'so the mapping sees it as empty. Fix the formula or the value in the spreadsheet.',
        ...where(row),
        cells: [{ header: cell.header, letter: cell.letter }],
      });
    }
  }

  let result: unknown;
  try {
    result = await mapping.evaluate(toMappingInput(row));
  } catch (err) {
    const code = isCoreError(err) ? err.code : 'MAPPING_RUNTIME';
    const reason = err instanceof Error ? err.message : String(err);
    const path = isCoreError(err) ? err.location.field : undefined;
    const cells = path === undefined ? [] : cellsFor(mapping.headersFor(path), columns);
    const [only] = cells;
    const at = only && cells.length === 1 ? describeLocation({ ...row.origin, column: only.letter, header: only.header }) : prefixOf();
    findings.push({
      severity: 'error',
      code: FINDING_CODES[code] ?? 'mapping.runtime',
      message:
        `${at}: no user was built${path === undefined ? '' : ` (the mapping failed at ${path})`}. ` +
        `${reason.replace(/\.$/, '')}. ${ADVICE[code] ?? ADVICE.MAPPING_RUNTIME ?? ''}`,
      ...(path === undefined ? {} : { path }),
      ...where(row),
      ...(cells.length === 0 ? {} : { cells }),
    });
    return { findings };
  }

  if (result === undefined) {
    findings.push({
      severity: 'warning',
      code: 'mapping.empty',
      message: `${prefixOf()}: the mapping produced nothing for this row, so no user is sent for it. If that is not intended, check the mapping's conditions.`,
      ...where(row),
    });
    return { findings };
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    const shown = JSON.stringify(result) ?? String(result);
    const what = Array.isArray(result)
      ? `a list of ${result.length}`
      : result === null
        ? 'null'
        : `the ${typeof result} ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`;
    findings.push({
      severity: 'error',
      code: 'mapping.notObject',
      message: `${prefixOf()}: the mapping produced ${what} instead of one user object. The mapping must build a single object { … } per row.`,
      ...where(row),
    });
    return { findings };
  }

  const user = stripEmpty(result) as ScimUser | undefined;
  if (user === undefined) {
    findings.push({
      severity: 'warning',
      code: 'mapping.empty',
      message: `${prefixOf()}: every attribute the mapping built for this row is empty, so no user is sent for it. Check that the row has values in the columns the mapping reads.`,
      ...where(row),
    });
    return { findings };
  }
  return { user, findings };
}

/**
 * The finding of a row whose mapping was stopped from outside (its worker thread was ended at the time
 * limit): a backtracking regular expression never returns to the evaluator's own timer, so this is the
 * only way such a row ends. Worded as the evaluator's own timeout.
 */
export function stoppedRowFinding(row: SourceRow, timeoutMs: number): Finding {
  return {
    severity: 'error',
    code: 'mapping.timeout',
    message: `${describeLocation({ file: row.origin.file, sheet: row.origin.sheet, row: row.origin.row })}: no user was built. The mapping ran longer than ${timeoutMs} ms on this row and was stopped. ${ADVICE.MAPPING_TIMEOUT}`,
    ...where(row),
  };
}
