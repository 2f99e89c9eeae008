import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../profile';
import { transformFile } from './transform';
import { sweepStaleWork } from './work-dir';

let dir: string;
let input: string;
const profile = { name: 'swap', version: 1, mapping: '{ "externalId": $string(Id), "userName": UPN }' } as Profile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-work-dir-'));
  input = join(dir, 'people.csv');
  await writeFile(input, 'Id,UPN\n' + Array.from({ length: 60 }, (_, i) => `${i + 1},u${i}@contoso.com`).join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The id of a process that has ended (as a SIGKILLed run's is). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

async function previous(out: string, bulkFiles: number): Promise<void> {
  await mkdir(out, { recursive: true });
  for (let i = 1; i <= bulkFiles; i++) await writeFile(join(out, `bulk-000${i}.json`), '{"previous":true}');
  await writeFile(join(out, 'errors.csv'), 'previous\r\n');
}

describe('publishing a run', () => {
  it("swaps the whole output folder: none of the previous run's files stay, files of others are carried over", async () => {
    const parent = await mkdtemp(join(dir, 'swap-'));
    const out = join(parent, 'out');
    await previous(out, 5);
    await writeFile(join(out, 'notes.txt'), 'mine');
    await transformFile({ input, profile, outDir: out });
    expect((await readdir(out)).sort()).toEqual(['bulk-0001.json', 'bulk-0002.json', 'errors.csv', 'notes.txt']);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(await readFile(join(out, 'bulk-0002.json'), 'utf8')).Operations).toHaveLength(10);
    expect(await readdir(parent)).toEqual(['out']);
  });

  it('publishes file by file into a folder holding sub-folders (which a swap would have to move)', async () => {
    const parent = await mkdtemp(join(dir, 'files-'));
    const out = join(parent, 'out');
    await previous(out, 3);
    await mkdir(join(out, 'archive'));
    await transformFile({ input, profile, outDir: out });
    expect((await readdir(out)).sort()).toEqual(['archive', 'bulk-0001.json', 'bulk-0002.json', 'errors.csv']);
  });
});

describe('sweeping what killed runs left', () => {
  it('completes a swap a kill interrupted between its renames, and removes the other leftovers', async () => {
    const parent = await mkdtemp(join(dir, 'interrupted-'));
    const out = join(parent, 'out');
    const pid = deadPid();
    const ready = join(parent, `.out.scimport-ready-${pid}-abc`);
    const old = join(parent, `.out.scimport-old-${pid}-def`);
    const tmp = join(parent, `.out.scimport-tmp-${pid}-ghi`);
    await previous(ready, 1);
    await writeFile(join(ready, 'bulk-0001.json'), '{"ready":true}');
    await previous(old, 2);
    await mkdir(tmp);
    await writeFile(join(tmp, 'valid.ndjson'), '{}\n');
    await sweepStaleWork(out);
    expect(await readdir(parent)).toEqual(['out']);
    expect((await readdir(out)).sort()).toEqual(['bulk-0001.json', 'errors.csv']);
    expect(await readFile(join(out, 'bulk-0001.json'), 'utf8')).toBe('{"ready":true}');
  });

  it("leaves a live process's work alone", async () => {
    const parent = await mkdtemp(join(dir, 'live-'));
    const out = join(parent, 'out');
    await mkdir(out);
    const live = join(parent, `.out.scimport-tmp-${process.ppid}-xyz`);
    await mkdir(live);
    await sweepStaleWork(out);
    expect((await readdir(parent)).sort()).toEqual(['.out.scimport-tmp-' + process.ppid + '-xyz', 'out']);
  });
});
