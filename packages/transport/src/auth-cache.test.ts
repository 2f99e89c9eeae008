import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PublicClientApplication, TokenCacheContext } from '@azure/msal-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from './__tests__/emulator';
import { DEFAULT_DELEGATED_PERMISSIONS, type DeviceCodeCredentialConfig, TokenCacheFile, createCredential } from './auth';
import { graphScope, resolveEndpoints } from './clouds';
import type { TransportError } from './errors';

// A made-up authority: any network call would fail to resolve, so a passing test proves the token came from the file.
const AUTHORITY_HOST = 'https://login.scimport.invalid';
const GRAPH = 'https://graph.scimport.invalid';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b5b4a6c-6f4e-4b3c-9a1e-3c2d1e0f9a8b';
const USER = 'hr.admin@contoso.example';
const OID = '5f0e6c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b';
const HOME = `${OID}.${TENANT}`;
const cloud = { custom: { authorityHost: AUTHORITY_HOST, graphBaseUrl: GRAPH } };
const SCOPES = DEFAULT_DELEGATED_PERMISSIONS.map((p) => graphScope(resolveEndpoints(cloud), p));

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An MSAL cache serialization (the cross-language schema) holding one signed-in user, as a real sign-in leaves
 * it. The token strings are random so that tests can check they never leak into files or messages.
 */
function msalCache(options: { accessToken: string; refreshToken: string; expiresInSec?: number }): string {
  const env = new URL(AUTHORITY_HOST).host;
  const now = Math.floor(Date.now() / 1000);
  const expires = String(now + (options.expiresInSec ?? 3600));
  const idToken = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ aud: CLIENT, iss: `${AUTHORITY_HOST}/${TENANT}/v2.0`, tid: TENANT, oid: OID, sub: OID, preferred_username: USER, name: 'HR Admin', iat: now, exp: now + 3600 })}.sig`;
  const target = SCOPES.join(' ').toLowerCase();
  return JSON.stringify({
    Account: {
      [`${HOME}-${env}-${TENANT}`]: { home_account_id: HOME, environment: env, realm: TENANT, local_account_id: OID, username: USER, name: 'HR Admin', authority_type: 'MSSTS' },
    },
    IdToken: {
      [`${HOME}-${env}-idtoken-${CLIENT}-${TENANT}-`]: { home_account_id: HOME, environment: env, credential_type: 'IdToken', client_id: CLIENT, secret: idToken, realm: TENANT },
    },
    AccessToken: {
      [`${HOME}-${env}-accesstoken-${CLIENT}-${TENANT}-${target}`]: {
        home_account_id: HOME,
        environment: env,
        credential_type: 'AccessToken',
        client_id: CLIENT,
        secret: options.accessToken,
        realm: TENANT,
        target,
        cached_at: String(now),
        expires_on: expires,
        extended_expires_on: expires,
        token_type: 'Bearer',
      },
    },
    RefreshToken: {
      [`${HOME}-${env}-refreshtoken-${CLIENT}--`]: { home_account_id: HOME, environment: env, credential_type: 'RefreshToken', client_id: CLIENT, secret: options.refreshToken },
    },
    AppMetadata: {},
  });
}

function app(plugin?: TokenCacheFile): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId: CLIENT, authority: `${AUTHORITY_HOST}/${TENANT}`, knownAuthorities: [new URL(AUTHORITY_HOST).host] },
    ...(plugin ? { cache: { cachePlugin: plugin } } : {}),
  });
}

/** Persist a cache serialization through the plugin exactly as MSAL does after a sign-in. */
async function seed(plugin: TokenCacheFile, serialized: string): Promise<void> {
  const source = app();
  source.getTokenCache().deserialize(serialized);
  await plugin.afterCacheAccess(new TokenCacheContext(source.getTokenCache(), true));
}

const fakeToken = (): string => `eyJ0eXAiOiJKV1Qi.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;

let scratch: { dir: string; cleanup: () => Promise<void> };
let file: string;
beforeEach(async () => {
  scratch = await scratchDir();
  file = path.join(scratch.dir, 'msal-cache', `${TENANT}-${CLIENT}.json`);
});
afterEach(async () => {
  await scratch.cleanup();
});

function deviceCodeConfig(overrides: Partial<DeviceCodeCredentialConfig> = {}): DeviceCodeCredentialConfig & { prompts: string[] } {
  const prompts: string[] = [];
  return { kind: 'deviceCode', tenantId: TENANT, clientId: CLIENT, cloud, onDeviceCode: (info) => prompts.push(info.userCode), tokenCache: { file }, prompts, ...overrides };
}

describe('TokenCacheFile (MSAL cache plugin)', () => {
  it('round-trips a serialized cache through a real PublicClientApplication, owner-only', async () => {
    const accessToken = fakeToken();
    const refreshToken = fakeToken();
    await seed(new TokenCacheFile({ file }), msalCache({ accessToken, refreshToken }));

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);

    // A fresh process: the plugin loads the file into MSAL before MSAL looks at its cache.
    const plugin = new TokenCacheFile({ file });
    const reader = app(plugin);
    const accounts = await reader.getTokenCache().getAllAccounts();
    expect(accounts.map((a) => [a.username, a.homeAccountId])).toEqual([[USER, HOME]]);
    expect(await plugin.signedInAccount()).toEqual({ username: USER, homeAccountId: HOME });
    const serialized = reader.getTokenCache().serialize();
    expect(serialized.includes(accessToken) && serialized.includes(refreshToken)).toBe(true);

    // Removing the account is a cache change: the plugin writes it back.
    await reader.getTokenCache().removeAccount(accounts[0]!);
    expect(await new TokenCacheFile({ file }).signedInAccount()).toBeUndefined();
    const text = await readFile(file, 'utf8');
    expect(text.includes(accessToken) || text.includes(refreshToken)).toBe(false);
  });

  it('replaces the file by rename (atomic) and leaves no temporary file behind', async () => {
    const plugin = new TokenCacheFile({ file });
    await seed(plugin, msalCache({ accessToken: fakeToken(), refreshToken: fakeToken() }));
    const before = await stat(file);
    plugin.account = { username: USER, homeAccountId: HOME };
    await plugin.save();
    const after = await stat(file);
    expect(after.ino === before.ino).toBe(false);
    expect(after.mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(file))).toEqual([path.basename(file)]);
    expect(await new TokenCacheFile({ file }).signedInAccount()).toEqual({ username: USER, homeAccountId: HOME });
  });

  it('a damaged file is a loud error naming the file, without quoting its content', async () => {
    const accessToken = fakeToken();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `{"format":"scimport-token-cache","version":1,"msal":"${accessToken}`);
    const err = (await new TokenCacheFile({ file }).load().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('IO');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/sign in again/);
    expect(err.message.includes(accessToken) || String(err.cause ?? '').includes(accessToken)).toBe(false);

    await writeFile(file, '{"some":"other file"}');
    await expect(new TokenCacheFile({ file }).load()).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('not a scimport sign-in cache') });
  });

  it('a write that cannot happen is an IO error naming the file', async () => {
    await writeFile(path.join(scratch.dir, 'msal-cache'), 'a file where the folder should be');
    const err = (await new TokenCacheFile({ file }).save('{}').catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('IO');
    expect(err.message).toContain(file);
  });

  it('with a key, encrypts tokens and the username (AES-256-GCM); another key or none is refused clearly', async () => {
    const key = randomBytes(32);
    const accessToken = fakeToken();
    await seed(new TokenCacheFile({ file, key }), msalCache({ accessToken, refreshToken: fakeToken() }));
    const text = await readFile(file, 'utf8');
    expect(text.includes(accessToken) || text.includes(USER)).toBe(false);
    expect(await new TokenCacheFile({ file, key }).signedInAccount()).toEqual({ username: USER, homeAccountId: HOME });

    const wrong = (await new TokenCacheFile({ file, key: randomBytes(32) }).load().catch((e: unknown) => e)) as TransportError;
    expect(wrong.code).toBe('IO');
    expect(wrong.message).toMatch(/cannot be decrypted/);
    await expect(new TokenCacheFile({ file }).load()).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/encrypted but no key/) });
    expect(() => new TokenCacheFile({ file, key: randomBytes(16) })).toThrow(/32 bytes/);
  });

  it('remove() signs out: the file is gone, and a second remove finds nothing', async () => {
    const plugin = new TokenCacheFile({ file });
    await seed(plugin, msalCache({ accessToken: fakeToken(), refreshToken: fakeToken() }));
    expect(await plugin.remove()).toBe(true);
    expect(await plugin.remove()).toBe(false);
    expect(await plugin.signedInAccount()).toBeUndefined();
  });
});

describe('delegated credential with a token cache', () => {
  it('a later process signs in silently with the cached account (no prompt, no network)', async () => {
    const accessToken = fakeToken();
    await seed(new TokenCacheFile({ file }), msalCache({ accessToken, refreshToken: fakeToken() }));
    const config = deviceCodeConfig({ promptUnavailable: 'run scimport login first' });
    const credential = await createCredential(config);
    try {
      expect((await credential.getToken()) === accessToken).toBe(true);
      expect(credential.account?.()).toEqual({ username: USER, homeAccountId: HOME });
      expect(config.prompts).toEqual([]);
    } finally {
      credential.close();
    }
  });

  it('picks the saved user when the cache holds several', async () => {
    const plugin = new TokenCacheFile({ file });
    const mine = fakeToken();
    const cache = JSON.parse(msalCache({ accessToken: mine, refreshToken: fakeToken() })) as Record<string, Record<string, Record<string, string>>>;
    // A second user in the same cache, with a valid token of their own.
    const other = JSON.parse(
      msalCache({ accessToken: fakeToken(), refreshToken: fakeToken() })
        .replaceAll(OID, '99999999-1b3d-4e5f-8a9b-0c1d2e3f4a5b')
        .replaceAll(USER, 'someone.else@contoso.example'),
    ) as typeof cache;
    for (const section of Object.keys(cache)) Object.assign(cache[section]!, other[section]);
    await seed(plugin, JSON.stringify(cache));
    plugin.account = { username: USER, homeAccountId: HOME };
    await plugin.save();

    const credential = await createCredential(deviceCodeConfig({ promptUnavailable: 'run scimport login first' }));
    try {
      expect((await credential.getToken()) === mine).toBe(true);
      expect(credential.account?.()?.username).toBe(USER);
    } finally {
      credential.close();
    }
  });

  it('without a cached sign-in and no way to prompt, fails with the caller’s instruction instead of waiting', async () => {
    const config = deviceCodeConfig({ promptUnavailable: 'No saved sign-in: run `scimport login --profile p.json` first.' });
    const credential = await createCredential(config);
    try {
      const err = (await credential.getToken().catch((e: unknown) => e)) as TransportError;
      expect(err.code).toBe('AUTH_FAILED');
      expect(err.message).toBe('No saved sign-in: run `scimport login --profile p.json` first.');
      expect(config.prompts).toEqual([]);
      expect(credential.account?.()).toBeUndefined();
    } finally {
      credential.close();
    }
  });

  it('an unreadable cache file surfaces as the cache error, not as a sign-in prompt', async () => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'not json at all');
    await chmod(file, 0o600);
    const config = deviceCodeConfig();
    const credential = await createCredential(config);
    try {
      await expect(credential.getToken()).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining(file) });
      expect(config.prompts).toEqual([]);
    } finally {
      credential.close();
    }
  });
});
