import { join } from 'node:path';
import type { Command } from 'commander';
import { listRuns, openRun, runStatus } from '@scimport/transport';
import { EXIT } from '../errors';
import type { CliIo } from '../io';
import { ensureDataDir } from '../data-dir';
import { toCliError } from './upload-connection';

/** `scimport runs`: every run in the data folder, oldest first. */
export async function runsCommand(io: CliIo, options: { json?: boolean }): Promise<number> {
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const ids = await listRuns(dataDir).catch((error: unknown) => Promise.reject(toCliError(error)));
  const rows = [];
  for (const id of ids) {
    try {
      const run = await openRun(dataDir, id);
      const status = await runStatus(run);
      const input = (run.manifest.meta.input as { file?: string } | undefined)?.file ?? null;
      rows.push({ id, createdAt: run.manifest.createdAt, file: input, target: run.manifest.target.cloud ?? null, accepted: status.accepted, total: status.total });
    } catch {
      rows.push({ id, createdAt: null, file: null, target: null, accepted: null, total: null });
    }
  }
  if (options.json) io.out(JSON.stringify(rows) + '\n');
  else if (rows.length === 0) io.out(`No upload runs in ${join(dataDir, 'runs')}.\n`);
  else {
    for (const r of rows) {
      const when = r.createdAt ? `${r.createdAt.slice(0, 19).replace('T', ' ')} UTC` : 'unreadable';
      io.out(`${r.id}  ${when}  ${r.accepted ?? '?'}/${r.total ?? '?'} requests accepted  ${r.target ?? ''}  ${r.file ?? ''}\n`);
    }
  }
  return EXIT.OK;
}

/** Adds `runs` to the program; `setStatus` receives its exit status. */
export function registerRunsCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('runs')
    .description('list the upload runs in the data folder')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      setStatus(await runsCommand(io, opts));
    });
}
