import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../profile';
import type { BulkRequest, Finding } from '../types';
import { transformFile } from './transform';
import { managerFirstOrder, type OrderEntry } from './manager-order';
import { readErrorReport } from '../annotate';

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..');
const MS = join(REPO, 'test-data', 'microsoft');
const PROFILE = join(REPO, 'test-data', 'profiles', 'microsoft-attribute-mapping.json');

async function temp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'scimport-transform-'));
}

function entry(row: number, externalId: string, manager?: string): OrderEntry {
  return { row, offset: 0, length: 0, externalId, manager };
}

async function readRequests(dir: string): Promise<BulkRequest[]> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('bulk-')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as BulkRequest));
}

describe('managerFirstOrder', () => {
  it('puts managers before their reports, keeping file order within a level', () => {
    const order = managerFirstOrder([entry(2, 'c', 'b'), entry(3, 'b', 'a'), entry(4, 'x'), entry(5, 'a', 'outside'), entry(6, 'd', 'B')]);
    expect(order.entries.map((e) => e.externalId)).toEqual(['x', 'a', 'b', 'c', 'd']);
    expect(order.findings('f.csv', undefined)).toEqual([]);
  });

  it('sends cycles last and reports each member', () => {
    const order = managerFirstOrder([entry(2, 'a', 'b'), entry(3, 'b', 'a'), entry(4, 'c'), entry(5, 'self', 'self')]);
    expect(order.entries.map((e) => e.externalId)).toEqual(['c', 'self', 'a', 'b']);
    const findings = order.findings('f.csv', undefined);
    expect(findings.map((f) => [f.code, f.row])).toEqual([['manager.cycle', 2], ['manager.cycle', 3]]);
  });

  it('handles a chain thousands deep without recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => entry(i + 2, `p${i}`, i === 19_999 ? undefined : `p${i + 1}`));
    const order = managerFirstOrder(chain);
    expect(order.entries[0]!.externalId).toBe('p19999');
    expect(order.entries.at(-1)!.externalId).toBe('p0');
  });
});

describe('transformFile', () => {
  it('sends managers in earlier chunks than their reports (csv-with-5-records: four people report to 1222)', async () => {
    const out = await temp();
    const profile = await loadProfile(PROFILE);
    const summary = await transformFile({ input: join(MS, 'csv-with-5-records.txt'), profile, outDir: out });
    const ops = (await readRequests(out)).flatMap((r) => r.Operations);
    const position = new Map(ops.map((op, i) => [op.data.externalId, i]));
    for (const op of ops) {
      const manager = (op.data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { manager?: { value: string } }).manager?.value;
      if (manager && position.has(manager)) expect(position.get(manager)!).toBeLessThan(position.get(op.data.externalId)!);
    }
    expect(summary.sent.map((s) => s.externalId)[0]).toBe('1222');
    expect(summary.sent).toHaveLength(summary.operations);
  });

  it('streams every finding in row order to onFinding and keeps the first N lines of errors.csv', async () => {
    const out = await temp();
    const profile = await loadProfile(PROFILE);
    const streamed: Finding[] = [];
    const summary = await transformFile({ input: join(MS, 'csv-with-1000-records.csv'), profile, outDir: out, keepFindings: 10, onFinding: (f) => streamed.push(f) });
    expect(summary.findings).toHaveLength(10);
    expect(summary.findingsTruncated).toBe(true);
    expect(streamed).toHaveLength(summary.errors + summary.warnings);
    expect(streamed.some((f) => f.repeats)).toBe(false);
    const rows = streamed.map((f) => f.row ?? 0);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    // The kept findings are the report's first lines: a warning on every row is among them once, for all its rows.
    const notUpn = summary.findings.filter((f) => f.code === 'userName.notUpn');
    expect(notUpn).toEqual([expect.objectContaining({ row: 2, repeats: { count: 1000, rows: '2\u20131001' } })]);
    expect((await readdir(out)).some((n) => n.startsWith('.scimport-tmp'))).toBe(false);
  });

  it('writes every error to errors.csv and each warning repeated on many rows once, with all its rows (Microsoft sample, 3,110 findings)', async () => {
    const profile = await loadProfile(PROFILE);
    const input = join(MS, 'csv-with-1000-records.csv');
    const streamed: Finding[] = [];
    const listening = await temp();
    await transformFile({ input, profile, outDir: listening, onFinding: (f) => streamed.push(f) });
    expect(streamed).toHaveLength(3110);
    // Without a listener the repeats are never spooled: the report must come out the same.
    const quiet = await temp();
    const summary = await transformFile({ input, profile, outDir: quiet });
    const report = await readFile(join(quiet, 'errors.csv'), 'utf8');
    expect(await readFile(join(listening, 'errors.csv'), 'utf8')).toBe(report);

    const lines = report.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('severity,file,sheet,row,column,header,path,code,message,rows');
    const errorLines = lines.filter((line) => line.startsWith('error,'));
    expect(errorLines).toHaveLength(streamed.filter((f) => f.severity === 'error').length);
    expect(errorLines).toHaveLength(1282);
    // 1,828 warnings of five kinds: four on more than ten rows (one line each), one on a single row (its own line).
    const warningLines = lines.filter((line) => line.startsWith('warning,'));
    expect(warningLines).toHaveLength(5);
    expect(lines.length).toBe(1 + 1282 + 5);
    expect(summary.warnings).toBe(1828);

    // Read back, the report gives every finding's row, code and cells again (the annotated copy is made from it).
    const back: Finding[] = [];
    for await (const finding of readErrorReport(join(quiet, 'errors.csv'))) back.push(finding);
    const place = (f: Finding) => `${f.row}|${f.severity}|${f.code}|${(f.cells ?? []).map((c) => c.letter).join(';')}`;
    expect(back.map(place).sort()).toEqual(streamed.map(place).sort());
    const backRows = back.map((f) => f.row ?? 0);
    expect(backRows).toEqual([...backRows].sort((a, b) => a - b));
    const country = back.filter((f) => f.code === 'country.notIso');
    expect(country).toHaveLength(196);
    expect(country[0]!.message).toMatch(/^Country UK is not a country code Entra accepts \(196 people\)\. Use GB/);
  });

  it('keeps a line per row for a warning on ten rows or fewer', async () => {
    const dir = await temp();
    const input = join(dir, 'eleven.csv');
    const profile = await loadProfile(PROFILE);
    const [header, ...body] = (await readFile(join(MS, 'csv-with-1000-records.csv'), 'utf8')).split(/\r?\n/).filter(Boolean);
    const columns = header!.split(',');
    const country = columns.indexOf('CountryCode');
    const id = columns.indexOf('WorkerID');
    // 21 distinct people, all in the US but for 10 in `XX` (kept row by row) and 11 in `ZZ` (one line).
    const rows = body.slice(0, 21).map((line, i) => {
      const cells = line.split(',');
      cells[id] = String(90_000 + i);
      cells[country] = i < 10 ? 'XX' : 'ZZ';
      return cells.join(',');
    });
    await writeFile(input, [header, ...rows].join('\n') + '\n');
    const summary = await transformFile({ input, profile: { ...profile, tests: [] }, outDir: dir });
    const countryFindings = summary.findings.filter((f) => f.code === 'country.notIso');
    expect(countryFindings.filter((f) => f.value === 'XX')).toHaveLength(10);
    expect(countryFindings.filter((f) => !f.repeats && f.value === undefined)).toHaveLength(0);
    const zz = countryFindings.filter((f) => f.repeats);
    expect(zz).toHaveLength(1);
    expect(zz[0]).toMatchObject({ row: 12, repeats: { count: 11, rows: '12\u201322' } });
    expect(zz[0]!.message).toMatch(/^Country ZZ .*\(11 people\)/);
  });

  it('gives the same output on worker threads as in-process', async () => {
    const profile = await loadProfile(PROFILE);
    const a = await temp();
    const b = await temp();
    const input = join(MS, 'sample1-employeeData.csv');
    const found: [Finding[], Finding[]] = [[], []];
    const inProcess = await transformFile({ input, profile, outDir: a, workers: 0, onFinding: (f) => found[0].push(f) });
    const pooled = await transformFile({ input, profile, outDir: b, workers: 2, onFinding: (f) => found[1].push(f) });
    // Findings name their person whichever thread mapped the row.
    expect(found[0].length).toBeGreaterThan(0);
    expect(found[1]).toEqual(found[0]);
    expect(found[0].filter((f) => f.row !== undefined).every((f) => f.person?.externalId !== undefined)).toBe(true);
    expect(pooled.operations).toBe(inProcess.operations);
    expect(pooled.errors).toBe(inProcess.errors);
    expect(await readRequests(b)).toEqual(await readRequests(a));
    expect(await readFile(join(b, 'errors.csv'), 'utf8')).toBe(await readFile(join(a, 'errors.csv'), 'utf8'));
  });

  it('leaves the previous output untouched when a run fails', async () => {
    const out = await temp();
    const profile = await loadProfile(PROFILE);
    await transformFile({ input: join(MS, 'csv-with-2-records.csv'), profile, outDir: out });
    const before = await readFile(join(out, 'bulk-0001.json'), 'utf8');
    const broken = join(out, 'broken.csv');
    await writeFile(broken, 'WorkerID,UserID\n"1,unclosed\n');
    await expect(transformFile({ input: broken, profile, outDir: out })).rejects.toMatchObject({ name: 'CoreError' });
    expect(await readFile(join(out, 'bulk-0001.json'), 'utf8')).toBe(before);
    expect((await readdir(out)).some((n) => n.startsWith('.scimport-tmp'))).toBe(false);
  });

  it('stops when cancelled and writes nothing', async () => {
    const out = await temp();
    const profile = await loadProfile(PROFILE);
    const controller = new AbortController();
    controller.abort();
    await expect(transformFile({ input: join(MS, 'csv-with-1000-records.csv'), profile, outDir: out, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(out)).toEqual([]);
  });

  it('warns once, before the rows, when the mapping reads a column the file does not have', async () => {
    const profile = await loadProfile(PROFILE);
    const typo = { ...profile, mapping: profile.mapping.replace('$str(WorkerID)', '$str(WorkerId)'), tests: [] };
    const summary = await transformFile({ input: join(MS, 'csv-with-2-records.csv'), profile: typo });
    const unknown = summary.findings.filter((f) => f.code === 'mapping.unknownColumn');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.message).toMatch(/`WorkerId`.*did you mean `WorkerID`/);
    expect(summary.findings[0]!.code).toBe('mapping.unknownColumn');
  });

  it('lists the externalIds of people held back by errors, so a comparison never takes them for leavers', async () => {
    const profile = await loadProfile(PROFILE);
    const summary = await transformFile({ input: join(MS, 'csv-with-1000-records.csv'), profile });
    // 265 duplicated WorkerIDs: every one of them is held back, and every id is readable.
    expect(summary.heldBack).toHaveLength(265);
    expect(summary.heldBack).toContain('1222');
    expect(summary.heldBackUnidentified).toBe(0);
    expect(summary.sent.some((s) => s.externalId === '1222')).toBe(false);
  });

  it('says loudly, as an error, when a file has a header but no rows of people', async () => {
    const dir = await temp();
    const empty = join(dir, 'header-only.csv');
    await writeFile(empty, 'WorkerID,UserID,FirstName\n');
    const profile = await loadProfile(PROFILE);
    const summary = await transformFile({ input: empty, profile: { ...profile, tests: [] } });
    expect(summary.rows).toBe(0);
    expect(summary.errors).toBe(1);
    expect(summary.findings[0]).toMatchObject({ severity: 'error', code: 'file.noRows' });
    expect(summary.findings[0]!.message).toMatch(/header-only\.csv has a header on row 1 but no rows/);
  });
});
