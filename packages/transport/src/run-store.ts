/**
 * Runs on disk: creating a run from bulk requests (chunks copied into the run folder, manifest written last),
 * opening and listing runs, and reading a run's chunks and upload history. Sending is in run.ts, the journal of
 * chunk states in journal.ts.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BulkRequest } from '@scimport/core';
import { type Clock, systemClock } from './clock';
import { TransportError } from './errors';
import { PRIVATE_DIR_MODE, ensurePrivateDir, readJsonIfExists, tightenMode, writeJsonAtomic } from './fsutil';

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

// The same URNs as @scimport/core's constants, written out so that a process that only uploads (a scheduled job, the
// upload worker) does not load the whole core (spreadsheet readers, JSONata) at startup: core is a type-only import here.
const SCIM_BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SCIM_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
/** File name of chunk `index` (1-based) inside the run's `chunks/` folder. */
export const chunkName = (index: number): string => `${pad(index, 6)}.json`;

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
      // Owner-only even when the data folder (and runs/) already existed with wider permissions.
      await ensurePrivateDir(runsDir(options.dataDir));
      await fs.mkdir(dir, { mode: PRIVATE_DIR_MODE });
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
  // A run made by an earlier version may sit in folders anyone could read: close them before more is written.
  for (const folder of [runsDir(dataDir), dir, path.join(dir, 'chunks')]) await tightenMode(folder, PRIVATE_DIR_MODE);
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
