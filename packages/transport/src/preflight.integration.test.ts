import type { Emulator } from '@scimport/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientOf, scratchDir, secretConfig, startTestEmulator } from './__tests__/emulator';
import { createCredential } from './auth';
import { QuotaLedger } from './ledger';
import { type PreflightReport, type PreflightProfile, runPreflight } from './preflight';

const NS = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
const profile: PreflightProfile = {
  extension: {
    namespace: NS,
    attributes: [
      { name: 'HireDate', type: 'dateTime' },
      { name: 'CostCenter', type: 'string' },
    ],
  },
};

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  emu = await startTestEmulator({
    tokenLifetimeSec: 3600 * 100,
    extraJobs: [{ templateId: 'AD2AADProvisioning', id: 'AD2AADProvisioning.other' }],
    schemaAttributes: [
      { name: 'HireDate', type: 'DateTime', namespace: NS },
      { name: 'CostCenter', type: 'String', namespace: NS },
    ],
  });
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  emu.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
  scratch = await scratchDir();
});
afterEach(() => scratch.cleanup());

function check(report: PreflightReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('preflight', () => {
  it('passes every check on a running job whose schema knows the profile, within the budget', async () => {
    const client = await clientOf(emu, { dataDir: scratch.dir });
    const report = await runPreflight({ client, profile, callsNeeded: 3, dailyQuota: 2000 });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['signInMethod', 'pass'],
      ['signIn', 'pass'],
      ['uploadPermission', 'pass'],
      ['resultsPermission', 'pass'],
      ['jobPermission', 'pass'],
      ['job', 'pass'],
      ['jobRunning', 'pass'],
      ['schema', 'pass'],
      ['quota', 'pass'],
    ]);
    expect(check(report, 'signInMethod').sentence).toBe(`Signs in with a client secret of app ${emu.clientId}; needs the secret value, unexpired, given to this run.`);
    expect(report.ok).toBe(true);
    expect(report.job).toMatchObject({ code: 'active', jobId: emu.jobId });
    expect(report.permissions).toEqual({ kind: 'application', granted: ['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All'] });
    expect(check(report, 'quota').sentence).toMatch(/needs 3 calls; 2000 of the tenant.s 2000 daily calls remain/);
    // Nothing in the report carries the secret or a token.
    expect(JSON.stringify(report)).not.toContain(emu.clientSecret);
    expect(JSON.stringify(report)).not.toMatch(/eyJ/);
  });

  it('warns about a paused job: uploads are accepted but not processed until `scimport job start`', async () => {
    emu.setJobState('paused');
    const report = await runPreflight({ client: await clientOf(emu), profile });
    expect(check(report, 'jobRunning')).toMatchObject({ status: 'warn', sentence: expect.stringMatching(/paused: uploads are accepted but nothing is processed.*run `scimport job start`/) });
    expect(report.ok).toBe(true);
    emu.setJobState('notRun');
    const notRun = await runPreflight({ client: await clientOf(emu), profile });
    expect(check(notRun, 'jobRunning')).toMatchObject({ status: 'warn', sentence: expect.stringMatching(/never been started.*scimport job start/) });
  });

  it('fails on a quarantined job with the reason and what to do', async () => {
    emu.setJobState('notRun');
    const client = await clientOf(emu);
    // The sandbox after reset has its notification email; take it away as an admin could, then start.
    await client.putSynchronizationSecrets([{ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: false, Recipients: '' }) }]);
    await client.jobAction('start');
    const report = await runPreflight({ client, profile });
    expect(check(report, 'jobRunning')).toMatchObject({
      status: 'fail',
      sentence: expect.stringMatching(/quarantine \(NotificationEmailMissing\).*scimport job notify --email <address>.*--reset-scope QuarantineState/),
    });
    expect(report.ok).toBe(false);
    expect(report.job?.quarantine?.reason).toBe('EncounteredQuarantineException');
  });

  it('fails when the schema lacks a custom attribute or knows it with another type', async () => {
    const client = await clientOf(emu);
    const missing = await runPreflight({
      client,
      profile: { extension: { namespace: NS, attributes: [{ name: 'HireDate', type: 'dateTime' }, { name: 'Division', type: 'string' }] } },
    });
    expect(check(missing, 'schema')).toMatchObject({ status: 'fail', sentence: expect.stringMatching(/does not know Division .*not a valid propertyName.*run `scimport schema push/) });
    expect(missing.ok).toBe(false);

    const mismatch = await runPreflight({ client, profile: { extension: { namespace: NS, attributes: [{ name: 'costcenter', type: 'integer' }] } } });
    expect(check(mismatch, 'schema')).toMatchObject({ status: 'fail', sentence: expect.stringMatching(/costcenter is String in the schema but integer in the profile/) });
    const none = await runPreflight({ client, profile: {} });
    expect(check(none, 'schema').status).toBe('pass');
  });

  it('turns missing permissions into warnings that name them, and fails without the upload permission', async () => {
    emu.setPermissions(['SynchronizationData-User.Upload']);
    const report = await runPreflight({ client: await clientOf(emu), profile });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['signInMethod', 'pass'],
      ['signIn', 'pass'],
      ['uploadPermission', 'pass'],
      ['resultsPermission', 'warn'],
      ['jobPermission', 'warn'],
      ['job', 'warn'],
      ['jobRunning', 'warn'],
      ['schema', 'warn'],
      ['quota', 'warn'],
    ]);
    expect(report.ok).toBe(true);
    expect(check(report, 'resultsPermission')).toMatchObject({ permission: expect.stringContaining('ProvisioningLog.Read.All'), sentence: expect.stringMatching(/results cannot be read back/) });
    expect(check(report, 'jobPermission').sentence).toMatch(/without Synchronization\.Read\.All.*admin consent/);
    for (const id of ['job', 'jobRunning', 'schema']) expect(check(report, id).permission).toMatch(/^Synchronization\.Read\.All/);
    expect(check(report, 'jobRunning').sentence).toMatch(/cannot see whether the job is paused or in quarantine/);

    emu.setPermissions(['SynchronizationData-User.Upload', 'Synchronization.Read.All']);
    const readOnly = await runPreflight({ client: await clientOf(emu), profile });
    expect(check(readOnly, 'jobPermission')).toMatchObject({ status: 'warn', permission: 'Synchronization.ReadWrite.All', sentence: expect.stringMatching(/starting, pausing or restarting/) });
    expect(check(readOnly, 'schema').status).toBe('pass');

    emu.setPermissions(['AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
    const noUpload = await runPreflight({ client: await clientOf(emu), profile });
    expect(check(noUpload, 'uploadPermission')).toMatchObject({
      status: 'fail',
      permission: 'SynchronizationData-User.Upload',
      sentence: expect.stringMatching(/refused with 403: add the application permission SynchronizationData-User.Upload.*admin consent/),
    });
    expect(noUpload.ok).toBe(false);
  });

  it('fails for a job that is not API-driven or does not exist, and finds the API-driven one when no jobId is given', async () => {
    const client = await clientOf(emu);
    const other = await runPreflight({ client, profile: { ...profile, target: { jobId: 'AD2AADProvisioning.other' } } });
    expect(check(other, 'job')).toMatchObject({ status: 'fail', sentence: expect.stringMatching(/template AD2AADProvisioning, not an API-driven one/) });
    expect(check(other, 'jobRunning').status).toBe('warn');

    const missing = await runPreflight({ client, profile: { target: { jobId: 'API2AAD.nope' } } });
    expect(check(missing, 'job')).toMatchObject({ status: 'fail', sentence: expect.stringMatching(/No job API2AAD\.nope exists on service principal/) });

    client.jobId = undefined;
    const found = await runPreflight({ client, profile });
    expect(check(found, 'job')).toMatchObject({ status: 'pass', sentence: expect.stringMatching(new RegExp(`${emu.jobId.replace(/\./g, '\\.')}.*Put this jobId into the profile`)) });
  });

  it('fails when the daily budget does not cover the upload', async () => {
    const ledger = new QuotaLedger({ dataDir: scratch.dir });
    await ledger.record(emu.tenantId, 95);
    const client = await clientOf(emu);
    const report = await runPreflight({ client, profile, ledger, dailyQuota: 100, callsNeeded: 6 });
    expect(check(report, 'quota')).toMatchObject({ status: 'fail', sentence: expect.stringMatching(/needs 6 calls but only 5 of the tenant.s 100 daily calls remain.*--allow-over-quota/) });
    const fits = await runPreflight({ client, profile, ledger, dailyQuota: 100, callsNeeded: 5 });
    expect(check(fits, 'quota').status).toBe('pass');
  });

  it('fails the sign-in with what to do, and still checks the local budget', async () => {
    const credential = await createCredential(secretConfig(emu, { clientSecret: 'wrong-secret-value-123' } as never));
    const client = await clientOf(emu, { credential, dataDir: scratch.dir });
    const report = await runPreflight({ client, profile, callsNeeded: 1 });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['signInMethod', 'pass'],
      ['signIn', 'fail'],
      ['quota', 'pass'],
    ]);
    expect(check(report, 'signIn').sentence).toMatch(/client secret is wrong.*were not run/);
    expect(check(report, 'signIn').sentence).not.toContain('wrong-secret-value-123');
  });
});
