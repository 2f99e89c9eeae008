import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProfile } from './profile';
import { transformFile } from './pipeline';
import { ensurePrivateDir } from './private-files';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-private-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// POSIX permissions only: on Windows the profile folder's ACLs protect these files instead.
describe.runIf(process.platform !== 'win32')('owner-only output', () => {
  it('creates folders 0700 and tightens one that already existed wider', async () => {
    const work = join(dir, 'work');
    await mkdir(work);
    await chmod(work, 0o755);
    await ensurePrivateDir(join(work, 'check-1'));
    expect(await modeOf(work)).toBe(0o755); // only the folder asked for is tightened, not its parents
    await ensurePrivateDir(work);
    expect(await modeOf(work)).toBe(0o700);
    expect(await modeOf(join(work, 'check-1'))).toBe(0o700);
  });

  it('writes errors.csv and every bulk file 0600 in the chosen --out folder', async () => {
    const profile = await loadProfile(join(REPO, 'test-data', 'profiles', 'microsoft-attribute-mapping.json'));
    const out = join(dir, 'out');
    const summary = await transformFile({ input: join(REPO, 'test-data', 'microsoft', 'csv-with-5-records.txt'), profile, outDir: out });
    expect(summary.requests).toBeGreaterThan(0);
    const names = await readdir(out);
    expect(names).toContain('errors.csv');
    expect(names.some((n) => n.startsWith('bulk-'))).toBe(true);
    for (const name of names) expect([name, await modeOf(join(out, name))]).toEqual([name, 0o600]);
  });
});
