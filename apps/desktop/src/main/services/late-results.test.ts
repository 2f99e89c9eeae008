import { startEmulator, type Emulator } from '@scimport/emulator';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEnvelope, type Channel, type Request, type Response } from '../../shared/contract';
import { SAMPLE_CSV, compared, harness, until, type Harness } from '../../__tests__/services';
import { MemorySecretStore, createServices, type Services } from './index';

// Entra writes its provisioning logs 5–10 minutes after processing (entra-docs inbound-provisioning-api-issues).
// The sandbox here does the same with its clock at ×600 (0.5–1 s). Real HTTPS, real MSAL sign-in, no mocks.

const WITHOUT_MANAGER =
  '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "displayName": FullName, "name": { "givenName": FirstName, "familyName": LastName }, "active": WorkerStatus = "Active" }';
// The first wait ends long before the lag does: what is left must be "waiting", never "failed".
const SHORT_WAIT = { sandbox: { intervalMs: 50, minutes: 0.001 }, tenant: { intervalMs: 50, minutes: 0.001 } };

let emu: Emulator | undefined;
let h: Harness | undefined;
let again: Services | undefined;
afterEach(async () => {
  await again?.dispose();
  await h?.close();
  await emu?.close();
  emu = undefined;
  h = undefined;
  again = undefined;
});

const ended = (s: { state: string }) => s.state !== 'sending' && s.state !== 'waiting-for-results';

describe('results that arrive late', () => {
  it('shows people as waiting with the time their results are due and the sandbox speed, and picks the results up after an app restart', async () => {
    emu = await startEmulator({ timeScale: 600, realisticTiming: true });
    const sandbox = emu;
    h = await harness({ sandboxEndpoint: async () => sandbox, poll: SHORT_WAIT });
    const diff = await compared(h, SAMPLE_CSV, (p) => ({ ...p, mapping: WITHOUT_MANAGER }));
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    const first = await until(() => h!.call('upload:status', { uploadId }), ended);
    expect(first.state).toBe('done');
    expect(first.sandboxTimeScale).toBe(600);
    expect(first.results).toMatchObject({ complete: false, pending: 2, late: false, expectedBy: expect.any(String) });
    expect(first.results?.rows.map((r) => r.outcome)).toEqual(['waiting', 'waiting']);
    expect(first.results?.groups.find((g) => g.outcome === 'failed')?.count).toBe(0);
    expect(first.message).toMatch(/expected by \d\d:\d\d:\d\d UTC\. They are waiting, not failed; the app picks their results up by itself, also after a restart\./);

    // The app closes before the results are in; the outbox keeps the run.
    const dataDir = h.dataDir;
    await h.services.dispose();
    expect(await readdir(join(dataDir, 'outbox'))).toHaveLength(1);

    again = createServices({ mode: 'web', version: 'test', dataDir, secrets: new MemorySecretStore(), sandboxEndpoint: async () => sandbox, poll: SHORT_WAIT });
    const services = again;
    const call = async <C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> => openEnvelope(await services.dispatch(channel, request));
    const listed = await until(() => call('upload:outbox', {}), (r) => r.uploads.length === 1);
    const restored = listed.uploads[0]!;
    expect(restored.runId).toBe(first.runId);
    const picked = await until(() => call('upload:status', { uploadId: restored.uploadId }), (s) => s.results?.complete === true, 20_000);
    expect(picked.results?.rows.map((r) => [r.row, r.outcome])).toEqual([
      [2, 'created'],
      [3, 'created'],
    ]);
    expect(picked.message).toMatch(/^Results picked up later: 2 people provisioned/);
    // Once every result is in, the outbox forgets the run.
    await until(() => readdir(join(dataDir, 'outbox')), (names) => names.length === 0);
  });
});
