import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendHistory } from '@scimport/core';
import { runCli } from './cli';
import type { CliIo } from './io';
import { MS, PROFILES, tempDir } from './__tests__/harness';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function scimport(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, cwd: process.cwd(), env: { SCIMPORT_DATA_DIR: join(dir, 'data') } };
  return { status: await runCli(argv, io), out, err };
}

describe('scimport history', () => {
  it('says so when nothing was recorded, and prints [] as JSON', async () => {
    expect((await scimport(['history'])).out).toMatch(/No runs recorded in .*data yet/);
    expect((await scimport(['history', '--json'])).out).toBe('[]\n');
  });

  it('lists runs oldest first, the last n with --limit, and skips a line cut short', async () => {
    const data = join(dir, 'data');
    for (const outcome of ['uploaded', 'nothing-to-send', 'blocked'] as const) {
      await appendHistory(data, { startedAt: '2026-01-02T03:04:05.000Z', profile: { name: 'HR', version: 3 }, calls: outcome === 'uploaded' ? 2 : 0, outcome, operations: 7 });
    }
    const all = JSON.parse((await scimport(['history', '--json'])).out);
    expect(all.map((e: { outcome: string }) => e.outcome)).toEqual(['uploaded', 'nothing-to-send', 'blocked']);
    const text = await scimport(['history', '--limit', '2']);
    expect(text.out.split('\n')[0]).toBe('The last 2 of 3 runs (--limit to see more):');
    expect(text.out).toMatch(/2026-01-02 03:04 UTC {2}nothing-to-send .*"HR" v3 {2}no diff; 7 users planned; 0 calls/);
    expect((await scimport(['history', '--limit', '0'])).status).toBe(2);
  });
});

describe('scimport diff without a network', () => {
  it('compares with an empty snapshot on a first run: everyone new, gate passes, nothing written to the data folder', async () => {
    const run = await scimport(['diff', join(MS, 'csv-with-2-records.csv'), '--profile', join(PROFILES, 'microsoft-attribute-mapping.json'), '--json']);
    expect(run.err).toBe('');
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.out);
    expect(doc).toMatchObject({ new: 2, changed: 0, unchanged: 0, missing: 0, returning: 0, operations: 2, disables: 0, calls: 1, gate: { tripped: false } });
    expect(doc.records).toEqual([
      { externalId: '1222', kind: 'new', row: 2, changes: null },
      { externalId: '1513', kind: 'new', row: 3, changes: null },
    ]);
    expect((await scimport(['history', '--json'])).out).toBe('[]\n');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('a malformed SCIMPORT_SNAPSHOT_KEY is one line naming the variable, before the file is read', async () => {
    let err = '';
    const io: CliIo = { out: () => undefined, err: (t) => void (err += t), interactive: false, cwd: process.cwd(), env: { SCIMPORT_DATA_DIR: join(dir, 'data'), SCIMPORT_SNAPSHOT_KEY: 'short' } };
    const status = await runCli(['upload', 'missing.csv', '--profile', join(PROFILES, 'microsoft-attribute-mapping.json')], io);
    expect(status).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/SCIMPORT_SNAPSHOT_KEY is set but is not a snapshot key/);
    expect(err).not.toContain('short');
  });
});
