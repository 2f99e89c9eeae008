import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readErrorReport } from './annotate';
import { csvCell, neutraliseFormula, restoreFormula, startsLikeFormula } from './formula';
import type { Finding } from './types';
import { errorReportCsv } from './validate';

const FORMULAS = [
  '=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx',
  ' =HYPERLINK("http://evil.example")', '   +cmd', '\u00A0-2', '\u3000=1',
  '＝HYPERLINK("http://evil.example")', '＋1', '－1', '＠SUM(A1)', '  ＝1',
  "'=already quoted", "''+twice",
];
const TEXT = ['Alice', '1-2', 'a=b', 'x @ y', "'plain", "O'Brien", '', ' spaced', 'ｆｕｌｌ width', '12345'];

describe('the formula guard', () => {
  it('quotes every cell a spreadsheet would run, including after spaces and in full-width signs', () => {
    for (const text of FORMULAS) {
      expect([text, startsLikeFormula(text)]).toEqual([text, true]);
      expect(neutraliseFormula(text)).toBe(`'${text}`);
    }
  });

  it('leaves ordinary text alone', () => {
    for (const text of TEXT) expect(neutraliseFormula(text)).toBe(text);
  });

  it('gives back exactly what was written, whatever it was', () => {
    for (const text of [...FORMULAS, ...TEXT, "'", "''", "'''=x"]) expect(restoreFormula(neutraliseFormula(text))).toBe(text);
  });

  it('quotes CSV cells after neutralising them', () => {
    expect(csvCell('＝A1,"x"')).toBe(`"'＝A1,""x"""`);
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-3)).toBe("'-3");
  });

  it('round-trips through errors.csv: written neutralised, read back as it was', async () => {
    // Without "\rx": the CSV reader reads a line break inside a cell as \n, whatever it was (not the guard's doing).
    const findings: Finding[] = FORMULAS.filter((text) => !text.includes('\r')).map((message, i) => ({ severity: 'error', code: 'value.bad', message, row: i + 2, file: ' =cmd.csv' }));
    const csv = errorReportCsv(findings);
    // Every field of the written file that a spreadsheet would run starts with the quote that stops it.
    const runs = /^(?:\s*[=+\-@＝＋－＠]|[\t\r])/;
    for (const line of csv.split('\r\n').slice(1)) for (const field of line.split(',')) expect(runs.test(field.replace(/^"/, ''))).toBe(false);
    const dir = await mkdtemp(join(tmpdir(), 'scimport-formula-'));
    try {
      await writeFile(join(dir, 'errors.csv'), csv);
      const back: Finding[] = [];
      for await (const finding of readErrorReport(join(dir, 'errors.csv'))) back.push(finding);
      expect(back.map((f) => [f.message, f.file])).toEqual(findings.map((f) => [f.message, f.file]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
