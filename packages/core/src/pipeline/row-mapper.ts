import type { CellRef, ColumnInfo, Finding, ScimUser, SourceRow } from '../types';
import type { Profile } from '../profile';
import { compileMapping, DEFAULT_MAPPING_LIMITS, mapRow, type CompiledMapping, type MappingLimits } from '../mapping';
import { stoppedRowFinding } from '../mapping/map-row';
import { CoreError } from '../errors';
import { validateUser, type UserContext } from '../validate';
import { personOf } from '../validate/words';
import { t } from '@scimport/messages';

/** What mapping and validating one row yields. */
export interface RowResult {
  row: number;
  user?: ScimUser;
  /** The context the row's findings point at (the whole-file checks need it too). */
  context: Omit<UserContext, 'cellsFor'>;
  findings: Finding[];
}

/** Maps and validates rows, in order. Implemented in-process and by a pool of worker threads. */
export interface RowMapper {
  map(rows: SourceRow[]): Promise<RowResult[]>;
  close(): Promise<void>;
}

export interface RowMapperSetup {
  profile: Profile;
  columns: ColumnInfo[];
  limits?: MappingLimits;
}

/**
 * Rows in a row whose mapping timed out before the run stops: one slow row is a finding, a run of them
 * means the mapping times out on every row, and 2 seconds a row over a whole file helps no one.
 */
export const MAX_CONSECUTIVE_TIMEOUTS = 5;

/** The per-row work itself, shared by the in-process mapper and the worker threads. */
export class RowProcessor {
  readonly mapping: CompiledMapping;
  readonly cellsFor: (path: string) => CellRef[];
  private readonly profile: Profile;
  private readonly columns: ColumnInfo[];
  private readonly readHeaders: Set<string>;
  readonly timeoutMs: number;
  /** The rows of the current run of consecutive timeouts. */
  private timedOut: SourceRow[] = [];

  constructor(setup: RowMapperSetup) {
    this.profile = setup.profile;
    this.columns = setup.columns;
    this.mapping = compileMapping(setup.profile, setup.limits);
    this.timeoutMs = setup.limits?.timeoutMs ?? DEFAULT_MAPPING_LIMITS.timeoutMs;
    this.readHeaders = new Set(this.mapping.referencedHeaders);
    const letters = new Map(setup.columns.map((c) => [c.header, c.letter]));
    const cache = new Map<string, CellRef[]>();
    this.cellsFor = (path) => {
      let cells = cache.get(path);
      if (!cells) {
        cells = this.mapping.headersFor(path).flatMap((header) => {
          const letter = letters.get(header);
          return letter ? [{ header, letter }] : [];
        });
        cache.set(path, cells);
      }
      return cells;
    };
  }

  async process(row: SourceRow): Promise<RowResult> {
    return this.counted(row, await this.evaluate(row));
  }

  /** The result of a row whose evaluation was stopped from outside at the time limit (see WorkerPoolRowMapper). */
  stopped(row: SourceRow): RowResult {
    const context = { file: row.origin.file, row: row.origin.row, ...(row.origin.sheet ? { sheet: row.origin.sheet } : {}) };
    return this.counted(row, { row: row.origin.row, context, findings: [stoppedRowFinding(row, this.timeoutMs)] });
  }

  /** Counts runs of timed-out rows; throws MAPPING_TIMEOUT, with a sentence, when one gets too long. */
  private counted(row: SourceRow, result: RowResult): RowResult {
    if (!result.findings.some((f) => f.code === 'mapping.timeout')) {
      this.timedOut = [];
      return result;
    }
    this.timedOut.push(row);
    if (this.timedOut.length < MAX_CONSECUTIVE_TIMEOUTS) return result;
    const first = this.timedOut[0]!.origin;
    const seconds = this.timeoutMs / 1000;
    throw new CoreError(
      'MAPPING_TIMEOUT',
      `${first.file}${first.sheet ? `, sheet ${first.sheet}` : ''}: rows ${first.row} to ${row.origin.row} each took longer than ${seconds} second${seconds === 1 ? '' : 's'} to map, so the run was stopped: the mapping would most likely do the same on every row. Look in the mapping for a regular expression that backtracks (such as /^(a+)+$/), a function that calls itself without end or a very large range; check it with \`scimport profile test\`. Nothing was written.`,
      { location: { file: first.file, row: first.row, ...(first.sheet ? { sheet: first.sheet } : {}) } },
    );
  }

  private async evaluate(row: SourceRow): Promise<RowResult> {
    const findings: Finding[] = [];
    const context: Omit<UserContext, 'cellsFor'> = {
      file: row.origin.file,
      row: row.origin.row,
      ...(row.origin.sheet ? { sheet: row.origin.sheet } : {}),
    };
    for (const cellError of row.cellErrors ?? []) {
      // Error cells the mapping reads are reported by the mapping itself, as errors.
      if (this.readHeaders.has(cellError.header)) continue;
      findings.push({
        severity: 'warning',
        code: 'cell.error',
        message: t('finding.cell.error', { cell: `${cellError.letter}${row.origin.row}`, header: cellError.header, error: cellError.error }),
        ...context,
        cells: [{ header: cellError.header, letter: cellError.letter }],
      });
    }
    const mapped = await mapRow(this.mapping, row, this.columns);
    findings.push(...mapped.findings);
    if (!mapped.user) return { row: row.origin.row, context, findings };
    // The row's other findings (an error cell, a mapping slip) name the person too, when the row mapped to one.
    const person = findings.length > 0 ? personOf(mapped.user) : undefined;
    if (person) for (const finding of findings) finding.person ??= person;
    findings.push(...validateUser(mapped.user, this.profile, { ...context, cellsFor: this.cellsFor }));
    return { row: row.origin.row, user: mapped.user, context, findings };
  }
}

export class InProcessRowMapper implements RowMapper {
  private readonly processor: RowProcessor;
  constructor(setup: RowMapperSetup) {
    this.processor = new RowProcessor(setup);
  }
  get cellsFor() {
    return this.processor.cellsFor;
  }
  async map(rows: SourceRow[]): Promise<RowResult[]> {
    const results: RowResult[] = [];
    for (const row of rows) results.push(await this.processor.process(row));
    return results;
  }
  async close(): Promise<void> {}
}
