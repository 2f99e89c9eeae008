/**
 * The upload workflow the CLI and the app share: a run's chunks sent (uploadRun), each chunk Entra accepted
 * recorded in the target's snapshot as soon as its 202 is journalled, the provisioning logs read back and the
 * failures marked with their reasons. The snapshot bookkeeping itself is core's SnapshotRecorder; this binds it to
 * a run — which chunks are recorded is kept in the run's folder, so `status`, a resume or the app's next start
 * record whatever a crash left unrecorded, and never record a chunk twice.
 */
import path from 'node:path';
import { type BulkRequest, type FailedPerson, type RecordedChunks, type Snapshot, type SnapshotSaver, type SnapshotStore, type UndoCapture, SnapshotRecorder, UndoStore } from '@scimport/core';
import { isTransportError } from './errors';
import { readJsonIfExists, writeJsonAtomic } from './fsutil';
import { readChunkStates } from './journal';
import { type PollOptions, type RunResults, pollResults } from './results';
import { type Run, readChunk } from './run-store';
import { type UploadOptions, type UploadSummary, uploadRun } from './run';

/** Per run: the chunks already in the snapshot (the name older CLI runs used, so their record carries on). */
export const RECORDED_FILE = 'snapshot-applied.json';

interface RecordedFile {
  version: 1 | 2;
  /** Version 1: chunk numbers recorded, times unknown. */
  chunks?: number[];
  /** Version 2: chunk number → the acceptance time recorded. */
  accepted?: Record<string, string>;
}

/** The feed a run was planned for, as kept in its manifest (`meta.feed`). */
export function feedOfRun(run: Run): string | undefined {
  const feed = run.manifest.meta.feed;
  return typeof feed === 'string' && feed.trim() !== '' ? feed : undefined;
}

export interface RunRecorderOptions {
  store: SnapshotSaver;
  /** The feed that sends the run. Default: the run's `meta.feed` (absent for runs from before feeds). */
  feed?: string | undefined;
  /** The snapshot the plan was made from, when it is still in memory (saves loading it again). */
  snapshot?: Snapshot;
  /**
   * Where the run's undo record goes. Default: the data folder's `undo` folder, encrypted with the snapshot store's
   * key, whenever `store` is a SnapshotStore — so every upload, resume and late recording keeps one.
   */
  undo?: UndoCapture;
}

/** The undo capture of a run when the store is a SnapshotStore (tests may pass plain savers: they keep none). */
function undoOf(run: Run, store: SnapshotSaver): UndoCapture | undefined {
  if (typeof (store as Partial<SnapshotStore>).withDir !== 'function') return undefined;
  const target = { tenantId: run.manifest.target.tenantId, jobId: run.manifest.target.jobId };
  return new UndoStore(store as SnapshotStore, run.dataDir).capture(run.id, target);
}

/**
 * A run's snapshot bookkeeping. Hold the target's lock (lockTarget) while a RunRecorder is open: it keeps the
 * snapshot in memory between saves.
 */
export class RunRecorder {
  private constructor(
    readonly run: Run,
    readonly recorder: SnapshotRecorder,
  ) {}

  static async open(run: Run, options: RunRecorderOptions): Promise<RunRecorder> {
    const file = path.join(run.dir, RECORDED_FILE);
    const feed = options.feed ?? feedOfRun(run);
    const undo = options.undo ?? undoOf(run, options.store);
    const recorder = await SnapshotRecorder.open({
      ...(undo ? { undo } : {}),
      store: options.store,
      target: { tenantId: run.manifest.target.tenantId, jobId: run.manifest.target.jobId },
      ...(feed !== undefined ? { feed } : {}),
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
      recorded: {
        load: async () => recordedOf(await readJsonIfExists<RecordedFile>(file).catch(() => undefined)),
        save: (chunks) =>
          writeJsonAtomic(file, { version: 2, accepted: Object.fromEntries([...chunks].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])) } satisfies RecordedFile),
      },
    });
    return new RunRecorder(run, recorder);
  }

  get snapshot(): Snapshot {
    return this.recorder.snapshot;
  }

  /** For UploadOptions.onAccepted: records the chunk and saves before resolving. */
  readonly onAccepted = async (chunk: number, request: BulkRequest, at: Date): Promise<void> => {
    await this.recorder.accepted(chunk, request.Operations, at);
  };

  /**
   * Records every chunk the journal says was accepted and is not in the snapshot yet (after a crash, or for a run
   * sent before this bookkeeping). Returns how many people were recorded.
   */
  async catchUp(): Promise<number> {
    const states = await readChunkStates(this.run);
    let n = 0;
    for (const chunk of this.run.manifest.chunks) {
      const state = states[chunk.index - 1];
      if (state?.state !== 'accepted' || this.recorder.isRecorded(chunk.index, state.at)) continue;
      n += await this.recorder.accepted(chunk.index, (await readChunk(this.run, chunk.index)).Operations, new Date(state.at));
    }
    return n;
  }

  /**
   * Marks the people the provisioning logs report as failed in this run, with the logs' reason, so the next upload
   * sends them again — only where the snapshot still holds this run's payload for them (a later run that sent them
   * again has the last word) and they are not marked already. Returns how many were marked.
   */
  async failures(results: Pick<RunResults, 'rows'> & Partial<Pick<RunResults, 'pending' | 'late'>>): Promise<number> {
    const failed = results.rows.filter((r) => r.status === 'failure');
    const unanswered = results.late ? (results.pending ?? []) : [];
    if (failed.length === 0 && unanswered.length === 0) return 0;
    const states = await readChunkStates(this.run);
    const records = this.recorder.snapshot.records;
    let n = 0;
    for (const row of failed) {
      const state = states[row.chunk - 1];
      const record = records.get(row.externalId);
      if (state?.state !== 'accepted' || !record || record.failedAt !== undefined) continue;
      if (record.acceptedAt !== new Date(state.at).toISOString()) continue;
      const when = Date.parse(row.activityDateTime);
      // The reason is kept: a person who failed for want of a manager then waits for that manager.
      const person: FailedPerson = { externalId: row.externalId, ...(row.errorCode ? { errorCode: row.errorCode } : {}), ...(row.reason ? { reason: row.reason } : {}) };
      n += await this.recorder.failed([person], Number.isNaN(when) ? new Date() : new Date(when));
    }
    if (unanswered.length > 0) {
      // Past Entra's documented 5–10 minutes with no result at all, a person is not "provisioned": the upload
      // may have been dropped (a restart of the job purges what it had not processed). Marked so the next upload
      // sends them again — never while the results are merely not in yet.
      const acceptedAt = new Set(states.flatMap((s) => (s.state === 'accepted' ? [new Date(s.at).toISOString()] : [])));
      const people: FailedPerson[] = [];
      for (const externalId of unanswered) {
        const record = records.get(externalId);
        if (!record || record.failedAt !== undefined || !acceptedAt.has(record.acceptedAt)) continue;
        people.push({ externalId, errorCode: NO_RESULT_CODE, reason: NO_RESULT_REASON });
      }
      if (people.length > 0) n += await this.recorder.failed(people, new Date());
    }
    return n;
  }
}

/** The mark of a person Entra never reported on within its documented window (not an error code of Entra's). */
export const NO_RESULT_CODE = 'NoResultInDocumentedWindow';
const NO_RESULT_REASON =
  'Entra reported no result for this person within the 5–10 minutes it documents (the upload may have been dropped, for example by a restart of the provisioning job); they are sent again with the next upload.';

function recordedOf(file: RecordedFile | undefined): RecordedChunks {
  const out: RecordedChunks = new Map();
  if (file?.version === 1 && Array.isArray(file.chunks)) for (const c of file.chunks) if (Number.isInteger(c)) out.set(c, '*');
  if (file?.version === 2 && file.accepted) {
    for (const [k, v] of Object.entries(file.accepted)) if (typeof v === 'string' && Number.isInteger(Number(k))) out.set(Number(k), v);
  }
  return out;
}

/** What `sendAndRecord` does besides uploadRun's options. */
export interface SendAndRecordOptions extends Omit<UploadOptions, 'onAccepted'> {
  recorder: RunRecorder;
  /**
   * Called when the upload failed and recording what it had accepted failed too (the upload's error is thrown):
   * say that the snapshot lags behind and that `status` or the next start records it from the journal.
   */
  onRecordError?: (error: unknown) => void;
  /** Called once a chunk's people are saved in the snapshot (for a status line; a crash after it loses nothing). */
  onRecorded?: (chunk: number, people: number) => void;
}

/**
 * Uploads what is left of a run and records each accepted chunk in the snapshot as it is accepted (saved before the
 * upload returns); whatever happens, every chunk the journal has as accepted is in the snapshot afterwards. Throws
 * uploadRun's errors.
 */
export async function sendAndRecord(run: Run, options: SendAndRecordOptions): Promise<UploadSummary> {
  const { recorder, onRecordError, onRecorded, ...upload } = options;
  let summary: UploadSummary | undefined;
  let failure: unknown;
  const onAccepted = async (chunk: number, request: BulkRequest, at: Date): Promise<void> => {
    const people = await recorder.recorder.accepted(chunk, request.Operations, at);
    onRecorded?.(chunk, people);
  };
  try {
    summary = await uploadRun(run, { ...upload, onAccepted });
  } catch (error) {
    failure = error;
  }
  // Chunks accepted while a save failed, or before a stop, are still in the journal: record them now.
  try {
    await recorder.catchUp();
  } catch (error) {
    if (failure === undefined) throw error;
    onRecordError?.(error);
  }
  if (failure !== undefined || !summary) throw failure;
  return summary;
}

/**
 * Reads a run's provisioning logs (pollResults) and marks the failures in the snapshot (RunRecorder.failures).
 * ABORTED (a stop while waiting) is thrown as pollResults throws it; what was read before is stored in the run.
 */
export async function readAndRecordResults(run: Run, options: PollOptions & { recorder: RunRecorder }): Promise<RunResults> {
  const { recorder, ...poll } = options;
  const results = await pollResults(run, poll);
  await recorder.failures(results);
  return results;
}

/** True for the error a second upload to a locked target gets. */
export function isTargetLocked(error: unknown): boolean {
  return isTransportError(error) && error.code === 'RUN_LOCKED';
}
