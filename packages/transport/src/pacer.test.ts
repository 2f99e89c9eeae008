import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, settle } from './__tests__/fake-clock';
import { sleep } from './clock';
import { TransportError, isTransportError } from './errors';
import type { HttpResponse } from './http';
import { parseRetryAfter } from './http';
import { Pacer, type PacerEvent } from './pacer';

const ok: HttpResponse = { status: 202, headers: {}, body: '' };
const reply = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({ status, headers, body });

/** Run `count` requests whose replies come from `answer` after `latencyMs` of fake time; record send instants. */
function harness(pacer: Pacer, clock: FakeClock, answer: (n: number, attempt: number) => HttpResponse | Error = () => ok, latencyMs = 0) {
  const sends: { n: number; at: number; attempt: number; forceRefresh: boolean }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (n: number, signal?: AbortSignal) =>
    pacer.execute({
      label: `chunk ${n}`,
      permission: 'SynchronizationData-User.Upload',
      details: { chunk: n },
      ...(signal ? { signal } : {}),
      send: async ({ attempt, forceRefresh }) => {
        sends.push({ n, at: clock.now(), attempt, forceRefresh });
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (latencyMs > 0) await sleep(clock, latencyMs);
          const out = answer(n, attempt);
          if (out instanceof Error) throw out;
          return out;
        } finally {
          inFlight -= 1;
        }
      },
    });
  return { sends, run, maxInFlight: () => maxInFlight };
}

async function settleAll<T>(clock: FakeClock, promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  let finished = 0;
  const all = Promise.allSettled(promises.map((p) => p.finally(() => (finished += 1))));
  await clock.runUntil(() => finished === promises.length);
  return all;
}

describe('Pacer sliding window', () => {
  it('lets windowCalls through, then waits for the oldest slot to leave the window', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ windowCalls: 3, windowMs: 1000, concurrency: 10, clock });
    const h = harness(pacer, clock);
    await settleAll(clock, [1, 2, 3, 4, 5, 6, 7].map((n) => h.run(n)));
    expect(h.sends.map((s) => s.at - t0)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
    expect(h.sends.map((s) => s.n)).toEqual([1, 2, 3, 4, 5, 6, 7]); // FIFO
  });

  it('counts a slot until windowMs after the reply, not after the send', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ windowCalls: 2, windowMs: 1000, concurrency: 10, clock });
    const h = harness(pacer, clock, () => ok, 300);
    await settleAll(clock, [1, 2, 3].map((n) => h.run(n)));
    expect(h.sends.map((s) => s.at - t0)).toEqual([0, 0, 1300]);
  });

  it('divides the window by timeScale', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ windowCalls: 1, windowMs: 5000, timeScale: 100, concurrency: 4, clock });
    const h = harness(pacer, clock);
    await settleAll(clock, [1, 2, 3].map((n) => h.run(n)));
    expect(h.sends.map((s) => s.at - t0)).toEqual([0, 50, 100]);
  });

  it('never has more than `concurrency` requests in flight', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ windowCalls: 100, windowMs: 10, concurrency: 2, clock });
    const h = harness(pacer, clock, () => ok, 500);
    await settleAll(clock, Array.from({ length: 9 }, (_, i) => h.run(i + 1)));
    expect(h.maxInFlight()).toBe(2);
    expect(h.sends).toHaveLength(9);
  });

  it('keeps any windowMs-long interval at or under windowCalls sends, whatever the latencies (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 50, max: 2000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 30 }),
        async (windowCalls, windowMs, concurrency, latencies) => {
          const clock = new FakeClock();
          const pacer = new Pacer({ windowCalls, windowMs, concurrency, clock });
          const sends: number[] = [];
          const jobs = latencies.map((latency, i) =>
            pacer.execute({
              label: `r${i}`,
              permission: 'p',
              send: async () => {
                sends.push(clock.now());
                await sleep(clock, latency);
                return ok;
              },
            }),
          );
          await settleAll(clock, jobs);
          sends.sort((a, b) => a - b);
          for (let i = 0; i < sends.length; i += 1) {
            const inWindow = sends.filter((t) => t >= (sends[i] as number) && t < (sends[i] as number) + windowMs).length;
            expect(inWindow).toBeLessThanOrEqual(windowCalls);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Pacer window as the service counts it', () => {
  type Outcome = 'accepted' | 'throttled' | 'unavailable' | 'reset';
  const attempt = fc.record({
    latency: fc.integer({ min: 0, max: 900 }),
    /** Where between send and reply the service counts the call: 0 = at the send, 1 = at the reply. */
    arrival: fc.double({ min: 0, max: 1, noNaN: true }),
    /** After a failure without reply, how much later than our error the request may still arrive (fraction of a window). */
    late: fc.double({ min: 0, max: 0.999, noNaN: true }),
    outcome: fc.constantFrom<Outcome>('accepted', 'accepted', 'accepted', 'throttled', 'unavailable', 'reset'),
  });

  it('never lets more than windowCalls arrive in any window, wherever between send and reply each one arrives (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 50, max: 2000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.array(attempt, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 40 }),
        async (windowCalls, windowMs, concurrency, calls) => {
          const clock = new FakeClock();
          const pacer = new Pacer({ windowCalls, windowMs, concurrency, maxAttempts: 4, maxThrottleWaits: 4, baseDelayMs: 10, clock, random: () => 0.5 });
          const arrivals: number[] = [];
          const jobs = calls.map((attempts, n) => {
            let sent = 0;
            return pacer.execute({
              label: `r${n}`,
              permission: 'p',
              send: async () => {
                const plan = attempts[Math.min(sent, attempts.length - 1)] as (typeof attempts)[number];
                sent += 1;
                const start = clock.now();
                await sleep(clock, plan.latency);
                const end = clock.now();
                // Counted by the service whatever it answers (the strictest reading of the limit).
                arrivals.push(start + plan.arrival * (end - start) + (plan.outcome === 'reset' ? plan.late * windowMs : 0));
                if (plan.outcome === 'reset') throw new TransportError('NETWORK', 'ECONNRESET', { details: { errno: 'ECONNRESET', retryable: true } });
                if (plan.outcome === 'throttled') return reply(429, { 'retry-after': '0.05' });
                if (plan.outcome === 'unavailable') return reply(503);
                return ok;
              },
            });
          });
          await settleAll(clock, jobs);
          arrivals.sort((a, b) => a - b);
          // The emulator's rule (and Entra's): a call is admitted when fewer than windowCalls were admitted in the
          // windowMs before it, so any windowCalls + 1 consecutive arrivals must span at least windowMs.
          for (let i = 0; i + windowCalls < arrivals.length; i += 1) {
            expect((arrivals[i + windowCalls] as number) - (arrivals[i] as number)).toBeGreaterThanOrEqual(windowMs);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('lets the next call go as soon as the oldest reply is one window old: windowCalls per (window + reply time)', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ windowCalls: 2, windowMs: 1000, concurrency: 10, clock });
    const h = harness(pacer, clock, () => ok, 50);
    await settleAll(clock, [1, 2, 3, 4, 5].map((n) => h.run(n)));
    expect(h.sends.map((s) => s.at - t0)).toEqual([0, 0, 1050, 1050, 2100]);
  });

  it('holds the slot of a call that failed without a reply one window longer', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ windowCalls: 1, windowMs: 1000, concurrency: 10, baseDelayMs: 1, clock, random: () => 0 });
    const reset = new TransportError('NETWORK', 'ECONNRESET', { details: { errno: 'ECONNRESET', retryable: true } });
    const h = harness(pacer, clock, (_n, attempt) => (attempt === 1 ? reset : ok), 100);
    await settleAll(clock, [h.run(1)]);
    // Reply-less failure at 100 → the request may still arrive until 100 + window: the retry waits until 2100.
    expect(h.sends.map((s) => s.at - t0)).toEqual([0, 2100]);
  });
});

describe('Pacer Retry-After', () => {
  it('pauses the whole pacer for Retry-After on 429, then retries without spending an attempt', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ windowCalls: 40, windowMs: 5000, concurrency: 1, maxAttempts: 1, clock });
    const events: PacerEvent[] = [];
    pacer.onEvent((e) => events.push(e));
    let first = true;
    const h = harness(pacer, clock, () => {
      if (first) {
        first = false;
        return reply(429, { 'retry-after': '2' });
      }
      return ok;
    });
    const results = await settleAll(clock, [h.run(1), h.run(2)]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    // chunk 1 is throttled at 0; nothing at all is sent before 2 s
    expect(h.sends.map((s) => [s.n, s.at - t0])).toEqual([
      [1, 0],
      [1, 2000],
      [2, 2000],
    ]);
    expect(events.filter((e) => e.type === 'throttle')).toEqual([{ type: 'throttle', label: 'chunk 1', status: 429, waitMs: 2000 }]);
    expect(pacer.stats()).toMatchObject({ calls: 3, throttles: 1, retries: 0 });
  });

  it('without Retry-After, a 429 pauses everyone for at least one window', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ clock, windowMs: 5000, concurrency: 1, random: () => 0 });
    let first = true;
    const h = harness(pacer, clock, () => {
      if (!first) return ok;
      first = false;
      return reply(429);
    });
    await settleAll(clock, [h.run(1), h.run(2)]);
    expect(h.sends.map((s) => [s.n, s.at - t0])).toEqual([
      [1, 0],
      [1, 5000],
      [2, 5000],
    ]);
  });

  it('honours a Retry-After HTTP date and fractional seconds', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('0.25', now)).toBe(250);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Thu, 01 Jan 2025 00:00:10 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('stops with THROTTLED when Retry-After is longer than maxRetryAfterMs (daily quota gone)', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, maxRetryAfterMs: 60_000 });
    const h = harness(pacer, clock, () => reply(429, { 'retry-after': '3600' }, JSON.stringify({ error: { code: 'TooManyRequests', message: 'Daily quota used up.' } })));
    const [result] = await settleAll(clock, [h.run(4)]);
    expect(result?.status).toBe('rejected');
    const err = (result as PromiseRejectedResult).reason as TransportError;
    expect(err.code).toBe('THROTTLED');
    expect(err.message).toContain('1 h');
    expect(err.message).toContain('Daily quota used up.');
    expect(err.details.chunk).toBe(4);
  });

  it('gives up after maxThrottleWaits consecutive 429s', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, maxThrottleWaits: 3 });
    const h = harness(pacer, clock, () => reply(429, { 'retry-after': '1' }));
    const [result] = await settleAll(clock, [h.run(1)]);
    expect(((result as PromiseRejectedResult).reason as TransportError).code).toBe('THROTTLED');
    expect(h.sends).toHaveLength(4);
  });
});

describe('Pacer backoff', () => {
  it('uses full jitter: random × min(max, base·2^(attempt−1)), divided by timeScale', () => {
    const pacer = new Pacer({ baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.5 });
    expect([1, 2, 3, 4, 5].map((a) => pacer.backoffDelay(a))).toEqual([500, 1000, 2000, 2500, 2500]);
    const zero = new Pacer({ random: () => 0 });
    expect(zero.backoffDelay(3)).toBe(0);
    const fast = new Pacer({ baseDelayMs: 1000, timeScale: 10, random: () => 0.999 });
    expect(fast.backoffDelay(1)).toBe(99);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ clock, baseDelayMs: 1000, random: () => 0.5 });
    const events: PacerEvent[] = [];
    pacer.onEvent((e) => events.push(e));
    const h = harness(pacer, clock, (_n, attempt) => (attempt < 3 ? reply(attempt === 1 ? 500 : 502) : ok));
    const [result] = await settleAll(clock, [h.run(1)]);
    expect(result?.status).toBe('fulfilled');
    expect(h.sends.map((s) => s.at - t0)).toEqual([0, 500, 1500]);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual(['HTTP 500', 'HTTP 502']);
  });

  it('on 503 with Retry-After pauses everyone for that long instead of jittering', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ clock, concurrency: 1, random: () => 0.5 });
    let first = true;
    const h = harness(pacer, clock, () => {
      if (!first) return ok;
      first = false;
      return reply(503, { 'retry-after': '3' });
    });
    await settleAll(clock, [h.run(1), h.run(2)]);
    expect(h.sends.map((s) => [s.n, s.at - t0])).toEqual([
      [1, 0],
      [2, 3000],
      [1, 3000],
    ]);
  });

  it('stops with SERVER_ERROR after maxAttempts, naming the chunk and the service message', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, maxAttempts: 4 });
    const h = harness(pacer, clock, () => reply(500, { 'request-id': 'req-1' }, JSON.stringify({ error: { code: 'InternalServerError', message: 'Something broke' } })));
    const [result] = await settleAll(clock, [h.run(7)]);
    const err = (result as PromiseRejectedResult).reason as TransportError;
    expect(err.code).toBe('SERVER_ERROR');
    expect(err.message).toMatch(/^Chunk 7 failed with HTTP 500 4 times/);
    expect(err.message).toContain('Something broke');
    expect(err.details).toMatchObject({ chunk: 7, status: 500, requestId: 'req-1', retryable: true });
    expect(h.sends).toHaveLength(4);
  });

  it('retries retryable network errors and gives up with NETWORK after maxAttempts', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, maxAttempts: 3 });
    const reset = new TransportError('NETWORK', 'Could not reach 127.0.0.1: ECONNRESET.', { details: { errno: 'ECONNRESET', retryable: true } });
    const h = harness(pacer, clock, () => reset);
    const [result] = await settleAll(clock, [h.run(2)]);
    const err = (result as PromiseRejectedResult).reason as TransportError;
    expect(err.code).toBe('NETWORK');
    expect(err.message).toContain('after 3 attempts');
    expect(err.details).toMatchObject({ chunk: 2, errno: 'ECONNRESET' });
    expect(h.sends).toHaveLength(3);
  });

  it('does not retry a non-retryable failure (e.g. an untrusted certificate)', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const tlsError = new TransportError('NETWORK', 'The certificate of x is not trusted.', { details: { retryable: false } });
    const h = harness(pacer, clock, () => tlsError);
    const [result] = await settleAll(clock, [h.run(1)]);
    expect((result as PromiseRejectedResult).reason).toBe(tlsError);
    expect(h.sends).toHaveLength(1);
  });
});

describe('Pacer stops', () => {
  it('refreshes the token exactly once on 401, then retries', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const h = harness(pacer, clock, (_n, attempt) => (h.sends.length === 1 ? reply(401) : attempt ? ok : ok));
    const [result] = await settleAll(clock, [h.run(1)]);
    expect(result?.status).toBe('fulfilled');
    expect(h.sends.map((s) => s.forceRefresh)).toEqual([false, true]);
    expect(pacer.stats().tokenRefreshes).toBe(1);
  });

  it('stops with UNAUTHORIZED when the fresh token is refused too', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const h = harness(pacer, clock, () => reply(401));
    const [result] = await settleAll(clock, [h.run(1)]);
    expect(((result as PromiseRejectedResult).reason as TransportError).code).toBe('UNAUTHORIZED');
    expect(h.sends).toHaveLength(2);
  });

  it('stops on 400 with the service message and the chunk', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: 'Invalid Data Format' });
    const h = harness(pacer, clock, () => reply(400, {}, body));
    const [result] = await settleAll(clock, [h.run(3)]);
    const err = (result as PromiseRejectedResult).reason as TransportError;
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('chunk 3');
    expect(err.message).toContain('"Invalid Data Format"');
    expect(err.message).toContain('application/scim+json');
    expect(h.sends).toHaveLength(1);
  });

  it('stops on 403 naming the missing permission', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const h = harness(pacer, clock, () => reply(403, {}, JSON.stringify({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges.' } })));
    const [result] = await settleAll(clock, [h.run(1)]);
    const err = (result as PromiseRejectedResult).reason as TransportError;
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('SynchronizationData-User.Upload');
    expect(err.details.permission).toBe('SynchronizationData-User.Upload');
  });

  it('rejects a queued request with ABORTED when its signal fires, and lets the others go on', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, windowCalls: 1, windowMs: 1000 });
    const h = harness(pacer, clock);
    const controller = new AbortController();
    const p1 = h.run(1);
    const p2 = h.run(2, controller.signal);
    const p3 = h.run(3);
    await settle();
    controller.abort();
    const results = await settleAll(clock, [p1, p2, p3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason;
    expect(isTransportError(reason) && reason.code).toBe('ABORTED');
    expect(h.sends.map((s) => s.n)).toEqual([1, 3]);
  });

  it('refuses nonsense options', () => {
    expect(() => new Pacer({ windowCalls: 0 })).toThrow(TransportError);
    expect(() => new Pacer({ timeScale: -1 })).toThrow(/timeScale/);
  });
});
