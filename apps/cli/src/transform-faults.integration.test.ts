/**
 * `scimport transform` dying halfway, as a real process: a signal, a SIGKILL, a full disk. Nothing of
 * the run may stay behind (no spool of every mapped person, no half output), and a killed run's work is
 * swept by the next one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './__tests__/harness';

const MAIN = join(REPO, 'apps/cli/src/main.ts');
const MAPPING = '{ "externalId": $string(Id), "userName": UPN, "name": { "givenName": First, "familyName": Last }, "displayName": First & " " & Last }';

let dir: string;
let profile: string;
let big: string;
let small: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-faults-'));
  profile = join(dir, 'profile.json');
  await writeFile(profile, JSON.stringify({ name: 'faults', version: 1, mapping: MAPPING }));
  const rows = (n: number) => 'Id,First,Last,UPN\n' + Array.from({ length: n }, (_, i) => `${i + 1},First${i},Last${i},user${i}@contoso.com`).join('\n') + '\n';
  big = join(dir, 'big.csv');
  await writeFile(big, rows(300_000));
  small = join(dir, 'small.csv');
  await writeFile(small, rows(120));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(args: string[]): { child: ChildProcess; done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stderr, stdout }));
  });
  return { child, done };
}

/** Waits until the run's work folder beside `out` holds a spool with people in it. */
async function spoolStarted(parent: string, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const work = (await readdir(parent)).find((n) => n.includes('.scimport-tmp-'));
    if (work) {
      const spool = join(parent, work, 'valid.ndjson');
      if (existsSync(spool) && (await readFile(spool)).length > 0) return work;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the transform never started spooling');
}

async function previousRun(parent: string): Promise<string> {
  const out = join(parent, 'out');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'bulk-0001.json'), '{"previous":true}');
  await writeFile(join(out, 'errors.csv'), 'previous\r\n');
  return out;
}

describe('transform stopped halfway', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: removes the work folder, leaves the previous output as it was, one line, exit 130`, async () => {
      const parent = await mkdtemp(join(dir, `${signal}-`));
      const out = await previousRun(parent);
      const run = start(['transform', big, '--profile', profile, '--out', out]);
      await spoolStarted(parent);
      run.child.kill(signal);
      const result = await run.done;
      expect(result.status).toBe(130);
      const lines = result.stderr.split('\n').filter(Boolean);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^scimport: stopped by ${signal === 'SIGINT' ? 'Ctrl\\+C' : 'SIGTERM'}; the unfinished output was removed and the output folder is as it was before\\.$`))]);
      expect((await readdir(parent)).sort()).toEqual(['out']);
      expect((await readdir(out)).sort()).toEqual(['bulk-0001.json', 'errors.csv']);
      expect(await readFile(join(out, 'bulk-0001.json'), 'utf8')).toBe('{"previous":true}');
    });
  }

  it("SIGKILL: the killed run's spool is swept by the next run, which publishes a whole output", async () => {
    const parent = await mkdtemp(join(dir, 'kill-'));
    const out = await previousRun(parent);
    const run = start(['transform', big, '--profile', profile, '--out', out]);
    const work = await spoolStarted(parent);
    run.child.kill('SIGKILL');
    await run.done;
    expect(await readdir(parent)).toContain(work);

    const next = start(['transform', small, '--profile', profile, '--out', out, '--json']);
    const result = await next.done;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect((await readdir(parent)).sort()).toEqual(['out']);
    expect((await readdir(out)).sort()).toEqual(['bulk-0001.json', 'bulk-0002.json', 'bulk-0003.json', 'errors.csv']);
    expect(JSON.parse(await readFile(join(out, 'bulk-0001.json'), 'utf8')).Operations).toHaveLength(50);
  });
});

/** A small tmpfs to fill, where the machine lets this process mount one (root in a container); else undefined. */
function smallDisk(path: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('transform on a full disk', () => {
  it('exits 2 naming the full disk, and removes its temporary files', async (context) => {
    const disk = join(dir, 'small-disk');
    await mkdir(disk);
    if (!smallDisk(disk, '512k')) {
      context.skip('cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN), so a full disk cannot be made');
      return;
    }
    try {
      const out = join(disk, 'out');
      const result = await start(['transform', big, '--profile', profile, '--out', out]).done;
      expect(result.status).toBe(2);
      const lines = result.stderr.split('\n').filter(Boolean);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^scimport: No space left on ${disk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the disk holding ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) while writing the output; nothing was written and the temporary files were removed\\.`))]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await readdir(disk)).toEqual(['out']);
      expect(await readdir(out)).toEqual([]);
    } finally {
      execFileSync('umount', [disk], { stdio: 'ignore' });
    }
  });
});
