import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BulkRequest } from '@scimport/core';
import { ensurePrivateDir, writeJsonAtomic } from './fsutil';
import { JOURNAL_FILE, JournalWriter } from './journal';
import { openRun, startRun } from './run-store';

// POSIX permissions only: on Windows the profile folder's ACLs protect the data folder instead.
const posix = process.platform !== 'win32';
const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'scimport-private-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const target = { tenantId: 't', servicePrincipalId: 'sp', jobId: 'job' };
const bulk = (from: number, count: number): BulkRequest => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
  Operations: Array.from({ length: count }, (_, i) => ({
    method: 'POST',
    path: '/Users',
    bulkId: `b${from + i}`,
    data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], externalId: `E${from + i}`, userName: `user${from + i}@contoso.com` },
  })),
}) as BulkRequest;

describe.runIf(posix)('files of people\'s data are owner-only', () => {
  it('creates missing folders 0700 and tightens an existing one that was wider', async () => {
    const nested = path.join(dir, 'a', 'b');
    await ensurePrivateDir(nested);
    expect(await modeOf(path.join(dir, 'a'))).toBe(0o700);
    expect(await modeOf(nested)).toBe(0o700);
    const open = path.join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o755);
    await ensurePrivateDir(open);
    expect(await modeOf(open)).toBe(0o700);
  });

  it('replaces a world-readable file with an owner-only one', async () => {
    const file = path.join(dir, 'results.json');
    await writeFile(file, '{}');
    await chmod(file, 0o644);
    await writeJsonAtomic(file, { rows: {} });
    expect(await modeOf(file)).toBe(0o600);
  });

  it('keeps a run (folders, chunks, manifest, journal) owner-only in a data folder that already existed wide open', async () => {
    const dataDir = path.join(dir, 'data');
    await mkdir(path.join(dataDir, 'runs'), { recursive: true });
    await chmod(dataDir, 0o755);
    await chmod(path.join(dataDir, 'runs'), 0o777);
    const run = await startRun({ dataDir, target, chunks: [bulk(1, 3), bulk(4, 2)] });
    expect(await modeOf(path.join(dataDir, 'runs'))).toBe(0o700);
    expect(await modeOf(run.dir)).toBe(0o700);
    expect(await modeOf(path.join(run.dir, 'chunks'))).toBe(0o700);
    expect(await modeOf(path.join(run.dir, 'run.json'))).toBe(0o600);
    const chunks = await readdir(path.join(run.dir, 'chunks'));
    expect(chunks).toHaveLength(2);
    for (const name of chunks) expect(await modeOf(path.join(run.dir, 'chunks', name))).toBe(0o600);
    const journal = new JournalWriter(path.join(run.dir, JOURNAL_FILE));
    await journal.append(1, { state: 'sending', since: new Date().toISOString(), sends: 1 }).durable;
    await journal.close();
    expect(await modeOf(path.join(run.dir, JOURNAL_FILE))).toBe(0o600);
  });

  it('tightens a run written by an earlier version when it is opened again, journal included', async () => {
    const dataDir = path.join(dir, 'data');
    const run = await startRun({ dataDir, target, chunks: [bulk(1, 2)] });
    // As an earlier version left it: every folder and the journal readable by anyone.
    for (const folder of [path.join(dataDir, 'runs'), run.dir, path.join(run.dir, 'chunks')]) await chmod(folder, 0o755);
    await writeFile(path.join(run.dir, JOURNAL_FILE), '{"chunk":1,"state":"pending"}\n');
    await chmod(path.join(run.dir, JOURNAL_FILE), 0o644);
    const again = await openRun(dataDir, run.id);
    for (const folder of [path.join(dataDir, 'runs'), run.dir, path.join(run.dir, 'chunks')]) expect(await modeOf(folder)).toBe(0o700);
    const journal = new JournalWriter(path.join(again.dir, JOURNAL_FILE));
    await journal.append(1, { state: 'sending', since: new Date().toISOString(), sends: 1 }).durable;
    await journal.close();
    expect(await modeOf(path.join(run.dir, JOURNAL_FILE))).toBe(0o600);
  });
});
