import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listSheets, openTable, type SourceRow } from '@scimport/core';
import { SAMPLE_CSV, harness, until, type Harness } from '../../__tests__/services';

let h: Harness | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await h?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  h = undefined;
  scratch = undefined;
});

/** Saves the bytes as the window would, and reads the rows back with the core's reader. */
async function rowsOf(file: { fileName: string; dataBase64: string }): Promise<SourceRow[]> {
  scratch ??= await mkdtemp(join(tmpdir(), 'scimport-annotated-'));
  const path = join(scratch, file.fileName);
  await writeFile(path, Buffer.from(file.dataBase64, 'base64'));
  const table = await openTable(path);
  const rows: SourceRow[] = [];
  for await (const row of table.rows()) rows.push(row);
  return rows;
}

describe('the checked copy through dispatch', () => {
  it('gives the checked file after a check, and the results file after an upload', async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_CSV });
    await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const profile = (await h.call('profile:autoMap', { tableId: table.tableId })).profile;
    const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile });
    await until(() => h!.call('validate:status', { jobId }), (s) => s.state !== 'running');

    const checked = await h.call('validate:annotated', { jobId });
    expect(checked.fileName).toBe('csv-with-2-records-checked.xlsx');
    const rows = await rowsOf(checked);
    expect(rows.map((r) => r.values.WorkerID)).toEqual(['1222', '1513']);
    expect(rows.every((r) => typeof r.values.Status === 'string')).toBe(true);
    expect(await listSheets(join(scratch!, checked.fileName))).toEqual(['csv-with-2-records', 'Summary']);

    const diff = await h.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    await until(() => h!.call('upload:status', { uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results');
    const results = await h.call('upload:annotated', { uploadId });
    expect(results.fileName).toBe('csv-with-2-records-results.xlsx');
    const after = await rowsOf(results);
    // Their managers are in neither the file nor the sandbox: both fail, and the copy says why next to them.
    expect(after.map((r) => [r.values.WorkerID, r.values.Status])).toEqual([['1222', 'Failed'], ['1513', 'Failed']]);
    expect(String(after[0]!.values['What to do'])).not.toBe('');
  });

  it('refuses a check that is gone, as error data', async () => {
    h = await harness();
    const envelope = await h.services.dispatch('validate:annotated', { jobId: 'check-nope' });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
