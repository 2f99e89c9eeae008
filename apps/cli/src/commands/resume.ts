import type { Command } from 'commander';
import { openRun, requeueDroppedChunks, runStatus } from '@scimport/transport';
import type { CliIo } from '../io';
import { plural } from '../format';
import { ensureDataDir } from '../data-dir';
import { snapshotStore } from './diff';
import { ENV_HELP, waitOptions } from './options';
import { describeTarget, specFromRun, toCliError } from './upload-connection';
import { readRowIndex } from './upload-results';
import { type RowCounts, type SendOptions, checkBudget, send } from './upload-send';

/** `scimport resume`: send what an interrupted run has not had accepted, then report like upload. */
export async function resumeCommand(io: CliIo, runId: string, options: SendOptions & { resendDropped?: boolean }): Promise<number> {
  const startedAt = new Date().toISOString();
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const run = await openRun(dataDir, runId).catch((error: unknown) => Promise.reject(toCliError(error)));
  const spec = specFromRun(run.manifest.meta, run.id, io);
  // What is accepted must reach the snapshot: find out now, not after sending, that it cannot be read (a key missing).
  await snapshotStore(io, dataDir).load(run.manifest.target);
  const counts = (run.manifest.meta.counts as RowCounts | undefined) ?? { rows: 0, valid: 0, invalid: 0 };
  // Chunks a job restart dropped before processing them are "accepted" in the journal: pending again, they go out.
  if (options.resendDropped) {
    const requeued = await requeueDroppedChunks(run);
    if (!options.json) io.out(requeued.length > 0 ? `Sending again the ${plural(requeued.length, 'request')} the job restart dropped.\n` : `Run ${run.id} has no requests dropped by a job restart.\n`);
  }
  const status = await runStatus(run);
  const needed = status.total - status.accepted;
  if (!options.json) {
    io.out(`Run ${run.id}: ${status.accepted} of ${plural(status.total, 'request')} accepted, ${needed} to send. Target: ${describeTarget(spec)}.\n`);
  }
  if (needed > 0) await checkBudget(io, dataDir, run.manifest.target.tenantId, needed, options);
  return send(io, run, spec, dataDir, counts, await readRowIndex(run), options, startedAt);
}

/** Adds `resume` to the program; `setStatus` receives its exit status. */
export function registerResumeCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  waitOptions(
    program
      .command('resume')
      .description('continue an interrupted upload run exactly where it stopped')
      .argument('<run-id>', 'run id, as `scimport runs` lists them')
      .option('--resend-dropped', 'also send again the requests a job restart dropped before they were processed (as `scimport job restart` and `status` name them)'),
  )
    .addHelpText('after', ENV_HELP)
    .action(async (runId: string, opts: SendOptions & { resendDropped?: boolean }) => {
      setStatus(await resumeCommand(io, runId, opts));
    });
}
