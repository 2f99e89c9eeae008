import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SourceRow, listSheets, openTable } from '@scimport/core';
import { MS, PROFILES, cliWithEnv } from './__tests__/harness';

// The checked copy from the command line: real files, the real sandbox upload, read back with the core's own reader.

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');
const TWO = join(MS, 'csv-with-2-records.csv');
const THOUSAND = join(MS, 'csv-with-1000-records.csv');

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'scimport-annotated-'));
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

async function rowsOf(path: string): Promise<SourceRow[]> {
  const table = await openTable(path);
  const rows: SourceRow[] = [];
  for await (const row of table.rows()) rows.push(row);
  return rows;
}

describe('transform --annotated', () => {
  it("writes a checked copy of Microsoft's 1,000-row sample beside the bulk files", async () => {
    const copy = join(scratch, 'checked.xlsx');
    const run = await cliWithEnv(['transform', THOUSAND, '--profile', PROFILE, '--out', join(scratch, 'out'), '--annotated', copy, '--json'], {});
    expect(run.err).toBe('');
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.out);
    expect(doc.annotated).toEqual({ out: copy, rows: 1000, annotated: 1000 });
    const rows = await rowsOf(copy);
    expect(rows).toHaveLength(1000);
    expect(rows[0]!.values).toMatchObject({ WorkerID: '1222', FirstName: 'Talya', HireDate: '2013-01-01', Status: 'Fix needed' });
    expect(String(rows[0]!.values['What to do'])).toContain('1222');
    expect(rows.filter((r) => r.values.Status === 'Fix needed')).toHaveLength(doc.invalid);
    expect(await listSheets(copy)).toEqual(['csv-with-1000-records', 'Summary']);
  });

  it('refuses, before transforming, to write the copy over the input or into a missing folder', async () => {
    const input = join(scratch, 'people.csv');
    await copyFile(TWO, input);
    const over = await cliWithEnv(['transform', input, '--profile', PROFILE, '--out', join(scratch, 'out'), '--annotated', input], {});
    expect(over.status).toBe(2);
    expect(over.err).toBe('scimport: The checked copy cannot be written over people.csv itself: your original must stay as it is. Choose another file name, for example people-checked.xlsx.\n');
    const missing = await cliWithEnv(['transform', input, '--profile', PROFILE, '--out', join(scratch, 'out'), '--annotated', join(scratch, 'nope', 'c.xlsx')], {});
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/^scimport: The folder .*nope does not exist, so c\.xlsx cannot be written there\. Create the folder or choose another place\.\n$/);
    // Refused before the transform: no bulk files were written.
    expect(await readdir(scratch)).toEqual(['people.csv']);
  });
});

describe('status --annotated', () => {
  it('writes each person\'s provisioning outcome into a copy of the uploaded file', async () => {
    const env = { SCIMPORT_DATA_DIR: join(scratch, 'data') };
    const input = join(scratch, 'two.csv');
    await copyFile(TWO, input);
    const upload = await cliWithEnv(['upload', input, '--profile', PROFILE, '--json'], env);
    const { runId } = JSON.parse(upload.out) as { runId: string };
    const copy = join(scratch, 'results.xlsx');
    const status = await cliWithEnv(['status', runId, '--annotated', copy, '--json'], env);
    expect(status.err).toBe('');
    expect(JSON.parse(status.out).annotated).toEqual({ out: copy, rows: 2, annotated: 2 });
    const rows = await rowsOf(copy);
    // Both managers are unknown to the sandbox tenant: Entra fails the reference and says why.
    expect(rows.map((r) => [r.values.WorkerID, r.values.Status])).toEqual([['1222', 'Failed'], ['1513', 'Failed']]);
    expect(String(rows[0]!.values['What to do'])).toContain("'1684'");

    // The file edited since the upload no longer matches the results: refused, and the original accepted with --input.
    await writeFile(input, 'WorkerID\r\n1\r\n');
    const changed = await cliWithEnv(['status', runId, '--annotated', copy], env);
    expect(changed.status).toBe(2);
    expect(changed.err).toContain('has changed since run');
    expect(changed.err.split('\n')).toHaveLength(2);
    const again = await cliWithEnv(['status', runId, '--annotated', copy, '--input', TWO], env);
    expect(again.err).toBe('');
    expect(again.out).toContain(`Wrote the results into a copy of the file: ${copy}`);
  });
});
