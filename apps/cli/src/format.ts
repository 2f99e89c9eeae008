import type { Finding } from '@scimport/core';

/** `row 12, D (UserID)` — the place of a finding as a user finds it in Excel. */
export function findingPlace(finding: Finding): string {
  const parts: string[] = [];
  if (finding.sheet) parts.push(`sheet ${finding.sheet}`);
  if (finding.repeats) parts.push(`rows ${shortRowList(finding.repeats.rows)} (${finding.repeats.count.toLocaleString('en-US')} rows)`);
  else if (finding.row !== undefined) parts.push(`row ${finding.row}`);
  const cells = (finding.cells ?? []).map((c) => `${c.letter} (${c.header})`);
  if (cells.length) parts.push(cells.join(' + '));
  return parts.join(', ') || 'file';
}

/** The first rows of a long list (`2, 4, 6–9, …`): errors.csv's `rows` column has them all. */
function shortRowList(rows: string): string {
  const items = rows.split(', ');
  return items.length <= 4 ? rows : `${items.slice(0, 4).join(', ')}, …`;
}

export function formatFinding(finding: Finding): string {
  const level = finding.severity === 'error' ? 'error  ' : 'warning';
  const path = finding.path ? ` [${finding.path}]` : '';
  return `${level} ${findingPlace(finding)}${path}: ${finding.message}`;
}

/** The JSON shape `validate --json` promises: one object per finding. */
export function findingJson(finding: Finding) {
  const first = finding.cells?.[0];
  return {
    severity: finding.severity,
    row: finding.row ?? null,
    column: first ? first.letter : null,
    header: first ? first.header : null,
    path: finding.path ?? null,
    code: finding.code,
    message: finding.message,
    ...(finding.file ? { file: finding.file } : {}),
    ...(finding.sheet ? { sheet: finding.sheet } : {}),
  };
}

export function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}
