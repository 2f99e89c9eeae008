import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCoreError } from '../errors';
import { HISTORY_FILE, appendHistory, currentUser, readHistory, sha256File, type HistoryEntryInput } from './history';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scimport-history-'));
  dir = join(root, 'data');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function run(overrides: Partial<HistoryEntryInput> = {}): HistoryEntryInput {
  return {
    startedAt: '2025-03-01T08:00:00.000Z',
    file: { name: 'hr-export.xlsx', sha256: 'a'.repeat(64) },
    profile: { name: 'Contoso HR', version: 7 },
    target: { tenantId: 'contoso.onmicrosoft.com', jobId: 'API2AAD.x' },
    counts: { new: 2, changed: 5, unchanged: 990, missing: 3, returning: 0, alreadyDisabled: 0 },
    operations: 7,
    disables: 3,
    calls: 1,
    outcome: 'uploaded',
    ...overrides,
  };
}

describe('run history', () => {
  it('is empty before the first run', async () => {
    expect(await readHistory(dir)).toEqual([]);
  });

  it('records every run with who, when, the file and the outcome, oldest first', async () => {
    const first = await appendHistory(dir, run());
    const second = await appendHistory(dir, run({ outcome: 'blocked', calls: 0, message: '500 of 1,000 people (50 %) would be disabled.' }));
    expect(first.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.runId).not.toBe(first.runId);
    expect(first.user).toBe(currentUser());
    expect(first.host).toBeTruthy();
    expect(Date.parse(first.finishedAt)).not.toBeNaN();
    expect(await readHistory(dir)).toEqual([first, second]);
    if (process.platform !== 'win32') {
      expect((await stat(join(dir, HISTORY_FILE))).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
    }
  });

  it('keeps the caller\'s run id and user', async () => {
    const entry = await appendHistory(dir, run({ runId: 'run-1', user: 'svc-hr-sync' }));
    expect(entry).toMatchObject({ runId: 'run-1', user: 'svc-hr-sync' });
  });

  it('survives a line cut short by a crash', async () => {
    const first = await appendHistory(dir, run());
    await appendFile(join(dir, HISTORY_FILE), '{"runId":"half-writ');
    const next = await appendHistory(dir, run({ outcome: 'partial' }));
    expect((await readHistory(dir)).map((e) => e.runId)).toEqual([first.runId, next.runId]);
  });

  it('names the operating-system user, or the environment\'s when the system has none', () => {
    expect(currentUser({})).toBe(userInfo().username);
  });
});

describe('sha256File', () => {
  it('hashes the file\'s bytes', async () => {
    const path = join(root, 'export.csv');
    const bytes = Buffer.from('UserID,Name\n701984,Barbara Jensen\n', 'utf8');
    await writeFile(path, bytes);
    expect(await sha256File(path)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('names a file it cannot read', async () => {
    try {
      await sha256File(join(root, 'missing.xlsx'));
      expect.unreachable();
    } catch (error) {
      expect(isCoreError(error) && error.code).toBe('FILE_NOT_FOUND');
      expect((error as Error).message).toContain('missing.xlsx');
    }
  });
});
