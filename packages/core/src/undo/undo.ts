/**
 * The undo of one upload as the CLI and the app both prepare it: the run found in the history, its undo record
 * read, the later runs that touched the same people named, and the plan made against the current snapshot. The
 * caller then sends `plan.operations` through the same upload workflow as any upload (target lock, journal,
 * snapshot recording — which keeps an undo record of the undo, so it can be undone in turn).
 */
import { CoreError } from '../errors';
import { type HistoryEntry, readHistory } from '../history/history';
import type { Snapshot, SnapshotStore } from '../diff/snapshot';
import { type UndoPlan, planUndo } from './plan';
import { UndoStore } from './store';

export interface PrepareUndoOptions {
  dataDir: string;
  /** The data folder's snapshot store (its key reads the undo records too). */
  snapshots: SnapshotStore;
  runId: string;
  includeConflicts?: boolean;
  chunkSize?: number;
  /** The target's snapshot, when already loaded (under the target's lock, for an undo that will be sent). */
  snapshot?: Snapshot;
}

export interface PreparedUndo {
  /** The history entry of the run being undone (its last one: a resumed run has several). */
  entry: HistoryEntry;
  target: { tenantId: string; jobId: string };
  snapshot: Snapshot;
  plan: UndoPlan;
  /** Undos of this run already recorded (run ids), newest last. */
  undoneBy: string[];
}

function sameTarget(a: HistoryEntry['target'], b: { tenantId: string; jobId: string }): boolean {
  return a?.tenantId?.toLowerCase() === b.tenantId.toLowerCase() && a?.jobId === b.jobId;
}

/**
 * Prepares the undo of `runId`. Throws CoreError UNDO_UNAVAILABLE when the history does not know the run or no undo
 * record is kept for it; SNAPSHOT_UNREADABLE when the snapshot or the record cannot be read (another key, damage).
 */
export async function prepareUndo(options: PrepareUndoOptions): Promise<PreparedUndo> {
  const history = await readHistory(options.dataDir);
  let at = -1;
  history.forEach((e, i) => {
    if (e.runId === options.runId) at = i;
  });
  const entry = history[at];
  if (!entry) {
    throw new CoreError('UNDO_UNAVAILABLE', `No upload with the run id ${options.runId} is in the history of this data folder; \`scimport history\` lists the runs.`, {
      location: { field: 'runId' },
    });
  }
  if (!entry.target?.tenantId || !entry.target.jobId) {
    throw new CoreError('UNDO_UNAVAILABLE', `Run ${options.runId} names no tenant and job in the history, so it cannot be undone.`, { location: { field: 'runId' } });
  }
  const target = { tenantId: entry.target.tenantId, jobId: entry.target.jobId };
  const store = new UndoStore(options.snapshots, options.dataDir);
  const record = await store.load(options.runId, target);
  if (!record) {
    throw new CoreError('UNDO_UNAVAILABLE',
      `Nothing is kept to undo run ${options.runId}: it sent nothing that Entra accepted, it ran before scimport kept undo records, or it is older than the undo retention (\`scimport undo --keep-days\`).`,
      { location: { field: 'runId' } });
  }
  // Who changed each person since: the later runs of the same target whose records are still kept.
  const changedBy = new Map<string, string>();
  const kept = await store.runIds();
  for (const later of history.slice(at + 1)) {
    if (later.runId === options.runId || !kept.has(later.runId) || !sameTarget(later.target, target)) continue;
    const touched = await store.load(later.runId, target).catch(() => undefined);
    for (const id of touched?.people.keys() ?? []) if (record.people.has(id)) changedBy.set(id, later.runId);
  }
  const snapshot = options.snapshot ?? (await options.snapshots.load(target));
  const plan = planUndo(record, snapshot, {
    changedBy,
    ...(options.includeConflicts ? { includeConflicts: true } : {}),
    ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
  });
  const undoneBy = [...new Set(history.filter((e) => e.undoOf === options.runId && (e.outcome === 'uploaded' || e.outcome === 'partial')).map((e) => e.runId))];
  return { entry, target, snapshot, plan, undoneBy };
}

/** Run ids of the history whose upload can be undone (a record is kept, within the retention). */
export async function undoableRuns(dataDir: string, snapshots: SnapshotStore): Promise<Set<string>> {
  return new UndoStore(snapshots, dataDir).runIds();
}
