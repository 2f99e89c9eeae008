import { startEmulator, type Emulator } from '@scimport/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_CSV, compared, harness, until, type Harness } from '../../__tests__/services';

// Microsoft's FAQ ("How does restart provisioning work?"): restarting a job that is not running purges the data
// uploaded before the restart. The app restarts a quarantined job when the person starts it: it must say what was
// dropped and send those people again. Against the emulator over real HTTPS, no mocks.

const WITHOUT_MANAGER =
  '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "displayName": FullName, "name": { "givenName": FirstName, "familyName": LastName }, "active": WorkerStatus = "Active" }';
const SHORT_WAIT = { sandbox: { intervalMs: 50, minutes: 0.001 }, tenant: { intervalMs: 50, minutes: 0.001 } };
const sandbox = { kind: 'sandbox' } as const;

let emu: Emulator | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await emu?.close();
  emu = undefined;
  h = undefined;
});

describe("the app's restart of a quarantined job", () => {
  it('says the people sent but not processed were dropped, and the next comparison sends them again', async () => {
    emu = await startEmulator({ timeScale: 100 });
    const endpoint = emu;
    h = await harness({ sandboxEndpoint: async () => endpoint, poll: SHORT_WAIT });
    emu.setJobState('paused');
    const diff = await compared(h, SAMPLE_CSV, (p) => ({ ...p, mapping: WITHOUT_MANAGER }));
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    const sent = await until(() => h!.call('upload:status', { uploadId }), (s) => s.state === 'done');
    expect(sent.results?.rows.map((r) => r.outcome)).toEqual(['waiting', 'waiting']);
    expect(emu.pendingRequests()).toBe(1);

    emu.setJobState('quarantine');
    const started = await h.call('job:start', { target: sandbox });
    expect(emu.purgedRequests()).toBe(1);
    expect(started.sentence).toMatch(/restarting it dropped 2 people sent earlier but not yet processed\. The next upload of the file sends them again/);

    const again = await compared(h, SAMPLE_CSV, (p) => ({ ...p, mapping: WITHOUT_MANAGER }));
    // Both are sent again, as retries of people Entra never got, not taken for up to date.
    expect(again).toMatchObject({ operations: 2, retries: 2 });
  });
});
