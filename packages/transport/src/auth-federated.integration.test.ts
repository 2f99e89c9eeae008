import { type KeyObject, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Emulator, FEDERATED_AUDIENCE } from '@scimport/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, clientOf, cloudOf, scratchDir, startTestEmulator, users } from './__tests__/emulator';
import { createCredential } from './auth';
import type { TransportError } from './errors';
import { runPreflight } from './preflight';

// A stand-in for GitHub Actions' OIDC issuer: the test holds its signing key, the emulator trusts its public half.
const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:contoso/hr-sync:environment:production';

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
let tokenFile: string;
const issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** An RS256 OIDC token as the platform would write it to the token file. */
function oidcToken(options: { key?: KeyObject; expSec?: number; jti?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${part({
    iss: ISSUER,
    sub: SUBJECT,
    aud: FEDERATED_AUDIENCE,
    iat: now,
    nbf: now,
    exp: options.expSec ?? now + 600,
    jti: options.jti ?? randomUUID(),
  })}`;
  return `${body}.${sign('sha256', Buffer.from(body), options.key ?? issuerKey.privateKey).toString('base64url')}`;
}

beforeAll(async () => {
  // The default token lifetime (3600 s at ×100 = 36 s) is inside MSAL's 5-minute renewal margin: every getToken is a
  // fresh sign-in, which is what a scheduled run an hour later looks like.
  emu = await startTestEmulator({
    federatedCredentials: [{ issuer: ISSUER, subject: SUBJECT, publicKeyPem: issuerKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
  });
  scratch = await scratchDir();
  tokenFile = path.join(scratch.dir, 'azure-identity-token');
});
afterAll(async () => {
  await emu.close();
  await scratch.cleanup();
});

describe('federated sign-in (workload identity, real MSAL against the emulator)', () => {
  it('signs in from the token file named by AZURE_FEDERATED_TOKEN_FILE, and uses the rotated token once the access token expired', async () => {
    const first = randomUUID();
    await writeFile(tokenFile, `${oidcToken({ jti: first })}\n`);
    const env = { AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_CLIENT_ID: emu.clientId, AZURE_TENANT_ID: emu.tenantId };
    const credential = await createCredential({ kind: 'federated', cloud: cloudOf(emu) }, { env });
    expect(credential.tenantId).toBe(emu.tenantId);
    expect(credential.clientId).toBe(emu.clientId);
    const token1 = await credential.getToken();
    const client = await clientOf(emu, { credential });
    expect((await client.bulkUpload(chunked(users(2), 50)[0]!)).status).toBe(202);

    // Every sign-in so far (getToken, then the upload's own) presented the first token.
    const before = emu.federatedSignIns().map((s) => s.jti);
    expect(before.length >= 1 && before.every((jti) => jti === first)).toBe(true);
    const second = randomUUID();
    await writeFile(tokenFile, oidcToken({ jti: second })); // the platform rotated the file
    const token2 = await credential.getToken();
    expect(token2 === token1).toBe(false);
    expect(emu.federatedSignIns().map((s) => s.jti)).toEqual([...before, second]);
    expect(emu.federatedSignIns().every((s) => s.subject === SUBJECT && s.issuer === ISSUER)).toBe(true);
    const method = (await runPreflight({ client })).checks[0]!;
    expect([method.id, method.status, method.method?.file]).toEqual(['signInMethod', 'pass', tokenFile]);
    expect(method.sentence).toBe(
      `Signs in with a federated token for app ${emu.clientId}; needs a fresh OIDC token in ${tokenFile} at each run, and a federated credential on the app trusting its issuer and subject.`,
    );
    credential.close();
  });

  it('prefers the profile settings over the environment, and says what is missing', async () => {
    await writeFile(tokenFile, oidcToken());
    const credential = await createCredential(
      { kind: 'federated', tenantId: emu.tenantId, clientId: emu.clientId, tokenFile, cloud: cloudOf(emu) },
      { env: { AZURE_FEDERATED_TOKEN_FILE: path.join(scratch.dir, 'elsewhere'), AZURE_CLIENT_ID: 'not-this-one' } },
    );
    expect((await credential.getToken()).split('.').length === 3).toBe(true);
    credential.close();
    await expect(createCredential({ kind: 'federated', cloud: cloudOf(emu) }, { env: {} })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('AZURE_TENANT_ID'),
    });
    await expect(createCredential({ kind: 'federated', tenantId: emu.tenantId, clientId: emu.clientId, cloud: cloudOf(emu) }, { env: {} })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('AZURE_FEDERATED_TOKEN_FILE'),
    });
  });

  it('explains an expired token (refused by the service) by naming the file and what to do, never its content', async () => {
    const stale = oidcToken({ expSec: Math.floor(Date.now() / 1000) - 3600 });
    await writeFile(tokenFile, stale);
    // The local clock lags an hour, so the refusal comes from the service (AADSTS700024), not from a local check.
    const credential = await createCredential({ kind: 'federated', tenantId: emu.tenantId, clientId: emu.clientId, tokenFile, cloud: cloudOf(emu) }, { now: () => Date.now() - 2 * 3600_000 });
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('AADSTS700024');
    expect(err.message).toContain(`The token in ${tokenFile} is out of date`);
    expect(err.message).toContain('id-token: write');
    expect(err.message.includes(stale)).toBe(false);
    credential.close();
  });

  it('explains a token signed by another key, and a file that is missing, empty or not a JWT', async () => {
    const forged = oidcToken({ key: strangerKey.privateKey });
    await writeFile(tokenFile, forged);
    const credential = await createCredential({ kind: 'federated', tenantId: emu.tenantId, clientId: emu.clientId, tokenFile, cloud: cloudOf(emu) });
    const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('AADSTS50013');
    expect(err.message).toContain(`The token in ${tokenFile} was not signed by its issuer's key`);
    expect(JSON.stringify({ message: err.message, details: err.details }).includes(forged)).toBe(false);

    await writeFile(tokenFile, '');
    await expect(credential.getToken()).rejects.toMatchObject({ code: 'AUTH_FAILED', message: `The federated token file ${tokenFile} is empty. It must hold the OIDC token the platform issued (one line, three dot-separated parts).` });
    await writeFile(tokenFile, 'not a token at all');
    await expect(credential.getToken()).rejects.toMatchObject({ message: expect.stringContaining('does not hold a JWT') });
    const missing = path.join(scratch.dir, 'missing-token');
    const gone = await createCredential({ kind: 'federated', tenantId: emu.tenantId, clientId: emu.clientId, tokenFile: missing, cloud: cloudOf(emu) });
    await expect(gone.getToken()).rejects.toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining(`The federated token file ${missing} cannot be read (ENOENT)`) });
    credential.close();
    gone.close();
  });
});
