import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { TransportError } from './errors';
import { syncDir, writeFileAtomic } from './fsutil';

// The sign-in cache file of the delegated kinds: MSAL's serialization plus the chosen account, optionally sealed.

/** Where a sign-in is kept between processes. */
export interface TokenCacheOptions {
  /** The cache file. Written atomically with mode 0600 (its folder, when created here, 0700). */
  file: string;
  /**
   * 32-byte key: the file is then encrypted with AES-256-GCM. Without a key the file is plaintext protected by its
   * owner-only permissions, like the Azure CLI's token cache on Linux. (Windows ignores the mode bits; the file
   * then relies on the per-user profile folder's ACL.)
   */
  key?: Uint8Array;
}

/** Who is signed in, as kept beside the tokens (never a token). */
export interface SignedInAccount {
  username: string;
  homeAccountId: string;
}

const CACHE_FORMAT = 'scimport-token-cache';

interface CachePayload {
  account?: SignedInAccount;
  /** MSAL's own serialization (the cross-language cache schema). */
  msal?: string;
}

interface CacheFileV1 extends CachePayload {
  format: typeof CACHE_FORMAT;
  version: 1;
  encrypted?: { alg: 'aes-256-gcm'; iv: string; tag: string; data: string };
}

function isAccount(value: unknown): value is SignedInAccount {
  const v = value as Partial<SignedInAccount> | null;
  return typeof v?.username === 'string' && typeof v.homeAccountId === 'string';
}

/**
 * MSAL's persistence plugin backed by one file: `beforeCacheAccess` loads the file into MSAL's in-memory cache,
 * `afterCacheAccess` writes it back when MSAL changed it. The account chosen at sign-in is kept beside the
 * tokens so that later processes pick the same user. Errors name the file and what to do, never its content.
 */
export class TokenCacheFile implements ICachePlugin {
  /** Absolute path of the cache file. */
  readonly file: string;
  /** The account chosen at the last sign-in, as last read from or written to the file. */
  account: SignedInAccount | undefined;
  private readonly key: Buffer | undefined;
  private lastMsal: string | undefined;

  constructor(options: TokenCacheOptions) {
    if (!options.file) throw new TransportError('INVALID_CONFIG', 'The token cache needs a file path.');
    this.file = path.resolve(options.file);
    if (options.key !== undefined && options.key.length !== 32) {
      throw new TransportError('INVALID_CONFIG', `The key for the token cache ${this.file} must be 32 bytes (it has ${options.key.length}).`, { details: { file: this.file } });
    }
    this.key = options.key ? Buffer.from(options.key) : undefined;
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const stored = await this.load();
    if (stored?.msal) context.tokenCache.deserialize(stored.msal);
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (context.cacheHasChanged) await this.save(context.tokenCache.serialize());
  }

  /** Read the file; `undefined` when there is none. Also refreshes `account`. */
  async load(): Promise<CachePayload | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TransportError('IO', `The sign-in cache ${this.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Check its permissions, or delete it and sign in again.`, {
        details: { file: this.file },
      });
    }
    const payload = this.decode(text);
    if (payload.account) this.account = payload.account;
    this.lastMsal = payload.msal;
    return payload;
  }

  /** Write the file (MSAL's serialization, or the last one seen, plus `account`). */
  async save(msal: string | undefined = this.lastMsal): Promise<void> {
    const payload: CachePayload = { ...(this.account ? { account: this.account } : {}), ...(msal ? { msal } : {}) };
    const doc: CacheFileV1 = this.key ? { format: CACHE_FORMAT, version: 1, encrypted: this.encrypt(payload) } : { format: CACHE_FORMAT, version: 1, ...payload };
    await writePrivateFileAtomic(this.file, `${JSON.stringify(doc)}\n`);
    this.lastMsal = msal;
  }

  /** Delete the file (sign out on this computer). Resolves to whether there was one. */
  async remove(): Promise<boolean> {
    try {
      await fs.unlink(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new TransportError('IO', `The sign-in cache ${this.file} cannot be deleted (${(err as NodeJS.ErrnoException).code ?? 'error'}). Delete it by hand.`, { details: { file: this.file } });
    }
    this.account = undefined;
    this.lastMsal = undefined;
    await syncDir(path.dirname(this.file));
    return true;
  }

  /** The user a later run would sign in as: the saved account, else the only account in MSAL's cache. */
  async signedInAccount(): Promise<SignedInAccount | undefined> {
    const payload = await this.load();
    if (!payload) return undefined;
    if (payload.account) return payload.account;
    const accounts = msalAccounts(payload.msal);
    return accounts.length === 1 ? accounts[0] : undefined;
  }

  private decode(text: string): CachePayload {
    const unusable = (why: string): TransportError =>
      new TransportError('IO', `The sign-in cache ${this.file} ${why}. Delete it (scimport logout) and sign in again.`, { details: { file: this.file } });
    let doc: Partial<CacheFileV1>;
    try {
      doc = JSON.parse(text) as Partial<CacheFileV1>;
    } catch {
      // JSON.parse quotes the text it choked on, which may be a token: its message is not passed on.
      throw unusable('is not valid JSON (damaged or edited by hand)');
    }
    if (doc?.format !== CACHE_FORMAT || doc.version !== 1) throw unusable('is not a scimport sign-in cache of a known version');
    let payload: CachePayload = doc;
    if (doc.encrypted) {
      if (!this.key) {
        throw new TransportError('IO', `The sign-in cache ${this.file} is encrypted but no key was given. Set the same key as when signing in (SCIMPORT_SNAPSHOT_KEY), or sign in again.`, {
          details: { file: this.file },
        });
      }
      payload = this.decrypt(doc.encrypted, unusable);
    }
    return {
      ...(isAccount(payload.account) ? { account: { username: payload.account.username, homeAccountId: payload.account.homeAccountId } } : {}),
      ...(typeof payload.msal === 'string' ? { msal: payload.msal } : {}),
    };
  }

  private encrypt(payload: CachePayload): NonNullable<CacheFileV1['encrypted']> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key as Buffer, iv);
    // The format marker is authenticated too, so a file cannot be passed off as another version.
    cipher.setAAD(Buffer.from(`${CACHE_FORMAT}/1`));
    const data = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private decrypt(sealed: NonNullable<CacheFileV1['encrypted']>, unusable: (why: string) => TransportError): CachePayload {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key as Buffer, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(`${CACHE_FORMAT}/1`));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as CachePayload;
    } catch {
      throw unusable('cannot be decrypted with the key given (another key, or the file was altered)');
    }
  }
}

/** Accounts recorded in an MSAL cache serialization. */
function msalAccounts(msal: string | undefined): SignedInAccount[] {
  if (!msal) return [];
  try {
    const accounts = (JSON.parse(msal) as { Account?: Record<string, { username?: unknown; home_account_id?: unknown }> }).Account ?? {};
    return Object.values(accounts)
      .filter((a) => typeof a.username === 'string' && typeof a.home_account_id === 'string')
      .map((a) => ({ username: a.username as string, homeAccountId: a.home_account_id as string }));
  } catch {
    return [];
  }
}

/** fsutil's writeFileAtomic (owner-only, durable), with the failure said as the sign-in cache's. */
async function writePrivateFileAtomic(file: string, content: string): Promise<void> {
  try {
    await writeFileAtomic(file, content);
  } catch (err) {
    const code = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code ?? 'error';
    throw new TransportError('IO', `The sign-in cache ${file} cannot be written (${code}). Check that its folder is writable and the disk is not full.`, {
      details: { file },
    });
  }
}
