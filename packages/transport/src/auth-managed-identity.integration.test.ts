import type { Emulator } from '@scimport/emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chunked, clientOf, cloudOf, startTestEmulator, users } from './__tests__/emulator';
import { createCredential } from './auth';
import { managedIdentitySource } from './auth-managed-identity';
import type { TransportError } from './errors';
import { runPreflight } from './preflight';

// MSAL reads IDENTITY_ENDPOINT/IDENTITY_HEADER from process.env (no seam) and keeps the source it found for the
// life of the process, so this file sets them once, for one emulator, before the first sign-in.

const USER_ASSIGNED = {
  clientId: '7d1e0c3a-2b4f-4c5d-8e6f-0a1b2c3d4e5f',
  resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hr/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scimport-nightly',
};

let emu: Emulator;

beforeAll(async () => {
  emu = await startTestEmulator({ managedIdentity: { userAssigned: [USER_ASSIGNED] } });
  const mi = emu.managedIdentity!;
  expect(mi.endpoint.startsWith('http://127.0.0.1:')).toBe(true); // plain HTTP on loopback, as the platform serves it
  vi.stubEnv('IDENTITY_ENDPOINT', mi.endpoint);
  vi.stubEnv('IDENTITY_HEADER', mi.header);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emu.close();
});

describe('managed identity sign-in (real MSAL, App Service endpoint on loopback)', () => {
  it('signs in as the system-assigned identity and uploads with its token', async () => {
    expect(managedIdentitySource().source).toBe('appService');
    const credential = await createCredential({ kind: 'managedIdentity', tenantId: emu.tenantId, cloud: cloudOf(emu) });
    expect(credential.kind).toBe('managedIdentity');
    const token = await credential.getToken({ forceRefresh: true });
    expect(token.split('.').length === 3).toBe(true);
    const client = await clientOf(emu, { credential });
    expect((await client.bulkUpload(chunked(users(2), 50)[0]!)).status).toBe(202);
    const signIns = emu.managedIdentity!.signIns();
    expect(signIns.length >= 1 && signIns.every((s) => s.kind === 'systemAssigned' && s.clientId === emu.managedIdentity!.systemAssignedClientId)).toBe(true);
    expect(signIns[0]!.resource).toBe(emu.baseUrl);
    const report = await runPreflight({ client });
    expect(report.checks.slice(0, 2).map((c) => [c.id, c.status, c.sentence])).toEqual([
      ['signInMethod', 'pass', "Signs in with the system-assigned managed identity; needs the platform's endpoint in IDENTITY_ENDPOINT and IDENTITY_HEADER (App Service, Functions, Automation)."],
      ['signIn', 'pass', 'Signed in with the system-assigned managed identity.'],
    ]);
    credential.close();
  });

  it('signs in as a user-assigned identity by client id or by resource id', async () => {
    const before = emu.managedIdentity!.signIns().length;
    for (const config of [{ userAssignedClientId: USER_ASSIGNED.clientId }, { userAssignedResourceId: USER_ASSIGNED.resourceId }]) {
      const credential = await createCredential({ kind: 'managedIdentity', ...config, cloud: cloudOf(emu) });
      await credential.getToken({ forceRefresh: true });
      credential.close();
    }
    const added = emu.managedIdentity!.signIns().slice(before);
    expect(added.map((s) => [s.kind, s.clientId])).toEqual([
      ['userAssigned', USER_ASSIGNED.clientId],
      ['userAssigned', USER_ASSIGNED.clientId],
    ]);
  });

  it('says what to do when the identity is not attached, and never shows the identity header', async () => {
    const credential = await createCredential({ kind: 'managedIdentity', userAssignedClientId: '11111111-2222-4333-8444-555555555555', cloud: cloudOf(emu) });
    const err = (await credential.getToken({ forceRefresh: true }).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('Signing in with the user-assigned managed identity 11111111-2222-4333-8444-555555555555 failed');
    expect(err.message).toContain('not attached to the resource');
    expect(err.message.includes(emu.managedIdentity!.header)).toBe(false);
    credential.close();
  });

  it('refuses both ids at once, and a plain-HTTP endpoint off this machine', async () => {
    await expect(createCredential({ kind: 'managedIdentity', userAssignedClientId: USER_ASSIGNED.clientId, userAssignedResourceId: USER_ASSIGNED.resourceId })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(
      createCredential({ kind: 'managedIdentity' }, { env: { IDENTITY_ENDPOINT: 'http://metadata.contoso.example/msi/token', IDENTITY_HEADER: 'x' } }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('unencrypted') });
  });
});
