import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { BulkRequest } from '@scimport/core';
import { type Clock, systemClock } from './clock';
import { TransportError, abortError, isTransportError } from './errors';
import { readJsonIfExists, syncDir, writeJsonAtomic } from './fsutil';
import type { GraphClient } from './graph';
import type { QuotaLedger } from './ledger';
import type { PacerEvent } from './pacer';

/** Where a run uploads to. Saved with the run so a resume can never go to another tenant or job. */
export interface RunTarget {
  tenantId: string;
  servicePrincipalId: string;
  jobId: string;
  /** Cloud name, for display. */
  cloud?: string;
}

/** What the journal knows about one chunk without opening its file. */
export interface RunChunk {
  /** 1-based position in the run. */
  index: number;
  /** File name inside the run's `chunks/` folder. */
  file: string;
  operations: number;
  bulkIds: string[];
  externalIds: string[];
  /**
   * Earlier chunks holding managers of this chunk's users. This chunk is sent only after they are accepted:
   * Entra resolves `manager.value` when it processes a request and fails the reference if the manager is not
   * there yet.
   */
  dependsOn?: number[];
}

/** The fixed description of a run, written once when the run is created. */
export interface RunManifest {
  version: 1;
  id: string;
  createdAt: string;
  target: RunTarget;
  /** Free-form context from the caller (profile name and version, input file, snapshot id…). No secrets. */
  meta: Record<string, unknown>;
  chunks: RunChunk[];
}

/** The journal entry of one chunk. A chunk without an entry is pending. */
export type ChunkState =
  | { state: 'pending' }
  | { state: 'sending'; since: string; sends: number }
  | { state: 'accepted'; status: number; location?: string; requestId?: string; at: string; sends: number }
  | { state: 'failed'; reason: string; code: string; at: string; sends: number };

/** An upload run on disk. */
export interface Run {
  id: string;
  /** The run's folder: `{dataDir}/runs/{id}`. */
  dir: string;
  dataDir: string;
  manifest: RunManifest;
}

/** Sessions of uploading a run (one per start or resume), for the log window and for history. */
export interface UploadHistory {
  /** First instant anything of this run was sent (ISO). Provisioning logs are read from here on. */
  startedAt: string;
  sessions: { startedAt: string; endedAt?: string; pid: number; outcome?: 'completed' | 'stopped' }[];
}

/** Progress of an upload, reported after every call, throttle, retry and chunk. */
export interface UploadProgress {
  runId: string;
  chunksTotal: number;
  /** Accepted chunks (including those accepted by an earlier session). */
  chunksDone: number;
  chunksFailed: number;
  /** HTTP calls sent this session (including retries). */
  calls: number;
  /** 429 replies this session. */
  throttles: number;
  /** Retries after 5xx / network errors this session. */
  retries: number;
  tokenRefreshes: number;
  elapsedMs: number;
  /** Estimated time to finish; undefined until it can be estimated. */
  etaMs?: number;
  /** What just happened, for a status line. */
  last?: PacerEvent | { type: 'chunk'; chunk: number; state: ChunkState['state'] };
}

export interface UploadOptions {
  /** Graph client of the run's target; its pacer paces the upload. */
  client: GraphClient;
  /**
   * Quota ledger to check against (default: the client's, which is also where calls are counted); with
   * `dailyQuota`, the upload is refused up front if it does not fit.
   */
  ledger?: QuotaLedger;
  /** The tenant's daily call quota (2000 for P1/P2, 6000 for Governance). */
  dailyQuota?: number;
  /** Send even if the ledger says the quota will not last. */
  allowOverQuota?: boolean;
  /**
   * Chunks read and journalled as `sending` ahead of those in flight, waiting for a window slot (default 4).
   * Without them a slot that frees up waits for the chunk's read and its journal write, time the window loses. A
   * crash resends at most the pacer's concurrency + lookahead chunks (harmless: POST is an upsert, but each resend
   * costs a call of the daily quota).
   */
  lookahead?: number;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  clock?: Clock;
}

export interface UploadSummary {
  runId: string;
  chunksTotal: number;
  accepted: number;
  /** Chunks sent (successfully) in this session. */
  sentThisSession: number;
  /** Chunks found in state `sending` (interrupted mid-send) and therefore sent again. */
  resent: number[];
  calls: number;
  throttles: number;
  retries: number;
  durationMs: number;
}

// The same URNs as @scimport/core's constants, written out so that a process that only uploads (a scheduled job, the
// upload worker) does not load the whole core (spreadsheet readers, JSONata) at startup: core is a type-only import here.
const SCIM_BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SCIM_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const chunkName = (index: number): string => `${pad(index, 6)}.json`;

/** A sortable run id in UTC: `20261122-001500-ab12`. */
export function newRunId(at: Date): string {
  const d = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
  const t = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
  return `${d}-${t}-${randomBytes(2).toString('hex')}`;
}

function runsDir(dataDir: string): string {
  return path.join(dataDir, 'runs');
}

function checkBulkRequest(value: unknown, where: string): BulkRequest {
  const fail = (why: string): never => {
    throw new TransportError('INVALID_ARGUMENT', `${where} is not a usable SCIM BulkRequest: ${why}. Generate the bulk files again with scimport.`);
  };
  if (!value || typeof value !== 'object') fail('it is not a JSON object');
  const request = value as BulkRequest;
  if (!Array.isArray(request.schemas) || !request.schemas.includes(SCIM_BULK_REQUEST)) fail(`"schemas" must list ${SCIM_BULK_REQUEST}`);
  if (!Array.isArray(request.Operations) || request.Operations.length === 0) fail('it has no Operations');
  if (request.Operations.length > 50) fail(`it has ${request.Operations.length} operations; Entra accepts at most 50 per request`);
  const seen = new Set<string>();
  request.Operations.forEach((op, i) => {
    if (!op || typeof op.bulkId !== 'string' || op.bulkId === '') fail(`operation ${i + 1} has no bulkId`);
    if (seen.has(op.bulkId)) fail(`bulkId "${op.bulkId}" appears twice`);
    seen.add(op.bulkId);
    if (!op.data || typeof op.data.externalId !== 'string' || op.data.externalId === '') fail(`operation ${i + 1} (bulkId ${op.bulkId}) has no externalId`);
  });
  return request;
}

async function readChunkDir(dir: string): Promise<{ name: string; request: BulkRequest }[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.toLowerCase().endsWith('.json'));
  } catch (err) {
    throw new TransportError('IO', `The folder of bulk files ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, { details: { file: dir }, cause: err });
  }
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length === 0) throw new TransportError('INVALID_ARGUMENT', `The folder ${dir} holds no .json bulk files.`, { details: { file: dir } });
  const out: { name: string; request: BulkRequest }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (err) {
      throw new TransportError('INVALID_ARGUMENT', `${file} cannot be read as JSON (${(err as Error).message}).`, { details: { file }, cause: err });
    }
    out.push({ name, request: checkBulkRequest(parsed, file) });
  }
  return out;
}

/** `manager.value` of a SCIM user (the manager's externalId), if any. */
function managerOf(data: Record<string, unknown>): string | undefined {
  const key = Object.keys(data).find((k) => k.toLowerCase() === SCIM_ENTERPRISE_USER.toLowerCase());
  const enterprise = key ? data[key] : undefined;
  const manager = enterprise && typeof enterprise === 'object' ? (enterprise as Record<string, unknown>).manager : undefined;
  const value = manager && typeof manager === 'object' ? (manager as Record<string, unknown>).value : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function checkTarget(target: RunTarget): RunTarget {
  for (const field of ['tenantId', 'servicePrincipalId', 'jobId'] as const) {
    if (typeof target?.[field] !== 'string' || target[field].trim() === '') {
      throw new TransportError('INVALID_CONFIG', `The upload target has no ${field}. Set it in the profile's target.`);
    }
  }
  return { ...target };
}

/**
 * Create a run: copy the chunks into `{dataDir}/runs/{id}/chunks/`, write the manifest, and return the run.
 * Nothing is sent. The manifest is written last, so a half-created run is never mistaken for a real one.
 */
export async function startRun(options: {
  dataDir: string;
  target: RunTarget;
  /** The bulk requests, or a folder of bulk request .json files (read in natural name order). */
  chunks: BulkRequest[] | string;
  meta?: Record<string, unknown>;
  clock?: Clock;
}): Promise<Run> {
  const clock = options.clock ?? systemClock;
  const target = checkTarget(options.target);
  const requests =
    typeof options.chunks === 'string'
      ? await readChunkDir(options.chunks)
      : options.chunks.map((request, i) => ({ name: `#${i + 1}`, request: checkBulkRequest(request, `Bulk request #${i + 1}`) }));
  if (requests.length === 0) throw new TransportError('INVALID_ARGUMENT', 'There is nothing to upload: no bulk requests were given.');

  const createdAt = new Date(clock.now());
  let id = newRunId(createdAt);
  let dir = path.join(runsDir(options.dataDir), id);
  for (let tries = 0; ; tries += 1) {
    try {
      await fs.mkdir(runsDir(options.dataDir), { recursive: true });
      await fs.mkdir(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 20) {
        throw new TransportError('IO', `Could not create the run folder ${dir}: ${(err as Error).message}.`, { details: { file: dir }, cause: err });
      }
      id = newRunId(createdAt);
      dir = path.join(runsDir(options.dataDir), id);
    }
  }

  const chunks: RunChunk[] = [];
  const chunkOf = new Map<string, number>();
  for (const [i, { request }] of requests.entries()) {
    const index = i + 1;
    const file = chunkName(index);
    await writeJsonAtomic(path.join(dir, 'chunks', file), request);
    const dependsOn = new Set<number>();
    for (const op of request.Operations) {
      const manager = managerOf(op.data);
      const home = manager === undefined ? undefined : chunkOf.get(manager);
      if (home !== undefined) dependsOn.add(home);
    }
    for (const op of request.Operations) chunkOf.set(op.data.externalId, index);
    chunks.push({
      index,
      file,
      operations: request.Operations.length,
      bulkIds: request.Operations.map((op) => op.bulkId),
      externalIds: request.Operations.map((op) => op.data.externalId),
      ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn].sort((a, b) => a - b) } : {}),
    });
  }
  const manifest: RunManifest = { version: 1, id, createdAt: createdAt.toISOString(), target, meta: options.meta ?? {}, chunks };
  await writeJsonAtomic(path.join(dir, 'run.json'), manifest);
  return { id, dir, dataDir: options.dataDir, manifest };
}

/** Open an existing run by id. */
export async function openRun(dataDir: string, runId: string): Promise<Run> {
  if (!RUN_ID.test(runId)) {
    throw new TransportError('RUN_NOT_FOUND', `"${runId}" is not a run id (they look like 20261122-001500-ab12). List the runs to find it.`, { details: { runId } });
  }
  const dir = path.join(runsDir(dataDir), runId);
  const manifest = await readJsonIfExists<RunManifest>(path.join(dir, 'run.json'));
  if (!manifest) {
    throw new TransportError('RUN_NOT_FOUND', `Run ${runId} does not exist in ${runsDir(dataDir)} (or was never completely created).`, { details: { runId } });
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.chunks)) {
    throw new TransportError('RUN_CORRUPT', `Run ${runId} was written by another version of scimport and cannot be resumed here.`, { details: { runId } });
  }
  return { id: runId, dir, dataDir, manifest };
}

/** Ids of the runs in a data folder, oldest first. */
export async function listRuns(dataDir: string): Promise<string[]> {
  try {
    const ids = (await fs.readdir(runsDir(dataDir))).filter((n) => RUN_ID.test(n)).sort();
    // A folder without run.json is a run whose creation was interrupted: not a run.
    const complete = await Promise.all(ids.map((id) => fs.access(path.join(runsDir(dataDir), id, 'run.json')).then(() => true, () => false)));
    return ids.filter((_, i) => complete[i]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TransportError('IO', `The runs folder ${runsDir(dataDir)} cannot be read.`, { cause: err });
  }
}

/** The run's journal: one JSON line per chunk state change, appended in order; a chunk's last line wins. */
const JOURNAL_FILE = 'journal.jsonl';
const CHUNK_STATES = new Set<string>(['pending', 'sending', 'accepted', 'failed']);

/** A promise with its settle functions, which also never counts as an unhandled rejection. */
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface JournalEntry {
  line: string;
  written: Deferred;
  durable: Deferred;
}

/**
 * Appends chunk states to a run's journal. Lines appended while a write is under way go out together in the next
 * write, and every write is followed by one fsync covering all lines written so far (a group commit): the previous
 * design, one atomic file per state with two fsyncs each, delayed the sends by tens of milliseconds at Entra's pace.
 *
 * Each append reports two moments. `written`: the line is in the file, so it survives the process being killed.
 * `durable`: it is fsynced, so it survives a power cut too. A chunk is sent once its `sending` line is written: if a
 * power cut loses that line, the chunk reads as pending and a resume sends it, exactly as it would a chunk found
 * `sending`. `accepted` lines are waited for until durable before the upload returns.
 *
 * A crash can leave the last line torn; such a line never took effect, so readers skip it, and the writer starts
 * on a fresh line.
 */
class JournalWriter {
  private handle: FileHandle | undefined;
  private queue: JournalEntry[] = [];
  private unsynced: JournalEntry[] = [];
  private writing: Promise<void> | undefined;
  private syncing: Promise<void> | undefined;
  /** A torn or failed write may have left the file without a final newline. */
  private startFresh = false;

  constructor(private readonly file: string) {}

  append(index: number, state: ChunkState): { written: Promise<void>; durable: Promise<void> } {
    const entry: JournalEntry = { line: `${JSON.stringify({ chunk: index, ...state })}\n`, written: deferred(), durable: deferred() };
    this.queue.push(entry);
    this.writing ??= this.writeLoop();
    return { written: entry.written.promise, durable: entry.durable.promise };
  }

  private async open(): Promise<FileHandle> {
    const created = !(await fs.access(this.file).then(() => true, () => false));
    const handle = await fs.open(this.file, 'a+');
    const { size } = await handle.stat();
    if (size > 0) {
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      this.startFresh = buffer[0] !== 0x0a;
    }
    // The file's existence must survive a power cut too, or its first lines would vanish with it.
    if (created) await syncDir(path.dirname(this.file));
    return handle;
  }

  private failure(err: unknown): TransportError {
    return new TransportError('IO', `Could not write the upload journal ${this.file}: ${(err as Error).message}. Check that the data folder is writable and the disk is not full, then resume the run.`, {
      details: { file: this.file },
      cause: err,
    });
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          this.handle ??= await this.open();
          const text = `${this.startFresh ? '\n' : ''}${batch.map((e) => e.line).join('')}`;
          this.startFresh = true; // until this write is known complete
          await this.handle.appendFile(text, 'utf8');
          this.startFresh = false;
        } catch (err) {
          const failure = this.failure(err);
          for (const e of batch) {
            e.written.reject(failure);
            e.durable.reject(failure);
          }
          continue;
        }
        for (const e of batch) e.written.resolve();
        this.unsynced.push(...batch);
        this.syncing ??= this.syncLoop();
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async syncLoop(): Promise<void> {
    try {
      while (this.unsynced.length > 0 && this.handle) {
        // Lines written before the fsync starts are covered by it.
        const batch = this.unsynced.splice(0);
        try {
          await this.handle.sync();
          for (const e of batch) e.durable.resolve();
        } catch (err) {
          const failure = this.failure(err);
          for (const e of batch) e.durable.reject(failure);
        }
      }
    } finally {
      this.syncing = undefined;
    }
  }

  /** Wait for every append to be durable (or to have failed), then close the file. */
  async close(): Promise<void> {
    while (this.writing || this.syncing) await Promise.all([this.writing, this.syncing]);
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}

/**
 * The journal state of every chunk, in chunk order. Runs written by earlier versions kept one file per chunk in
 * `state/`; those are read first and the journal, being newer, overrides them.
 */
export async function readChunkStates(run: Run): Promise<ChunkState[]> {
  const states: ChunkState[] = run.manifest.chunks.map(() => ({ state: 'pending' as const }));
  const legacyDir = path.join(run.dir, 'state');
  const legacy = await fs.readdir(legacyDir).catch(() => [] as string[]);
  const wanted = new Set(legacy);
  await Promise.all(
    run.manifest.chunks.map(async (chunk, i) => {
      const name = chunkName(chunk.index);
      if (!wanted.has(name)) return;
      const state = await readJsonIfExists<ChunkState>(path.join(legacyDir, name));
      if (state) states[i] = state;
    }),
  );
  let text: string;
  try {
    text = await fs.readFile(path.join(run.dir, JOURNAL_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return states;
    throw new TransportError('IO', `The upload journal of run ${run.id} cannot be read: ${(err as Error).message}.`, { details: { runId: run.id, file: path.join(run.dir, JOURNAL_FILE) }, cause: err });
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // torn by a crash mid-write: it never took effect
    }
    if (!entry || typeof entry !== 'object') continue;
    const { chunk, ...state } = entry as { chunk?: unknown; state?: unknown };
    if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1 || chunk > states.length || typeof state.state !== 'string' || !CHUNK_STATES.has(state.state)) continue;
    states[chunk - 1] = state as ChunkState;
  }
  return states;
}

/** Read one chunk's bulk request from the run folder. */
export async function readChunk(run: Run, index: number): Promise<BulkRequest> {
  const chunk = run.manifest.chunks[index - 1];
  if (!chunk) throw new TransportError('INVALID_ARGUMENT', `Run ${run.id} has no chunk ${index}.`);
  const request = await readJsonIfExists<BulkRequest>(path.join(run.dir, 'chunks', chunk.file));
  if (!request) throw new TransportError('RUN_CORRUPT', `Chunk ${index} of run ${run.id} is missing from ${path.join(run.dir, 'chunks')}.`, { details: { runId: run.id, chunk: index } });
  return request;
}

/** Upload history of a run (undefined when nothing was ever sent). */
export function readUploadHistory(run: Run): Promise<UploadHistory | undefined> {
  return readJsonIfExists<UploadHistory>(path.join(run.dir, 'upload.json'));
}

/** Counts per state, for a status display. */
export async function runStatus(run: Run): Promise<{ total: number; pending: number; sending: number; accepted: number; failed: number }> {
  const states = await readChunkStates(run);
  const count = (s: ChunkState['state']): number => states.filter((x) => x.state === s).length;
  return { total: states.length, pending: count('pending'), sending: count('sending'), accepted: count('accepted'), failed: count('failed') };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// One uploader per run: a second process resuming the same run would send chunks twice.
async function lockRun(run: Run): Promise<() => Promise<void>> {
  const file = path.join(run.dir, 'upload.lock');
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      await handle.close();
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TransportError('IO', `Could not lock run ${run.id}: ${(err as Error).message}.`, { cause: err });
      const holder = await readJsonIfExists<{ pid?: number }>(file).catch(() => undefined);
      if (holder?.pid && holder.pid !== process.pid && pidAlive(holder.pid)) {
        throw new TransportError('RUN_LOCKED', `Run ${run.id} is being uploaded by another scimport process (pid ${holder.pid}). Wait for it to finish, or stop it first.`, { details: { runId: run.id } });
      }
      // The holder is gone (crashed): the lock is stale.
      await fs.rm(file, { force: true });
    }
  }
  throw new TransportError('RUN_LOCKED', `Run ${run.id} could not be locked for upload.`, { details: { runId: run.id } });
}

function chunkLabel(chunk: RunChunk, total: number): string {
  const first = chunk.bulkIds[0];
  const last = chunk.bulkIds[chunk.bulkIds.length - 1];
  const ids = first === last ? `bulkId ${first}` : `bulkIds ${first}…${last}`;
  return `chunk ${chunk.index} of ${total} (${chunk.operations} users, ${ids})`;
}

/**
 * Upload every chunk of a run that is not yet accepted, through the client's pacer. Each chunk's state is appended
 * to the run's journal before sending (`sending`) and after (`accepted` / `failed`; the upload goes on while an
 * `accepted` is being made durable and waits for all of them before it returns; see JournalWriter), so after a
 * crash `resumeRun` sends exactly the chunks not known to be accepted; a chunk caught in `sending` is sent again
 * (harmless: POST is an upsert by externalId). A chunk holding reports waits until the chunks holding their
 * managers are accepted. The first chunk that fails for good stops the upload: chunks
 * in flight complete, no new ones start, and the error is thrown (details.chunk, details.bulkIds).
 */
export async function uploadRun(run: Run, options: UploadOptions): Promise<UploadSummary> {
  const clock = options.clock ?? options.client.pacer.clock ?? systemClock;
  const { client, signal } = options;
  const target = run.manifest.target;
  if (client.credential.tenantId.toLowerCase() !== target.tenantId.toLowerCase() || client.servicePrincipalId !== target.servicePrincipalId || (client.jobId && client.jobId !== target.jobId)) {
    throw new TransportError(
      'INVALID_CONFIG',
      `Run ${run.id} was prepared for tenant ${target.tenantId}, service principal ${target.servicePrincipalId}, job ${target.jobId}; the connection points elsewhere (tenant ${client.credential.tenantId}, service principal ${client.servicePrincipalId}, job ${client.jobId ?? 'unset'}). Use the run's own target.`,
      { details: { runId: run.id } },
    );
  }
  client.jobId ??= target.jobId;
  if (signal?.aborted) throw abortError(signal, 'The upload');

  const lookahead = options.lookahead ?? 4;
  if (!Number.isInteger(lookahead) || lookahead < 0) {
    throw new TransportError('INVALID_ARGUMENT', `The upload lookahead must be a whole number of chunks, 0 or more (got ${String(lookahead)}).`);
  }
  const release = await lockRun(run);
  const journal = new JournalWriter(path.join(run.dir, JOURNAL_FILE));
  const startedAt = clock.now();
  const total = run.manifest.chunks.length;
  const stats = { calls: 0, throttles: 0, retries: 0, tokenRefreshes: 0 };
  let done = 0;
  let failed = 0;
  let sentThisSession = 0;
  const resent: number[] = [];
  let unsubscribe: () => void = () => undefined;
  let history: UploadHistory | undefined;
  const historyFile = path.join(run.dir, 'upload.json');
  try {
    const states = await readChunkStates(run);
    const todo = run.manifest.chunks.filter((c, i) => states[i]?.state !== 'accepted');
    done = total - todo.length;
    for (const c of todo) if (states[c.index - 1]?.state === 'sending') resent.push(c.index);

    const ledger = options.ledger ?? client.ledger;
    if (ledger && options.dailyQuota && todo.length > 0) {
      await ledger.ensureRoom(target.tenantId, options.dailyQuota, todo.length, options.allowOverQuota ?? false);
    }

    const report = (last?: UploadProgress['last']): void => {
      if (!options.onProgress) return;
      const elapsedMs = clock.now() - startedAt;
      const doneHere = sentThisSession;
      const remaining = total - done;
      let etaMs: number | undefined;
      if (remaining === 0) etaMs = 0;
      else if (doneHere > 0) {
        // The measured pace, but never faster than the window allows.
        const floor = (remaining / client.pacer.windowCalls) * client.pacer.windowMs;
        etaMs = Math.max(floor, (elapsedMs / doneHere) * remaining);
      }
      try {
        options.onProgress({ runId: run.id, chunksTotal: total, chunksDone: done, chunksFailed: failed, ...stats, elapsedMs, ...(etaMs !== undefined ? { etaMs } : {}), ...(last ? { last } : {}) });
      } catch {
        // a broken progress bar must not break the upload
      }
    };
    unsubscribe = client.pacer.onEvent((event) => {
      if (event.type === 'call') stats.calls += 1;
      else if (event.type === 'throttle') stats.throttles += 1;
      else if (event.type === 'retry') stats.retries += 1;
      else if (event.type === 'tokenRefresh') stats.tokenRefreshes += 1;
      report(event);
    });

    if (todo.length > 0) {
      history = (await readUploadHistory(run)) ?? { startedAt: new Date(startedAt).toISOString(), sessions: [] };
      history.sessions.push({ startedAt: new Date(startedAt).toISOString(), pid: process.pid });
      await writeJsonAtomic(historyFile, history);
    }
    report();

    let stopError: unknown;
    const queue = [...todo];
    const acceptedSet = new Set(run.manifest.chunks.filter((_, i) => states[i]?.state === 'accepted').map((c) => c.index));
    // Workers waiting for a dependency wake up whenever any chunk finishes.
    let wake: () => void = () => undefined;
    let changed = new Promise<void>((resolve) => (wake = resolve));
    const notify = (): void => {
      wake();
      changed = new Promise<void>((resolve) => (wake = resolve));
    };
    // The first queued chunk whose managers' chunks are accepted. The earliest queued chunk only ever waits for
    // chunks in flight (dependencies point backwards), so this cannot deadlock.
    const takeReady = async (): Promise<RunChunk | undefined> => {
      for (;;) {
        if (stopError !== undefined || signal?.aborted || queue.length === 0) return undefined;
        const at = queue.findIndex((c) => (c.dependsOn ?? []).every((d) => acceptedSet.has(d)));
        if (at >= 0) return queue.splice(at, 1)[0];
        await changed;
      }
    };
    signal?.addEventListener('abort', notify, { once: true });
    // `accepted` entries being written: the worker moves on to the next chunk meanwhile.
    const journalling = new Set<Promise<void>>();
    const journalAccepted = (index: number, state: ChunkState): void => {
      const write = journal.append(index, state).durable.catch((err: unknown) => {
        stopError ??= err;
        notify();
      });
      journalling.add(write);
      void write.finally(() => journalling.delete(write));
    };
    const worker = async (): Promise<void> => {
      try {
        await work();
      } catch (err) {
        // An IO failure of the journal itself: stop like any other failure, never leave workers running.
        stopError ??= err;
        notify();
      }
    };
    const work = async (): Promise<void> => {
      for (;;) {
        const chunk = await takeReady();
        if (!chunk) return;
        const previous = states[chunk.index - 1];
        const sends = (previous && 'sends' in previous ? previous.sends : 0) + 1;
        const request = await readChunk(run, chunk.index);
        await journal.append(chunk.index, { state: 'sending', since: new Date(clock.now()).toISOString(), sends }).written;
        report({ type: 'chunk', chunk: chunk.index, state: 'sending' });
        try {
          const result = await client.bulkUpload(request, {
            label: chunkLabel(chunk, total),
            details: { chunk: chunk.index, bulkIds: chunk.bulkIds, runId: run.id },
            ...(signal ? { signal } : {}),
          });
          const accepted: ChunkState = {
            state: 'accepted',
            status: result.status,
            ...(result.location ? { location: result.location } : {}),
            ...(result.requestId ? { requestId: result.requestId } : {}),
            at: new Date(clock.now()).toISOString(),
            sends,
          };
          journalAccepted(chunk.index, accepted);
          acceptedSet.add(chunk.index);
          notify();
          done += 1;
          sentThisSession += 1;
          report({ type: 'chunk', chunk: chunk.index, state: 'accepted' });
        } catch (err) {
          // Cancelled mid-send: the service may or may not have it, so the chunk stays `sending` and is resent.
          if (signal?.aborted) {
            stopError ??= abortError(signal, 'The upload');
            notify();
            return;
          }
          const failure: ChunkState = {
            state: 'failed',
            reason: isTransportError(err) ? err.message : String(err),
            code: isTransportError(err) ? err.code : 'UNKNOWN',
            at: new Date(clock.now()).toISOString(),
            sends,
          };
          await journal.append(chunk.index, failure).durable;
          failed += 1;
          stopError ??= err;
          notify();
          report({ type: 'chunk', chunk: chunk.index, state: 'failed' });
          return;
        }
      }
    };
    const workers = Array.from({ length: Math.min(client.pacer.concurrency + lookahead, todo.length) }, () => worker());
    await Promise.all(workers);
    while (journalling.size > 0) await Promise.all([...journalling]);
    signal?.removeEventListener('abort', notify);
    if (stopError === undefined && signal?.aborted) stopError = abortError(signal, 'The upload');
    if (history) {
      const session = history.sessions[history.sessions.length - 1];
      if (session) {
        session.endedAt = new Date(clock.now()).toISOString();
        session.outcome = stopError === undefined ? 'completed' : 'stopped';
      }
      await writeJsonAtomic(historyFile, history);
    }
    // The ledger writes its counts in batches behind the calls: make them durable before saying we are done.
    const ledgerError = await client.ledger?.flush().then(() => undefined, (err: unknown) => err);
    const ledgerProblem = ledgerError === undefined ? '' : ` The quota ledger could not save the count of calls sent: ${isTransportError(ledgerError) ? ledgerError.message : String(ledgerError)}`;
    if (stopError !== undefined) {
      if (isTransportError(stopError)) {
        Object.assign(stopError.details, { runId: run.id });
        if (stopError.code !== 'ABORTED') {
          stopError.message = `${stopError.message} (Run ${run.id}: ${done} of ${total} chunks accepted; resume it once the cause is fixed.)`;
        }
        stopError.message += ledgerProblem;
      }
      throw stopError;
    }
    if (ledgerError !== undefined) {
      throw new TransportError('IO', `All ${total} chunks of run ${run.id} were accepted, but${ledgerProblem.replace(/^ The/, ' the')} Until it can, the daily-quota check under-counts this upload.`, {
        details: { runId: run.id, ...(isTransportError(ledgerError) ? ledgerError.details : {}) },
        cause: ledgerError,
      });
    }
    report();
    return { runId: run.id, chunksTotal: total, accepted: done, sentThisSession, resent, ...pick(stats), durationMs: clock.now() - startedAt };
  } finally {
    unsubscribe();
    // A failure before the end (journal IO, a bad quota check) still leaves the counts made so far on disk.
    await client.ledger?.flush().catch(() => undefined);
    await journal.close();
    await release();
  }
}

function pick(stats: { calls: number; throttles: number; retries: number }): { calls: number; throttles: number; retries: number } {
  return { calls: stats.calls, throttles: stats.throttles, retries: stats.retries };
}

/** Open run `runId` in `dataDir` and upload what is left of it (see uploadRun). */
export async function resumeRun(runId: string, options: UploadOptions & { dataDir: string }): Promise<UploadSummary> {
  const run = await openRun(options.dataDir, runId);
  return uploadRun(run, options);
}
