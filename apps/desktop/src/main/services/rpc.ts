/**
 * The messages between the main process (the host) and the services' worker thread. The renderer's requests go
 * host → worker; what only the host can do (the OS keychain, native dialogs) goes worker → host. Everything is
 * structured-clone data: envelopes, never thrown errors.
 */
import type { EmulatorOptions } from '@scimport/emulator';
import type { Envelope } from '../../shared/contract';

/** What the host can do for the worker. */
export type HostMethod = 'secrets.get' | 'secrets.set' | 'secrets.delete' | 'snapshotKey' | 'dialogs.openFile';

/** The plain-data part of the service options, handed to the worker when it starts. */
export interface WorkerSetup {
  mode: 'electron' | 'web';
  version: string;
  dataDir: string;
  secretsPersistent: boolean;
  hasSnapshotKey: boolean;
  hasDialogs: boolean;
  sandbox?: Partial<EmulatorOptions>;
  poll?: { sandbox: { intervalMs: number; minutes: number }; tenant: { intervalMs: number; minutes: number } };
  outboxRetry?: { firstMs: number; maxMs: number };
  /** Paths the person chose so far this session (for a worker started again after a crash). */
  chosen?: string[];
}

export type ToWorker =
  | { type: 'call'; id: number; channel: unknown; request: unknown }
  | { type: 'dispose'; id: number }
  | { type: 'choose'; path: string }
  | { type: 'hostReply'; id: number; ok: true; value: unknown }
  | { type: 'hostReply'; id: number; ok: false; message: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; envelope: Envelope<unknown> }
  | { type: 'disposed'; id: number }
  | { type: 'host'; id: number; method: HostMethod; args: unknown[] };
