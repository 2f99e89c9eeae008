import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliWithEnv, tempDir } from './__tests__/harness';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('upload of a file whose every row has an error', () => {
  it('sends nothing and exits 1, as transform does, with nothing on stderr', async () => {
    const input = join(dir, 'bad.csv');
    const profile = join(dir, 'profile.json');
    await writeFile(input, 'Id,UPN\n1,John Smith\n2,Bob Ray\n');
    await writeFile(profile, JSON.stringify({ name: 'nothing', version: 1, mapping: '{ "externalId": $string(Id), "userName": UPN }' }));
    const run = await cliWithEnv(['upload', input, '--profile', profile, '--no-wait'], { SCIMPORT_DATA_DIR: join(dir, 'data') });
    expect(run.out).toContain('Nothing to upload: no row is valid.');
    expect(run.err).toBe('');
    expect(run.status).toBe(1);
  });
});
