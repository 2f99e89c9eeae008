import { abortError } from './errors';

/**
 * Time as the pacer, ledger and result poller see it. Injected so that the window maths and backoff can be
 * tested without sleeping, and so that a benchmark can run on a scaled clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Call `fn` after `ms` milliseconds; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

/** Wait `ms` on `clock`; rejects with ABORTED as soon as `signal` fires. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(abortError(signal));
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
