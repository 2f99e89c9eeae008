/**
 * Findings read back from an error report (errors.csv, as `errorReportCsv` writes it), so that a checked
 * copy can be made later from what a run recorded — without the profile, which may have changed since.
 */
import { openTable } from '../read';
import type { CellRef, Finding } from '../types';
import { restoreFormula } from '../formula';

/** The report neutralises a cell that would run as a formula with a quote (see formula.ts); undo exactly that. */
const unquote = restoreFormula;

/**
 * Every finding of an errors.csv written by `transformFile`, streamed in the report's order. Throws what
 * `openTable` throws for a missing or unreadable file.
 */
export async function* readErrorReport(path: string): AsyncGenerator<Finding> {
  const table = await openTable(path, { headerRow: 1, delimiter: ',', encoding: 'utf-8' });
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
    yield {
      severity,
      code: get('code'),
      message: get('message'),
      ...(get('path') ? { path: get('path') } : {}),
      ...(get('file') ? { file: get('file') } : {}),
      ...(get('sheet') ? { sheet: get('sheet') } : {}),
      ...(get('row') && Number.isInteger(rowNumber) ? { row: rowNumber } : {}),
      ...(cells.length > 0 ? { cells } : {}),
    };
  }
}
