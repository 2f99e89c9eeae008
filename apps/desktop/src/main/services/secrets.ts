/**
 * Where client secrets live: never in a profile, a log or the renderer. The services see only this interface;
 * the Electron main process backs it with the OS keychain (safeStorage), the browser bridge with memory.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registerSecret } from '@scimport/transport';

export interface SecretStore {
  /** True when secrets survive a restart of the app. */
  readonly persistent: boolean;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** How the keys of client secrets start (the snapshot key is kept under another name). */
export const CLIENT_SECRET_PREFIX = 'client-secret:';

/** The key a tenant app's client secret is stored under. */
export function clientSecretKey(tenantId: string, clientId: string): string {
  return `${CLIENT_SECRET_PREFIX}${tenantId.toLowerCase()}:${clientId.toLowerCase()}`;
}

/** Secrets for this session only (the browser bridge, tests). */
export class MemorySecretStore implements SecretStore {
  readonly persistent = false;
  private readonly values = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    registerSecret(value);
    this.values.set(key, value);
  }

  async delete(key: string): Promise<boolean> {
    return this.values.delete(key);
  }
}

/** Encrypts and decrypts with the OS keychain's key (Electron's safeStorage in the app). */
export interface Cipher {
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

/**
 * Secrets sealed by a Cipher, kept in one file of the data folder (only ciphertext on disk, written atomically).
 * The file is useless without the OS account's keychain.
 */
export class SealedFileSecretStore implements SecretStore {
  readonly persistent = true;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly cipher: Cipher,
  ) {}

  private get file(): string {
    return join(this.dir, 'secrets.sealed.json');
  }

  private async readAll(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = (await this.readAll())[key];
    if (sealed === undefined) return undefined;
    const value = this.cipher.decrypt(Buffer.from(sealed, 'base64'));
    registerSecret(value);
    return value;
  }

  set(key: string, value: string): Promise<void> {
    registerSecret(value);
    return this.update((all) => ({ ...all, [key]: this.cipher.encrypt(value).toString('base64') })).then(() => undefined);
  }

  async delete(key: string): Promise<boolean> {
    let had = false;
    await this.update((all) => {
      had = key in all;
      const rest = { ...all };
      delete rest[key];
      return rest;
    });
    return had;
  }

  /** Removes every secret whose key `match`es; returns how many there were. */
  async forget(match: (key: string) => boolean): Promise<number> {
    let gone = 0;
    await this.update((all) => {
      const kept: Record<string, string> = {};
      for (const [key, value] of Object.entries(all)) {
        if (match(key)) gone++;
        else kept[key] = value;
      }
      return kept;
    });
    return gone;
  }

  private update(change: (all: Record<string, string>) => Record<string, string>): Promise<void> {
    const next = this.queue.then(async () => {
      const updated = change(await this.readAll());
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(updated), { mode: 0o600 });
      await rename(temp, this.file);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
