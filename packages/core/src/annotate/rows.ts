/**
 * What the checked copy says about each row: findings gathered per row and per cell, an upload outcome
 * turned into a Status word and a What-to-do sentence, and the counts the summary sheet shows. Pure data:
 * the workbook writers (xlsx, csv) only place what this decides.
 */
import { t } from '@scimport/messages';
import type { Finding, Severity } from '../types';

/** One person's provisioning outcome, as Entra's provisioning logs give it (joined back to the row). */
export interface RowOutcome {
  /** `success`, `failure`, `skipped`, `warning` (Entra's provisioningStatusInfo.status), or `pending` when the log has no entry yet. */
  status: string;
  /** `create`, `update`, `delete`, `disable`, `stagedDelete`, `other` (Entra's provisioningAction). */
  action?: string;
  errorCode?: string;
  reason?: string;
  recommendedAction?: string;
}

/** How a Status cell is coloured. */
export type Tone = 'error' | 'warning' | 'ok' | 'none';

export interface RowVerdict {
  status: string;
  whatToDo: string;
  tone: Tone;
  /** True when the row carries a finding or an outcome (counted as `annotated`). */
  annotated: boolean;
}

/** One kind of finding (its code) for the summary sheet. */
export interface KindGroup {
  code: string;
  severity: Severity;
  count: number;
  example: string;
  /** The first rows it occurs on (bounded: the sheet lists a few and counts the rest). */
  rows: number[];
  /** Rows it occurs on, listed or not (findings arrive in row order, so a row is counted once). */
  rowCount: number;
  /** Occurrences without a row (about the whole file or its header). */
  wholeFile: boolean;
}

/** Rows listed per kind on the summary sheet; the rest are counted. */
const ROWS_PER_KIND = 25;
/** Messages written out in a What-to-do cell; the rest are in the cells' comments. */
const MESSAGES_PER_ROW = 5;
/** Excel refuses cells longer than 32,767 characters. */
const MAX_CELL_CHARS = 32_000;

export function clip(text: string): string {
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}

/**
 * Findings indexed for annotation. Only findings about the data sheet (same sheet, or none named) are put
 * on rows and cells; every finding counts in the summary.
 */
export class FindingIndex {
  readonly byRow = new Map<number, Finding[]>();
  readonly kinds = new Map<string, KindGroup>();
  private readonly lastRow = new Map<string, number>();
  errors = 0;
  warnings = 0;

  constructor(private readonly sheet: string | undefined) {}

  add(finding: Finding): void {
    if (finding.severity === 'error') this.errors++;
    else this.warnings++;
    let kind = this.kinds.get(finding.code);
    if (!kind) {
      kind = { code: finding.code, severity: finding.severity, count: 0, example: finding.message, rows: [], rowCount: 0, wholeFile: false };
      this.kinds.set(finding.code, kind);
    }
    kind.count++;
    if (finding.severity === 'error') kind.severity = 'error';
    if (finding.row === undefined) kind.wholeFile = true;
    else if (this.lastRow.get(finding.code) !== finding.row) {
      this.lastRow.set(finding.code, finding.row);
      kind.rowCount++;
      if (kind.rows.length < ROWS_PER_KIND) kind.rows.push(finding.row);
    }

    const otherSheet = finding.sheet !== undefined && this.sheet !== undefined && finding.sheet !== this.sheet;
    if (finding.row === undefined || otherSheet) return;
    const list = this.byRow.get(finding.row);
    if (list) list.push(finding);
    else this.byRow.set(finding.row, [finding]);
  }

  /** The notes to put on the cells of `row`, by column letter: each cell's findings, worst first. */
  cellNotes(row: number): Map<string, { severity: Severity; text: string }> {
    const notes = new Map<string, { severity: Severity; messages: string[] }>();
    for (const finding of this.byRow.get(row) ?? []) {
      for (const cell of finding.cells ?? []) {
        const note = notes.get(cell.letter) ?? { severity: finding.severity, messages: [] };
        if (finding.severity === 'error') note.severity = 'error';
        if (!note.messages.includes(finding.message)) note.messages.push(finding.message);
        notes.set(cell.letter, note);
      }
    }
    return new Map([...notes].map(([letter, n]) => [letter, { severity: n.severity, text: clip(n.messages.join('\n\n')) }]));
  }
}

function severityFirst(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

/** The messages of a row's findings as one cell: errors first, a few in full, the rest counted. */
function messages(findings: Finding[]): string {
  const unique = [...new Set(severityFirst(findings).map((f) => f.message))];
  const shown = unique.slice(0, MESSAGES_PER_ROW);
  const rest = unique.length - shown.length;
  return clip([...shown, ...(rest > 0 ? [t('annotate.action.more', { count: rest })] : [])].join('\n'));
}

/** The Status word of an outcome (as Entra reports it) in the person's language. */
export function outcomeWord(outcome: RowOutcome): string {
  switch (outcome.status) {
    case 'success':
      switch (outcome.action) {
        case 'create':
          return t('annotate.outcome.created');
        case 'update':
          return t('annotate.outcome.updated');
        case 'disable':
          return t('annotate.outcome.disabled');
        case 'delete':
        case 'stagedDelete':
          return t('annotate.outcome.deleted');
        default:
          return t('annotate.outcome.done');
      }
    case 'failure':
      return t('annotate.outcome.failed');
    case 'skipped':
      return t('annotate.outcome.skipped');
    case 'warning':
      return t('annotate.outcome.warning');
    default:
      return t('annotate.outcome.pending');
  }
}

function outcomeAdvice(outcome: RowOutcome): string {
  const told = [outcome.reason, outcome.recommendedAction].filter((s): s is string => Boolean(s && s.trim()));
  switch (outcome.status) {
    case 'success':
      return '';
    case 'failure':
      if (told.length === 0) return t('annotate.outcomeAction.failedNoReason');
      return outcome.recommendedAction ? told.join(' ') : `${told.join(' ')} ${t('annotate.outcomeAction.failed')}`;
    case 'skipped':
      return told.length > 0 ? told.join(' ') : t('annotate.outcomeAction.skipped');
    case 'warning':
      return told.join(' ');
    default:
      return t('annotate.outcomeAction.pending');
  }
}

function outcomeTone(outcome: RowOutcome): Tone {
  if (outcome.status === 'success') return 'ok';
  if (outcome.status === 'failure') return 'error';
  return 'warning';
}

/**
 * The Status and What-to-do of one data row. After a check (no outcomes): errors → fix needed, warnings →
 * check, else OK. After an upload (outcomes given): the outcome when the person was sent; a row held back
 * by errors is "not sent"; any other row was not part of this upload (unchanged, usually).
 */
export function verdict(findings: Finding[] | undefined, outcome: RowOutcome | undefined, afterUpload: boolean): RowVerdict {
  const list = findings ?? [];
  const hasError = list.some((f) => f.severity === 'error');
  if (outcome) {
    const advice = outcomeAdvice(outcome);
    const text = [advice, list.length > 0 ? messages(list) : ''].filter(Boolean).join('\n');
    return { status: outcomeWord(outcome), whatToDo: clip(text), tone: outcomeTone(outcome), annotated: true };
  }
  if (hasError) {
    return { status: t(afterUpload ? 'annotate.outcome.notSent' : 'annotate.status.error'), whatToDo: messages(list), tone: 'error', annotated: true };
  }
  if (afterUpload) {
    const text = [t('annotate.outcomeAction.notInUpload'), list.length > 0 ? messages(list) : ''].filter(Boolean).join('\n');
    return { status: t('annotate.outcome.notInUpload'), whatToDo: text, tone: list.length > 0 ? 'warning' : 'none', annotated: true };
  }
  if (list.length > 0) return { status: t('annotate.status.warning'), whatToDo: messages(list), tone: 'warning', annotated: true };
  return { status: t('annotate.status.ok'), whatToDo: '', tone: 'ok', annotated: false };
}

/** Counts of the data rows, for the summary sheet. */
export class RowTally {
  rows = 0;
  ok = 0;
  withErrors = 0;
  withWarnings = 0;
  annotated = 0;
  /** Status word → rows (shown after an upload). */
  readonly outcomes = new Map<string, number>();

  count(findings: Finding[] | undefined, result: RowVerdict): void {
    this.rows++;
    if (result.annotated) this.annotated++;
    const list = findings ?? [];
    if (list.some((f) => f.severity === 'error')) this.withErrors++;
    else if (list.length > 0) this.withWarnings++;
    else this.ok++;
    this.outcomes.set(result.status, (this.outcomes.get(result.status) ?? 0) + 1);
  }
}
