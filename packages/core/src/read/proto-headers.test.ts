import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMapping } from '../mapping';
import { toMappingInput } from '../mapping/map-row';
import { openTable } from './index';
import { readAll } from './test-support';

// Headers that name Object.prototype's own members: on a plain object `values["__proto__"] = x` sets the
// prototype instead and the column vanished from every row, with no finding.
const HEADERS = ['EmployeeId', '__proto__', 'constructor', 'prototype', 'Name'];
const ROWS = [
  ['1', 'p1', 'c1', 't1', 'Ada'],
  ['2', 'p2', '', 't2', 'Grace'],
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-proto-'));
  await writeFile(join(dir, 'staff.csv'), [HEADERS, ...ROWS].map((r) => r.join(',')).join('\r\n') + '\r\n');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Staff');
  for (const row of [HEADERS, ...ROWS]) sheet.addRow(row);
  await workbook.xlsx.writeFile(join(dir, 'staff.xlsx'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['staff.csv', 'staff.xlsx'])('columns named after Object.prototype members (%s)', (name) => {
  it('keeps them as data in every row, and an empty one reads as absent rather than a function', async () => {
    const table = await openTable(join(dir, name));
    expect(table.columns.map((c) => c.header)).toEqual(HEADERS);
    const rows = await readAll(table);
    expect(rows.map((r) => Object.keys(r.values))).toEqual([HEADERS, HEADERS.filter((h) => h !== 'constructor')]);
    expect(rows[0]!.values['__proto__']).toBe('p1');
    expect(rows[0]!.values['constructor']).toBe('c1');
    expect(rows[0]!.values['prototype']).toBe('t1');
    expect(rows[1]!.values['constructor']).toBeUndefined();
    expect(table.findings).toEqual([]);
  });

  it('reaches the mapping', async () => {
    const rows = await readAll(await openTable(join(dir, name)));
    const mapping = compileMapping({ mapping: '{"externalId": EmployeeId, "a": `__proto__`, "b": `constructor`, "c": `prototype`}' });
    const built = rows.map((row) => JSON.parse(JSON.stringify(mapping.evaluateSync!(toMappingInput(row)))) as unknown);
    expect(built).toEqual([
      { externalId: '1', a: 'p1', b: 'c1', c: 't1' },
      { externalId: '2', a: 'p2', c: 't2' },
    ]);
  });
});
