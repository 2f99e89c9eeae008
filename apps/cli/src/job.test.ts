import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { SCIM_BULK_REQUEST, SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '@scimport/core';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { GraphClient, createCredential, setNotificationSettings } from '@scimport/transport';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MS, PROFILES, tempDir } from './__tests__/harness';
import { registerJobCommands } from './commands/job';
import type { CliIo } from './io';

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');
const CSV_NS = 'urn:ietf:params:scim:schemas:extension:csv:1.0:User';

interface Run {
  status: number;
  out: string;
  err: string;
}

/** Runs the job commands in-process the way cli.ts does (exitOverride, status set by the action). */
async function run(argv: string[], env: Record<string, string>): Promise<Run> {
  let out = '';
  let err = '';
  let status = 0;
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, cwd: process.cwd(), env };
  const program = new Command('scimport').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerJobCommands(program, io, (code) => (status = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    status = 2;
  }
  return { status, out, err };
}

let emu: Emulator;
let dir: string;
let env: Record<string, string>;
let profileWithTarget: string;

beforeAll(async () => {
  emu = await startEmulator({ jobState: 'notRun', schemaAttributes: [{ name: 'HireDate', type: 'DateTime', namespace: CSV_NS }, { name: 'OnLeave', type: 'Boolean', namespace: CSV_NS }] });
  dir = await tempDir();
  await writeFile(join(dir, 'ca.pem'), emu.caCertPem);
  const profile = JSON.parse(await readFile(PROFILE, 'utf8')) as Record<string, unknown>;
  profile.target = { tenantId: emu.tenantId, clientId: emu.clientId, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId };
  profileWithTarget = join(dir, 'profile.json');
  await writeFile(profileWithTarget, JSON.stringify(profile));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emu.reset();
  emu.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
  env = {
    SCIMPORT_GRAPH_BASE_URL: emu.baseUrl,
    SCIMPORT_CA_FILE: join(dir, 'ca.pem'),
    SCIMPORT_CLIENT_SECRET: emu.clientSecret,
    SCIMPORT_DATA_DIR: join(dir, 'data'),
  };
});
afterEach(() => {
  emu.setJobState('notRun');
});

describe('scimport job', () => {
  it('status --json describes the job; start without a notification email ends in quarantine (exit 1), notify + restart makes it active', async () => {
    const status = await run(['job', 'status', '--profile', profileWithTarget, '--json'], env);
    expect(status.err).toBe('');
    expect(status.status).toBe(0);
    const json = JSON.parse(status.out);
    expect(json.target).toMatchObject({ tenantId: emu.tenantId, jobId: emu.jobId });
    expect(json.job).toMatchObject({ jobId: emu.jobId, code: 'notRun', templateId: 'API2AAD', isApiDriven: true, steadyStateLastAchievedTime: null });
    expect(json.job.sentence).toMatch(/never been started/);

    const start = await run(['job', 'start', '--profile', profileWithTarget], env);
    expect(start.status).toBe(1);
    expect(start.out).toMatch(/not running:\nJob .*: quarantine\nThe job is in quarantine \(NotificationEmailMissing\).*scimport job notify --email/);
    expect(start.out).toMatch(/Quarantine: EncounteredQuarantineException since .*, 1 in a row, next attempt/);

    const notify = await run(['job', 'notify', '--profile', profileWithTarget, '--email', 'ops@contoso.com', '--email', 'hr-it@contoso.com', '--delete-threshold', '250'], env);
    expect(notify.status).toBe(0);
    expect(notify.out).toMatch(/Entra will email ops@contoso.com, hr-it@contoso.com about this job; more than 250 deletions in one cycle stop it\.\nThe job is still in quarantine: run `scimport job restart --reset-scope QuarantineState`/);
    expect(emu.notificationSettings()).toEqual({ enabled: true, recipients: ['ops@contoso.com', 'hr-it@contoso.com'], deleteThresholdEnabled: true, deleteThresholdValue: 250 });

    const restart = await run(['job', 'restart', '--profile', profileWithTarget, '--reset-scope', 'QuarantineState'], env);
    expect(restart.status).toBe(0);
    expect(restart.out).toMatch(/^Restarted with reset scope QuarantineState\.\nJob .*: active\nThe job is running/);
    expect(emu.jobStatus().status.code).toBe('Active');
    // No secret in anything printed.
    for (const r of [status, start, notify, restart]) expect(r.out + r.err).not.toContain(emu.clientSecret);
  });

  it('refuses a full reset without --confirm-full-reset, and forgets the users with it', async () => {
    emu.setJobState('active');
    const credential = await createCredential({
      kind: 'secret',
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      cloud: { custom: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl, caPem: emu.caCertPem } },
    });
    const client = new GraphClient({ credential, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId });
    const data = { schemas: [SCIM_CORE_USER, SCIM_ENTERPRISE_USER], externalId: 'E1', userName: 'e1@contoso.example' };
    await client.bulkUpload({ schemas: [SCIM_BULK_REQUEST], Operations: [{ method: 'POST', bulkId: '1', path: '/Users', data }] });
    // This tenant has no notification email yet: without one the restart would end in quarantine.
    await setNotificationSettings(client, { recipients: 'ops@contoso.com' });
    credential.close();
    expect(emu.users()).toHaveLength(1);

    const refused = await run(['job', 'restart', '--profile', profileWithTarget, '--reset-scope', 'Full'], env);
    expect(refused.status).toBe(2);
    expect(refused.err).toMatch(/^scimport: A full reset makes Entra forget every user this job has provisioned from uploads;.*--confirm-full-reset/);
    expect(emu.users()).toHaveLength(1);

    const confirmed = await run(['job', 'restart', '--profile', profileWithTarget, '--reset-scope', 'Full', '--confirm-full-reset', '--json'], env);
    expect(confirmed.status).toBe(0);
    expect(JSON.parse(confirmed.out)).toMatchObject({ action: 'restart', resetScope: ['Full'], job: { code: 'active' } });
    expect(emu.users()).toEqual([]);
  });

  it('reports usage problems with exit 2 before connecting', async () => {
    const badEmail = await run(['job', 'notify', '--profile', profileWithTarget, '--email', 'ops at contoso'], env);
    expect(badEmail).toMatchObject({ status: 2, err: expect.stringMatching(/--email: "ops at contoso" is not an email address/) });
    expect((await run(['job', 'notify', '--profile', profileWithTarget], env)).status).toBe(2);
    const scope = await run(['job', 'restart', '--profile', profileWithTarget, '--reset-scope', 'Everything'], env);
    expect(scope).toMatchObject({ status: 2, err: expect.stringMatching(/"Everything" is not a reset scope/) });
    const noSecret = await run(['job', 'status', '--profile', profileWithTarget], { ...env, SCIMPORT_CLIENT_SECRET: '' });
    expect(noSecret).toMatchObject({ status: 2, err: expect.stringMatching(/SCIMPORT_CLIENT_SECRET is not set/) });
  });

  it('pauses the built-in sandbox and keeps that state for the next command', async () => {
    const sandboxEnv = { SCIMPORT_DATA_DIR: join(dir, 'sandbox-data') };
    const pause = await run(['job', 'pause', '--profile', PROFILE], sandboxEnv);
    expect(pause.err).toBe('');
    expect(pause.status).toBe(0);
    const status = await run(['job', 'status', '--profile', PROFILE], sandboxEnv);
    expect(status.out).toMatch(/^Target: the built-in sandbox tenant.*\nJob API2AAD\..*: paused\nThe job is paused/);
    expect(status.status).toBe(0);
  });
});

describe('scimport preflight', () => {
  it('prints every check with ✓ ! ✗ and exits 1 when the schema lacks a custom attribute', async () => {
    emu.setJobState('paused');
    const profile = JSON.parse(await readFile(profileWithTarget, 'utf8')) as { extension: { attributes: unknown[] } };
    profile.extension.attributes.push({ name: 'BadgeColour', type: 'string' });
    const file = join(dir, 'profile-extra.json');
    await writeFile(file, JSON.stringify(profile));

    const result = await run(['preflight', '--profile', file], env);
    expect(result.status).toBe(1);
    const lines = result.out.trim().split('\n');
    expect(lines[0]).toMatch(/^Checking the custom endpoint https:\/\/127\.0\.0\.1:\d+/);
    expect(lines).toContain('✓ Sign in: Signed in to tenant 5c1a0000-0000-4000-8000-000000000001 as app 5c1a0000-0000-4000-8000-000000000002.');
    expect(lines.find((l) => l.startsWith('! Job running:'))).toMatch(/paused.*run `scimport job start`/);
    expect(lines.find((l) => l.startsWith('✗ Custom attributes in the job schema:'))).toMatch(/does not know BadgeColour.*scimport schema push/);
    expect(lines.at(-1)).toBe('7 passed, 1 warning, 1 failed: fix the failures before uploading.');
  });

  it('--json with --input counts the calls the file needs, and passes on a running job', async () => {
    emu.setJobState('active');
    const result = await run(['preflight', '--profile', profileWithTarget, '--input', join(MS, 'csv-with-2-records.csv'), '--json', '--daily-quota', '6000'], env);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.out);
    expect(report.ok).toBe(true);
    expect(report.callsNeeded).toBe(1);
    expect(report.checks.map((c: { status: string }) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(report.checks.at(-1).sentence).toMatch(/needs 1 call; 6000 of the tenant.s 6000 daily calls remain/);
  });

  it('warns, naming the permission, when the app cannot read the job', async () => {
    emu.setJobState('active');
    emu.setPermissions(['SynchronizationData-User.Upload']);
    const result = await run(['preflight', '--profile', profileWithTarget], env);
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/^! Job running: Not checked: without Synchronization\.Read\.All/m);
    expect(result.out).toMatch(/^! Reading results: .*ProvisioningLog\.Read\.All/m);
    expect(result.out).toMatch(/read the warnings before uploading\.\n$/);
  });
});
