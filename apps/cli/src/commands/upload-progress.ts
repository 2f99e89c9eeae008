import cliProgress from 'cli-progress';
import { describeMs, type UploadProgress } from '@scimport/transport';
import type { CliIo } from '../io';

/**
 * The upload's progress bar on stderr: chunks accepted of total, calls, 429s and the time left. Drawn only on a
 * terminal; piped output stays clean for scripts and logs.
 */
export function uploadProgressBar(io: CliIo): { update(progress: UploadProgress): void; stop(): void } {
  if (!io.interactive) return { update() {}, stop() {} };
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
      const payload = { calls: p.calls, throttles: p.throttles, left: p.etaMs === undefined ? 'estimating…' : `${describeMs(p.etaMs)} left` };
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
