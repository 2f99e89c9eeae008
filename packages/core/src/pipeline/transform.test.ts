import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../profile';
import type { BulkRequest, Finding } from '../types';
import { transformFile } from './transform';
import { managerFirstOrder, type OrderEntry } from './manager-order';

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

  it('streams every finding in row order to onFinding, keeps only the first N, and writes all to errors.csv', async () => {
    const out = await temp();
    const profile = await loadProfile(PROFILE);
    const streamed: Finding[] = [];
    const summary = await transformFile({ input: join(MS, 'csv-with-1000-records.csv'), profile, outDir: out, keepFindings: 10, onFinding: (f) => streamed.push(f) });
    expect(summary.findings).toHaveLength(10);
    expect(summary.findingsTruncated).toBe(true);
    expect(streamed).toHaveLength(summary.errors + summary.warnings);
    const rows = streamed.map((f) => f.row ?? 0);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    const report = await readFile(join(out, 'errors.csv'), 'utf8');
    expect(report.trimEnd().split('\r\n')).toHaveLength(streamed.length + 1);
    expect((await readdir(out)).some((n) => n.startsWith('.scimport-tmp'))).toBe(false);
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
