/**
 * The services' worker thread: core and transport run here, so reading a large file, checking it or uploading
 * never holds up the main process (which owns the window and answers the renderer). Requests arrive on the parent
 * port and go through the same `dispatch` as everywhere else; secrets, the snapshot key and file dialogs are asked
 * of the host, which alone can reach the OS keychain and native dialogs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { registerSecret } from '@scimport/transport';
import { BridgeError } from '../../shared/contract';
import { createServices } from './index';
import type { FromWorker, HostMethod, ToWorker, WorkerSetup } from './rpc';
import type { SecretStore } from './secrets';

const port = parentPort;
if (!port) throw new Error('The services worker must run on a worker thread.');
const setup = workerData as WorkerSetup;
const send = (message: FromWorker) => port.postMessage(message);

let nextHostCall = 0;
const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

function host<T>(method: HostMethod, ...args: unknown[]): Promise<T> {
  const id = nextHostCall++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
    send({ type: 'host', id, method, args });
  });
}

// Secrets pass through this thread only when a sign-in needs them; each is registered so it is scrubbed from
// any message leaving the transport here too (the redaction list is per thread).
const secrets: SecretStore = {
  persistent: setup.secretsPersistent,
  async get(key) {
    const value = await host<string | undefined>('secrets.get', key);
    if (value !== undefined) registerSecret(value);
    return value;
  },
  async set(key, value) {
    registerSecret(value);
    await host('secrets.set', key, value);
  },
  delete: (key) => host<boolean>('secrets.delete', key),
};

const services = createServices({
  mode: setup.mode,
  version: setup.version,
  dataDir: setup.dataDir,
  secrets,
  ...(setup.hasSnapshotKey ? { snapshotKey: async () => {
    const key = await host<Uint8Array | undefined>('snapshotKey');
    return key ? Buffer.from(key) : undefined;
  } } : {}),
  ...(setup.hasDialogs ? { dialogs: { openFile: (purpose) => host<string | undefined>('dialogs.openFile', purpose) } } : {}),
  ...(setup.sandbox ? { sandbox: setup.sandbox } : {}),
  ...(setup.poll ? { poll: setup.poll } : {}),
  ...(setup.outboxRetry ? { outboxRetry: setup.outboxRetry } : {}),
  ...(setup.chosen ? { chosen: setup.chosen } : {}),
});

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'call':
      void services.dispatch(message.channel, message.request).then((envelope) => send({ type: 'result', id: message.id, envelope }));
      return;
    case 'hostReply': {
      const call = waiting.get(message.id);
      if (!call) return;
      waiting.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else call.reject(new BridgeError({ code: 'INTERNAL', message: message.message }));
      return;
    }
    case 'choose':
      services.choosePath(message.path);
      return;
    case 'dispose':
      void services.dispose().finally(() => send({ type: 'disposed', id: message.id }));
      return;
  }
});

send({ type: 'ready' });
