import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { csvCell } from '@scimport/core';
import type { Run, RunResults } from '@scimport/transport';
import { writeFileAtomic } from '../data-dir';
import type { CliIo } from '../io';
import { plural } from '../format';

const ROW_INDEX = 'rows.json';
export const RESULTS_CSV = 'results.csv';

interface RowIndexFile {
  version: 1;
  /** externalId → row number in the input file, or null when the join could not be made safely. */
  rows: Record<string, number> | null;
}

export async function writeRowIndex(run: Run, index: Map<string, number> | undefined): Promise<void> {
  const file: RowIndexFile = { version: 1, rows: index ? Object.fromEntries(index) : null };
  await writeFileAtomic(join(run.dir, ROW_INDEX), JSON.stringify(file) + '\n');
}

export async function readRowIndex(run: Run): Promise<Map<string, number> | undefined> {
  try {
    const file = JSON.parse(await readFile(join(run.dir, ROW_INDEX), 'utf8')) as RowIndexFile;
    return file.version === 1 && file.rows ? new Map(Object.entries(file.rows)) : undefined;
  } catch {
    return undefined;
  }
}

/** One user's outcome as the CLI prints it: the provisioning log joined back to the row of the file. */
export interface ResultLine {
  externalId: string;
  row: number | null;
  chunk: number;
  action: string;
  status: string;
  errorCode?: string;
  reason?: string;
  recommendedAction?: string;
}

/** One line per user, in the file's row order (users without a known row last), as HR staff look them up. */
export function resultLines(results: RunResults, index: Map<string, number> | undefined): ResultLine[] {
  const lines: ResultLine[] = results.rows.map((r) => ({
    externalId: r.externalId,
    row: index?.get(r.externalId) ?? null,
    chunk: r.chunk,
    action: r.action,
    status: r.status,
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.recommendedAction ? { recommendedAction: r.recommendedAction } : {}),
  }));
  return lines.sort((a, b) => (a.row ?? Number.MAX_SAFE_INTEGER) - (b.row ?? Number.MAX_SAFE_INTEGER));
}

/** The `results` member of the JSON output. */
export function resultsJson(results: RunResults | undefined, lines: ResultLine[]) {
  if (!results) return null;
  return { summary: results.summary, complete: results.complete, pending: results.pending.length, ...(results.note ? { note: results.note } : {}), rows: lines };
}

/** results.csv in the run folder: one line per user, for Excel. */
export async function writeResultsCsv(run: Run, lines: ResultLine[]): Promise<string> {
  const header = ['row', 'externalId', 'action', 'status', 'errorCode', 'reason', 'recommendedAction', 'chunk'];
  const body = lines.map((l) => [l.row, l.externalId, l.action, l.status, l.errorCode, l.reason, l.recommendedAction, l.chunk].map(csvCell).join(','));
  const file = join(run.dir, RESULTS_CSV);
  // BOM: Excel reads the file as UTF-8 only with it.
  await writeFileAtomic(file, '\uFEFF' + [header.join(','), ...body].join('\r\n') + '\r\n');
  return file;
}

const FAILED = new Set(['failure', 'warning', 'skipped']);

/** The human summary: counts per action × status, then the rows that did not simply succeed. */
export function printResults(io: CliIo, results: RunResults, lines: ResultLine[], csvFile: string | undefined): void {
  const entries = Object.entries(results.summary).flatMap(([action, byStatus]) => Object.entries(byStatus).map(([status, n]) => ({ action, status, n })));
  if (entries.length === 0) io.out('No provisioning results yet.\n');
  else {
    io.out('Provisioning results:\n');
    const width = Math.max(...entries.map((e) => `${e.action} ${e.status}`.length));
    for (const e of entries) io.out(`  ${`${e.action} ${e.status}`.padEnd(width)}  ${e.n.toLocaleString('en-US')}\n`);
  }
  const problems = lines.filter((l) => FAILED.has(l.status));
  const shown = problems.slice(0, 20);
  for (const l of shown) {
    const where = l.row !== null ? `row ${l.row}` : 'row unknown';
    const what = [l.errorCode, l.reason].filter(Boolean).join(': ') || 'no reason given';
    io.out(`${l.status.padEnd(7)} ${where} (externalId ${l.externalId}): ${what}${l.recommendedAction ? ` What to do: ${l.recommendedAction}` : ''}\n`);
  }
  if (problems.length > shown.length) io.out(`… and ${plural(problems.length - shown.length, 'more user')} that did not succeed.\n`);
  if (csvFile && lines.length > 0) io.out(`Every user's result: ${csvFile}\n`);
  if (results.pending.length > 0) io.out(`${plural(results.pending.length, 'user')} without a result yet. ${results.note ?? ''}\n`);
}

/** True when any user failed in the provisioning logs (skipped and warning entries are shown, not counted as failures). */
export function hasFailures(lines: ResultLine[]): boolean {
  return lines.some((l) => l.status === 'failure');
}
