/**
 * The snapshot bookkeeping of one upload, as the CLI and the app both do it: the feed's run recorded before
 * anything is sent, each chunk Entra accepted recorded once and saved at once, failures from the provisioning
 * logs marked with their reasons. The snapshot is the only memory of what Entra holds, so a record lost to a
 * crash would make the next upload resend people or — worse — never disable a leaver.
 */
import { normalizeFeed } from '../profile/feed';
import type { BulkOperation } from '../types';
import type { FeedRun } from './feeds';
import type { FailedPerson, Snapshot, SnapshotTarget } from './snapshot-state';
import type { UndoCapture, UndoEntry } from '../undo/store';

/**
 * Which chunks of a run are already in the snapshot: chunk number → the ISO time of the acceptance that was
 * recorded (`*` for "recorded, time unknown", as older runs kept it). A chunk accepted again later (sent
 * once more after a job restart dropped it) has a new time and is recorded again.
 */
export type RecordedChunks = Map<number, string>;

/** Where a recorder keeps `RecordedChunks` (the transport keeps them in the run's folder). */
export interface RecordedChunksStore {
  load(): Promise<RecordedChunks>;
  save(chunks: ReadonlyMap<number, string>): Promise<void>;
}

/** What a recorder needs of a snapshot store (`SnapshotStore` fits). */
export interface SnapshotSaver {
  load(target: SnapshotTarget): Promise<Snapshot>;
  save(target: SnapshotTarget, snapshot: Snapshot): Promise<void>;
}

export interface SnapshotRecorderOptions {
  store: SnapshotSaver;
  target: SnapshotTarget;
  /** The feed that sends (`feedOf(profile)`); absent for runs from before feeds. */
  feed?: string | undefined;
  /** Where the recorded chunks are kept; without it they are remembered in memory only. */
  recorded?: RecordedChunksStore;
  /** The snapshot already loaded (the one the plan was made from); loaded from `store` otherwise. */
  snapshot?: Snapshot;
  /**
   * Where the run's undo record is kept (core's `UndoStore.capture`): each person's record before the run's first
   * accepted chunk reached them. Saved before the snapshot, so the snapshot never holds a change whose "before" is lost.
   */
  undo?: UndoCapture;
}

/**
 * Records one upload's outcome in the target's snapshot, durably and exactly once per accepted chunk.
 *
 * Every change is saved before the promise that made it resolves; changes made while a save is under way
 * share the next save (a group commit), so a fast upload is not slowed down to the pace of writing a large
 * snapshot, and yet no caller is told "recorded" before its change is on disk. The holder must keep other
 * writers of the same target away meanwhile (the transport's target lock), since the snapshot is held in
 * memory between saves.
 */
export class SnapshotRecorder {
  readonly target: SnapshotTarget;
  readonly feed: string | undefined;
  private readonly store: SnapshotSaver;
  private readonly recordedStore: RecordedChunksStore | undefined;
  private readonly done: RecordedChunks;
  private readonly current: Snapshot;
  /** Changes made so far, and the number of them on disk. */
  private changes = 0;
  private saved = 0;
  private saving: Promise<void> | undefined;
  private readonly undo: UndoCapture | undefined;
  /** The run's undo record as captured so far (undefined without `undo`). */
  private readonly before: Map<string, UndoEntry> | undefined;
  /** Changes to `before` since it was last saved. */
  private undoDirty = false;

  private constructor(options: SnapshotRecorderOptions, snapshot: Snapshot, recorded: RecordedChunks, before?: Map<string, UndoEntry>) {
    this.store = options.store;
    this.target = options.target;
    this.feed = options.feed === undefined ? undefined : normalizeFeed(options.feed);
    this.recordedStore = options.recorded;
    this.current = snapshot;
    this.done = recorded;
    this.undo = options.undo;
    this.before = before;
  }

  /** A recorder over the target's snapshot (loaded unless given) and the chunks already recorded. */
  static async open(options: SnapshotRecorderOptions): Promise<SnapshotRecorder> {
    const snapshot = options.snapshot ?? (await options.store.load(options.target));
    const recorded = options.recorded ? await options.recorded.load() : new Map<number, string>();
    const before = options.undo ? await options.undo.load() : undefined;
    return new SnapshotRecorder(options, snapshot, recorded, before);
  }

  /** The snapshot as recorded so far (do not change it directly: changes made here are not saved). */
  get snapshot(): Snapshot {
    return this.current;
  }

  /** The chunks recorded so far (see RecordedChunks). */
  get recorded(): ReadonlyMap<number, string> {
    return this.done;
  }

  /** True when `chunk`'s acceptance at `at` is already in the snapshot. */
  isRecorded(chunk: number, at: Date | string): boolean {
    const when = this.done.get(chunk);
    return when === '*' || when === (typeof at === 'string' ? new Date(at) : at).toISOString();
  }

  /**
   * Records what a feed's run decided (adoption, hand-overs, claims; `plan.feed`) and saves — call it before
   * sending, once the gate has passed, so a crash mid-way still leaves ownership right. Saves only when
   * something changed, so running a feed whose file changed nothing leaves the snapshot file as it was.
   * Returns how many people's records changed.
   */
  async feedRun(run: FeedRun, at?: Date): Promise<number> {
    const feed = normalizeFeed(run.feed);
    const before = JSON.stringify(this.current.feeds.get(feed) ?? null);
    const n = this.current.markFeedRun(run, at);
    if (n > 0 || JSON.stringify(this.current.feeds.get(feed) ?? null) !== before) await this.commit();
    return n;
  }

  /**
   * Records the operations of chunk `chunk`, answered 202 at `at`, as sent by this recorder's feed, and saves
   * the snapshot (then the list of recorded chunks: a crash in between records the same chunk again, with the
   * same result). A chunk already recorded for that acceptance is skipped. Returns how many people were recorded.
   */
  async accepted(chunk: number, operations: Iterable<Pick<BulkOperation, 'data'>>, at: Date): Promise<number> {
    if (this.isRecorded(chunk, at)) return 0;
    const ops = [...operations];
    // The first acceptance of a person in this run fixes their "before"; a chunk accepted again (resent after a job
    // restart) finds them captured already and keeps it.
    const fresh = this.before ? ops.map((op) => op.data.externalId).filter((id) => typeof id === 'string' && !this.before!.has(id)) : [];
    for (const id of fresh) {
      const previous = this.current.records.get(id);
      this.before!.set(id, { before: previous ? { ...previous } : null, after: '' });
    }
    const n = this.current.markAccepted(ops, at, this.feed);
    if (this.before) {
      for (const op of ops) {
        const entry = this.before.get(op.data.externalId);
        const now = this.current.records.get(op.data.externalId);
        if (entry && now) entry.after = now.hash;
      }
      this.undoDirty = true;
    }
    this.done.set(chunk, at.toISOString());
    await this.commit();
    return n;
  }

  /**
   * Marks people the provisioning logs report as failed (with the logs' reason), and saves. The caller decides
   * whom (see the transport's `runFailures`: only people whose last accepted payload is this run's). Returns how
   * many were marked.
   */
  async failed(people: readonly FailedPerson[], at?: Date): Promise<number> {
    if (people.length === 0) return 0;
    const n = this.current.markFailed(people, at);
    if (n > 0) await this.commit();
    return n;
  }

  /** Waits until every change made so far is saved (rejects with the save's error when it failed). */
  async flush(): Promise<void> {
    if (this.saved < this.changes) await this.commit(false);
  }

  private async commit(change = true): Promise<void> {
    if (change) this.changes += 1;
    const wanted = this.changes;
    while (this.saved < wanted) {
      if (this.saving) {
        // Whoever started that save may not have included this change: wait, then look again.
        await this.saving.catch(() => undefined);
        continue;
      }
      const upTo = this.changes;
      const chunks = new Map(this.done);
      const undo = this.undo && this.before && this.undoDirty ? new Map(this.before) : undefined;
      this.undoDirty = false;
      this.saving = (async () => {
        // The "before" first: a crash between the two saves leaves a record of a change not yet in the snapshot
        // (harmless, it is captured again the same way), never a change without its "before".
        if (undo) await this.undo!.save(undo).catch((error: unknown) => {
          this.undoDirty = true;
          throw error;
        });
        await this.store.save(this.target, this.current);
        await this.recordedStore?.save(chunks);
        this.saved = Math.max(this.saved, upTo);
      })().finally(() => (this.saving = undefined));
      // A failed save fails the callers waiting for it; the next change tries again with everything.
      await this.saving;
    }
  }
}
