/**
 * Findings read back from an error report (errors.csv, as `errorReportCsv` writes it), so that a checked
 * copy can be made later from what a run recorded — without the profile, which may have changed since.
 */
import { openTable } from '../read';
import type { CellRef, Finding } from '../types';
import { restoreFormula } from '../formula';
import { rowsOfList } from '../pipeline/repeated-warnings';

/** The report neutralises a cell that would run as a formula with a quote (see formula.ts); undo exactly that. */
const unquote = restoreFormula;

/**
 * Every finding of an errors.csv written by `transformFile`, streamed in the report's order. A line standing for a
 * warning repeated on many rows (its `rows` cell filled) is given back as the finding of each of those rows, in
 * row order among the others, with the line's sentence. Throws what `openTable` throws for a missing or
 * unreadable file.
 */
export async function* readErrorReport(path: string): AsyncGenerator<Finding> {
  const table = await openTable(path, { headerRow: 1, delimiter: ',', encoding: 'utf-8' });
  /** Repeated warnings being given back row by row, each with the next row it concerns. */
  const repeating: { finding: Finding; rows: Generator<number>; next: number }[] = [];
  /** The repeated warnings' findings of rows up to `row`, in row order. */
  function* upTo(row: number): Generator<Finding> {
    for (;;) {
      let earliest: (typeof repeating)[number] | undefined;
      for (const entry of repeating) if (entry.next <= row && (!earliest || entry.next < earliest.next)) earliest = entry;
      if (!earliest) return;
      yield { ...earliest.finding, row: earliest.next };
      const step = earliest.rows.next();
      if (step.done) repeating.splice(repeating.indexOf(earliest), 1);
      else earliest.next = step.value;
    }
  }
  for await (const row of table.rows()) {
    const get = (name: string): string => {
      const value = row.values[name];
      return value === undefined ? '' : unquote(String(value));
    };
    const severity = get('severity') === 'warning' ? 'warning' : 'error';
    const letters = get('column') ? get('column').split('; ') : [];
    const headers = get('header') ? get('header').split('; ') : [];
    const cells: CellRef[] = letters.map((letter, i) => ({ letter, header: headers[i] ?? '' }));
    const rowNumber = Number(get('row'));
    const finding: Finding = {
      severity,
      code: get('code'),
      message: get('message'),
      ...(get('path') ? { path: get('path') } : {}),
      ...(get('file') ? { file: get('file') } : {}),
      ...(get('sheet') ? { sheet: get('sheet') } : {}),
      ...(get('row') && Number.isInteger(rowNumber) ? { row: rowNumber } : {}),
      ...(cells.length > 0 ? { cells } : {}),
    };
    yield* upTo(finding.row ?? 0);
    const rows = get('rows') ? rowsOfList(get('rows')) : undefined;
    const first = rows?.next();
    if (rows && first && !first.done) repeating.push({ finding, rows, next: first.value });
    else yield finding;
  }
  yield* upTo(Infinity);
}
