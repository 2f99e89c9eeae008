// What production does that a rehearsal must show (DESIGN.md), each against the emulator with that behaviour
// switched on, through the real MSAL sign-in and real HTTPS: results that arrive late, a full queue ("bucket full"),
// the logs API's own throttle, the .OwnedBy permission, sign-in names in unverified domains.
import type { Emulator, EmulatorOptions } from '@scimport/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { chunked, clientOf, scratchDir, startTestEmulator, targetOf, users } from './__tests__/emulator';
import { Pacer } from './pacer';
import { runPreflight } from './preflight';
import { pollResults } from './results';
import { type UploadProgress, readChunkStates, startRun, uploadRun } from './run';

let emu: Emulator | undefined;
let scratch: { dir: string; cleanup: () => Promise<void> } | undefined;
afterEach(async () => {
  await emu?.close();
  await scratch?.cleanup();
  emu = undefined;
  scratch = undefined;
});

async function setup(options: EmulatorOptions): Promise<{ emu: Emulator; dir: string }> {
  emu = await startTestEmulator(options);
  scratch = await scratchDir();
  return { emu, dir: scratch.dir };
}

describe('results that arrive 5–10 minutes late', () => {
  it('reads the sandbox time scale, waits across the lag as normal, and joins every result back', async () => {
    // ×600: the documented 5–10 minutes take 0.5–1 s.
    const { emu, dir } = await setup({ timeScale: 600, realisticTiming: true });
    const client = await clientOf(emu, { pacer: { timeScale: 600 } });
    const info = await client.sandboxInfo();
    expect(info?.timeScale).toBe(600);
    const run = await startRun({ dataDir: dir, target: targetOf(emu), chunks: chunked(users(120), 50) });
    await uploadRun(run, { client });

    // Right after the 202s the log is empty: everyone is waiting, nobody failed, and the note says when to expect them.
    const early = await pollResults(run, { client, minutes: 0, timeScale: info!.timeScale });
    expect(early.rows).toEqual([]);
    expect(early.pending).toHaveLength(120);
    expect(early.late).toBe(false);
    expect(early.complete).toBe(false);
    expect(early.note).toMatch(/5–10 minutes after processing, so expect them by .*They are waiting, not failed\./);
    const acceptedAt = Math.max(...(await readChunkStates(run)).map((s) => (s.state === 'accepted' ? Date.parse(s.at) : 0)));
    expect(Date.parse(early.expected!.by) - acceptedAt).toBe(1000);

    // A later read (as `status --wait` or the app after a restart does) picks them all up.
    const later = await pollResults(run, { client, intervalMs: 100, timeScale: info!.timeScale });
    expect(later.complete).toBe(true);
    expect(later.rows).toHaveLength(120);
    expect(later.rows.every((r) => r.status === 'success')).toBe(true);
    expect(later.late).toBe(false);
    client.credential.close();
  });
});

describe('"bucket full": the job queue is full', () => {
  it('pauses the whole run for the documented wait with the reason on the progress, keeps the journal, then carries on', async () => {
    const { emu, dir } = await setup({ queueCapacity: 1, jobState: 'paused' });
    // 2 minutes at ×100: 1.2 s of pause (the default is the documented 10 minutes).
    const client = await clientOf(emu, { pacer: { bucketFullWaitMs: 120_000, concurrency: 1 } });
    const run = await startRun({ dataDir: dir, target: targetOf(emu), chunks: chunked(users(100), 50) });
    const paused: UploadProgress[] = [];
    const summary = await uploadRun(run, {
      client,
      lookahead: 0,
      onProgress: (p) => {
        if (p.pausedUntil === undefined || paused.length > 0) return;
        paused.push(p);
        // While the run waits, the job is started and drains its queue.
        emu.setJobState('active');
      },
    });
    expect(paused).toHaveLength(1);
    expect(paused[0]!.last).toMatchObject({ type: 'bucketFull', waitMs: 1200 });
    expect(summary).toMatchObject({ accepted: 2, bucketFullPauses: 1, retries: 0 });
    expect((await readChunkStates(run)).map((s) => s.state)).toEqual(['accepted', 'accepted']);
    const calls = emu.bulkCalls();
    expect(calls.map((c) => c.status)).toEqual([202, 500, 202]);
    // No quick retry: the next call came after the whole pause.
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(1100);
    expect(emu.users()).toHaveLength(100);
    client.credential.close();
  });

  it('tells an ordinary 500 (retried with backoff) from a full bucket by the reply’s message', async () => {
    const { emu, dir } = await setup({ faults: { failNextCalls: { status: 500, count: 2 } } });
    const client = await clientOf(emu, { pacer: { bucketFullWaitMs: 600_000 } });
    const run = await startRun({ dataDir: dir, target: targetOf(emu), chunks: chunked(users(10), 50) });
    const started = Date.now();
    const summary = await uploadRun(run, { client });
    expect(summary).toMatchObject({ accepted: 1, retries: 2, bucketFullPauses: 0 });
    // Well under the 6 s a bucket-full pause would have taken at ×100.
    expect(Date.now() - started).toBeLessThan(5000);
    client.credential.close();
  });
});

describe("the provisioning-logs API's own throttle (5 requests per 10 s)", () => {
  it('paces log reads to that limit, apart from bulkUpload, so the logs API never throttles', async () => {
    const { emu } = await setup({});
    const client = await clientOf(emu);
    expect(client.logsPacer.windowCalls).toBe(5);
    expect(client.logsPacer.windowMs).toBe(100); // 10 s at ×100
    expect(client.pacer.windowCalls).toBe(40);
    const reads = await Promise.all(Array.from({ length: 12 }, async () => {
      const out = [];
      for await (const entry of client.provisioningLogs({ top: 10 })) out.push(entry);
      return out.length;
    }));
    expect(reads).toHaveLength(12);
    expect(client.logsPacer.stats()).toMatchObject({ calls: 12, throttles: 0 });
    expect(client.pacer.stats().calls).toBe(0);
    client.credential.close();
  });

  it('waits out a 429 with Retry-After from the logs API when something else used up its window', async () => {
    const { emu } = await setup({});
    // A pacer that ignores the logs limit stands for another program reading the same app's logs.
    const client = await clientOf(emu, {});
    const careless = new (await import('./graph')).GraphClient({
      credential: client.credential,
      servicePrincipalId: emu.servicePrincipalId,
      jobId: emu.jobId,
      pacer: client.pacer,
      logsPacer: new Pacer({ windowCalls: 100, timeScale: 100 }),
    });
    const reads = await Promise.all(Array.from({ length: 12 }, async () => {
      const out = [];
      for await (const entry of careless.provisioningLogs({ top: 10 })) out.push(entry);
      return out.length;
    }));
    expect(reads).toHaveLength(12);
    expect(careless.logsPacer.stats().throttles).toBeGreaterThan(0);
    client.credential.close();
  });
});

describe('permissions and sign-in names', () => {
  it('accepts SynchronizationData-User.Upload.OwnedBy in place of SynchronizationData-User.Upload', async () => {
    const { emu, dir } = await setup({ permissions: ['SynchronizationData-User.Upload.OwnedBy', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All'] });
    const client = await clientOf(emu);
    const report = await runPreflight({ client });
    expect(report.checks.find((c) => c.id === 'uploadPermission')).toMatchObject({ status: 'pass', permission: 'SynchronizationData-User.Upload.OwnedBy' });
    const run = await startRun({ dataDir: dir, target: targetOf(emu), chunks: chunked(users(3), 50) });
    expect((await uploadRun(run, { client })).accepted).toBe(1);
    client.credential.close();
  });

  it("checks the sign-in names' domains against the tenant's verified domains with Domain.Read.All, and names the permission without it", async () => {
    const base = ['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All'];
    const { emu, dir } = await setup({ verifiedDomains: ['contoso.example'], permissions: [...base, 'Domain.Read.All'] });
    const client = await clientOf(emu);
    const domains = ['Contoso.example', 'fabrikam.example'];
    const report = await runPreflight({ client, signInDomains: domains });
    const check = report.checks.find((c) => c.id === 'domains');
    expect(check).toMatchObject({ status: 'fail' });
    expect(check?.sentence).toMatch(/has not verified fabrikam\.example/);
    expect(report.ok).toBe(false);
    expect((await runPreflight({ client, signInDomains: ['contoso.example'] })).checks.find((c) => c.id === 'domains')?.status).toBe('pass');

    // What the check saves people from: the user is accepted with 202, then fails in the logs.
    const stranger = users(1, 'F')[0]!;
    stranger.data.userName = 'f0001@fabrikam.example';
    const run = await startRun({ dataDir: dir, target: targetOf(emu), chunks: [{ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [stranger] }] });
    await uploadRun(run, { client });
    const results = await pollResults(run, { client, intervalMs: 50 });
    expect(results.rows).toMatchObject([{ externalId: 'F0001', status: 'failure' }]);
    expect(results.rows[0]?.errorCode).toBeTruthy();
    client.credential.close();

    emu.setPermissions(base);
    const without = await clientOf(emu);
    const warned = (await runPreflight({ client: without, signInDomains: domains })).checks.find((c) => c.id === 'domains');
    expect(warned).toMatchObject({ status: 'warn', permission: 'Domain.Read.All' });
    expect(warned?.sentence).toMatch(/Grant Domain\.Read\.All/);
    without.credential.close();
  });
});
