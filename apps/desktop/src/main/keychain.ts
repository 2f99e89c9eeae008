/**
 * Where the app keeps client secrets, decided from what Electron's safeStorage really offers. On Linux without a
 * keyring (no GNOME Keyring, no KWallet), safeStorage still "encrypts", but with a key written into Chromium
 * itself (the `basic_text` backend): anyone who can read the data folder can read the secret. There the secrets
 * stay in memory for the session instead, `persistent: false` says so to the screens ("kept only until the app
 * closes"), and secrets an earlier version sealed with that fixed key are removed from disk.
 * Kept apart from index.ts so it can be checked under Node without Electron.
 */
import { CLIENT_SECRET_PREFIX, MemorySecretStore, SealedFileSecretStore, type Cipher, type SecretStore } from './services/secrets';

/** The parts of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only: `basic_text`, `gnome_libsecret`, `kwallet`, `kwallet5`, `kwallet6` or `unknown`. */
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** True when safeStorage's key is the OS keychain's, not a fixed one or none. */
export function keychainIsReal(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  if (platform !== 'linux') return true; // macOS Keychain and Windows DPAPI are always the account's own
  // `unknown` (asked too early, or an Electron that cannot tell) is treated like no keyring: never guess upwards.
  const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  return backend !== 'basic_text' && backend !== 'unknown';
}

export interface Keychain {
  /** The client secrets: sealed by the OS keychain, or in memory for this session. */
  secrets: SecretStore;
  /**
   * Where the snapshot key is sealed, whenever safeStorage can encrypt at all — also with the fixed key, so that
   * earlier snapshots stay readable; snapshot files are owner-only either way. None: snapshots are kept plain.
   */
  sealed?: SealedFileSecretStore;
}

/** Chooses the secret stores for this session (see the file's comment). */
export async function openKeychain(dataDir: string, safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): Promise<Keychain> {
  const cipher: Cipher = {
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (sealed) => safeStorage.decryptString(sealed),
  };
  const sealed = safeStorage.isEncryptionAvailable() ? new SealedFileSecretStore(dataDir, cipher) : undefined;
  if (keychainIsReal(safeStorage, platform)) return { secrets: sealed!, sealed };
  // A client secret sealed with a key everyone has is as good as written in plain text: take it off the disk.
  await sealed?.forget((key) => key.startsWith(CLIENT_SECRET_PREFIX)).catch(() => 0);
  return { secrets: new MemorySecretStore(), ...(sealed ? { sealed } : {}) };
}
