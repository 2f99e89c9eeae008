/**
 * From an upload's undo record to what an undo sends. bulkUpload is an upsert without delete, so "undo" means
 * sending each person's previous accepted record again: changed people get it back (restore), people the upload
 * disabled get it back enabled (reenable), and people the upload created — nothing to go back to — are disabled.
 *
 * A person a later run changed again is a conflict: sending the old record would silently overwrite that later
 * change (the later file may well be right). They are left alone unless the person includes them explicitly.
 */
import { MAX_BULK_OPERATIONS, toOperation } from '../bulk';
import type { BulkOperation } from '../types';
import { disablePayload } from '../diff/plan';
import type { Snapshot } from '../diff/snapshot';
import type { UndoRecord } from './store';

/** A person a later upload changed after the one being undone. */
export interface UndoConflict {
  externalId: string;
  /** The later run that last sent them, when its undo record is still kept. */
  changedBy?: string;
  /** Why: `changed` by a later upload, or `gone` from the snapshot (moved away or reset). */
  reason: 'changed' | 'gone';
}

export interface UndoPlanOptions {
  /** Send the previous record to the conflicts too (overwriting the later change). */
  includeConflicts?: boolean;
  /** People per request (default 50, Entra's maximum). */
  chunkSize?: number;
  /** externalId → the later run that last sent them (see `laterChanges`). */
  changedBy?: ReadonlyMap<string, string>;
}

export interface UndoPlan {
  runId: string;
  /** Previous records sent again to people the upload changed. */
  restore: BulkOperation[];
  /** Previous records, enabled, for people the upload disabled. */
  reenable: BulkOperation[];
  /** Disables for people the upload created. */
  disable: BulkOperation[];
  /** People changed again since: left alone unless `includeConflicts` (then also planned in the groups above). */
  conflicts: UndoConflict[];
  /** True when the conflicts are included in the groups above. */
  conflictsIncluded: boolean;
  /** People already as they were before the upload (nothing to send). */
  unchanged: string[];
  /** restore, reenable and disable together, in that order. */
  operations: BulkOperation[];
  /** Bulk requests needed for `operations`. */
  calls: number;
}

/**
 * Plans the undo of `record` against the target's current snapshot. Pure: nothing is read or sent.
 */
export function planUndo(record: UndoRecord, snapshot: Snapshot, options: UndoPlanOptions = {}): UndoPlan {
  const restore: BulkOperation[] = [];
  const reenable: BulkOperation[] = [];
  const disable: BulkOperation[] = [];
  const conflicts: UndoConflict[] = [];
  const unchanged: string[] = [];
  const include = options.includeConflicts ?? false;

  for (const [externalId, entry] of record.people) {
    const current = snapshot.records.get(externalId);
    const before = entry.before;
    // Already back where it was (an earlier undo, or a later file that set the same values): nothing to send.
    if (before && current && current.hash === before.hash) {
      unchanged.push(externalId);
      continue;
    }
    // Created by the upload and disabled by now (by an earlier undo, or as a leaver of a later file): done.
    if (!before && current?.data.active === false) {
      unchanged.push(externalId);
      continue;
    }
    if (!current || current.hash !== entry.after) {
      const changedBy = options.changedBy?.get(externalId);
      conflicts.push({ externalId, reason: current ? 'changed' : 'gone', ...(changedBy ? { changedBy } : {}) });
      if (!include || !current) continue;
    }
    if (!before) {
      disable.push(toOperation(disablePayload(current.data, externalId)));
    } else if (current.data.active === false && before.data.active !== false) {
      // Only an explicit value re-enables an account: a record without `active` would leave them disabled.
      reenable.push(toOperation({ ...before.data, active: true }));
    } else {
      restore.push(toOperation(before.data));
    }
  }
  const operations = [...restore, ...reenable, ...disable];
  return {
    runId: record.runId,
    restore,
    reenable,
    disable,
    conflicts,
    conflictsIncluded: include,
    unchanged,
    operations,
    calls: Math.ceil(operations.length / (options.chunkSize ?? MAX_BULK_OPERATIONS)),
  };
}
