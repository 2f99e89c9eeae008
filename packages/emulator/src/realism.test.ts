import { afterEach, describe, expect, it } from 'vitest';
import { ENTERPRISE, bulkBody, call, getToken, graphGet, sleep, upload, user, type Reply } from './__tests__/http';
import { quarantineRetryMs } from './job';
import { PERMISSION_UPLOAD_OWNED_BY, startEmulator, type Emulator, type EmulatorOptions } from './index';

// Entra as production behaves (issue 12): results late, restarts that purge, a queue that fills, a throttled logs
// API, the .OwnedBy permission, quarantine's schedule. Each against the running emulator over HTTPS.

const jobPath = (emu: Emulator) => `/v1.0/servicePrincipals/${emu.servicePrincipalId}/synchronization/jobs/${emu.jobId}`;
const logsPath = (filter?: string) => `/v1.0/auditLogs/provisioning${filter ? `?$filter=${encodeURIComponent(filter)}` : ''}`;

function post(emu: Emulator, token: string, path: string, body?: unknown): Promise<Reply> {
  return call(emu, 'POST', path, {
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const started: Emulator[] = [];
async function sandbox(options: EmulatorOptions = {}): Promise<{ emu: Emulator; token: string }> {
  const emu = await startEmulator({ windowCalls: 10_000, tokenLifetimeSec: 1e9, ...options });
  started.push(emu);
  return { emu, token: await getToken(emu) };
}
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close();
});

describe('results arrive late (realisticTiming)', () => {
  it('writes the logs 5–10 minutes (scaled) after processing, and says how fast time runs', async () => {
    // 5–10 minutes last 50–100 ms at ×6000.
    const { emu, token } = await sandbox({ realisticTiming: true, timeScale: 6000, logsApiLimit: false });
    expect(emu.timeScale).toBe(6000);
    const settings = await call(emu, 'GET', '/sandbox');
    expect(settings.json).toMatchObject({ timeScale: 6000, realisticTiming: true, logDelayMs: { min: 300_000, max: 600_000 } });
    expect(emu.sandboxSettings()).toEqual(settings.json);

    const sentAt = Date.now();
    expect((await upload(emu, token, bulkBody([user('1'), user('2')]))).status).toBe(202);
    // Processed at once (the users exist), yet an empty log right after the 202 is normal.
    expect(emu.users()).toHaveLength(2);
    expect((await graphGet(emu, token, logsPath(`jobId eq '${emu.jobId}'`))).json.value).toEqual([]);
    expect(emu.bulkCalls()[0]?.processing).toBe('processed');
    let entries: unknown[] = [];
    while (entries.length < 2 && Date.now() - sentAt < 2000) {
      await sleep(10);
      entries = (await graphGet(emu, token, logsPath(`jobId eq '${emu.jobId}'`))).json.value as unknown[];
    }
    expect(entries).toHaveLength(2);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(50);
  });

  it('keeps logDelayMs as an override, and shows results at once by default', async () => {
    const { emu: quick } = await sandbox({ realisticTiming: true, logDelayMs: 0 });
    expect(quick.sandboxSettings().logDelayMs).toEqual({ min: 0, max: 0 });
    const { emu, token } = await sandbox();
    expect(emu.sandboxSettings()).toMatchObject({ timeScale: 1, realisticTiming: false, logDelayMs: { min: 0, max: 0 } });
    await upload(emu, token, bulkBody([user('1')]));
    expect(emu.logs()).toHaveLength(1);
  });
});

describe('restart purges what is queued', () => {
  it('drops the uploads a job that is not running holds, records each call as purged, and runs new ones', async () => {
    const { emu, token } = await sandbox({ jobState: 'paused', notificationEmail: 'ops@contoso.com' });
    const first = await upload(emu, token, bulkBody([user('1')]));
    const second = await upload(emu, token, bulkBody([user('2')]));
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(emu.pendingRequests()).toBe(2);
    expect((await post(emu, token, `${jobPath(emu)}/restart`)).status).toBe(204);
    expect(emu.pendingRequests()).toBe(0);
    expect(emu.purgedRequests()).toBe(2);
    expect(emu.users()).toEqual([]);
    const third = await upload(emu, token, bulkBody([user('3')]));
    expect(emu.users().map((u) => u.externalId)).toEqual(['3']);

    // A client tells its calls apart by the request-id its 202 carried.
    const uploads = (await call(emu, 'GET', '/sandbox/uploads')).json;
    expect(uploads.purged).toBe(2);
    const byRequest = new Map((uploads.value as { requestId: string; processing: string }[]).map((c) => [c.requestId, c.processing]));
    expect(byRequest.get(String(first.headers['request-id']))).toBe('purged');
    expect(byRequest.get(String(second.headers['request-id']))).toBe('purged');
    expect(byRequest.get(String(third.headers['request-id']))).toBe('processed');
  });

  it('lets a running job finish the staged data first: nothing is purged', async () => {
    // Staged: accepted, waiting out a 5-minute processing delay (50 ms at ×6000) when the restart comes.
    const { emu, token } = await sandbox({ processingDelayMs: 300_000, timeScale: 6000 });
    await upload(emu, token, bulkBody([user('1')]));
    expect(emu.pendingRequests()).toBe(1);
    expect((await post(emu, token, `${jobPath(emu)}/restart`)).status).toBe(204);
    expect(emu.purgedRequests()).toBe(0);
    for (let i = 0; i < 100 && emu.users().length === 0; i += 1) await sleep(10);
    expect(emu.users().map((u) => u.externalId)).toEqual(['1']);
    expect(emu.bulkCalls()[0]?.processing).toBe('processed');
  });
});

describe('bucket full', () => {
  it('answers 500 beyond the queue capacity, telling to wait 5–10 minutes, and takes uploads again once drained', async () => {
    const { emu, token } = await sandbox({ jobState: 'paused', notificationEmail: 'ops@contoso.com', queueCapacity: 2 });
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    expect((await upload(emu, token, bulkBody([user('2')]))).status).toBe(202);
    const full = await upload(emu, token, bulkBody([user('3')]));
    expect(full.status).toBe(500);
    expect(full.json.error).toMatchObject({ code: 'InternalServerError', message: expect.stringMatching(/^Bucket full: .*Wait 5 to 10 minutes/) });
    expect(emu.pendingRequests()).toBe(2);
    await post(emu, token, `${jobPath(emu)}/start`);
    expect((await upload(emu, token, bulkBody([user('3')]))).status).toBe(202);
    expect(emu.users().map((u) => u.externalId)).toEqual(['1', '2', '3']);
  });

  it('is off by default', async () => {
    const { emu, token } = await sandbox({ jobState: 'paused' });
    for (let i = 0; i < 30; i += 1) expect((await upload(emu, token, bulkBody([user(String(i))]))).status).toBe(202);
    expect(emu.sandboxSettings().queueCapacity).toBeNull();
  });
});

describe('the provisioning-logs API has its own throttle', () => {
  it('allows 5 reads in 10 s per app by default, then answers 429 with Retry-After, apart from bulkUpload', async () => {
    const { emu, token } = await sandbox();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await graphGet(emu, token, logsPath())).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const throttled = await graphGet(emu, token, logsPath());
    expect(throttled.json.error).toMatchObject({ code: 'TooManyRequests', message: expect.stringMatching(/provisioning logs: at most 5 in any 10-second window/) });
    const after = Number(throttled.headers['retry-after']);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(10);
    // bulkUpload has its own limits and is not affected.
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
  });

  it('follows the configured limit, scaled by timeScale, and reads again after Retry-After', async () => {
    const { emu, token } = await sandbox({ logsApiLimit: { calls: 2, windowMs: 1000 }, timeScale: 10 });
    expect((await graphGet(emu, token, logsPath())).status).toBe(200);
    expect((await graphGet(emu, token, logsPath())).status).toBe(200);
    const throttled = await graphGet(emu, token, logsPath());
    expect(throttled.status).toBe(429);
    await sleep(Number(throttled.headers['retry-after-ms']) + 5);
    expect((await graphGet(emu, token, logsPath())).status).toBe(200);
  });
});

describe('permissions', () => {
  it('accepts SynchronizationData-User.Upload.OwnedBy in place of SynchronizationData-User.Upload', async () => {
    const { emu } = await sandbox({ permissions: [PERMISSION_UPLOAD_OWNED_BY] });
    const token = await getToken(emu);
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    emu.setPermissions(['AuditLog.Read.All']);
    const without = await upload(emu, await getToken(emu), bulkBody([user('2')]));
    expect(without.status).toBe(403);
    expect(without.json.error.message).toContain(PERMISSION_UPLOAD_OWNED_BY);
  });
});

describe('quarantine', () => {
  it('retries after 6 h, 12 h, 24 h, then daily', () => {
    const hours = [1, 2, 3, 4, 10].map((n) => quarantineRetryMs(n) / 3_600_000);
    expect(hours).toEqual([6, 12, 24, 24, 24]);
  });

  it('quarantines the job when a cycle passes the escrow threshold, holding later uploads until the retry', async () => {
    // 6 hours last 60 ms at ×360000.
    const { emu, token } = await sandbox({ escrowThreshold: 2, timeScale: 360_000, logsApiLimit: false });
    const ghost = (id: string) => user(id, { [ENTERPRISE]: { manager: { value: 'nobody' } } });
    await upload(emu, token, bulkBody([ghost('1'), ghost('2')]));
    const status = (await graphGet(emu, token, jobPath(emu))).json.status;
    expect(status.code).toBe('Quarantine');
    expect(status.quarantine).toMatchObject({ reason: 'EncounteredEscrowProportionThreshold', seriesCount: 1, error: { code: 'EncounteredEscrowProportionThreshold' } });
    expect(Date.parse(status.quarantine.nextAttempt) - Date.parse(status.quarantine.currentBegan)).toBeCloseTo(60, -1);
    await upload(emu, token, bulkBody([user('3')]));
    expect(emu.pendingRequests()).toBe(1);
    for (let i = 0; i < 100 && emu.jobStatus().status.code !== 'Active'; i += 1) await sleep(10);
    expect(emu.jobStatus().status.code).toBe('Active');
    expect(emu.users().map((u) => u.externalId)).toContain('3');
  });

  it('disables the job after four weeks in quarantine', async () => {
    // Four weeks last 2.4 s at ×1000000; the retries in between re-impose the on-demand quarantine.
    const { emu } = await sandbox({ timeScale: 1_000_000 });
    emu.setJobState('quarantine');
    for (let i = 0; i < 400 && emu.jobStatus().status.code === 'Quarantine'; i += 1) await sleep(10);
    const job = emu.jobStatus();
    expect(job.status.code).toBe('Paused');
    expect(job.schedule.state).toBe('Disabled');
    expect(job.status.lastExecution?.error?.message).toMatch(/disabled after four weeks in quarantine/);
  });
});
