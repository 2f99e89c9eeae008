import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Emulator } from '@scimport/emulator';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, clientOf, cloudOf, scratchDir, secretConfig, startTestEmulator, users } from './__tests__/emulator';
import { createCredential, loadCertificate } from './auth';
import { type TransportError } from './errors';
import { GraphClient } from './graph';
import { Pacer } from './pacer';

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
let pemFile: string;
let certOnly: string;
let strangerPem: string;

beforeAll(async () => {
  const [mine, stranger] = await Promise.all([
    generate([{ name: 'commonName', value: 'scimport-transport-test' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' }),
    generate([{ name: 'commonName', value: 'not-registered' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' }),
  ]);
  certOnly = mine.cert;
  strangerPem = `${stranger.private}\n${stranger.cert}`;
  // Tokens live an hour of emulated time even at 100× (MSAL renews anything within 5 minutes of expiry).
  emu = await startTestEmulator({ certificatePem: mine.cert, tokenLifetimeSec: 3600 * 100 });
  scratch = await scratchDir();
  pemFile = path.join(scratch.dir, 'app.pem');
  await writeFile(pemFile, `${mine.private}\n${mine.cert}`);
});
afterAll(async () => {
  await emu.close();
  await scratch.cleanup();
});

describe('client secret sign-in (MSAL against the emulator)', () => {
  it('gets a token that Graph accepts, caches it, and refreshes it on demand', async () => {
    const credential = await createCredential(secretConfig(emu));
    // Tokens are compared as booleans so that no token ever reaches the test output.
    const first = await credential.getToken();
    expect(first.split('.').length === 3).toBe(true);
    expect((await credential.getToken()) === first).toBe(true); // from MSAL's cache
    const refreshed = await credential.getToken({ forceRefresh: true });
    expect(refreshed === first).toBe(false);
    // Another caller that saw the old token rejected gets the replacement instead of a third token.
    expect((await credential.getToken({ forceRefresh: true, rejectedToken: first })) === refreshed).toBe(true);
    const client = await clientOf(emu, { credential });
    expect((await client.bulkUpload(chunked(users(2), 50)[0]!)).status).toBe(202);
    credential.close();
  });

  it('fails loudly on a wrong secret, without ever printing it', async () => {
    const secret = 'Wr0ng~Secret~Value~1234567890';
    const credential = await createCredential(secretConfig(emu, { clientSecret: secret }));
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('client secret is wrong');
    expect(err.message).toContain(emu.tenantId);
    expect(err.message).not.toContain(secret);
    expect(JSON.stringify(err.details)).not.toContain(secret);
  });

  it('refuses to trust the emulator without its CA (no silent TLS bypass)', async () => {
    const credential = await createCredential(
      secretConfig(emu, { cloud: { custom: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl } } }),
    );
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('NETWORK');
    expect(err.message).toMatch(/certificate .* not trusted/);
    expect(err.details.retryable).toBe(false);
  });

  it('validates settings before any network call', async () => {
    await expect(createCredential(secretConfig(emu, { clientSecret: '' }))).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('clientSecret') });
    await expect(createCredential(secretConfig(emu, { tenantId: 'a/b' }))).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(
      createCredential(secretConfig(emu, { cloud: { custom: { authorityHost: 'http://127.0.0.1:1', graphBaseUrl: emu.baseUrl } } })),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('https') });
  });
});

describe('certificate sign-in (PEM with key + certificate)', () => {
  it('signs in with the thumbprint computed from the certificate and uploads', async () => {
    const credential = await createCredential({ kind: 'certificate', tenantId: emu.tenantId, clientId: emu.clientId, certificatePath: pemFile, cloud: cloudOf(emu) });
    const client = new GraphClient({ credential, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId, pacer: new Pacer({ timeScale: 100 }) });
    expect((await client.bulkUpload(chunked(users(1, 'C'), 50)[0]!)).status).toBe(202);
    expect(emu.users().some((u) => u.externalId === 'C0001')).toBe(true);
    credential.close();
  });

  it('computes SHA-256 and SHA-1 thumbprints of the certificate', async () => {
    const { readFile } = await import('node:fs/promises');
    const { X509Certificate } = await import('node:crypto');
    const loaded = loadCertificate(await readFile(pemFile, 'utf8'));
    const x509 = new X509Certificate(certOnly);
    expect(loaded.thumbprintSha256).toBe(x509.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(loaded.thumbprintSha1).toMatch(/^[0-9a-f]{40}$/);
    expect(loaded.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('says what is wrong with a bad certificate file', async () => {
    const base = { kind: 'certificate' as const, tenantId: emu.tenantId, clientId: emu.clientId, cloud: cloudOf(emu) };
    await expect(createCredential({ ...base, certificatePem: certOnly })).rejects.toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining('no private key') });
    await expect(createCredential({ ...base, certificatePath: path.join(scratch.dir, 'missing.pem') })).rejects.toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining('cannot be read') });
    const { readFile } = await import('node:fs/promises');
    const mineKey = (await readFile(pemFile, 'utf8')).split('-----BEGIN CERTIFICATE-----')[0]!;
    const strangerCert = strangerPem.slice(strangerPem.indexOf('-----BEGIN CERTIFICATE-----'));
    await expect(createCredential({ ...base, certificatePem: `${mineKey}\n${strangerCert}` })).rejects.toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining('does not belong') });
    const expired = await generate([{ name: 'commonName', value: 'old' }], { keyType: 'rsa', keySize: 2048, notBeforeDate: new Date('2020-01-01'), notAfterDate: new Date('2021-01-01') });
    await expect(createCredential({ ...base, certificatePem: `${expired.private}\n${expired.cert}` })).rejects.toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining('expired on 2021-01-01') });
  });

  it('fails sign-in with a certificate the app does not know, naming the fix and hiding the key', async () => {
    const credential = await createCredential({ kind: 'certificate', tenantId: emu.tenantId, clientId: emu.clientId, certificatePem: strangerPem, cloud: cloudOf(emu) });
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/certificate/i);
    expect(err.message).not.toContain('PRIVATE KEY');
  });
});

describe('delegated sign-in plumbing', () => {
  it('interactive: opens the system browser on the authority with PKCE and a loopback redirect, and reports a failed code exchange', async () => {
    let opened: URL | undefined;
    const credential = await createCredential({
      kind: 'interactive',
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      cloud: cloudOf(emu),
      openBrowser: async (url) => {
        opened = new URL(url);
        // Play the browser: the sign-in page posts the code back to the loopback listener (form_post).
        const body = new URLSearchParams({ code: 'sandbox-code', state: opened.searchParams.get('state') ?? '' });
        const redirect = opened.searchParams.get('redirect_uri') ?? '';
        setTimeout(() => void fetch(redirect, { method: 'POST', body }).catch(() => undefined), 10);
      },
    });
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(`${opened?.origin}${opened?.pathname}`).toBe(`${emu.authority}/oauth2/v2.0/authorize`);
    expect(opened?.searchParams.get('client_id')).toBe(emu.clientId);
    expect(opened?.searchParams.get('scope')).toContain(`${emu.baseUrl}/SynchronizationData-User.Upload`);
    expect(opened?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(opened?.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/?$/);
    // The sandbox only issues app-only tokens, so the code exchange fails, and says so.
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/grant type/);
    credential.close();
  });

  it('device code: a refused device-code request is an AUTH_FAILED error, not a hang', async () => {
    const messages: string[] = [];
    const credential = await createCredential({ kind: 'deviceCode', tenantId: emu.tenantId, clientId: emu.clientId, cloud: cloudOf(emu), onDeviceCode: (info) => messages.push(info.message) });
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(messages).toEqual([]);
    credential.close();
  });
});
