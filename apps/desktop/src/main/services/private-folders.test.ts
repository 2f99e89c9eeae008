import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_CSV, harness, until, type Harness } from '../../__tests__/services';
import { Outbox, type OutboxEntry } from './outbox';

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// POSIX permissions only: on Windows the profile folder's ACLs protect the data folder instead.
describe.runIf(process.platform !== 'win32')('the app\'s folders of people\'s data', () => {
  it('are owner-only, also when an earlier version left them readable by anyone', async () => {
    h = await harness();
    for (const name of ['work', 'uploads', 'outbox']) {
      await mkdir(join(h.dataDir, name));
      await chmod(join(h.dataDir, name), 0o755);
    }

    await h.call('file:upload', { name: 'staff.csv', dataBase64: Buffer.from('EmployeeID,FirstName\n1,Ana\n').toString('base64') });
    expect(await modeOf(join(h.dataDir, 'uploads'))).toBe(0o700);

    const table = await h.call('file:open', { path: SAMPLE_CSV });
    await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const { profile } = await h.call('profile:autoMap', { tableId: table.tableId });
    const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile });
    await until(() => h!.call('validate:status', { jobId }), (s) => s.state !== 'running', 60_000);
    expect(await modeOf(join(h.dataDir, 'work'))).toBe(0o700);
    const [check] = await readdir(join(h.dataDir, 'work'));
    expect(await modeOf(join(h.dataDir, 'work', check!))).toBe(0o700);
    const files = await readdir(join(h.dataDir, 'work', check!));
    expect(files).toContain('errors.csv');
    for (const name of files) expect([name, await modeOf(join(h.dataDir, 'work', check!, name))]).toEqual([name, 0o600]);

    await new Outbox(h.dataDir).save({ runId: '20260101-000000-abcd' } as Omit<OutboxEntry, 'version' | 'savedAt'>);
    expect(await modeOf(join(h.dataDir, 'outbox'))).toBe(0o700);
    expect(await modeOf(join(h.dataDir, 'outbox', '20260101-000000-abcd.json'))).toBe(0o600);
  });
});
