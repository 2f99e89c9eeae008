/** Outcome of asking the limiter for one call. */
export type Admission = { ok: true } | { ok: false; kind: 'window' | 'daily'; retryAfterMs: number };

/**
 * The endpoint's two limits per tenant: `windowCalls` in any sliding window of `windowMs`, and `dailyQuota`
 * in any sliding 24 h. Durations arrive already scaled by timeScale. Only admitted calls are counted.
 */
export class TenantLimiter {
  private window: number[] = [];
  private day: number[] = [];

  constructor(
    private readonly windowCalls: number,
    private readonly windowMs: number,
    private readonly dailyQuota: number,
    private readonly dayMs: number,
  ) {}

  admit(now: number): Admission {
    this.prune(now);
    if (this.day.length >= this.dailyQuota) {
      const oldest = this.day[this.day.length - this.dailyQuota] as number;
      return { ok: false, kind: 'daily', retryAfterMs: Math.max(1, oldest + this.dayMs - now) };
    }
    if (this.window.length >= this.windowCalls) {
      const oldest = this.window[this.window.length - this.windowCalls] as number;
      return { ok: false, kind: 'window', retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
    }
    this.window.push(now);
    this.day.push(now);
    return { ok: true };
  }

  used(now: number): number {
    this.prune(now);
    return this.day.length;
  }

  timestamps(): number[] {
    return [...this.day];
  }

  restore(day: number[], now: number): void {
    this.day = [...day].sort((a, b) => a - b);
    this.window = this.day.filter((t) => t > now - this.windowMs);
    this.prune(now);
  }

  clear(): void {
    this.window = [];
    this.day = [];
  }

  private prune(now: number): void {
    while (this.window.length > 0 && (this.window[0] as number) <= now - this.windowMs) this.window.shift();
    while (this.day.length > 0 && (this.day[0] as number) <= now - this.dayMs) this.day.shift();
  }
}

/** mulberry32: a tiny seeded PRNG so fault draws repeat from run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Retry-After in seconds. Unscaled it is a whole number as HTTP asks; under a timeScale it keeps
 * millisecond precision (`0.25`) so fast tests need not wait a whole second.
 */
export function formatRetryAfter(ms: number, timeScale: number): string {
  if (timeScale === 1) return String(Math.max(1, Math.ceil(ms / 1000)));
  return String(Math.max(0.001, Math.ceil(ms) / 1000));
}
