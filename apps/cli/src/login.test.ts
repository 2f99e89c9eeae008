import { randomBytes } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenCacheFile } from '@scimport/transport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MS, PROFILES, tempDir } from './__tests__/harness';
import { runCli } from './cli';
import { credentialConfig, requireSavedSignIn, specFromProfile, tokenCachePath } from './commands/upload-connection';
import type { CliIo } from './io';

const TARGET = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '0b5b4a6c-6f4e-4b3c-9a1e-3c2d1e0f9a8b',
  servicePrincipalId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  jobId: 'API2AAD.0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d.1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d',
};
const USER = 'hr.admin@contoso.example';

let dir: string;
let profile: string;
let env: Record<string, string>;

beforeEach(async () => {
  dir = await tempDir();
  env = { SCIMPORT_DATA_DIR: join(dir, 'data') };
  const base = JSON.parse(await readFile(join(PROFILES, 'microsoft-attribute-mapping.json'), 'utf8')) as Record<string, unknown>;
  profile = join(dir, 'delegated.json');
  await writeFile(profile, JSON.stringify({ ...base, target: { ...TARGET, auth: 'interactive' } }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(interactive = false): CliIo & { text: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), interactive, cwd: dir, env, text: () => ({ out, err }) };
}

async function cli(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const streams = io();
  const status = await runCli(argv, streams);
  return { status, ...streams.text() };
}

/** A saved sign-in as `scimport login` leaves it (tokens made up; nothing here calls the network). */
async function saveSignIn(): Promise<string> {
  const file = tokenCachePath(env.SCIMPORT_DATA_DIR!, TARGET);
  const cache = new TokenCacheFile({ file });
  cache.account = { username: USER, homeAccountId: `oid.${TARGET.tenantId}` };
  await cache.save(JSON.stringify({ Account: {}, AccessToken: {}, RefreshToken: { rt: { secret: randomBytes(16).toString('hex') } } }));
  return file;
}

describe('delegated sign-in without a terminal (CI, cron)', () => {
  it('upload refuses before reading the file, naming the login command to run', async () => {
    const result = await cli(['upload', join(MS, 'csv-with-2-records.csv'), '--profile', profile]);
    expect(result.status).toBe(2);
    expect(result.err).toContain(`Run \`scimport login --profile ${profile}\` first`);
    expect(result.err).toContain(TARGET.tenantId);
    expect(result.err).not.toMatch(/Opening the browser|at .*\.ts:\d+/);
    // Nothing was started: no run folder.
    expect((await readdir(env.SCIMPORT_DATA_DIR!)).filter((name) => name === 'runs')).toEqual([]);
  });

  it('job status and preflight refuse the same way instead of waiting for a browser', async () => {
    for (const argv of [['job', 'status', '--profile', profile], ['preflight', '--profile', profile]]) {
      const result = await cli(argv);
      expect(result.status).toBe(2);
      expect(result.err).toMatch(/No saved sign-in can be used .* Run `scimport login --profile/);
    }
  });

  it('a saved sign-in lets the command go on; an interactive terminal may prompt', async () => {
    const spec = specFromProfile(JSON.parse(await readFile(profile, 'utf8')) as never, profile, io());
    if (spec.mode === 'sandbox') throw new Error('expected a target');
    const dataDir = env.SCIMPORT_DATA_DIR!;
    await expect(requireSavedSignIn(await credentialConfig(spec, io(false), { dataDir, profilePath: profile }))).rejects.toMatchObject({ code: 'REFUSED' });
    await expect(requireSavedSignIn(await credentialConfig(spec, io(true), { dataDir, profilePath: profile }))).resolves.toBeUndefined();
    await saveSignIn();
    await expect(requireSavedSignIn(await credentialConfig(spec, io(false), { dataDir, profilePath: profile }))).resolves.toBeUndefined();
  });

  it('keeps sign-ins in a private folder of the data folder, one file per tenant and app', async () => {
    const file = await saveSignIn();
    expect(file).toBe(join(env.SCIMPORT_DATA_DIR!, 'msal-cache', `${TARGET.tenantId}-${TARGET.clientId}.json`));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(tokenCachePath('/d', { tenantId: 'Contoso.onmicrosoft.com', clientId: '../x' })).toBe(join('/d', 'msal-cache', 'contoso.onmicrosoft.com-.._x.json'));
  });
});

describe('scimport logout', () => {
  it('deletes the saved sign-in and says whose it was; a second logout finds nothing', async () => {
    const file = await saveSignIn();
    const first = await cli(['logout', '--profile', profile]);
    expect(first.status).toBe(0);
    expect(first.out).toContain(`Signed out ${USER}`);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const second = await cli(['logout', '--profile', profile]);
    expect(second.status).toBe(0);
    expect(second.out).toMatch(/No saved sign-in .* nothing to remove/);
  });

  it('removes a cache it cannot read (another key) all the same', async () => {
    env.SCIMPORT_SNAPSHOT_KEY = randomBytes(32).toString('hex');
    const file = await saveSignIn();
    const cache = new TokenCacheFile({ file, key: Buffer.from(env.SCIMPORT_SNAPSHOT_KEY, 'hex') });
    cache.account = { username: USER, homeAccountId: 'x' };
    await cache.save();
    env.SCIMPORT_SNAPSHOT_KEY = randomBytes(32).toString('hex');
    const result = await cli(['logout', '--profile', profile]);
    expect(result.status).toBe(0);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('login and logout refuse a profile without a target (the sandbox needs no sign-in)', async () => {
    for (const command of ['login', 'logout']) {
      const result = await cli([command, '--profile', join(PROFILES, 'microsoft-attribute-mapping.json')]);
      expect(result.status).toBe(2);
      expect(result.err).toMatch(/has no target: the sandbox needs no sign-in/);
    }
  });
});
