import type { Emulator } from '@scimport/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { chunked, clientOf, startTestEmulator, users } from './__tests__/emulator';
import type { TransportError } from './errors';
import { getJobStatus, pauseJob, restartJob, setNotificationSettings, startJob } from './job';

const started: Emulator[] = [];
async function sandbox(options: Parameters<typeof startTestEmulator>[0] = {}): Promise<Emulator> {
  const emu = await startTestEmulator({ tokenLifetimeSec: 3600 * 100, ...options });
  started.push(emu);
  return emu;
}
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close();
});

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (error) {
    return error as TransportError;
  }
  throw new Error('expected a rejection');
}

describe('job control', () => {
  it('quarantines a job started without a notification email; notify, then restart with QuarantineState makes it active', async () => {
    const emu = await sandbox({ jobState: 'notRun' });
    const client = await clientOf(emu);
    await client.bulkUpload(chunked(users(2), 50)[0]!);
    expect((await getJobStatus(client)).code).toBe('notRun');

    await startJob(client);
    const quarantined = await getJobStatus(client);
    expect(quarantined).toMatchObject({ code: 'quarantine', quarantine: { reason: 'EncounteredQuarantineException', seriesCount: 1, error: { code: 'NotificationEmailMissing' } } });
    expect(quarantined.sentence).toMatch(/scimport job notify --email/);
    expect(emu.users()).toEqual([]);

    const sent = await setNotificationSettings(client, { recipients: 'ops@contoso.com; hr-it@contoso.com', deleteThresholdValue: 300 });
    expect(sent).toEqual({ recipients: ['ops@contoso.com', 'hr-it@contoso.com'], deleteThresholdEnabled: true, deleteThresholdValue: 300 });
    expect(emu.notificationSettings()).toEqual({ enabled: true, recipients: ['ops@contoso.com', 'hr-it@contoso.com'], deleteThresholdEnabled: true, deleteThresholdValue: 300 });
    // The email alone does not lift the quarantine.
    expect((await getJobStatus(client)).code).toBe('quarantine');

    expect(await restartJob(client, 'QuarantineState')).toEqual(['QuarantineState']);
    const active = await getJobStatus(client);
    expect(active).toMatchObject({ code: 'active', countSuccessiveCompleteFailures: 0 });
    expect(active.quarantine).toBeUndefined();
    // The job was not running when it was restarted, so what was uploaded before is purged, not processed
    // (entra-docs inbound-provisioning-api-faqs, "How does restart provisioning work?").
    expect(emu.users()).toEqual([]);
    expect(emu.purgedRequests()).toBe(1);
  });

  it('pauses and starts the job', async () => {
    const emu = await sandbox();
    const client = await clientOf(emu);
    await pauseJob(client);
    expect((await getJobStatus(client)).code).toBe('paused');
    await client.bulkUpload(chunked(users(1), 50)[0]!);
    expect(emu.pendingRequests()).toBe(1);
    await startJob(client);
    expect((await getJobStatus(client)).code).toBe('active');
    expect(emu.users()).toHaveLength(1);
  });

  it('refuses a full reset without confirmation, naming the consequence, and forgets the users with it', async () => {
    const emu = await sandbox();
    const client = await clientOf(emu);
    await client.bulkUpload(chunked(users(3), 50)[0]!);
    expect(emu.users()).toHaveLength(3);

    for (const scope of ['Full', 'watermark, connectorDataStore']) {
      const refused = await rejection(restartJob(client, scope));
      expect(refused.code).toBe('CONFIRMATION_REQUIRED');
      expect(refused.message).toMatch(/^A full reset makes Entra forget every user this job has provisioned from uploads;.*Nothing was reset.*--confirm-full-reset/);
    }
    const force = await rejection(restartJob(client, 'ForceDeletes', { confirmFullReset: true }));
    expect(force.message).toMatch(/ForceDeletes carries out the deletions.*--confirm-force-deletes/);
    expect(emu.users()).toHaveLength(3);

    expect(await restartJob(client, 'Full', { confirmFullReset: true })).toEqual(['Full']);
    expect(emu.users()).toEqual([]);
    const status = await getJobStatus(client);
    expect(status).toMatchObject({ code: 'active', steadyStateLastAchievedTime: null });
  });

  it('checks addresses before sending, and names Synchronization.ReadWrite.All when it is missing', async () => {
    const emu = await sandbox();
    const client = await clientOf(emu);
    const bad = await rejection(setNotificationSettings(client, { recipients: ['ops@contoso.com', 'not-an-address'] }));
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"not-an-address" is not an email address/) });
    const noValue = await rejection(setNotificationSettings(client, { recipients: 'ops@contoso.com', deleteThresholdEnabled: true }));
    expect(noValue.message).toMatch(/threshold is switched on but has no value/);
    expect(emu.notificationSettings()?.recipients).toEqual(['sandbox-alerts@scimport.invalid']);

    emu.setPermissions(['SynchronizationData-User.Upload', 'Synchronization.Read.All']);
    const readOnly = await clientOf(emu);
    expect((await getJobStatus(readOnly)).code).toBe('active');
    const denied = await rejection(pauseJob(readOnly));
    expect(denied).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'Synchronization.ReadWrite.All', status: 403 } });
    expect(denied.message).toMatch(/pausing the provisioning job.*Synchronization\.ReadWrite\.All/);
    const unknownScope = await rejection(restartJob(readOnly, 'Everything'));
    expect(unknownScope.code).toBe('INVALID_ARGUMENT');
  });
});
