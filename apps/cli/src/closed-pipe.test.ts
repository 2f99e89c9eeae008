import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MS, PROFILES, REPO } from './__tests__/harness';
import { CLOSED_PIPE_EXIT } from './io';

// The real CLI in its own process, its stdout read by someone who stops early: it must end quietly, as `cat` would.

const MAIN = join(REPO, 'apps', 'cli', 'src', 'main.ts');

interface Ended {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `scimport <args>`; `reader` gets its stdout and may close it whenever it likes. */
function scimport(args: string[], reader: (stdout: NodeJS.ReadableStream & { destroy(): void }) => Promise<string>): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env: { ...process.env, SCIMPORT_SANDBOX_TIME_SCALE: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const read = reader(child.stdout);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => void read.then((stdout) => resolve({ status, signal, stdout, stderr }), reject));
  });
}

/** Like `| head -n 1`: the first line, then the pipe is closed with the rest unread. */
function firstLineThenClose(stdout: NodeJS.ReadableStream & { destroy(): void }): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer): void => {
      seen += d.toString();
      const end = seen.indexOf('\n');
      if (end < 0) return;
      stdout.off('data', onData);
      stdout.destroy();
      resolve(seen.slice(0, end));
    };
    stdout.on('data', onData);
    stdout.on('end', () => resolve(seen));
  });
}

describe('stdout closed by its reader', () => {
  it('`scimport --help` into a reader that closes before reading anything ends with the closed-pipe status and no stack trace', async () => {
    // Closed at once: the CLI needs far longer than this to start, so its first write meets a closed pipe (EPIPE).
    const ended = await scimport(['--help'], async (stdout) => {
      stdout.destroy();
      return '';
    });
    expect(ended.stderr).toBe('');
    expect(ended.signal).toBeNull();
    expect(ended.status).toBe(CLOSED_PIPE_EXIT);
  });

  it('`scimport validate … | head -n 1` on 1,000 rows: the first line arrives, the rest ends quietly', async () => {
    // Hundreds of kilobytes of findings: far more than a pipe holds, so writes go on after the reader has left.
    const ended = await scimport(['validate', join(MS, 'csv-with-1000-records.csv'), '--profile', join(PROFILES, 'microsoft-attribute-mapping.json')], firstLineThenClose);
    expect(ended.stdout).toMatch(/\S/);
    expect(ended.stderr).not.toMatch(/EPIPE|\n\s+at |Unhandled/);
    expect(ended.stderr).toBe('');
    expect(ended.status).toBe(CLOSED_PIPE_EXIT);
  });
});
