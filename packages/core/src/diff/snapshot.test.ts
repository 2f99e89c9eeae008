import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreError, isCoreError } from '../errors';
import { syntheticUsers } from '../__tests__/scim-users';
import { Snapshot, SnapshotStore, snapshotKeyFromEnv } from './snapshot';
import type { BulkOperation } from '../types';

const target = { tenantId: 'contoso.onmicrosoft.com', jobId: 'API2AAD.0123456789abcdef.0123456789abcdef' };
const posix = process.platform !== 'win32';

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'scimport-snap-')), 'data');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

function sample(n = 20): Snapshot {
  const snapshot = new Snapshot();
  snapshot.markAccepted(syntheticUsers(n).map((data) => ({ data })), new Date('2025-03-01T08:00:00Z'));
  snapshot.markFailed(['E000003'], new Date('2025-03-01T08:10:00Z'));
  return snapshot;
}

async function errorOf(promise: Promise<unknown>): Promise<CoreError> {
  try {
    await promise;
  } catch (error) {
    if (isCoreError(error)) return error;
    throw error;
  }
  throw new Error('expected a CoreError');
}

describe('SnapshotStore', () => {
  it('gives an empty snapshot before the first save', async () => {
    const loaded = await new SnapshotStore({ dir }).load(target);
    expect(loaded.size).toBe(0);
  });

  it('round-trips a snapshot without a key (owner-only file and folder)', async () => {
    const store = new SnapshotStore({ dir });
    const snapshot = sample();
    await store.save(target, snapshot);
    const loaded = await store.load(target);
    expect([...loaded.records]).toEqual([...snapshot.records]);
    expect(loaded.records.get('E000003')!.failedAt).toBe('2025-03-01T08:10:00.000Z');
    if (posix) {
      expect((await stat(store.pathFor(target))).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
    }
  });

  it('round-trips an encrypted snapshot and keeps personal data out of the file', async () => {
    const key = randomBytes(32);
    const store = new SnapshotStore({ dir, key });
    const snapshot = sample();
    await store.save(target, snapshot);
    const bytes = await readFile(store.pathFor(target));
    expect(bytes.includes('user1@contoso.example')).toBe(false);
    expect(() => gunzipSync(bytes.subarray(42))).toThrow();
    const loaded = await new SnapshotStore({ dir, key: Buffer.from(key) }).load(target);
    expect([...loaded.records]).toEqual([...snapshot.records]);
    if (posix) expect((await stat(store.pathFor(target))).mode & 0o777).toBe(0o600);
  });

  it('keeps why a person failed, in a line older readers still read, and forgets it once accepted', async () => {
    const store = new SnapshotStore({ dir });
    const snapshot = sample();
    const reason = { externalId: 'E000004', errorCode: 'UnableToResolveReferenceAttributeValue', reason: 'The manager 1684 was not found.' };
    expect(snapshot.markFailed([reason, 'nobody'], new Date('2025-03-01T08:11:00Z'))).toBe(1);
    await store.save(target, snapshot);
    const loaded = await store.load(target);
    expect(loaded.records.get('E000004')).toMatchObject({ failedAt: '2025-03-01T08:11:00.000Z', failure: { errorCode: reason.errorCode, reason: reason.reason } });
    // Marked without a reason (as before): no failure kept, and the line keeps its five elements.
    expect(loaded.records.get('E000003')!.failure).toBeUndefined();
    const lines = gunzipSync((await readFile(store.pathFor(target))).subarray(42)).toString('utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as unknown[]);
    expect(lines.find((l) => l[0] === 'E000003')).toHaveLength(5);
    expect(lines.find((l) => l[0] === 'E000004')).toHaveLength(6);
    loaded.markAccepted([{ data: loaded.records.get('E000004')!.data as BulkOperation['data'] }]);
    expect(loaded.records.get('E000004')!.failure).toBeUndefined();
    expect(loaded.records.get('E000004')!.failedAt).toBeUndefined();
  });

  it('keeps each person\'s feed in a seventh line element that older readers ignore; lines without a feed keep their length', async () => {
    const store = new SnapshotStore({ dir });
    const snapshot = sample(6);
    snapshot.markFailed([{ externalId: 'E000004', errorCode: 'X', reason: 'y' }], new Date('2025-03-01T08:11:00Z'));
    const legacyIds = ['E000000', 'E000003', 'E000004'];
    // As a feed would have left them: two people of "employees", one handed over from it with a claim.
    const recordOf = (id: string) => snapshot.records.get(id)!;
    Object.assign(recordOf('E000001'), { feed: 'employees' });
    Object.assign(recordOf('E000002'), { feed: 'interns', movedFrom: 'employees', claimedBy: ['contractors'] });
    Object.assign(recordOf('E000005'), { feed: 'employees', left: true, failedAt: '2025-03-01T09:00:00.000Z', failure: { errorCode: 'Z' } });
    snapshot.feeds.set('employees', { precedence: 1, since: '2025-03-01T08:00:00.000Z' });
    snapshot.feeds.set('interns', { since: '2025-03-01T08:05:00.000Z' });
    await store.save(target, snapshot);

    const loaded = await store.load(target);
    expect([...loaded.records]).toEqual([...snapshot.records]);
    expect([...loaded.feeds]).toEqual([...snapshot.feeds]);
    for (const id of legacyIds) expect(loaded.records.get(id)!.feed).toBeUndefined();

    const text = gunzipSync(await readFile(store.pathFor(target)).then((b) => b.subarray(42))).toString('utf8').trim().split('\n');
    expect(JSON.parse(text[0]!)).toMatchObject({ records: 6, feeds: { employees: { precedence: 1 }, interns: {} } });
    const lines = text.slice(1).map((l) => JSON.parse(l) as unknown[]);
    const line = (id: string) => lines.find((l) => l[0] === id)!;
    expect(line('E000000')).toHaveLength(5);
    expect(line('E000004')).toHaveLength(6);
    expect(line('E000001')).toHaveLength(7);
    expect(line('E000001')[5]).toBeNull();
    expect(line('E000001')[6]).toBe('employees');
    expect(line('E000002')[6]).toEqual({ feed: 'interns', from: 'employees', claims: ['contractors'] });
    expect(line('E000005').slice(5)).toEqual([{ errorCode: 'Z' }, { feed: 'employees', left: true }]);

    // The reader before feeds (six elements, failure only with failedAt): still reads every line right.
    for (const l of lines) {
      const [, , , failedAt, data, failure] = l as [string, string, string, string | null, object, unknown];
      const oldFailure = failedAt && failure && typeof failure === 'object' ? failure : undefined;
      expect(data).toEqual(snapshot.records.get(l[0] as string)!.data);
      expect(oldFailure).toEqual(snapshot.records.get(l[0] as string)!.failure);
    }
  });

  it('loads a snapshot written before feeds as one without feeds', async () => {
    const store = new SnapshotStore({ dir, key: randomBytes(32) });
    const before = sample(4); // exactly what the code before feeds wrote: no feed anywhere
    await store.save(target, before);
    const loaded = await store.load(target);
    expect(loaded.feeds.size).toBe(0);
    expect([...loaded.records.values()].every((r) => r.feed === undefined && r.claimedBy === undefined)).toBe(true);
    expect([...loaded.records]).toEqual([...before.records]);
  });

  it('says clearly when the key is wrong or missing', async () => {
    await new SnapshotStore({ dir, key: randomBytes(32) }).save(target, sample());
    const wrong = await errorOf(new SnapshotStore({ dir, key: randomBytes(32) }).load(target));
    expect(wrong.code).toBe('SNAPSHOT_UNREADABLE');
    expect(wrong.message).toContain('cannot be decrypted with this key');
    expect(wrong.message).toContain('SCIMPORT_SNAPSHOT_KEY');
    expect(wrong.location.file).toBe(new SnapshotStore({ dir }).pathFor(target));
    const none = await errorOf(new SnapshotStore({ dir }).load(target));
    expect(none.code).toBe('SNAPSHOT_UNREADABLE');
    expect(none.message).toContain('encrypted and no snapshot key was given');
  });

  it('reports a damaged or truncated file, encrypted or not, and what to do', async () => {
    for (const key of [undefined, randomBytes(32)]) {
      const store = new SnapshotStore({ dir, key });
      await store.save(target, sample());
      const path = store.pathFor(target);
      const good = await readFile(path);

      const flipped = Buffer.from(good);
      flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
      await writeFile(path, flipped);
      const damaged = await errorOf(store.load(target));
      expect(damaged.code).toBe('SNAPSHOT_UNREADABLE');
      expect(damaged.message).toMatch(/damaged/);
      expect(damaged.message).toContain('--full');

      await writeFile(path, good.subarray(0, good.length - 40));
      expect((await errorOf(store.load(target))).code).toBe('SNAPSHOT_UNREADABLE');

      await writeFile(path, 'not a snapshot');
      expect((await errorOf(store.load(target))).message).toContain('not a scimport snapshot');
    }
  });

  it('refuses a snapshot file copied over from another target', async () => {
    const store = new SnapshotStore({ dir });
    await store.save(target, sample());
    const other = { tenantId: target.tenantId, jobId: 'API2AAD.other' };
    await copyFile(store.pathFor(target), store.pathFor(other));
    const error = await errorOf(store.load(other));
    expect(error.message).toContain('belongs to another tenant or provisioning job');
    // Tenant ids are case-insensitive.
    expect((await store.load({ ...target, tenantId: target.tenantId.toUpperCase() })).size).toBe(20);
  });

  it('writes atomically: no temporary file is left behind, and a failed save keeps the old snapshot', async () => {
    const store = new SnapshotStore({ dir, key: randomBytes(32) });
    await store.save(target, sample(5));
    await store.save(target, sample(7));
    expect(await readdir(dir)).toEqual([store.pathFor(target).slice(dir.length + 1)]);

    const broken = sample(9);
    // A value JSON cannot write makes the save fail half-way through the body.
    broken.records.get('E000008')!.data.title = 10n as never;
    const error = await errorOf(store.save(target, broken));
    expect(error.code).toBe('OUTPUT_FAILED');
    expect(await readdir(dir)).toHaveLength(1);
    expect((await store.load(target)).size).toBe(7);
  });

  it('needs a tenant and a job', async () => {
    const error = await errorOf(new SnapshotStore({ dir }).load({ tenantId: 'contoso.onmicrosoft.com' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.location.field).toBe('/target/jobId');
    expect(() => new SnapshotStore({ dir, key: randomBytes(16) })).toThrow(/32 bytes/);
  });

  it('keeps 100,000 people', async () => {
    const store = new SnapshotStore({ dir, key: randomBytes(32) });
    const snapshot = new Snapshot();
    snapshot.markAccepted(syntheticUsers(100_000).map((data) => ({ data })));
    await store.save(target, snapshot);
    const loaded = await store.load(target);
    expect(loaded.size).toBe(100_000);
    expect(loaded.records.get('E099999')).toEqual(snapshot.records.get('E099999'));
  });
});

describe('snapshotKeyFromEnv', () => {
  const key = randomBytes(32);
  it('reads hex, base64 and base64url, and nothing when unset', () => {
    expect(snapshotKeyFromEnv({ SCIMPORT_SNAPSHOT_KEY: key.toString('hex') })).toEqual(key);
    expect(snapshotKeyFromEnv({ SCIMPORT_SNAPSHOT_KEY: key.toString('base64') })).toEqual(key);
    expect(snapshotKeyFromEnv({ SCIMPORT_SNAPSHOT_KEY: ` ${key.toString('base64url')}\n` })).toEqual(key);
    expect(snapshotKeyFromEnv({})).toBeUndefined();
    expect(snapshotKeyFromEnv({ SCIMPORT_SNAPSHOT_KEY: '' })).toBeUndefined();
  });

  it('explains the format without repeating the value', () => {
    const secret = 'correct horse battery staple';
    try {
      snapshotKeyFromEnv({ SCIMPORT_SNAPSHOT_KEY: secret });
      expect.unreachable();
    } catch (error) {
      expect(isCoreError(error) && error.code).toBe('INVALID_ARGUMENT');
      const message = (error as Error).message;
      expect(message).toContain('64 hexadecimal characters');
      expect(message).toContain('openssl rand -base64 32');
      expect(message).not.toContain(secret);
    }
    expect(() => snapshotKeyFromEnv({ SCIMPORT_SNAPSHOT_KEY: randomBytes(16).toString('hex') })).toThrow(/not a snapshot key/);
  });
});
