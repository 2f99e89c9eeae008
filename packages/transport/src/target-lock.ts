/**
 * One upload at a time per provisioning target and data folder. Two uploads to one job would each plan against
 * the same snapshot and then each save their own copy of it: the second save drops what the first recorded, and
 * the next run resends people or misses leavers. The lock covers planning, sending and recording.
 *
 * The lock is a file (`locks/target-<hash>.lock` in the data folder, created exclusively) holding the pid, host
 * and start time of its holder, so the CLI and the app — which share the data folder format — exclude each other.
 * A lock whose process is gone (it crashed) is stale and taken over. Inside one process, holders queue in order.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { type Clock, sleep, systemClock } from './clock';
import { TransportError } from './errors';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from './fsutil';

/** The target a lock is for: the snapshot's key (tenant, compared without case, and job). */
export interface LockTarget {
  tenantId: string;
  jobId: string;
  servicePrincipalId?: string | undefined;
}

export interface TargetLockOptions {
  /** How long to wait for another holder before refusing (ms). Default 0: refuse at once. */
  waitMs?: number;
  /** How often a waiting caller looks again at a lock held by another process (ms). Default 250. */
  pollMs?: number;
  /** What the holder does, said to whoever waits for it ("an upload", "recording results"). */
  purpose?: string;
  clock?: Clock;
  signal?: AbortSignal;
}

/** A held lock. */
export interface TargetLock {
  readonly file: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  at: string;
  purpose?: string;
}

/** Lock files held by this process, with the queue of in-process callers waiting for each. */
const heldHere = new Map<string, Promise<void>>();

/** The lock file of a target in a data folder (a hash: no tenant or job id shows in the name). */
export function targetLockPath(dataDir: string, target: LockTarget): string {
  const digest = createHash('sha256').update(`scimport target lock\n${target.tenantId.trim().toLowerCase()}\n${target.jobId.trim()}`, 'utf8').digest('hex');
  return path.join(dataDir, 'locks', `target-${digest.slice(0, 32)}.lock`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Holder>;
    return typeof value.pid === 'number' ? (value as Holder) : undefined;
  } catch {
    return undefined;
  }
}

function refusal(target: LockTarget, holder: Holder | undefined, waitedMs: number): TransportError {
  const who = holder
    ? `${holder.purpose ?? 'an upload'} by scimport (process ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${holder.at.slice(11, 19)} UTC)`
    : 'another upload';
  const waited = waitedMs > 0 ? ` after waiting ${Math.round(waitedMs / 1000)} s` : '';
  return new TransportError(
    'RUN_LOCKED',
    `Another upload to tenant ${target.tenantId}, job ${target.jobId} is running from this data folder: ${who}. Nothing was sent${waited}; run again once it has finished, so that this upload compares with what that one recorded.`,
  );
}

/**
 * Takes the target's lock in `dataDir`, waiting up to `waitMs` for a holder in another process (and, in this
 * process, for earlier holders in order). Throws TransportError RUN_LOCKED with a sentence naming the holder when
 * the wait is over (at once by default); a lock left by a process that no longer runs on this host is taken over.
 * A lock held on another host (a shared folder) is never taken over: its process cannot be checked from here.
 */
export async function lockTarget(dataDir: string, target: LockTarget, options: TargetLockOptions = {}): Promise<TargetLock> {
  const clock = options.clock ?? systemClock;
  const waitMs = options.waitMs ?? 0;
  const file = targetLockPath(dataDir, target);
  const started = clock.now();

  // In this process: queue behind the current holder (its file names this very pid, which looks alive).
  for (;;) {
    const previous = heldHere.get(file);
    if (!previous) break;
    if (waitMs <= 0) throw refusal(target, await readHolder(file), 0);
    const left = waitMs - (clock.now() - started);
    if (left <= 0) throw refusal(target, await readHolder(file), clock.now() - started);
    let timedOut = false;
    await Promise.race([previous, sleep(clock, left, options.signal).then(() => (timedOut = true))]);
    if (timedOut && heldHere.get(file) === previous) throw refusal(target, await readHolder(file), clock.now() - started);
  }
  let releaseHere: () => void = () => undefined;
  heldHere.set(file, new Promise<void>((resolve) => (releaseHere = resolve)));
  const giveUp = (): void => {
    heldHere.delete(file);
    releaseHere();
  };

  try {
    await ensurePrivateDir(path.dirname(file));
    const me: Holder = { pid: process.pid, host: hostname(), at: new Date(clock.now()).toISOString(), ...(options.purpose ? { purpose: options.purpose } : {}) };
    for (;;) {
      try {
        const handle = await fs.open(file, 'wx', PRIVATE_FILE_MODE);
        try {
          await handle.writeFile(JSON.stringify(me));
        } finally {
          await handle.close();
        }
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new TransportError('IO', `The upload lock ${file} could not be created: ${(err as Error).message}. Check the permissions of the data folder.`, { cause: err, details: { file } });
        }
      }
      const holder = await readHolder(file);
      // Gone, or a file cut short by a crash before its holder was written: stale, take it over. Our own pid but not
      // held here: left by a worker thread of this process that was terminated (the app restarts its services' worker).
      // The services run in one worker at a time, so that lock's holder is gone.
      const stale = !holder || (holder.host === hostname() && (holder.pid === process.pid || !pidAlive(holder.pid)));
      if (stale) {
        // Renamed away first, so two processes finding the same stale lock cannot both remove a fresh one.
        const aside = `${file}.${process.pid}.stale`;
        await fs.rename(file, aside).then(() => fs.rm(aside, { force: true }), () => undefined);
        continue;
      }
      const waited = clock.now() - started;
      if (waited >= waitMs) throw refusal(target, holder, waitMs > 0 ? waited : 0);
      await sleep(clock, Math.min(options.pollMs ?? 250, waitMs - waited), options.signal);
    }
  } catch (err) {
    giveUp();
    throw err;
  }

  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      try {
        const holder = await readHolder(file);
        // Only our own lock: a stale-lock takeover by someone else must not be undone.
        if (holder?.pid === process.pid) await fs.rm(file, { force: true });
      } finally {
        giveUp();
      }
    },
  };
}
