import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainIsReal, openKeychain, type SafeStorageLike } from './keychain';
import { clientSecretKey } from './services/secrets';

// Electron's safeStorage, as each platform and Linux backend answers; the "encryption" is a reversible stand-in.
function storage(available: boolean, backend?: string): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    ...(backend ? { getSelectedStorageBackend: () => backend } : {}),
    encryptString: (s) => Buffer.from(s).reverse(),
    decryptString: (b) => Buffer.from(b).reverse().toString(),
  };
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'scimport-keychain-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('where client secrets are kept', () => {
  it('trusts a keyring, the macOS Keychain and DPAPI, but not the fixed key nor an unknown backend', () => {
    expect(keychainIsReal(storage(true, 'gnome_libsecret'), 'linux')).toBe(true);
    expect(keychainIsReal(storage(true, 'kwallet6'), 'linux')).toBe(true);
    expect(keychainIsReal(storage(true), 'darwin')).toBe(true);
    expect(keychainIsReal(storage(true), 'win32')).toBe(true);
    expect(keychainIsReal(storage(true, 'basic_text'), 'linux')).toBe(false);
    expect(keychainIsReal(storage(true, 'unknown'), 'linux')).toBe(false);
    expect(keychainIsReal(storage(true), 'linux')).toBe(false);
    expect(keychainIsReal(storage(false), 'darwin')).toBe(false);
  });

  it('seals secrets in the data folder when the keychain is real', async () => {
    const { secrets } = await openKeychain(dataDir, storage(true, 'gnome_libsecret'), 'linux');
    expect(secrets.persistent).toBe(true);
    await secrets.set(clientSecretKey('t', 'c'), 'super-secret-value');
    const again = await openKeychain(dataDir, storage(true, 'gnome_libsecret'), 'linux');
    expect(await again.secrets.get(clientSecretKey('t', 'c'))).toBe('super-secret-value');
  });

  it('keeps secrets in memory under basic_text, writes none, and removes those sealed earlier with the fixed key', async () => {
    // Left by an earlier version: a client secret and the snapshot key, both sealed with the fixed key.
    const before = await openKeychain(dataDir, storage(true, 'gnome_libsecret'), 'linux');
    await before.secrets.set(clientSecretKey('t', 'old'), 'old-secret');
    await before.sealed!.set('snapshot-key', 'snapshot-key-value');

    const { secrets, sealed } = await openKeychain(dataDir, storage(true, 'basic_text'), 'linux');
    expect(secrets.persistent).toBe(false);
    expect(await secrets.get(clientSecretKey('t', 'old'))).toBeUndefined();
    await secrets.set(clientSecretKey('t', 'new'), 'new-secret');
    expect(await secrets.get(clientSecretKey('t', 'new'))).toBe('new-secret');
    const onDisk = await readFile(join(dataDir, 'secrets.sealed.json'), 'utf8');
    expect(Object.keys(JSON.parse(onDisk) as object)).toEqual(['snapshot-key']);
    // The snapshot key stays, so the snapshots of earlier uploads can still be compared with.
    expect(await sealed!.get('snapshot-key')).toBe('snapshot-key-value');
  });

  it('keeps secrets in memory and snapshots unsealed when nothing can encrypt', async () => {
    const { secrets, sealed } = await openKeychain(dataDir, storage(false), 'linux');
    expect(secrets.persistent).toBe(false);
    expect(sealed).toBeUndefined();
  });
});
