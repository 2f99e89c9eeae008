import { afterEach, describe, expect, it } from 'vitest';
import { compared, harness, type Harness } from '../../__tests__/services';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sandbox = { kind: 'sandbox' } as const;
const check = (view: { checks: { id: string; status: string; detail: string }[] }, id: string) => view.checks.find((c) => c.id === id);

describe('the job panel and the preflight', () => {
  it('pauses and starts the sandbox job, and the preflight warns while it is paused', async () => {
    h = await harness();
    const diff = await compared(h);
    expect(await h.call('job:status', { target: sandbox })).toMatchObject({ code: 'active', isApiDriven: true, templateId: 'API2AAD' });
    const ready = await h.call('upload:preflight', { diffId: diff.diffId });
    expect(ready.ok).toBe(true);
    expect(ready.checks.every((c) => c.status === 'pass')).toBe(true);

    const paused = await h.call('job:pause', { target: sandbox });
    expect(paused.code).toBe('paused');
    expect(paused.sentence).toMatch(/nobody would be processed.*Start the job/);
    const warned = await h.call('upload:preflight', { diffId: diff.diffId });
    expect(warned.ok).toBe(true);
    expect(check(warned, 'jobRunning')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/paused/) });
    // The app's sentences point at its own buttons, not at the command line.
    expect(JSON.stringify(warned)).not.toMatch(/scimport job/);

    expect((await h.call('job:start', { target: sandbox })).code).toBe('active');
    expect(check(await h.call('upload:preflight', { diffId: diff.diffId }), 'jobRunning')?.status).toBe('pass');
  });

  it('says why a job started without a notification email is quarantined, and lifts it once the email is set', async () => {
    h = await harness({ sandbox: { jobState: 'notRun' } });
    const diff = await compared(h);
    expect((await h.call('job:status', { target: sandbox })).sentence).toMatch(/never been started.*notification email/);
    const quarantined = await h.call('job:start', { target: sandbox });
    expect(quarantined.code).toBe('quarantine');
    expect(quarantined.quarantine?.reason).toMatch(/notification email|NotificationEmail/i);
    expect(quarantined.sentence).toMatch(/set the notification email/);
    const blocked = await h.call('upload:preflight', { diffId: diff.diffId });
    expect(blocked.ok).toBe(false);
    expect(check(blocked, 'jobRunning')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/quarantine/) });

    await expect(h.call('job:notify', { target: sandbox, email: 'hr-team at contoso', deleteThreshold: 500 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/"hr-team at contoso" is not an email address/),
    });
    const notified = await h.call('job:notify', { target: sandbox, email: 'hr-team@contoso.com; it@contoso.com', deleteThreshold: 500 });
    expect(notified).toMatchObject({ recipients: ['hr-team@contoso.com', 'it@contoso.com'], deleteThreshold: 500 });
    expect((await h.call('job:start', { target: sandbox })).code).toBe('active');
    expect((await h.call('upload:preflight', { diffId: diff.diffId })).ok).toBe(true);
  });

  it('fails the preflight when the app lacks the upload permission, naming it', async () => {
    h = await harness({ sandbox: { permissions: ['Synchronization.ReadWrite.All', 'AuditLog.Read.All'] } });
    const diff = await compared(h);
    const report = await h.call('upload:preflight', { diffId: diff.diffId });
    expect(report.ok).toBe(false);
    expect(check(report, 'uploadPermission')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/SynchronizationData-User\.Upload/) });
  });

  it('checks the job channels\' input before anything runs', async () => {
    h = await harness();
    expect(await h.services.dispatch('job:start', { target: { kind: 'tenant', tenantId: 'x' } })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await h.services.dispatch('job:notify', { target: sandbox, email: '', deleteThreshold: 500 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await h.services.dispatch('job:notify', { target: sandbox, email: 'a@b.co', deleteThreshold: 0 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await h.services.dispatch('upload:preflight', { diffId: 'diff-gone' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // A tenant without a stored secret: said in words, nothing sent.
    const tenant = { kind: 'tenant', tenantId: 'contoso.onmicrosoft.com', clientId: 'app', servicePrincipalId: 'sp', jobId: 'job', auth: 'secret' } as const;
    await expect(h.call('job:status', { target: tenant })).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringMatching(/No client secret is stored/) });
  });
});
