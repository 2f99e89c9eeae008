import cliProgress from 'cli-progress';
import type { CliIo } from './io';

/**
 * A progress line for long files, drawn on stderr only when it is a terminal. Row totals are not known
 * while streaming, so it shows rows read and the rate rather than a fake percentage.
 */
export function rowProgress(io: CliIo, label: string): { update(rows: number): void; stop(): void } {
  if (!io.interactive) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} {rows} rows | {rate} rows/s | {duration_formatted}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(1, 0, { rows: 0, rate: 0 });
  return {
    update(rows) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(0, { rows: rows.toLocaleString('en-US'), rate: Math.round(rows / seconds).toLocaleString('en-US') });
    },
    stop() {
      bar.stop();
    },
  };
}
