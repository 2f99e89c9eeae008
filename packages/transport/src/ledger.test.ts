import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from './__tests__/fake-clock';
import { type TransportError } from './errors';
import { DAILY_QUOTAS, QuotaLedger } from './ledger';

const HOUR = 3_600_000;
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'scimport-ledger-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('QuotaLedger', () => {
  it('counts calls per tenant in a rolling 24 hours', async () => {
    const clock = new FakeClock();
    const ledger = new QuotaLedger({ dataDir, clock });
    await ledger.record('contoso.onmicrosoft.com', 3);
    await clock.advance(10 * HOUR);
    await ledger.record('contoso.onmicrosoft.com');
    await ledger.record('fabrikam.onmicrosoft.com');
    expect(await ledger.quotaStatus('contoso.onmicrosoft.com', 2000)).toMatchObject({ used: 4, remaining: 1996, limit: 2000 });
    await clock.advance(14 * HOUR + 1);
    const status = await ledger.quotaStatus('Contoso.onmicrosoft.com', DAILY_QUOTAS.p1p2);
    expect(status).toMatchObject({ used: 1, remaining: 1999 });
    expect(status.nextReleaseAt).toBe(new Date(clock.now() - 14 * HOUR - 1 + 24 * HOUR).toISOString());
  });

  it('persists across instances and does not lose concurrent records', async () => {
    const clock = new FakeClock();
    const first = new QuotaLedger({ dataDir, clock });
    await Promise.all(Array.from({ length: 25 }, () => first.record('t1')));
    await first.flush();
    const second = new QuotaLedger({ dataDir, clock });
    expect((await second.quotaStatus('t1', 6000)).used).toBe(25);
    const file = JSON.parse(await readFile(path.join(dataDir, 'quota', 't1.json'), 'utf8')) as { calls: number[] };
    expect(file.calls).toHaveLength(25);
  });

  it('refuses an upload that does not fit, saying needed vs remaining, when it frees up and how to override', async () => {
    const clock = new FakeClock();
    const ledger = new QuotaLedger({ dataDir, clock });
    await ledger.record('t1', 6);
    await clock.advance(HOUR);
    await ledger.record('t1', 2);
    await expect(ledger.ensureRoom('t1', 10, 2)).resolves.toMatchObject({ remaining: 2 });
    const err = (await ledger.ensureRoom('t1', 10, 5).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('QUOTA_EXCEEDED');
    expect(err.message).toContain('needs 5 bulkUpload calls but only 2 of');
    expect(err.message).toContain('10 daily calls');
    expect(err.message).toContain('--allow-over-quota');
    expect(err.message).toContain('23 h'); // three calls must expire; the third oldest was sent an hour ago
    await expect(ledger.ensureRoom('t1', 10, 5, true)).resolves.toMatchObject({ used: 8 });
  });

  it('says when an upload is larger than a whole day', async () => {
    const ledger = new QuotaLedger({ dataDir, clock: new FakeClock() });
    const err = (await ledger.ensureRoom('t1', 2000, 2500).catch((e: unknown) => e)) as TransportError;
    expect(err.message).toContain('larger than a whole day');
  });

  it('counts at once in memory, writes in batches behind, and flush leaves every call on disk', async () => {
    const clock = new FakeClock();
    const ledger = new QuotaLedger({ dataDir, clock });
    for (let i = 0; i < 30; i += 1) {
      await ledger.record('t1');
      // Counted the moment record resolves, whether or not the batch holding it is written yet.
      expect((await ledger.quotaStatus('t1', 6000)).used).toBe(i + 1);
      if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await ledger.flush();
    const file = JSON.parse(await readFile(path.join(dataDir, 'quota', 't1.json'), 'utf8')) as { calls: number[] };
    expect(file.calls).toHaveLength(30);
    expect((await new QuotaLedger({ dataDir, clock }).quotaStatus('t1', 6000)).used).toBe(30);
    expect((await ledger.quotaStatus('t1', 6000)).used).toBe(30); // nothing counted twice once written
  });

  it('stops counting loudly when the file cannot be written, keeps the counts, and recovers on flush', async () => {
    const clock = new FakeClock();
    const ledger = new QuotaLedger({ dataDir, clock });
    await writeFile(path.join(dataDir, 'quota'), 'not a folder'); // the ledger's folder cannot be created
    await ledger.record('t1', 2);
    const failure = (await ledger.flush().catch((e: unknown) => e)) as TransportError;
    expect(failure.code).toBe('IO');
    expect(failure.message).toContain(path.join(dataDir, 'quota'));
    await expect(ledger.record('t1')).rejects.toMatchObject({ code: 'IO' }); // refused, so not counted
    await rm(path.join(dataDir, 'quota'));
    await mkdir(path.join(dataDir, 'quota'));
    await ledger.flush();
    await ledger.record('t1');
    await ledger.flush();
    // Read back on the same injected clock: the calls were recorded at the fake clock's "now", not today's.
    expect((await new QuotaLedger({ dataDir, clock }).quotaStatus('t1', 10)).used).toBe(3);
  });

  it('rejects a bad limit', async () => {
    const ledger = new QuotaLedger({ dataDir });
    await expect(ledger.quotaStatus('t1', 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
