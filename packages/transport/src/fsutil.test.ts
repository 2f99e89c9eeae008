import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonIfExists, writeJsonAtomic } from './fsutil';

const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), '__tests__', 'atomic-writer.ts');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'scimport-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Start the writer, let it complete at least `minVersions` writes, SIGKILL it; return the last version it announced. */
function runAndKill(file: string, minVersions: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = 0;
    let buffer = '';
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) last = Number(line);
      if (last >= minVersions && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve(last));
  });
}

describe('writeJsonAtomic', () => {
  it('writes, replaces and reads back; a missing file reads as undefined', async () => {
    const file = path.join(dir, 'nested', 'state.json');
    expect(await readJsonIfExists(file)).toBeUndefined();
    await writeJsonAtomic(file, { a: 1 });
    await writeJsonAtomic(file, { a: 2 });
    expect(await readJsonIfExists(file)).toEqual({ a: 2 });
    expect(await readdir(path.dirname(file))).toEqual(['state.json']);
  });

  it('leaves one complete version when concurrent writers race', async () => {
    const file = path.join(dir, 'race.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeJsonAtomic(file, { i, padding: 'y'.repeat(50_000 + i) })));
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { i: number; padding: string };
    expect(parsed.padding).toHaveLength(50_000 + parsed.i);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('never leaves a torn file when the writer is SIGKILLed mid-stream', async () => {
    const file = path.join(dir, 'journal.json');
    for (let round = 0; round < 4; round += 1) {
      const announced = await runAndKill(file, 2 + Math.floor(Math.random() * 6));
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { version: number; check: number; padding: string };
      // Whatever instant the kill hit, the file is one whole version, at least as new as the last announced one.
      expect(parsed.check).toBe(parsed.version * 7);
      expect(parsed.padding).toHaveLength(256 * 1024);
      expect(parsed.version).toBeGreaterThanOrEqual(announced);
    }
  });

  it('reports unreadable JSON as RUN_CORRUPT naming the file', async () => {
    const file = path.join(dir, 'bad.json');
    await writeJsonAtomic(file, {});
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"half": '));
    await expect(readJsonIfExists(file)).rejects.toMatchObject({ code: 'RUN_CORRUPT', message: expect.stringContaining(file) });
  });
});
