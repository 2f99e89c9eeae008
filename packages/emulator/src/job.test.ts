import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, bulkBody, call, getToken, graphGet, sleep, upload, user, type Reply } from './__tests__/http';
import { EmulatorError, SANDBOX_NOTIFICATION_EMAIL, startEmulator, type Emulator, type EmulatorOptions } from './index';

const jobsPath = (emu: Emulator) => `/v1.0/servicePrincipals/${emu.servicePrincipalId}/synchronization/jobs`;
const jobPath = (emu: Emulator, id = emu.jobId) => `${jobsPath(emu)}/${id}`;
const secretsPath = (emu: Emulator) => `/v1.0/servicePrincipals/${emu.servicePrincipalId}/synchronization/secrets`;

function post(emu: Emulator, token: string, path: string, body?: unknown): Promise<Reply> {
  return call(emu, 'POST', path, {
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

function putSecrets(emu: Emulator, token: string, body: unknown): Promise<Reply> {
  return call(emu, 'PUT', secretsPath(emu), {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The body the Entra admin center's notification settings amount to. */
function notificationBody(settings: Record<string, unknown>): unknown {
  return { value: [{ key: 'SyncNotificationSettings', value: JSON.stringify(settings) }] };
}

const started: Emulator[] = [];
async function sandbox(options: EmulatorOptions = {}): Promise<{ emu: Emulator; token: string }> {
  const emu = await startEmulator({ windowCalls: 10_000, ...options });
  started.push(emu);
  return { emu, token: await getToken(emu) };
}
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close();
});

describe('job listing', () => {
  it('lists the API-driven job with templateId and status among the other jobs, and reads each by id', async () => {
    const { emu, token } = await sandbox({ extraJobs: [{ templateId: 'AD2AADProvisioning', state: 'paused' }] });
    const list = await graphGet(emu, token, jobsPath(emu));
    expect(list.status).toBe(200);
    const jobs = list.json.value as { id: string; templateId: string; status: { code: string } }[];
    expect(jobs.map((j) => [j.templateId, j.status.code])).toEqual([
      ['API2AAD', 'Active'],
      ['AD2AADProvisioning', 'Paused'],
    ]);
    expect(jobs[0]?.id).toBe(emu.jobId);
    expect(jobs[1]?.id).toMatch(/^AD2AADProvisioning\./);

    const one = await graphGet(emu, token, jobPath(emu));
    expect(one.json).toEqual(emu.jobStatus());
    expect(one.json.status).toMatchObject({
      code: 'Active',
      quarantine: null,
      lastExecution: null,
      countSuccessiveCompleteFailures: 0,
      steadyStateLastAchievedTime: '0001-01-01T00:00:00Z',
      synchronizedEntryCountByType: [{ key: 'user to User', value: 0 }],
    });
    expect((await graphGet(emu, token, jobPath(emu, jobs[1]!.id))).json.templateId).toBe('AD2AADProvisioning');
    // The other job exists but is not API-driven: uploading to it is refused, pointing at the right job.
    const wrong = await call(emu, 'POST', `${jobPath(emu, jobs[1]!.id)}/bulkUpload`, {
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify(bulkBody([user('1')])),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toContain(emu.jobId);
    expect(emu.users()).toEqual([]);
  });

  it('answers 404 for an unknown job id and serves an API2AD job when asked', async () => {
    const { emu, token } = await sandbox({ templateId: 'API2AD' });
    const missing = await graphGet(emu, token, jobPath(emu, 'API2AAD.0000.0000'));
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('Request_ResourceNotFound');
    expect(missing.json.error.message).toContain(emu.jobId);
    expect(emu.jobId).toMatch(/^API2AD\./);
    expect(emu.jobStatus().templateId).toBe('API2AD');
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    expect(emu.users()).toHaveLength(1);
  });
});

describe('a job that is not running', () => {
  it('accepts uploads to a paused job with 202 but processes and logs nothing until it starts, then runs them in order', async () => {
    const { emu, token } = await sandbox({ jobState: 'paused', notificationEmail: 'ops@contoso.com' });
    expect(emu.jobStatus().status.code).toBe('Paused');
    expect((await upload(emu, token, bulkBody([user('1', { title: 'First' }), user('2')]))).status).toBe(202);
    expect((await upload(emu, token, bulkBody([user('1', { title: 'Second' })]))).status).toBe(202);
    expect(emu.pendingRequests()).toBe(2);
    expect(emu.users()).toEqual([]);
    expect(emu.logs()).toEqual([]);
    expect((await graphGet(emu, token, '/v1.0/auditLogs/provisioning')).json.value).toEqual([]);
    expect(emu.jobStatus().status.lastExecution).toBeNull();

    expect((await post(emu, token, `${jobPath(emu)}/start`)).status).toBe(204);
    expect(emu.pendingRequests()).toBe(0);
    expect(emu.users().find((u) => u.externalId === '1')?.attributes['title']).toBe('Second');
    expect(emu.logs().map((l) => [l.sourceIdentity.id, l.provisioningAction])).toEqual([
      ['1', 'create'],
      ['2', 'create'],
      ['1', 'update'],
    ]);
    const status = (await graphGet(emu, token, jobPath(emu))).json.status;
    expect(status.code).toBe('Active');
    expect(status.lastExecution).toMatchObject({ state: 'Succeeded', countImported: 1, countExported: 1, countEscrowed: 0, error: null });
    expect(status.lastExecution.activityIdentifier).toBe(emu.logs()[2]?.cycleId);
    expect(status.steadyStateLastAchievedTime).toBe(status.lastExecution.timeEnded);
    expect(Date.parse(status.lastExecution.timeEnded)).toBeGreaterThanOrEqual(Date.parse(status.lastExecution.timeBegan));
    expect(status.synchronizedEntryCountByType).toEqual([{ key: 'user to User', value: 2 }]);
  });

  it('keeps a request queued if the job is paused before its processing delay ends', async () => {
    const { emu, token } = await sandbox({ processingDelayMs: 100_000, timeScale: 1000 });
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    expect((await post(emu, token, `${jobPath(emu)}/pause`)).status).toBe(204);
    await sleep(250);
    expect(emu.users()).toEqual([]);
    expect(emu.pendingRequests()).toBe(1);
    await post(emu, token, `${jobPath(emu)}/start`);
    expect(emu.users()).toHaveLength(1);
  });

  it('quarantines a job started without a notification email, and runs it once the email is set', async () => {
    const { emu, token } = await sandbox({ jobState: 'notRun' });
    expect(emu.notificationSettings()).toBeUndefined();
    expect(emu.jobStatus().status.code).toBe('NotRun');
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);

    expect((await post(emu, token, `${jobPath(emu)}/start`)).status).toBe(204);
    let status = (await graphGet(emu, token, jobPath(emu))).json.status;
    expect(status.code).toBe('Quarantine');
    expect(status.quarantine).toMatchObject({
      reason: 'EncounteredQuarantineException',
      seriesCount: 1,
      error: { code: 'NotificationEmailMissing', message: expect.stringMatching(/^NotificationEmailMissing: a notification email is required/), tenantActionable: true },
    });
    expect(Date.parse(status.quarantine.nextAttempt)).toBeGreaterThan(Date.parse(status.quarantine.currentBegan));
    expect(emu.jobStatus().schedule.state).toBe('Disabled');
    // Quarantined: still 202, still nothing processed.
    expect((await upload(emu, token, bulkBody([user('2')]))).status).toBe(202);
    expect(emu.users()).toEqual([]);
    expect(emu.pendingRequests()).toBe(2);
    await post(emu, token, `${jobPath(emu)}/start`);
    expect(emu.jobStatus().status.quarantine?.seriesCount).toBe(2);

    const put = await putSecrets(emu, token, notificationBody({ Enabled: true, Recipients: 'ops@contoso.com; hr-it@contoso.com', DeleteThresholdEnabled: true, DeleteThresholdValue: 500 }));
    expect(put.status).toBe(204);
    expect(emu.notificationSettings()).toEqual({ enabled: true, recipients: ['ops@contoso.com', 'hr-it@contoso.com'], deleteThresholdEnabled: true, deleteThresholdValue: 500 });
    // Setting the email alone does not lift the quarantine: the job must be started again.
    expect(emu.jobStatus().status.code).toBe('Quarantine');
    await post(emu, token, `${jobPath(emu)}/start`);
    status = emu.jobStatus().status;
    expect(status.code).toBe('Active');
    expect(status.quarantine).toBeNull();
    expect(emu.users().map((u) => u.externalId)).toEqual(['1', '2']);
    expect(emu.pendingRequests()).toBe(0);
  });

  it('treats disabled notifications as no email', async () => {
    const { emu, token } = await sandbox();
    expect(emu.notificationSettings()?.recipients).toEqual([SANDBOX_NOTIFICATION_EMAIL]);
    await putSecrets(emu, token, notificationBody({ Enabled: false, Recipients: '' }));
    await post(emu, token, `${jobPath(emu)}/pause`);
    await post(emu, token, `${jobPath(emu)}/start`);
    expect(emu.jobStatus().status.code).toBe('Quarantine');
  });

  it('restart with QuarantineState lifts the quarantine, starting a new series when the email is still missing', async () => {
    const { emu, token } = await sandbox({ jobState: 'notRun' });
    await post(emu, token, `${jobPath(emu)}/start`);
    await post(emu, token, `${jobPath(emu)}/start`);
    expect(emu.jobStatus().status.quarantine?.seriesCount).toBe(2);
    expect((await post(emu, token, `${jobPath(emu)}/restart`, { criteria: { resetScope: 'QuarantineState' } })).status).toBe(204);
    expect(emu.jobStatus().status.quarantine).toMatchObject({ seriesCount: 1, error: { code: 'NotificationEmailMissing' } });

    await putSecrets(emu, token, notificationBody({ Enabled: true, Recipients: 'ops@contoso.com' }));
    await upload(emu, token, bulkBody([user('1')]));
    expect((await post(emu, token, `${jobPath(emu)}/restart`, { criteria: { resetScope: 'QuarantineState' } })).status).toBe(204);
    expect(emu.jobStatus().status.code).toBe('Active');
    // The job was not running (quarantined): what was uploaded before the restart is purged (FAQ), new uploads run.
    expect(emu.users()).toHaveLength(0);
    expect(emu.purgedRequests()).toBe(1);
    await upload(emu, token, bulkBody([user('1')]));
    expect(emu.users()).toHaveLength(1);
  });

  it('re-evaluates a quarantine at nextAttempt and runs once the email has been set', async () => {
    // An hour of quarantine back-off lasts 100 ms here.
    const { emu, token } = await sandbox({ jobState: 'notRun', timeScale: 36_000, tokenLifetimeSec: 1e9 });
    await upload(emu, token, bulkBody([user('1')]));
    await post(emu, token, `${jobPath(emu)}/start`);
    expect(emu.jobStatus().status.code).toBe('Quarantine');
    await putSecrets(emu, token, notificationBody({ Enabled: true, Recipients: 'ops@contoso.com' }));
    for (let i = 0; i < 200 && emu.jobStatus().status.code !== 'Active'; i += 1) await sleep(10);
    expect(emu.jobStatus().status.code).toBe('Active');
    expect(emu.users()).toHaveLength(1);
  });
});

describe('restart', () => {
  it('forgets the users the job holds and the queued requests on a Full reset, and says so in the job status', async () => {
    const { emu, token } = await sandbox();
    await upload(emu, token, bulkBody([user('1'), user('2')]));
    expect(emu.jobStatus().status.lastExecution?.countImported).toBe(2);
    await post(emu, token, `${jobPath(emu)}/pause`);
    await upload(emu, token, bulkBody([user('3')]));
    expect(emu.pendingRequests()).toBe(1);

    expect((await post(emu, token, `${jobPath(emu)}/restart`, { criteria: { resetScope: 'Full' } })).status).toBe(204);
    expect(emu.users()).toEqual([]);
    expect(emu.pendingRequests()).toBe(0);
    const status = (await graphGet(emu, token, jobPath(emu))).json.status;
    expect(status.code).toBe('Active');
    expect(status.synchronizedEntryCountByType).toEqual([{ key: 'user to User', value: 0 }]);
    expect(status.lastExecution).toMatchObject({ state: 'Succeeded', countImported: 0, countExported: 0, error: null });
    expect(status.lastSuccessfulExecution).toBeNull();
    expect(status.steadyStateLastAchievedTime).toBe('0001-01-01T00:00:00Z');
    // The provisioning log is an audit trail: a reset does not rewrite history.
    expect(emu.logs()).toHaveLength(2);
    // Users come back as new ones.
    await upload(emu, token, bulkBody([user('1')]));
    expect(emu.logs().at(-1)?.provisioningAction).toBe('create');
  });

  it('keeps users on a restart without Full, and refuses an unknown reset scope', async () => {
    const { emu, token } = await sandbox();
    await upload(emu, token, bulkBody([user('1')]));
    expect((await post(emu, token, `${jobPath(emu)}/restart`)).status).toBe(204);
    expect((await post(emu, token, `${jobPath(emu)}/restart`, { criteria: { resetScope: 'Watermark, Escrows' } })).status).toBe(204);
    expect(emu.users()).toHaveLength(1);
    const bad = await post(emu, token, `${jobPath(emu)}/restart`, { criteria: { resetScope: 'Watermark,Everything' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/'Everything' in criteria\.resetScope is not a reset scope.*QuarantineState/);
    expect((await post(emu, token, `${jobPath(emu)}/restart`, '{"criteria":')).status).toBe(400);
    expect(emu.users()).toHaveLength(1);
  });
});

describe('run summaries', () => {
  it('reports EntryLevelErrors when some users fail, Failed when all do, and counts successive complete failures', async () => {
    const { emu, token } = await sandbox();
    const orphan = (id: string) => user(id, { [ENTERPRISE]: { manager: { value: 'nobody' } } });
    await upload(emu, token, bulkBody([user('1')]));
    const firstSuccess = emu.jobStatus().status.lastSuccessfulExecution;
    expect(firstSuccess?.state).toBe('Succeeded');

    await upload(emu, token, bulkBody([user('2'), orphan('3')]));
    let status = emu.jobStatus().status;
    expect(status.lastExecution).toMatchObject({
      state: 'EntryLevelErrors',
      countImported: 2,
      countEscrowed: 1,
      error: { code: 'UnableToResolveReferenceAttributeValue', message: expect.stringMatching(/1 of 2 users could not be provisioned.*externalId '3'/) },
    });
    expect(status.lastSuccessfulExecution).toEqual(firstSuccess);
    expect(status.countSuccessiveCompleteFailures).toBe(0);

    await upload(emu, token, bulkBody([orphan('4')]));
    await upload(emu, token, bulkBody([orphan('5')]));
    status = emu.jobStatus().status;
    expect(status.lastExecution?.state).toBe('Failed');
    expect(status.countSuccessiveCompleteFailures).toBe(2);
    await upload(emu, token, bulkBody([user('6')]));
    expect(emu.jobStatus().status.countSuccessiveCompleteFailures).toBe(0);
  });
});

describe('notification settings (PUT secrets)', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await startEmulator();
    token = await getToken(emu);
  });
  afterAll(() => emu.close());

  const expect400 = async (body: unknown, message: RegExp, target?: string) => {
    const reply = await putSecrets(emu, token, body);
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe('BadRequest');
    expect(reply.json.error.message).toMatch(message);
    if (target !== undefined) expect(reply.json.error.details[0].target).toBe(target);
    return reply;
  };

  it('refuses malformed bodies, naming the place and what to send', async () => {
    await expect400('{"value": [', /not valid JSON/);
    await expect400({ values: [] }, /non-empty 'value' array/, 'value');
    await expect400({ value: [{ key: 'SyncNotificationSettings', value: '{"Enabled":true,' }] }, /SyncNotificationSettings value is not valid JSON/, 'value[0].value');
    await expect400({ value: [{ key: 'SyncNotificationSettings', value: { Enabled: true } }] }, /needs its 'value' as a string/, 'value[0].value');
    await expect400(notificationBody({ Enabled: true, Recipients: 'ops@contoso.com; not-an-address' }), /'not-an-address' in SyncNotificationSettings Recipients is not an email address/);
    await expect400(notificationBody({ Enabled: true }), /no Recipients/);
    await expect400(notificationBody({ Enabled: 'yes', Recipients: 'ops@contoso.com' }), /'Enabled' as true or false/);
    await expect400(notificationBody({ Enabled: true, Recipients: 'ops@contoso.com', DeleteThresholdEnabled: true }), /no 'DeleteThresholdValue'/);
    await expect400(notificationBody({ Enabled: true, Recipients: 'ops@contoso.com', DeleteThresholdEnabled: true, DeleteThresholdValue: -3 }), /whole number of 1 or more/);
    expect(emu.notificationSettings()?.recipients).toEqual([SANDBOX_NOTIFICATION_EMAIL]);
  });

  it('stores the notification settings, accepts other credentials without keeping or echoing them, and cannot be read back', async () => {
    const secretValue = 'very-secret-token-value';
    const reply = await putSecrets(emu, token, {
      value: [
        { key: 'SecretToken', value: secretValue },
        { key: 'SyncNotificationSettings', value: JSON.stringify({ enabled: true, recipients: 'hr-it@contoso.com', DeleteThresholdEnabled: false }) },
      ],
    });
    expect(reply.status).toBe(204);
    expect(emu.notificationSettings()).toEqual({ enabled: true, recipients: ['hr-it@contoso.com'], deleteThresholdEnabled: false });
    // A later PUT of other credentials leaves the notification settings alone.
    expect((await putSecrets(emu, token, { value: [{ key: 'BaseAddress', value: 'https://example.invalid' }] })).status).toBe(204);
    expect(emu.notificationSettings()?.recipients).toEqual(['hr-it@contoso.com']);
    const bad = await putSecrets(emu, token, { value: [{ key: 'SecretToken', value: secretValue }, { key: '' }] });
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain(secretValue);
    expect(JSON.stringify(emu.jobStatus())).not.toContain(secretValue);

    const read = await graphGet(emu, token, secretsPath(emu));
    expect(read.status).toBe(405);
    expect(read.json.error.message).toMatch(/write-only/);
  });
});

describe('permissions', () => {
  it('needs Synchronization.ReadWrite.All to start, pause, restart, set secrets and change the schema; Read.All reads', async () => {
    const { emu, token: full } = await sandbox();
    emu.setPermissions(['SynchronizationData-User.Upload', 'Synchronization.Read.All']);
    const readOnly = await getToken(emu);
    emu.setPermissions(['SynchronizationData-User.Upload']);
    const uploadOnly = await getToken(emu);

    for (const action of ['start', 'pause', 'restart']) {
      const reply = await post(emu, readOnly, `${jobPath(emu)}/${action}`);
      expect(reply.status).toBe(403);
      expect(reply.json.error.code).toBe('Authorization_RequestDenied');
      expect(reply.json.error.message).toMatch(/lacks the permission Synchronization\.ReadWrite\.All/);
    }
    const secrets = await putSecrets(emu, readOnly, notificationBody({ Enabled: true, Recipients: 'x@contoso.com' }));
    expect(secrets.status).toBe(403);
    expect(secrets.json.error.message).toMatch(/Synchronization\.ReadWrite\.All/);
    const schema = await call(emu, 'PUT', `${jobPath(emu)}/schema`, { headers: { Authorization: `Bearer ${readOnly}` }, body: '{}' });
    expect(schema.status).toBe(403);

    expect((await graphGet(emu, readOnly, jobPath(emu))).status).toBe(200);
    expect((await graphGet(emu, readOnly, jobsPath(emu))).status).toBe(200);
    const denied = await graphGet(emu, uploadOnly, jobPath(emu));
    expect(denied.status).toBe(403);
    expect(denied.json.error.message).toMatch(/Synchronization\.Read\.All or Synchronization\.ReadWrite\.All/);

    expect(emu.jobStatus().status.code).toBe('Active');
    expect(emu.notificationSettings()?.recipients).toEqual([SANDBOX_NOTIFICATION_EMAIL]);
    expect((await post(emu, full, `${jobPath(emu)}/pause`)).status).toBe(204);
  });
});

describe('emulator controls', () => {
  it('sets the job state directly, processing the queue when made active', async () => {
    const { emu, token } = await sandbox();
    emu.setJobState('quarantine', 'TooManyDeletes');
    expect(emu.jobStatus().status).toMatchObject({ code: 'Quarantine', quarantine: { reason: 'TooManyDeletes', seriesCount: 1, error: { code: 'TooManyDeletes' } } });
    await upload(emu, token, bulkBody([user('1')]));
    expect(emu.pendingRequests()).toBe(1);
    emu.setJobState('active');
    expect(emu.pendingRequests()).toBe(0);
    expect(emu.users()).toHaveLength(1);
    emu.setJobState('notRun');
    expect(emu.jobStatus().status).toMatchObject({ code: 'NotRun', quarantine: null });
    expect(() => emu.setJobState('stopped' as never)).toThrow(EmulatorError);
    // reset returns the job to what the options configured.
    emu.reset();
    expect(emu.jobStatus().status.code).toBe('Active');
    expect(emu.jobStatus().status.lastExecution).toBeNull();
  });

  it('refuses bad job options', async () => {
    await expect(startEmulator({ jobState: 'running' as never })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/jobState must be one of/) });
    await expect(startEmulator({ notificationEmail: 'ops at contoso' })).rejects.toMatchObject({ message: expect.stringMatching(/'ops at contoso' is not one/) });
    await expect(startEmulator({ templateId: 'SCIM' as never })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(startEmulator({ extraJobs: [{ templateId: 'AD2AADProvisioning', id: 'X' }, { templateId: 'Other', id: 'x' }] })).rejects.toMatchObject({
      message: expect.stringMatching(/must differ/),
    });
  });

  it('keeps the job status, notification settings and queued requests in stateDir across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimport-emulator-job-'));
    try {
      const first = await startEmulator({ stateDir: dir, jobState: 'paused', notificationEmail: 'ops@contoso.com' });
      const token = await getToken(first);
      await upload(first, token, bulkBody([user('1')]));
      await first.close();
      expect(readFileSync(join(dir, 'emulator-state.json'), 'utf8')).not.toContain(first.clientSecret);

      const second = await startEmulator({ stateDir: dir });
      started.push(second);
      expect(second.jobStatus().status.code).toBe('Paused');
      expect(second.pendingRequests()).toBe(1);
      expect(second.notificationSettings()?.recipients).toEqual(['ops@contoso.com']);
      const t2 = await getToken(second);
      await post(second, t2, `${jobPath(second)}/start`);
      expect(second.users()).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
