import { describe, expect, it } from 'vitest';
import type { Finding } from '../types';
import { LIST_REPEATS_UP_TO, RepeatedWarnings, rowsOfList } from './repeated-warnings';

function phoneWarning(row: number, letter = 'F'): Finding {
  return {
    severity: 'warning',
    code: 'phone.notE164',
    message: `Phone number on row ${row} is not in international form.`,
    path: 'phoneNumbers[0].value',
    file: 'staff.csv',
    row,
    cells: [{ letter, header: 'Phone' }],
  };
}

describe('RepeatedWarnings', () => {
  it('lists a warning row by row up to the limit, and writes it once past it, with every row as ranges', () => {
    const repeated = new RepeatedWarnings();
    const rows = [2, 3, 4, 5, 9, 10, 11, 12, 20, 21, 22, 40];
    const notes = rows.map((row) => repeated.add(phoneWarning(row), 'row')!);
    expect(notes.filter((n) => n.listed)).toHaveLength(LIST_REPEATS_UP_TO);
    expect(new Set(notes.map((n) => n.kind)).size).toBe(1);
    const kind = notes[0]!.kind;
    expect(repeated.collapsed(kind)).toBe(true);
    const lines = repeated.take(kind);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ severity: 'warning', code: 'phone.notE164', row: 2, cells: [{ letter: 'F', header: 'Phone' }], repeats: { count: 12, rows: '2–5, 9–12, 20–22, 40' } });
    // Said once: the kind's later findings add no line.
    expect(repeated.take(kind)).toEqual([]);
    expect([...rowsOfList(lines[0]!.repeats!.rows)]).toEqual(rows);
  });

  it('keeps kinds apart by column and by source, and never collapses errors or whole-file warnings', () => {
    const repeated = new RepeatedWarnings();
    const inF = repeated.add(phoneWarning(2, 'F'), 'row')!;
    const inG = repeated.add(phoneWarning(2, 'G'), 'row')!;
    const fromFile = repeated.add(phoneWarning(2, 'F'), 'file')!;
    expect(new Set([inF.kind, inG.kind, fromFile.kind]).size).toBe(3);
    expect(repeated.add({ ...phoneWarning(3), severity: 'error' }, 'row')).toBeUndefined();
    const { row: _row, ...wholeFile } = phoneWarning(3);
    expect(repeated.add(wholeFile, 'file')).toBeUndefined();
    expect(repeated.collapsed(inF.kind)).toBe(false);
  });

  it('continues a row list that does not fit one spreadsheet cell on further lines of the same kind', () => {
    const repeated = new RepeatedWarnings();
    // Every other row of 20,000: 10,000 separate rows, about 60,000 characters of list.
    let kind = -1;
    for (let row = 2; row < 20_002; row += 2) kind = repeated.add(phoneWarning(row), 'row')!.kind;
    const lines = repeated.take(kind);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.repeats!.rows.length).toBeLessThanOrEqual(30_000);
    expect(lines.reduce((sum, line) => sum + line.repeats!.count, 0)).toBe(10_000);
    expect(lines.map((line) => line.row)).toEqual(lines.map((line) => Number(line.repeats!.rows.split(',')[0])));
    const all = lines.flatMap((line) => [...rowsOfList(line.repeats!.rows)]);
    expect(all).toEqual(Array.from({ length: 10_000 }, (_, i) => 2 + 2 * i));
    // Each part carries the same sentence, with the count of the whole kind.
    expect(new Set(lines.map((line) => line.message)).size).toBe(1);
  });
});

describe('rowsOfList', () => {
  it('reads en dashes and hyphens (a list edited by hand) and skips what is not a row list', () => {
    expect([...rowsOfList('2–4, 7, 9-10')]).toEqual([2, 3, 4, 7, 9, 10]);
    expect([...rowsOfList(' 12 ,x, 3–a')]).toEqual([12]);
    expect([...rowsOfList('')]).toEqual([]);
  });
});
