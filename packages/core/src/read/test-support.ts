/** Test helpers of the readers (kept beside them: src/__tests__ belongs to the whole package). */
import { existsSync, readdirSync } from 'node:fs';

/** Open file descriptors of this process (Linux only), to see that close() really lets go of a file. */
export function openDescriptors(): number | undefined {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined;
}

/** Waits (up to a second) for asynchronous stream teardown to make `check` true; returns its last answer. */
export async function settle(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
}
