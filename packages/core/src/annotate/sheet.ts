/**
 * Placing the verdicts in a worksheet: the two added columns, fills and comments on offending cells, and
 * the summary sheet. Works the same on a loaded workbook (xlsx input) and on a streaming one (CSV input).
 */
import type ExcelJS from 'exceljs';
import { t } from '@scimport/messages';
import type { Severity } from '../types';
import { type FindingIndex, type RowTally, type Tone, clip } from './rows';

/** Excel's own "Light red fill", "Yellow fill" and "Green fill" conditional-format colours, which people know. */
const FILLS: Record<Exclude<Tone, 'none'>, string> = { error: 'FFFFC7CE', warning: 'FFFFEB9C', ok: 'FFC6EFCE' };

function fillOf(argb: string): ExcelJS.Fill {
  return { type: 'pattern', pattern: 'solid', fgColor: { argb }, bgColor: { argb } };
}

/**
 * Colours a cell without touching other cells: exceljs shares one style object between every cell read
 * with the same style, so the style is copied before the fill is set.
 */
export function paint(cell: ExcelJS.Cell, tone: Tone): void {
  if (tone === 'none') return;
  cell.style = { ...cell.style, fill: fillOf(FILLS[tone]) };
}

/** Adds `text` as the cell's comment, after any comment the person had already written there. */
export function comment(cell: ExcelJS.Cell, text: string): void {
  const existing = cell.note;
  const before = typeof existing === 'string' ? existing : (existing?.texts ?? []).map((r) => r.text).join('');
  cell.note = clip(before ? `${before}\n\n${text}` : text);
}

/** Marks the cells of one row named by its findings (by column letter). */
export function markCells(row: ExcelJS.Row, notes: Map<string, { severity: Severity; text: string }>): void {
  for (const [letter, note] of notes) {
    const cell = row.getCell(letter);
    paint(cell, note.severity);
    comment(cell, note.text);
  }
}

/** The titles of the two added columns, bold, on the header row. */
export function writeTitles(row: ExcelJS.Row, statusColumn: number): void {
  for (const [offset, key] of [[0, 'annotate.column.status'], [1, 'annotate.column.whatToDo']] as const) {
    const cell = row.getCell(statusColumn + offset);
    cell.value = t(key);
    cell.style = { ...cell.style, font: { ...(cell.style.font ?? {}), bold: true } };
  }
}

/** A free worksheet name: `Summary`, or `Summary (2)` when the workbook already has one. */
export function freeSheetName(taken: (name: string) => boolean, wanted: string): string {
  if (!taken(wanted)) return wanted;
  for (let i = 2; ; i++) {
    const name = `${wanted} (${i})`;
    if (!taken(name)) return name;
  }
}

export interface SummaryInput {
  file: string;
  sheet: string;
  findings: FindingIndex;
  tally: RowTally;
  afterUpload: boolean;
}

/** Writes the summary sheet: what the colours mean, the counts, the outcomes (after an upload), the findings by kind. */
export function writeSummary(ws: ExcelJS.Worksheet, input: SummaryInput): void {
  const { findings, tally } = input;
  let next = 1;
  const put = (values: (string | number)[], style?: { bold?: boolean; size?: number; wrap?: boolean }): ExcelJS.Row => {
    const row = ws.getRow(next++);
    values.forEach((value, i) => {
      const cell = row.getCell(i + 1);
      cell.value = typeof value === 'string' ? clip(value) : value;
      if (style?.bold || style?.size) cell.font = { bold: Boolean(style.bold), ...(style.size ? { size: style.size } : {}) };
      if (style?.wrap) cell.alignment = { wrapText: true, vertical: 'top' };
    });
    return row;
  };
  const blank = () => next++;

  put([t(input.afterUpload ? 'annotate.summary.resultsTitle' : 'annotate.summary.title', { file: input.file })], { bold: true, size: 14 });
  put([t('annotate.summary.howTo', { sheet: input.sheet, status: t('annotate.column.status'), whatToDo: t('annotate.column.whatToDo') })]);
  blank();
  put([t('annotate.summary.counts')], { bold: true });
  put([t('annotate.summary.rows'), tally.rows]);
  put([t('annotate.summary.rowsOk'), tally.ok]);
  put([t('annotate.summary.rowsWithErrors'), tally.withErrors]);
  put([t('annotate.summary.rowsWithWarnings'), tally.withWarnings]);
  put([t('annotate.summary.errors'), findings.errors]);
  put([t('annotate.summary.warnings'), findings.warnings]);

  if (input.afterUpload) {
    blank();
    put([t('annotate.summary.outcomes')], { bold: true });
    for (const [word, count] of [...tally.outcomes].sort((a, b) => b[1] - a[1])) put([word, count]);
  }

  blank();
  put([t('annotate.summary.byKind')], { bold: true });
  const kinds = [...findings.kinds.values()].sort((a, b) => (a.severity === b.severity ? b.count - a.count : a.severity === 'error' ? -1 : 1));
  if (kinds.length === 0) put([t('annotate.summary.none')]);
  else {
    put([t('annotate.summary.kind'), t('annotate.summary.severity'), t('annotate.summary.count'), t('annotate.summary.example'), t('annotate.summary.where')], { bold: true });
    for (const kind of kinds) {
      const listed = kind.rows.join(', ');
      const more = kind.rowCount - kind.rows.length;
      const where = [kind.wholeFile ? t('annotate.summary.wholeFile') : '', listed, more > 0 && kind.rows.length > 0 ? t('annotate.summary.moreRows', { count: more }) : '']
        .filter(Boolean)
        .join(' ');
      const row = put([kind.code, t(kind.severity === 'error' ? 'annotate.severity.error' : 'annotate.severity.warning'), kind.count, kind.example, where], { wrap: true });
      paint(row.getCell(2), kind.severity);
    }
  }
  ws.getColumn(1).width = 36;
  ws.getColumn(2).width = 12;
  ws.getColumn(4).width = 80;
  ws.getColumn(5).width = 40;
}
