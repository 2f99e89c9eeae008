/**
 * The services behind the bridge, as plain Node: one handler per channel and one `dispatch` that every
 * transport (Electron IPC, the local HTTP bridge, tests) goes through. `dispatch` refuses channels not on the
 * allow-list, checks the request against the channel's schema, and turns every failure into error data.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HELPER_FUNCTIONS, SnapshotStore, ensurePrivateDir } from '@scimport/core';
import { SANDBOX_TIME_SCALE, startEmulator, type Emulator, type EmulatorOptions } from '@scimport/emulator';
import { REQUESTS, isChannel, type Channel, type CheckedRequest, type Envelope, type Response } from '../../shared/contract';
import { t } from '@scimport/messages';
import { AnnotatedService } from './annotated';
import { ChosenPaths } from './chosen';
import { DiffService } from './diff';
import { fail, toErrorData } from './errors';
import { newId } from './ids';
import { JobService } from './job';
import { MappingService } from './mapping';
import { ProfileService } from './profiles';
import { RecentStore } from './recent';
import { clientSecretKey, type SecretStore } from './secrets';
import { TableService, safeFileName } from './tables';
import { UploadService, type UploadContext } from './upload';
import { UndoService } from './undo';
import type { SandboxEndpoint } from './connection';
import type { PacerOptions } from '@scimport/transport';
import { ValidationService } from './validation';

export { MemorySecretStore, SealedFileSecretStore, clientSecretKey, type Cipher, type SecretStore } from './secrets';

export interface ServiceOptions {
  mode: 'electron' | 'web';
  version: string;
  /** The app's data folder: profiles, runs, snapshots, history, the sandbox. */
  dataDir: string;
  secrets: SecretStore;
  /** The 32-byte key snapshots are encrypted with (from the keychain in the app); none: stored plain. */
  snapshotKey?: () => Promise<Buffer | undefined>;
  /** Native file dialogs (Electron only). */
  dialogs?: { openFile(purpose: 'table' | 'profile' | 'psd1'): Promise<string | undefined> };
  /** Extra options of the built-in sandbox (by default Entra's timing ×20; tests make its logs appear at once). */
  sandbox?: Partial<EmulatorOptions>;
  poll?: UploadContext['poll'];
  /** Pause before the outbox tries an unreachable target again (default 15 s, doubling up to 10 min). */
  outboxRetry?: UploadContext['outboxRetry'];
  /** Pacing and retries of Graph calls (default: Entra's pace, 6 attempts). */
  pacer?: PacerOptions;
  /**
   * Where the sandbox answers, instead of the built-in one started on first use (tests point it at an emulator
   * they stop and start, to play an unreachable target).
   */
  sandboxEndpoint?: () => Promise<SandboxEndpoint>;
  /** Paths already chosen in this session (a restarted worker is handed the host's list). */
  chosen?: readonly string[];
}

export type Handlers = { [C in Channel]: (request: CheckedRequest<C>) => Promise<Response<C>> | Response<C> };

export interface Services {
  handlers: Handlers;
  /** The single entry of every transport: allow-list, input check, errors as data. */
  dispatch(channel: unknown, request: unknown): Promise<Envelope<unknown>>;
  /**
   * Records a path the person chose outside the bridge's requests: a file dropped on the app's window, whose path
   * only the preload can read (from the File the drop gave it) and the host passes on.
   */
  choosePath(path: string): void;
  dispose(): Promise<void>;
}

export function createServices(options: ServiceOptions): Services {
  const { dataDir } = options;
  const recent = new RecentStore(dataDir);
  const tables = new TableService();
  const profiles = new ProfileService(dataDir, tables, recent);
  // Every path a request names must be one the person chose (see chosen.ts).
  const chosen = new ChosenPaths(profiles.folder, recent);
  for (const path of options.chosen ?? []) chosen.add(path);
  const mapping = new MappingService(tables);
  const validations = new ValidationService(join(dataDir, 'work'), tables);
  let store: Promise<SnapshotStore> | undefined;
  const snapshots = () => (store ??= (options.snapshotKey?.() ?? Promise.resolve(undefined)).then((key) => new SnapshotStore({ dir: join(dataDir, 'snapshots'), key })));
  const diffs = new DiffService(validations, snapshots);
  let sandbox: Promise<Emulator> | undefined;
  const startSandbox = () => {
    // Entra's timing, compressed (results 15–30 s after sending instead of 5–10 minutes); the screens say so.
    sandbox ??= startEmulator({ stateDir: join(dataDir, 'sandbox'), realisticTiming: true, timeScale: SANDBOX_TIME_SCALE, ...options.sandbox }).catch((error: unknown) => {
      sandbox = undefined;
      throw error;
    });
    return sandbox;
  };
  const uploadContext: UploadContext = {
    dataDir,
    secrets: options.secrets,
    sandbox: options.sandboxEndpoint ?? startSandbox,
    snapshots,
    ...(options.poll ? { poll: options.poll } : {}),
    ...(options.outboxRetry ? { outboxRetry: options.outboxRetry } : {}),
    ...(options.pacer ? { pacer: options.pacer } : {}),
  };
  const uploads = new UploadService(uploadContext, diffs);
  // "Undo this upload": core's planning, sent as an upload of the same service.
  const undos = new UndoService(uploadContext, uploads);
  // Uploads waiting in the outbox, or interrupted when the app closed, carry on as soon as the services start.
  const restored = uploads.restore().catch(() => 0);
  const jobs = new JobService(uploads.connector, dataDir, (dropped) => uploads.markDropped(dropped));
  const annotated = new AnnotatedService(join(dataDir, 'work'), validations, diffs, uploads);

  const handlers: Handlers = {
    'app:info': () => ({
      mode: options.mode,
      version: options.version,
      dataDir,
      helpers: HELPER_FUNCTIONS.map((h) => ({ name: h.name, signature: h.signature, description: h.description })),
      secretsPersist: options.secrets.persistent,
    }),
    'recent:list': () => recent.list(),
    'dialog:openFile': async ({ purpose }) => {
      if (!options.dialogs) fail('UNSUPPORTED', 'File dialogs are only available in the desktop app; in the browser, choose the file with the button instead.');
      const path = await options.dialogs.openFile(purpose);
      return path ? { path: chosen.add(path) } : {};
    },
    'file:upload': async ({ name, dataBase64 }) => {
      // Owner-only, and uploads/ tightened if an earlier version left it wider: these are people's files.
      await ensurePrivateDir(join(dataDir, 'uploads'));
      const dir = join(dataDir, 'uploads', newId('file'));
      await mkdir(dir, { mode: 0o700 });
      const path = join(dir, safeFileName(name));
      await writeFile(path, Buffer.from(dataBase64, 'base64'), { mode: 0o600 });
      return { path: chosen.add(path) };
    },
    // The browser has no dialogs and hides dropped files' paths, so the start screen there takes a typed path
    // (development); the app has both and refuses typed paths, so only a dialog or a drop names a file.
    'file:choose': ({ path }) => {
      if (options.mode !== 'web') fail('UNSUPPORTED', t('services.path.typedInApp'));
      return { path: chosen.add(path) };
    },
    'file:open': async ({ path, sheet, headerRow, profile }) => {
      await chosen.check(path);
      const info = await tables.open(path, { ...(sheet !== undefined ? { sheet } : {}), ...(headerRow !== undefined ? { headerRow } : {}) }, profile);
      await recent.addFile(path, info.file).catch(() => undefined);
      return info;
    },
    'file:status': ({ tableId }) => tables.status(tableId),
    'file:rows': ({ tableId, start, count }) => tables.rows(tableId, start, count),
    'file:rowAt': ({ tableId, row }) => tables.rowAt(tableId, row),
    'file:close': ({ tableId }) => ({ closed: tables.close(tableId) }),
    'profile:autoMap': ({ tableId, name }) => profiles.autoMap(tableId, name),
    'profile:importPsd1': ({ text, fileName }) => profiles.importPsd1(text, fileName),
    'profile:parse': ({ text, fileName }) => ({ profile: profiles.parse(text, fileName) }),
    'profile:load': async ({ path }) => {
      await chosen.check(path);
      return profiles.load(path);
    },
    'profile:save': async ({ profile, path, saveAs }) => {
      // Without a path: the profiles folder. With one: a profile chosen before (save as: a new name beside it).
      if (path !== undefined) await chosen.check(path);
      const saved = await profiles.save(profile, path, saveAs ?? false);
      chosen.add(saved.path);
      return saved;
    },
    'profile:list': async () => ({ profiles: await profiles.list() }),
    'mapping:check': ({ mapping: text }) => mapping.check(text),
    'mapping:preview': ({ tableId, index, profile }) => mapping.preview(tableId, index, profile),
    'mapping:tests': ({ profile }) => mapping.tests(profile),
    'mapping:toForm': ({ mapping: text, extension }) => mapping.toForm(text, extension),
    'mapping:fromForm': ({ form, extension }) => mapping.fromForm(form, extension),
    'mapping:hints': ({ tableId, mapping: text }) => mapping.hints(tableId, text),
    'mapping:fit': ({ tableId, mapping: text }) => tables.fit(tableId, text),
    'validate:start': ({ tableId, profile }) => validations.start(tableId, profile),
    'validate:status': ({ jobId }) => validations.status(jobId),
    'validate:findings': ({ jobId, onlyErrors, start, count }) => validations.findings(jobId, onlyErrors, start, count),
    'validate:cancel': ({ jobId }) => ({ cancelled: validations.cancel(jobId) }),
    'validate:report': ({ jobId }) => validations.report(jobId),
    'validate:groups': ({ jobId, onlyErrors }) => validations.groups(jobId, onlyErrors),
    'validate:annotated': ({ jobId }) => annotated.validation(jobId),
    'diff:compute': ({ jobId, target, leavers }) => diffs.compute(jobId, target, leavers),
    'diff:records': ({ diffId, kind, start, count }) => diffs.records(diffId, kind, start, count),
    'upload:budget': ({ diffId }) => uploads.budget(diffId),
    'upload:testConnection': ({ target, diffId }) => uploads.testConnection(target, diffId),
    'upload:preflight': ({ diffId }) => uploads.preflight(diffId),
    'job:status': ({ target }) => jobs.status(target),
    'job:start': ({ target }) => jobs.start(target),
    'job:pause': ({ target }) => jobs.pause(target),
    'job:notify': ({ target, email, deleteThreshold }) => jobs.notify(target, email, deleteThreshold),
    'upload:start': ({ diffId, firstOnly, allowMassChanges }) =>
      uploads.start(diffId, { ...(firstOnly !== undefined ? { firstOnly } : {}), ...(allowMassChanges !== undefined ? { allowMassChanges } : {}) }),
    'upload:status': ({ uploadId }) => uploads.status(uploadId),
    'upload:pause': ({ uploadId }) => uploads.pause(uploadId),
    'upload:resume': ({ uploadId }) => uploads.resume(uploadId),
    'upload:cancel': ({ uploadId }) => uploads.cancel(uploadId),
    'upload:sendRest': ({ uploadId }) => uploads.sendRest(uploadId),
    'upload:resultsReport': ({ uploadId }) => uploads.resultsReport(uploadId),
    'upload:annotated': ({ uploadId }) => annotated.upload(uploadId),
    'upload:outbox': async () => {
      await restored;
      return { uploads: uploads.outboxList() };
    },
    'upload:online': () => uploads.online(),
    'secrets:set': async ({ tenantId, clientId, secret }) => {
      await options.secrets.set(clientSecretKey(tenantId, clientId), secret);
      return { stored: true, persistent: options.secrets.persistent };
    },
    'secrets:has': async ({ tenantId, clientId }) => ({ present: (await options.secrets.get(clientSecretKey(tenantId, clientId))) !== undefined }),
    'secrets:delete': async ({ tenantId, clientId }) => ({ deleted: await options.secrets.delete(clientSecretKey(tenantId, clientId)) }),
    'history:list': async () => ({ entries: await undos.history() }),
    'undo:preview': ({ runId, includeConflicts }) => undos.preview(runId, includeConflicts ?? false),
    'undo:start': ({ undoId }) => undos.start(undoId),
  };

  async function dispatch(channel: unknown, request: unknown): Promise<Envelope<unknown>> {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'The app asked for something it is not allowed to do. Restart the app; if it happens again, report it.' } };
    }
    try {
      const checked = REQUESTS[channel].parse(request ?? {});
      const handler = handlers[channel] as (input: unknown) => Promise<unknown> | unknown;
      return { ok: true, result: await handler(checked) };
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  }

  return {
    handlers,
    dispatch,
    choosePath: (path) => void chosen.add(path),
    async dispose() {
      await restored;
      await uploads.dispose();
      await validations.dispose();
      await tables.closeAll();
      const running = sandbox;
      sandbox = undefined;
      if (running) await (await running.catch(() => undefined))?.close();
    },
  };
}
