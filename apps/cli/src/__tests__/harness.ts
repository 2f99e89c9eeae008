import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../cli';
import type { CliIo } from '../io';

export const REPO = resolve(import.meta.dirname, '..', '..', '..', '..');
export const MS = join(REPO, 'test-data', 'microsoft');
export const PROFILES = join(REPO, 'test-data', 'profiles');

export interface CliRun {
  status: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in-process against real files, capturing what it prints. The built-in sandbox shows results at once
 * here (`SCIMPORT_SANDBOX_TIME_SCALE=off`) unless a test sets a time scale: the tests of timing set their own.
 */
export async function cli(argv: string[], cwd = REPO, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, cwd, env: { SCIMPORT_SANDBOX_TIME_SCALE: 'off', ...env } };
  const status = await runCli(argv, io);
  return { status, out, err };
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'scimport-cli-'));
}

/** The CLI with a given environment (data folder, secrets, endpoints), from the process's folder. */
export function cliWithEnv(argv: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return cli(argv, process.cwd(), env);
}
