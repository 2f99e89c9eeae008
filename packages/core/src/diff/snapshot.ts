/**
 * What Entra last accepted, per provisioning target: for every externalId the SCIM payload that was sent
 * and answered 202, and its canonical hash. Entra keeps no record a client can cheaply compare against, so
 * this local snapshot is what lets a daily run send only the people who changed.
 *
 * Snapshots hold personal data (names, e-mail addresses, managers of every employee). They are written
 * with file mode 0600 in a directory created with mode 0700 (owner only; on Windows the modes are ignored
 * and the file inherits the ACL of the user's profile folder), atomically (temporary file, fsync, rename),
 * and — when a 32-byte key is given — encrypted with AES-256-GCM.
 *
 * File layout (all snapshots, version 1):
 *
 *     0   8 bytes  magic "SCIMSNAP"
 *     8   1 byte   layout version (1)
 *     9   1 byte   0 = not encrypted, 1 = AES-256-GCM
 *    10  32 bytes  SHA-256 of the target key (binds the file to its tenant and job)
 *   encrypted only:
 *    42   8 bytes  key id (HMAC-SHA256 of a fixed label under the key; tells a wrong key from damage)
 *    50  12 bytes  IV
 *   then the body (gzip of JSON lines), encrypted with bytes 0..61 as associated data,
 *   and for encrypted files the 16-byte GCM tag at the very end.
 *
 * Body lines: first `{"tenantId","jobId","savedAt","records":n}`, then one
 * `[externalId, hash, acceptedAt, failedAt|null, data]` per person, with a sixth element
 * `{errorCode?, reason?}` when the failure's reason is known (older readers ignore it; older files lack it),
 * and a seventh — the feed's name, or `{feed, from?, left?, claims?}` when there is more — when the person belongs to a feed (the sixth is then null when no
 * failure is known; older readers ignore both, and a line without a feed keeps its old length). The header
 * gains `feeds: {name: {precedence?, since}}` once a feed ran (older readers ignore it). Streaming keeps
 * memory to the records themselves (measured with `pnpm bench`).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import { CoreError } from '../errors';
import type { ScimUser } from '../types';
import { Snapshot, type FailureInfo, type FeedInfo, type SnapshotRecord, type SnapshotTarget } from './snapshot-state';

export { Snapshot, isDisableOnly } from './snapshot-state';
export type { FailedPerson, FailureInfo, FeedInfo, SnapshotRecord, SnapshotTarget } from './snapshot-state';

/** Options of a snapshot store. */
export interface SnapshotStoreOptions {
  /** Directory of the snapshot files (created with mode 0700 when missing). */
  dir: string;
  /** 32-byte AES key. When given, snapshots are saved encrypted (AES-256-GCM) and must be read with it. */
  key?: Buffer | undefined;
}

const MAGIC = Buffer.from('SCIMSNAP', 'latin1');
const LAYOUT_VERSION = 1;
const MODE_PLAIN = 0;
const MODE_GCM = 1;
const PLAIN_HEADER = MAGIC.length + 2 + 32;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const GCM_HEADER = PLAIN_HEADER + KEY_ID_BYTES + IV_BYTES;
/** Level 1 compresses SCIM JSON about 8× at a fraction of the default level's time (see bench). */
const GZIP_LEVEL = 1;
const LINES_PER_CHUNK = 256;

function keyId(key: Buffer): Buffer {
  return createHmac('sha256', key).update('scimport snapshot key id v1').digest().subarray(0, KEY_ID_BYTES);
}

function requireTarget(target: SnapshotTarget): { tenantId: string; jobId: string } {
  const tenantId = target.tenantId?.trim();
  const jobId = target.jobId?.trim();
  if (!tenantId || !jobId) {
    throw new CoreError('INVALID_ARGUMENT',
      'A snapshot belongs to one tenant and provisioning job, but the profile\'s target lacks ' +
      `${!tenantId ? 'tenantId' : 'jobId'}; fill in target.tenantId and target.jobId in the profile.`,
      { location: { field: !tenantId ? '/target/tenantId' : '/target/jobId' } });
  }
  return { tenantId, jobId };
}

/** Tenant ids and domains are case-insensitive; job ids are kept as Graph returns them. */
function targetDigest(target: { tenantId: string; jobId: string }): Buffer {
  return createHash('sha256').update(`scimport snapshot\n${target.tenantId.toLowerCase()}\n${target.jobId}`, 'utf8').digest();
}

/** The seventh line element when there is more than the feed's name (see SnapshotRecord). */
interface LineFeed {
  feed: string;
  from?: string;
  left?: true;
  claims?: string[];
}

type BodyLine = [string, string, string, string | null, ScimUser, (FailureInfo | null)?, (LineFeed | string)?];

interface BodyHeader {
  tenantId: string;
  jobId: string;
  savedAt: string;
  records: number;
  feeds?: Record<string, FeedInfo>;
}

/** Loads and saves the snapshot of each target as one file in `dir`. */
export class SnapshotStore {
  readonly dir: string;
  private readonly key: Buffer | undefined;

  /** Throws CoreError INVALID_ARGUMENT when `key` is given but is not 32 bytes. */
  constructor(options: SnapshotStoreOptions) {
    if (options.key !== undefined && options.key.length !== 32) {
      throw new CoreError('INVALID_ARGUMENT',
        `The snapshot key must be 32 bytes (AES-256), but ${options.key.length} were given; see SCIMPORT_SNAPSHOT_KEY for the format.`);
    }
    this.dir = options.dir;
    this.key = options.key === undefined ? undefined : Buffer.from(options.key);
  }

  /** Path of a target's snapshot file: a hash of tenant and job, so no identifier shows in the name. */
  pathFor(target: SnapshotTarget): string {
    const digest = targetDigest(requireTarget(target));
    return join(this.dir, `snapshot-${digest.subarray(0, 16).toString('hex')}.scimsnap`);
  }

  /**
   * The target's last snapshot, or an empty one when none was saved yet (a first run sends everyone).
   * Throws CoreError SNAPSHOT_UNREADABLE when the file is encrypted and no or another key is given, when
   * it is damaged or truncated, or when it belongs to another target; INVALID_ARGUMENT when the target
   * lacks tenantId or jobId.
   */
  async load(target: SnapshotTarget): Promise<Snapshot> {
    const resolved = requireTarget(target);
    return this.loadFile(this.pathFor(resolved), resolved);
  }

  /**
   * A store with the same key over another folder: what else is kept in the snapshot's format (an upload's undo
   * record, core's undo/) is encrypted and owner-only exactly like the snapshots.
   */
  withDir(dir: string): SnapshotStore {
    return new SnapshotStore({ dir, key: this.key });
  }

  /**
   * Reads a file in the snapshot format at `path` (bound to `target` like a snapshot): `load` for files named
   * other than by `pathFor`. A missing file reads as an empty snapshot. Throws as `load` does.
   */
  async loadFile(path: string, target: SnapshotTarget): Promise<Snapshot> {
    const resolved = requireTarget(target);
    // One open file for the whole read: a save renames a new file over `path` at any moment, and sizes, header,
    // tag and body taken from two different files would read as damage ("unexpected end of file").
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Snapshot();
      throw unreadable(path, `it cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'Check the permissions of the data folder.', error);
    }
    try {
      return await this.readOpen(fh, path, resolved);
    } finally {
      await fh.close();
    }
  }

  private async readOpen(fh: FileHandle, path: string, resolved: Required<SnapshotTarget>): Promise<Snapshot> {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(size, GCM_HEADER));
    await fh.read(head, 0, head.length, 0);
    if (head.length < PLAIN_HEADER || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw unreadable(path, 'it is not a scimport snapshot or its beginning is damaged', DAMAGED_ADVICE);
    }
    const version = head[MAGIC.length]!;
    if (version !== LAYOUT_VERSION) {
      throw unreadable(path, `it was written by a newer scimport (snapshot layout ${version})`, 'Update scimport on this computer.');
    }
    if (!head.subarray(MAGIC.length + 2, PLAIN_HEADER).equals(targetDigest(resolved))) {
      throw unreadable(path, `it belongs to another tenant or provisioning job than ${resolved.tenantId} / ${resolved.jobId}`,
        'Someone copied or renamed snapshot files; move this file away so the snapshot of this target starts again.');
    }
    const mode = head[MAGIC.length + 1]!;
    let decipher: DecipherGCM | undefined;
    let start = PLAIN_HEADER;
    let end = size - 1;
    if (mode === MODE_GCM) {
      if (!this.key) {
        throw unreadable(path, 'it is encrypted and no snapshot key was given',
          'Set SCIMPORT_SNAPSHOT_KEY to the key it was saved with (the desktop app supplies its own key).');
      }
      if (size < GCM_HEADER + TAG_BYTES) throw unreadable(path, 'it is truncated', DAMAGED_ADVICE);
      if (!head.subarray(PLAIN_HEADER, PLAIN_HEADER + KEY_ID_BYTES).equals(keyId(this.key))) {
        throw unreadable(path, 'it cannot be decrypted with this key (it was saved with a different snapshot key)', WRONG_KEY_ADVICE);
      }
      const tag = Buffer.alloc(TAG_BYTES);
      await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
      decipher = createDecipheriv('aes-256-gcm', this.key, head.subarray(PLAIN_HEADER + KEY_ID_BYTES, GCM_HEADER));
      decipher.setAAD(head.subarray(0, GCM_HEADER));
      decipher.setAuthTag(tag);
      start = GCM_HEADER;
      end = size - TAG_BYTES - 1;
    } else if (mode !== MODE_PLAIN) {
      throw unreadable(path, 'its header is damaged', DAMAGED_ADVICE);
    }

    const records = new Map<string, SnapshotRecord>();
    let header: BodyHeader | undefined;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let rest = '';
    const takeLine = (line: string) => {
      if (line === '') return;
      if (!header) {
        header = JSON.parse(line) as BodyHeader;
        return;
      }
      const [externalId, hash, acceptedAt, failedAt, data, failure, owner] = JSON.parse(line) as BodyLine;
      const record: SnapshotRecord = { hash, data, acceptedAt };
      if (failedAt) record.failedAt = failedAt;
      if (failedAt && failure && typeof failure === 'object') record.failure = failure;
      if (typeof owner === 'string') {
        record.feed = owner;
      } else if (owner && typeof owner === 'object' && typeof owner.feed === 'string') {
        record.feed = owner.feed;
        if (typeof owner.from === 'string') record.movedFrom = owner.from;
        if (owner.left === true) record.left = true;
        if (Array.isArray(owner.claims) && owner.claims.length > 0) record.claimedBy = owner.claims.filter((c) => typeof c === 'string');
      }
      records.set(externalId, record);
    };
    const sink = async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        const text = rest + decoder.decode(chunk, { stream: true });
        const lines = text.split('\n');
        rest = lines.pop()!;
        for (const line of lines) takeLine(line);
      }
      takeLine(rest + decoder.decode());
    };
    try {
      // The stream must not close the handle: the caller does, once.
      const input = end >= start ? fh.createReadStream({ start, end, autoClose: false }) : Readable.from([]);
      if (decipher) await pipeline(input, decipher, createGunzip(), sink);
      else await pipeline(input, createGunzip(), sink);
    } catch (error) {
      throw unreadable(path, decipher ? 'it is damaged or was altered (decryption failed its integrity check)' : 'it is damaged or truncated', DAMAGED_ADVICE, error);
    }
    // The layout is ours, so anything unexpected here is damage, not a format choice.
    const h = header as BodyHeader | undefined;
    if (!h || h.records !== records.size || h.tenantId.toLowerCase() !== resolved.tenantId.toLowerCase() || h.jobId !== resolved.jobId) {
      throw unreadable(path, 'it is incomplete', DAMAGED_ADVICE);
    }
    const feeds = h.feeds && typeof h.feeds === 'object' ? Object.entries(h.feeds) : [];
    return new Snapshot(records, feeds);
  }

  /**
   * Saves the target's snapshot atomically: a temporary file (mode 0600) in the same directory, fsync,
   * rename over the old file, fsync of the directory. A crash leaves either the old or the new snapshot,
   * never a half-written one. Encrypted when the store has a key.
   */
  async save(target: SnapshotTarget, snapshot: Snapshot): Promise<void> {
    await this.saveFile(this.pathFor(requireTarget(target)), target, snapshot);
  }

  /** Saves `snapshot` at `path` (inside `dir`) as `save` does: atomic, owner-only, encrypted when the store has a key. */
  async saveFile(path: string, target: SnapshotTarget, snapshot: Snapshot): Promise<void> {
    const resolved = requireTarget(target);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;

    const prefix = [MAGIC, Buffer.from([LAYOUT_VERSION, this.key ? MODE_GCM : MODE_PLAIN]), targetDigest(resolved)];
    let cipher: CipherGCM | undefined;
    if (this.key) {
      const iv = randomBytes(IV_BYTES);
      prefix.push(keyId(this.key), iv);
      cipher = createCipheriv('aes-256-gcm', this.key, iv);
      cipher.setAAD(Buffer.concat(prefix));
    }
    const framing = frame(Buffer.concat(prefix), cipher);
    const body = Readable.from(bodyLines(resolved, snapshot));
    const gzip = createGzip({ level: GZIP_LEVEL, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
    try {
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
      if (cipher) await pipeline(body, gzip, cipher, framing, out);
      else await pipeline(body, gzip, framing, out);
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw new CoreError('OUTPUT_FAILED', `The snapshot ${path} could not be written (${(error as NodeJS.ErrnoException).code ?? String(error)}); check free space and the permissions of the data folder. The previous snapshot is unchanged.`, {
        location: { file: path },
        cause: error,
      });
    }
    await syncDir(this.dir);
  }
}

const DAMAGED_ADVICE =
  'Restore it from a backup, or move it away and run one full upload (--full) to start a new snapshot; ' +
  'people who left since the last upload are then not disabled automatically, so check for leavers in Entra by hand.';
const WRONG_KEY_ADVICE =
  'Set SCIMPORT_SNAPSHOT_KEY to the key used when it was saved. If that key is lost, move the file away and run one ' +
  'full upload (--full); people who left since the last upload are then not disabled automatically.';

function unreadable(path: string, what: string, advice: string, cause?: unknown): CoreError {
  return new CoreError('SNAPSHOT_UNREADABLE', `The snapshot of the last upload (${path}) cannot be read: ${what}. ${advice}`, {
    location: { file: path },
    ...(cause === undefined ? {} : { cause }),
  });
}

function* bodyLines(target: { tenantId: string; jobId: string }, snapshot: Snapshot): Generator<string> {
  const header: BodyHeader = { tenantId: target.tenantId, jobId: target.jobId, savedAt: new Date().toISOString(), records: snapshot.records.size };
  if (snapshot.feeds.size > 0) header.feeds = Object.fromEntries(snapshot.feeds);
  let batch = JSON.stringify(header) + '\n';
  let n = 0;
  for (const [externalId, r] of snapshot.records) {
    const line: BodyLine = [externalId, r.hash, r.acceptedAt, r.failedAt ?? null, r.data];
    if (r.feed !== undefined) {
      // Most people only have a feed: the bare name is cheaper to write and read than an object.
      let owner: LineFeed | string = r.feed;
      if (r.movedFrom !== undefined || r.left || (r.claimedBy && r.claimedBy.length > 0)) {
        owner = { feed: r.feed };
        if (r.movedFrom !== undefined) owner.from = r.movedFrom;
        if (r.left) owner.left = true;
        if (r.claimedBy && r.claimedBy.length > 0) owner.claims = r.claimedBy;
      }
      line.push(r.failure ?? null, owner);
    } else if (r.failure) {
      line.push(r.failure);
    }
    batch += JSON.stringify(line) + '\n';
    if (++n % LINES_PER_CHUNK === 0) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

/** Puts the header in front of the body and, for GCM, the tag behind it (known only once the cipher ended). */
function frame(header: Buffer, cipher: CipherGCM | undefined): Transform {
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!started) {
        started = true;
        this.push(header);
      }
      done(null, chunk);
    },
    flush(done) {
      if (!started) this.push(header);
      if (cipher) this.push(cipher.getAuthTag());
      done();
    },
  });
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; not every platform lets a directory be opened (Windows), which is fine.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

/**
 * The snapshot key from the environment variable SCIMPORT_SNAPSHOT_KEY: 32 random bytes as 64 hex
 * characters or as base64 (44 characters with padding, base64url accepted). Undefined when the variable is
 * unset or empty (snapshots are then protected by file permissions only). Throws CoreError INVALID_ARGUMENT
 * for anything else; the message never repeats the value.
 */
export function snapshotKeyFromEnv(env: Record<string, string | undefined> = process.env): Buffer | undefined {
  const raw = env.SCIMPORT_SNAPSHOT_KEY?.trim();
  if (!raw) return undefined;
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(raw)) key = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32) {
    throw new CoreError('INVALID_ARGUMENT',
      `SCIMPORT_SNAPSHOT_KEY is set but is not a snapshot key (it has ${raw.length} characters): it must be 32 random bytes written as ` +
      '64 hexadecimal characters or as 44 base64 characters. Create one with `openssl rand -base64 32` and keep it with your other secrets.',
      { location: { field: 'SCIMPORT_SNAPSHOT_KEY' } });
  }
  return key;
}
