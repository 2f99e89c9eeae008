/**
 * The main process's side of the services' worker thread: starts it, forwards every request to it and answers
 * what the worker asks of the host (secrets from the OS keychain, the snapshot key, file dialogs). It offers the
 * same `dispatch` as in-process services, so Electron's IPC handlers and the web bridge use either unchanged.
 * If the worker dies, the calls waiting on it get an error as data and the next call starts a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import type { Envelope } from '../../shared/contract';
import type { FromWorker, HostMethod, ToWorker, WorkerSetup } from './rpc';
import type { ServiceOptions } from './index';

export interface ServiceWorkerOptions extends Omit<ServiceOptions, 'sandboxEndpoint' | 'pacer'> {
  /**
   * The worker's script. Default: the TypeScript sources through tsx (tests, dev:web); the built app passes its
   * bundled worker.
   */
  entry?: string | URL;
}

export interface ServiceWorker {
  dispatch(channel: unknown, request: unknown): Promise<Envelope<unknown>>;
  /** Records a path the person chose outside a request (a file dropped on the window): see Services.choosePath. */
  choose(path: string): void;
  /** Disposes the services (uploads paused, files closed, the sandbox stopped) and ends the thread. */
  dispose(): Promise<void>;
  /** The current thread (a new one after a restart), for tests and diagnostics. */
  readonly thread: Worker | undefined;
}

const STOPPED: Envelope<never> = {
  ok: false,
  error: { code: 'INTERNAL', message: "The app's background service stopped unexpectedly. Your files were not changed; try again (it restarts by itself). If it keeps happening, restart the app." },
};

/** Starts the services on a worker thread; resolves once they are ready to answer. */
export async function startServiceWorker(options: ServiceWorkerOptions): Promise<ServiceWorker> {
  const setup: WorkerSetup = {
    mode: options.mode,
    version: options.version,
    dataDir: options.dataDir,
    secretsPersistent: options.secrets.persistent,
    hasSnapshotKey: Boolean(options.snapshotKey),
    hasDialogs: Boolean(options.dialogs),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.poll ? { poll: options.poll } : {}),
    ...(options.outboxRetry ? { outboxRetry: options.outboxRetry } : {}),
  };
  const entry = options.entry ?? new URL('./worker-entry.mjs', import.meta.url);

  const hostMethods: Record<HostMethod, (...args: unknown[]) => Promise<unknown>> = {
    'secrets.get': (key) => options.secrets.get(String(key)),
    'secrets.set': (key, value) => options.secrets.set(String(key), String(value)),
    'secrets.delete': (key) => options.secrets.delete(String(key)),
    snapshotKey: async () => {
      const key = await options.snapshotKey?.();
      return key ? new Uint8Array(key) : undefined;
    },
    'dialogs.openFile': async (purpose) => options.dialogs?.openFile(purpose as 'table' | 'profile' | 'psd1'),
  };

  let worker: Worker | undefined;
  let ready: Promise<Worker> | undefined;
  let nextId = 0;
  const calls = new Map<number, (envelope: Envelope<unknown>) => void>();
  const disposals = new Map<number, () => void>();
  let disposing = false;
  // Kept here too, so a worker started again after a crash still knows what the person chose.
  const chosen: string[] = [];

  const launch = (): Promise<Worker> => {
    const thread = new Worker(entry, { workerData: { ...setup, chosen: [...chosen] } satisfies WorkerSetup });
    worker = thread;
    const stopped = () => {
      if (worker !== thread) return;
      worker = undefined;
      ready = undefined;
      for (const answer of calls.values()) answer(STOPPED);
      calls.clear();
      for (const done of disposals.values()) done();
      disposals.clear();
    };
    thread.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'result':
          calls.get(message.id)?.(message.envelope);
          calls.delete(message.id);
          return;
        case 'disposed':
          disposals.get(message.id)?.();
          disposals.delete(message.id);
          return;
        case 'host': {
          const method = hostMethods[message.method];
          const reply = (answer: ToWorker) => thread.postMessage(answer);
          Promise.resolve()
            .then(() => method(...message.args))
            .then(
              (value) => reply({ type: 'hostReply', id: message.id, ok: true, value }),
              // Host failures (a keychain that refuses) reach the person as a sentence, never as a stack.
              (error: unknown) => reply({ type: 'hostReply', id: message.id, ok: false, message: `The app could not use this computer's keychain or dialogs (${error instanceof Error ? error.message.slice(0, 200) : 'unknown reason'}). Try again; if it keeps happening, restart the app.` }),
            );
          return;
        }
        case 'ready':
          return;
      }
    });
    thread.on('error', stopped);
    thread.on('exit', stopped);
    return new Promise<Worker>((resolve, reject) => {
      const onReady = (message: FromWorker) => {
        if (message.type !== 'ready') return;
        thread.off('message', onReady);
        thread.off('error', reject);
        resolve(thread);
      };
      thread.on('message', onReady);
      thread.once('error', reject);
    });
  };

  ready = launch();
  await ready;

  return {
    get thread() {
      return worker;
    },
    choose(path) {
      chosen.push(path);
      // Posted at once, so it reaches the worker before the request that names the path (messages keep their order).
      worker?.postMessage({ type: 'choose', path } satisfies ToWorker);
    },
    async dispatch(channel, request) {
      if (disposing) return STOPPED;
      let thread: Worker;
      try {
        thread = await (ready ??= launch());
      } catch {
        ready = undefined;
        return STOPPED;
      }
      const id = nextId++;
      return new Promise<Envelope<unknown>>((resolve) => {
        calls.set(id, resolve);
        try {
          thread.postMessage({ type: 'call', id, channel, request } satisfies ToWorker);
        } catch {
          // Not structured-clone data (a function, a symbol): no renderer or bridge can send that.
          calls.delete(id);
          resolve({ ok: false, error: { code: 'INVALID_INPUT', message: 'The app sent a request that cannot be passed on. Restart the app; if it happens again, report it.' } });
        }
      });
    },
    async dispose() {
      disposing = true;
      const thread = worker;
      if (!thread) return;
      const id = nextId++;
      await new Promise<void>((resolve) => {
        disposals.set(id, resolve);
        thread.postMessage({ type: 'dispose', id } satisfies ToWorker);
      });
      await thread.terminate();
    },
  };
}
