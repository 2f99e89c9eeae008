/** Helpers for tests of the services: a throwaway data folder, typed calls through `dispatch`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEnvelope, type Channel, type Request, type Response } from '../shared/contract';
import { MemorySecretStore, createServices, type ServiceOptions, type Services } from '../main/services';

export const REPO = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
export const SAMPLE_CSV = join(REPO, 'test-data/microsoft/csv-with-2-records.csv');
export const SAMPLE_1000 = join(REPO, 'test-data/microsoft/csv-with-1000-records.csv');
export const SAMPLE_PSD1 = join(REPO, 'test-data/microsoft/AttributeMapping.psd1');
export const SAMPLE_PROFILE = join(REPO, 'test-data/profiles/microsoft-attribute-mapping.json');

export interface Harness {
  services: Services;
  dataDir: string;
  call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
  close(): Promise<void>;
}

export async function harness(options: Partial<ServiceOptions> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scimport-desktop-'));
  // Results at once, unless a test rehearses Entra's timing itself (the app's default is its lag, ×20).
  const services = createServices({ mode: 'web', version: 'test', dataDir, secrets: new MemorySecretStore(), ...options, sandbox: { realisticTiming: false, ...options.sandbox } });
  return {
    services,
    dataDir,
    call: async (channel, request) => {
      // The test plays the person who picked the spreadsheet or profile (a dialog or a drop): the services open only
      // chosen files. Tests of that rule call `services.dispatch` directly.
      if (channel === 'file:open' || channel === 'profile:load') services.choosePath((request as Request<'file:open'>).path);
      return openEnvelope(await services.dispatch(channel, request));
    },
    async close() {
      await services.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `done` says so (work runs in the background), failing after `ms`. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Opens a file, auto-maps it, checks it and compares it with the sandbox: a comparison ready to upload. */
export async function compared(h: Harness, path = SAMPLE_CSV, change?: (profile: Response<'profile:autoMap'>['profile']) => Response<'profile:autoMap'>['profile']) {
  const table = await h.call('file:open', { path });
  await until(() => h.call('file:status', { tableId: table.tableId }), (s) => s.done);
  const drafted = (await h.call('profile:autoMap', { tableId: table.tableId })).profile;
  const profile = change ? change(drafted) : drafted;
  const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile });
  const checked = await until(() => h.call('validate:status', { jobId }), (s) => s.state !== 'running', 60_000);
  if (checked.state !== 'done') throw new Error(`The check ended ${checked.state}: ${checked.error?.message ?? ''}`);
  return h.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
}
