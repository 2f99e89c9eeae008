import { describe, expect, it } from 'vitest';
import { FakeClock } from './__tests__/fake-clock';
import { isTransportError } from './errors';
import type { HttpResponse } from './http';
import { Pacer, type PacerEvent, isBucketFull } from './pacer';

// Entra answers HTTP 500 "bucket full" when the job's queue is full, and Microsoft's advice is to wait 5–10 minutes
// (entra-docs inbound-provisioning-api-issues). On a faked clock: the whole pacer waits, nothing retries early.

const ok: HttpResponse = { status: 202, headers: {}, body: '' };
const bucketFull: HttpResponse = {
  status: 500,
  headers: {},
  body: JSON.stringify({ error: { code: 'InternalServerError', message: 'Bucket full: the provisioning job already holds 3 requests it has not processed. Wait 5 to 10 minutes.' } }),
};
const outage: HttpResponse = { status: 500, headers: {}, body: JSON.stringify({ error: { code: 'InternalServerError', message: 'Something went wrong.' } }) };

function sender(pacer: Pacer, clock: FakeClock, replies: HttpResponse[]) {
  const sends: number[] = [];
  const run = (n: number) =>
    pacer.execute({
      label: `chunk ${n}`,
      permission: 'SynchronizationData-User.Upload',
      send: async () => {
        sends.push(clock.now());
        return replies.shift() ?? ok;
      },
    });
  return { sends, run };
}

describe('isBucketFull', () => {
  it('is a 500 whose message says the bucket or queue is full, nothing else', () => {
    expect(isBucketFull(500, bucketFull.body)).toBe(true);
    expect(isBucketFull(500, JSON.stringify({ error: { message: 'The queue is full.' } }))).toBe(true);
    expect(isBucketFull(500, outage.body)).toBe(false);
    expect(isBucketFull(503, bucketFull.body)).toBe(false);
    expect(isBucketFull(500, '')).toBe(false);
  });
});

describe('Pacer on "bucket full"', () => {
  it('pauses every request for the documented 10 minutes, says why, and then carries on without spending an attempt', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ clock, concurrency: 1, maxAttempts: 1 });
    const events: PacerEvent[] = [];
    pacer.onEvent((e) => events.push(e));
    const { sends, run } = sender(pacer, clock, [bucketFull]);
    const first = run(1);
    const second = run(2);
    let done = 0;
    void Promise.all([first, second]).then(() => (done = 2));
    await clock.advance(9 * 60_000);
    // Nine minutes in, only the call that found the bucket full was sent: the other waits too.
    expect(sends.map((at) => at - t0)).toEqual([0]);
    expect(events.find((e) => e.type === 'bucketFull')).toEqual({ type: 'bucketFull', label: 'chunk 1', waitMs: 600_000, until: t0 + 600_000 });
    await clock.runUntil(() => done === 2);
    expect(sends.map((at) => at - t0)).toEqual([0, 600_000, 600_000]);
    expect(pacer.stats().retries).toBe(0);
  });

  it('obeys a Retry-After given with it, and scales the default wait with timeScale', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new Pacer({ clock, timeScale: 20 });
    const { sends, run } = sender(pacer, clock, [{ ...bucketFull, headers: { 'retry-after': '120' } }, bucketFull]);
    const request = run(1);
    await clock.runUntil(() => sends.length === 3);
    await request;
    expect(sends.map((at) => at - t0)).toEqual([0, 120_000, 120_000 + 30_000]);
  });

  it('stops with a reason, the run resumable, when the queue stays full past maxBucketFullWaits', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, maxBucketFullWaits: 2 });
    const { sends, run } = sender(pacer, clock, [bucketFull, bucketFull, bucketFull]);
    const request = run(1).catch((e: unknown) => e);
    await clock.runUntil(() => sends.length === 3);
    const error = await request;
    expect(isTransportError(error) && error.code).toBe('SERVER_ERROR');
    expect(isTransportError(error) && error.details).toMatchObject({ retryable: true, bucketFull: true });
    expect((error as Error).message).toMatch(/queue stayed full .*resume the run/);
  });

  it('retries an ordinary 500 with quick backoff as before', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, random: () => 0.5 });
    const { sends, run } = sender(pacer, clock, [outage]);
    const request = run(1);
    await clock.runUntil(() => sends.length === 2);
    await request;
    expect(sends[1]! - sends[0]!).toBe(500);
    expect(pacer.stats().retries).toBe(1);
  });
});
