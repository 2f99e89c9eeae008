import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../errors';
import { loadProfile, saveProfile } from './index';
import type { Profile } from './index';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-profile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const profile: Profile = { name: 'Contoso', version: 1, mapping: '{"externalId": WorkerID}', output: { chunkSize: 50 } };

async function rejection(promise: Promise<unknown>): Promise<CoreError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('loadProfile', () => {
  it('loads a valid file, also with a byte order mark', async () => {
    const path = join(dir, 'contoso.json');
    await writeFile(path, `\uFEFF${JSON.stringify(profile)}`);
    expect(await loadProfile(path)).toEqual(profile);
  });

  it('names the file and the line and column of broken JSON', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{\n  "name": "x",\n  "version": 1\n  "mapping": "{}"\n}\n');
    const err = await rejection(loadProfile(path));
    expect(err.code).toBe('PROFILE_UNREADABLE');
    expect(err.message).toMatch(/^broken\.json is not valid JSON: .+ at line 4, column 3 \(position 34\)\. Open it in a text editor/);
    expect(err.location).toMatchObject({ file: 'broken.json', row: 4, position: 34 });
  });

  it('reports a truncated file at its end', async () => {
    const path = join(dir, 'cut.json');
    await writeFile(path, '{\n  "name": "x",');
    const err = await rejection(loadProfile(path));
    expect(err.message).toContain('at line 2, column 15');
  });

  it('says when the file does not exist', async () => {
    const err = await rejection(loadProfile(join(dir, 'missing.json')));
    expect(err.code).toBe('PROFILE_UNREADABLE');
    expect(err.message).toBe('missing.json: the profile cannot be read: the file does not exist.');
  });

  it('passes schema problems through with the file name', async () => {
    const path = join(dir, 'team.json');
    await writeFile(path, JSON.stringify({ ...profile, input: { headerRow: 0 } }));
    const err = await rejection(loadProfile(path));
    expect(err.code).toBe('PROFILE_INVALID');
    expect(err.message).toBe('team.json: field /input/headerRow must be an integer ≥ 1');
  });
});

describe('saveProfile', () => {
  it('writes pretty JSON with a trailing newline and leaves no temporary file', async () => {
    const path = join(dir, 'contoso.json');
    const saved = await saveProfile(path, profile);
    expect(saved).toEqual(profile);
    const text = await readFile(path, 'utf8');
    expect(text).toBe(`${JSON.stringify(profile, null, 2)}\n`);
    expect(await readdir(dir)).toEqual(['contoso.json']);
    expect(await loadProfile(path)).toEqual(profile);
  });

  it('replaces an existing file and can bump the version', async () => {
    const path = join(dir, 'contoso.json');
    await saveProfile(path, profile);
    const saved = await saveProfile(path, { ...profile, description: 'v2' }, { bumpVersion: true });
    expect(saved.version).toBe(2);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 2, description: 'v2' });
  });

  it('refuses to write a secret or an invalid profile, leaving the old file alone', async () => {
    const path = join(dir, 'contoso.json');
    await saveProfile(path, profile);
    const before = await readFile(path, 'utf8');
    const secret = await rejection(saveProfile(path, { ...profile, target: { clientSecret: 'hunter2' } as Profile['target'] }));
    expect(secret.code).toBe('PROFILE_SECRET');
    expect(secret.message).not.toContain('hunter2');
    const invalid = await rejection(saveProfile(path, { ...profile, version: 0 }));
    expect(invalid.code).toBe('PROFILE_INVALID');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['contoso.json']);
  });

  it('reports a folder that does not exist', async () => {
    const err = await rejection(saveProfile(join(dir, 'nope', 'contoso.json'), profile));
    expect(err.code).toBe('OUTPUT_FAILED');
    expect(err.message).toBe('contoso.json: the profile could not be saved: the folder does not exist. Check the folder exists and can be written to.');
  });
});
