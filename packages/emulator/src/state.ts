import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DirectoryState } from './directory';
import { EmulatorError } from './errors';
import type { JobRecord } from './job';
import type { JobStateCode, NotificationSettings, SchemaAttribute } from './types';
import type { BulkOperation } from './validate';

export const STATE_FILE = 'emulator-state.json';

/** What a sandbox keeps across restarts. Never a secret: the client secret is chosen again at each start. */
export interface PersistedState {
  version: 1;
  ids: { tenantId: string; clientId: string; servicePrincipalId: string; jobId: string };
  directory: DirectoryState;
  quota: number[];
  schemaAttributes: SchemaAttribute[];
  /** Kept for files written before `job` existed; `job.code` wins when both are present. */
  jobState: JobStateCode;
  /** The API-driven job's status and history (absent in older files). */
  job?: JobRecord;
  /** The SyncNotificationSettings last PUT, parsed (absent = none set). Email addresses, never a credential. */
  notification?: NotificationSettings;
  /** BulkRequests accepted but not processed yet, oldest first. */
  pending?: PendingRequest[];
}

/** A BulkRequest answered 202 and waiting for the job to process it. */
export interface PendingRequest {
  operations: BulkOperation[];
  /** Epoch ms before which it is not processed (processingDelayMs). */
  dueAt: number;
  /** The request-id of the 202 that accepted it (absent in older state files). */
  requestId?: string;
}

export function loadState(stateDir: string): PersistedState | undefined {
  const file = join(stateDir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EmulatorError('STATE_UNREADABLE', `Cannot read the sandbox state ${file}: ${(error as Error).message}. Check the folder's permissions.`, { cause: error });
  }
  try {
    const state = JSON.parse(text) as PersistedState;
    if (state.version !== 1 || !state.ids || !state.directory || !Array.isArray(state.quota)) throw new Error('unknown layout');
    return state;
  } catch (error) {
    throw new EmulatorError(
      'STATE_UNREADABLE',
      `The sandbox state ${file} is damaged (${(error as Error).message}). Delete the file to start the sandbox empty.`,
      { cause: error },
    );
  }
}

/** Write atomically (temp file + rename) so a crash never leaves half a state file. */
export function saveState(stateDir: string, state: PersistedState): void {
  const file = join(stateDir, STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(temp, JSON.stringify(state), 'utf8');
    renameSync(temp, file);
  } catch (error) {
    throw new EmulatorError('STATE_WRITE_FAILED', `Cannot save the sandbox state to ${file}: ${(error as Error).message}.`, { cause: error });
  }
}
