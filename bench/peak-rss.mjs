// Loaded with `node --import` into every process the CLI bench times, the scimport bundle and the baselines
// alike: a child's peak RSS is only known to the child, so it reports it on stderr as it exits (worker threads
// share the process, and their figure is the same process-wide peak).
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\n@@peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
