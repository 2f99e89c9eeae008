import cliProgress from 'cli-progress';
import { describeMs, type UploadProgress } from '@scimport/transport';
import type { CliIo } from '../io';

/**
 * The upload's progress bar on stderr: chunks accepted of total, calls, 429s and the time left. Drawn only on a
 * terminal; piped output stays clean for scripts and logs.
 */
export function uploadProgressBar(io: CliIo): { update(progress: UploadProgress): void; stop(): void } {
  // A full queue pauses the whole run for minutes: said once per pause, on a terminal or in a scheduled job's log.
  let pauseSaid = 0;
  const sayPause = (p: UploadProgress): void => {
    if (p.pausedUntil === undefined || p.pausedUntil === pauseSaid) return;
    pauseSaid = p.pausedUntil;
    io.err(`${pauseSentence(p.pausedUntil - Date.now())}\n`);
  };
  if (!io.interactive) return { update: sayPause, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: 'Uploading {bar} {value}/{total} chunks | {calls} calls | {throttles} throttled | {left}',
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const left = p.pausedUntil !== undefined ? 'paused: the job\'s queue is full' : p.etaMs === undefined ? 'estimating…' : `${describeMs(p.etaMs)} left`;
      const payload = { calls: p.calls, throttles: p.throttles, left };
      if (p.pausedUntil !== undefined && p.pausedUntil !== pauseSaid) {
        bar.stop();
        started = false;
        sayPause(p);
      }
      if (!started) {
        bar.start(p.chunksTotal, p.chunksDone, payload);
        started = true;
      } else bar.update(p.chunksDone, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Why the run waits and for how long ("bucket full": Microsoft's advice is to wait 5–10 minutes). */
export function pauseSentence(waitMs: number): string {
  return `Paused for ${describeMs(Math.max(0, waitMs))}: the provisioning job's queue is full ("bucket full"), so Entra asks to wait 5–10 minutes. Nothing failed and the journal keeps every accepted request; the upload carries on by itself.`;
}
