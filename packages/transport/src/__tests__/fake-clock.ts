import type { Clock } from '../clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Let every promise chain that is ready run to completion (one macrotask turn, no waiting). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when the test says so: timers fire in order as `advance` passes their due time, with
 * promise chains settled between firings, so waits of minutes run in microseconds.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 10, 22, 0, 15, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: (this.seq += 1), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Number of timers not yet fired. */
  pending(): number {
    return this.timers.length;
  }

  /** Move time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await settle();
      const next = this.nextTimer();
      if (!next || next.at > target) break;
      this.fire(next);
    }
    this.t = target;
    await settle();
  }

  /** Fire timers one after the other until none is left or `until` resolves (max `limit` firings). */
  async runUntil(done: () => boolean, limit = 10_000): Promise<void> {
    for (let i = 0; i < limit; i += 1) {
      await settle();
      if (done()) return;
      const next = this.nextTimer();
      if (!next) {
        await settle();
        if (done()) return;
        throw new Error('FakeClock: nothing left to run but the condition is not met');
      }
      this.fire(next);
    }
    throw new Error('FakeClock: too many timers');
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((x) => x !== timer);
    if (timer.at > this.t) this.t = timer.at;
    timer.fn();
  }
}
