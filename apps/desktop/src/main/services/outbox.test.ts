import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '@scimport/emulator';
import { openEnvelope, type Channel, type Request, type Response } from '../../shared/contract';
import { SAMPLE_CSV, until } from '../../__tests__/services';
import { createServices, MemorySecretStore, type Services } from './index';
import type { SandboxEndpoint } from './connection';

// The "sandbox" here is an emulator the test stops and starts on a fixed port: a target that goes away and
// comes back, as a tenant does when the laptop loses its network.
const SECRET = 'outbox-test-client-secret';
let emulator: Emulator | undefined;
let endpoint: SandboxEndpoint;
let port = 0;
let stateDir: string;
let dataDir: string;
const open: Services[] = [];

async function startTarget(): Promise<void> {
  emulator = await startEmulator({ port, clientSecret: SECRET, stateDir });
  port = Number(new URL(emulator.baseUrl).port);
  endpoint = { baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, clientId: emulator.clientId, clientSecret: SECRET, caCertPem: emulator.caCertPem };
}

async function stopTarget(): Promise<void> {
  await emulator?.close();
  emulator = undefined;
}

function services() {
  const s = createServices({
    mode: 'web',
    version: 'test',
    dataDir,
    secrets: new MemorySecretStore(),
    sandboxEndpoint: async () => endpoint,
    // An unreachable target fails fast here (the app keeps the transport's patient defaults).
    pacer: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
    outboxRetry: { firstMs: 100, maxMs: 400 },
    poll: { sandbox: { intervalMs: 50, minutes: 1 }, tenant: { intervalMs: 50, minutes: 1 } },
  });
  open.push(s);
  // The person chose the sample file (a dialog or a drop): the services open only chosen files.
  s.choosePath(SAMPLE_CSV);
  const call = async <C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> => openEnvelope(await s.dispatch(channel, request));
  return { services: s, call };
}

async function comparison(call: ReturnType<typeof services>['call']) {
  const table = await call('file:open', { path: SAMPLE_CSV });
  await until(() => call('file:status', { tableId: table.tableId }), (s) => s.done);
  const { profile } = await call('profile:autoMap', { tableId: table.tableId });
  // No manager reference, so both people can be created.
  const mapping = '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "name": { "givenName": FirstName, "familyName": LastName }, "active": WorkerStatus = "Active" }';
  const { jobId } = await call('validate:start', { tableId: table.tableId, profile: { ...profile, mapping } });
  await until(() => call('validate:status', { jobId }), (s) => s.state !== 'running');
  return { jobId, diff: await call('diff:compute', { jobId, target: { kind: 'sandbox' } }) };
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose();
  await stopTarget();
  await rm(dataDir, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
  port = 0;
});

async function setup(): Promise<void> {
  dataDir = await mkdtemp(join(tmpdir(), 'scimport-outbox-'));
  stateDir = await mkdtemp(join(tmpdir(), 'scimport-outbox-target-'));
  // Start the target once on a free port below the kernel's ephemeral range (32768 and up), then close it:
  // it refuses connections until it is started again on that port, and no other test's port-0 listener
  // can take the port in between (which made this test flaky when the whole suite ran at once).
  for (let attempt = 0; ; attempt++) {
    port = 20_000 + Math.floor(Math.random() * 10_000);
    try {
      await startTarget();
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
  await stopTarget();
}

describe('the outbox', () => {
  it('keeps an upload whose target cannot be reached and sends it when the target answers again', async () => {
    await setup();
    const { call } = services();
    const { jobId, diff } = await comparison(call);

    const offline = await call('upload:preflight', { diffId: diff.diffId });
    expect(offline).toMatchObject({ ok: false, unreachable: true });
    expect(offline.checks[0]?.detail).toMatch(/outbox/);

    const { uploadId } = await call('upload:start', { diffId: diff.diffId });
    const queued = await until(() => call('upload:status', { uploadId }), (s) => s.state !== 'sending');
    expect(queued.state).toBe('queued');
    expect(queued.message).toMatch(/Waiting in the outbox: .*127\.0\.0\.1.* goes by itself as soon as the target answers/);
    expect(queued.message).not.toMatch(/resume it once/);
    expect((await call('upload:outbox', {})).uploads.map((u) => u.uploadId)).toEqual([uploadId]);
    expect(await readdir(join(dataDir, 'outbox'))).toEqual([`${queued.runId}.json`]);
    // Another upload waits its turn rather than racing the queued one.
    await expect(call('upload:start', { diffId: diff.diffId })).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/outbox/) });

    await startTarget();
    await call('upload:online', {});
    const done = await until(() => call('upload:status', { uploadId }), (s) => s.state === 'done' || s.state === 'failed', 30_000);
    expect(done.state).toBe('done');
    expect(done.results?.summary).toEqual({ create: { success: 2 } });
    expect(emulator!.users().map((u) => u.externalId).sort()).toEqual(['1222', '1513']);
    expect(await readdir(join(dataDir, 'outbox'))).toEqual([]);
    expect((await call('upload:outbox', {})).uploads).toEqual([]);
    // The snapshot knows what was accepted: the next comparison finds everyone unchanged.
    expect((await call('diff:compute', { jobId, target: { kind: 'sandbox' } })).counts).toMatchObject({ new: 0, unchanged: 2 });
  });

  it('carries on with a queued upload after the services restart', async () => {
    await setup();
    const first = services();
    const { diff } = await comparison(first.call);
    const { uploadId } = await first.call('upload:start', { diffId: diff.diffId });
    const queued = await until(() => first.call('upload:status', { uploadId }), (s) => s.state !== 'sending');
    expect(queued.state).toBe('queued');
    // The app closes with the upload still in the outbox.
    await first.services.dispose();

    await startTarget();
    const second = services();
    const carried = await until(
      () => second.call('upload:outbox', {}),
      (o) => o.uploads.length === 0 || o.uploads.some((u) => u.state === 'waiting-for-results' || u.state === 'done'),
      30_000,
    );
    expect(carried.uploads.every((u) => u.runId === queued.runId)).toBe(true);
    await until(async () => emulator!.users().length, (n) => n === 2, 30_000);
    // The upload has ended when it leaves the outbox list (its history entry is written before that).
    await until(() => second.call('upload:outbox', {}), (o) => o.uploads.length === 0, 30_000);
    const history = await second.call('history:list', {});
    expect(history.entries[0]).toMatchObject({ runId: queued.runId, outcome: 'uploaded' });
    expect(await readdir(join(dataDir, 'outbox'))).toEqual([]);
  });

  it('holds a restored upload back when the checks before sending fail, until the person resumes it', async () => {
    await setup();
    const first = services();
    const { diff } = await comparison(first.call);
    const { uploadId } = await first.call('upload:start', { diffId: diff.diffId });
    await until(() => first.call('upload:status', { uploadId }), (s) => s.state === 'queued');
    await first.services.dispose();

    // Meanwhile the app's permission to upload was taken away.
    await startTarget();
    emulator!.setPermissions(['AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
    const second = services();
    const held = await until(() => second.call('upload:outbox', {}), (o) => o.uploads.some((u) => u.state === 'paused'), 30_000);
    expect(held.uploads[0]?.message).toMatch(/Held back in the outbox: .*Upload permission/);
    expect(emulator!.bulkCalls()).toHaveLength(0);

    emulator!.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
    const resumed = await second.call('upload:resume', { uploadId: held.uploads[0]!.uploadId });
    expect(resumed.state).toBe('sending');
    const done = await until(() => second.call('upload:status', { uploadId: resumed.uploadId }), (s) => s.state === 'done' || s.state === 'failed', 30_000);
    expect(done.state).toBe('done');
    expect(emulator!.users()).toHaveLength(2);
  });
});
