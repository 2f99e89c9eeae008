import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_CSV, compared, harness, until, type Harness } from '../../__tests__/services';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Microsoft's two-person sample without the manager reference: the sandbox can create both. */
const WITHOUT_MANAGER =
  '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "displayName": FullName, "name": { "givenName": FirstName, "familyName": LastName }, "active": WorkerStatus = "Active" }';

/** The same with each person's manager (not in the file, so the reference fails). */
const WITH_MANAGER = WITHOUT_MANAGER.replace(/ }$/, ', "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": { "value": $string(ManagerID) } } }');
const WITH_TYPO = WITH_MANAGER.replace(/ }$/, ', "emails": [{ "value": WorkerID = "1222" ? "not an email" : UserID & "@contoso.com", "type": "work" }] }');

const ended = (s: { state: string }) => s.state !== 'sending' && s.state !== 'waiting-for-results';

describe('the state after sending', () => {
  it('recomputes the comparison at once: nothing left to send, the old plan refused, one history entry', async () => {
    h = await harness();
    const diff = await compared(h, SAMPLE_CSV, (p) => ({ ...p, mapping: WITHOUT_MANAGER }));
    expect(diff).toMatchObject({ operations: 2, retries: 0, heldBack: 0 });

    // Every check passes: the one line of the Upload screen has its numbers.
    const preflight = await h.call('upload:preflight', { diffId: diff.diffId });
    expect(preflight.ok).toBe(true);
    expect(preflight.summary).toEqual({ people: 2, heldBack: 0, targetName: 'the sandbox', targetLabel: diff.targetLabel, callsNeeded: 1, callsLeftToday: 2000, limit: 2000 });

    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    const done = await until(() => h!.call('upload:status', { uploadId }), ended);
    expect(done.state).toBe('done');
    // Shown at once, without comparing again: the next upload would send no one.
    expect(done.nextDiff).toMatchObject({ operations: 0, disables: 0, retries: 0, counts: { unchanged: 2, new: 0, changed: 0 } });
    expect(done.nextDiff?.diffId).not.toBe(diff.diffId);

    // Results name people, in the file's row order, grouped by outcome.
    expect(done.results?.rows.map((r) => [r.row, r.employeeId, r.displayName, r.outcome])).toEqual([
      [2, '1222', 'Talya Fleeta', 'created'],
      [3, '1513', 'Ginnie Fadiman', 'created'],
    ]);
    expect(done.results?.groups).toEqual([
      { outcome: 'created', count: 2 },
      { outcome: 'updated', count: 0 },
      { outcome: 'disabled', count: 0 },
      { outcome: 'failed', count: 0 },
      { outcome: 'skipped', count: 0 },
      { outcome: 'waiting', count: 0 },
    ]);

    // "Send everyone" again on the old plan is refused in words; the new plan has nothing to send.
    await expect(h.call('upload:start', { diffId: diff.diffId })).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/These people were just sent to .*Compare again/) });
    await expect(h.call('upload:start', { diffId: done.nextDiff!.diffId })).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/nothing to send/) });
    expect((await h.call('history:list', {})).entries).toHaveLength(1);
  });

  it('shows the people who failed as retries with the reason, explains the manager in HR words, and counts held-back rows', async () => {
    h = await harness();
    // The sample's managers (1684, 1959) are not in the file: Entra — and the sandbox — refuse both references.
    const diff = await compared(h, SAMPLE_CSV, (p) => ({ ...p, mapping: WITH_MANAGER }));
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    const done = await until(() => h!.call('upload:status', { uploadId }), ended);
    expect(done.state).toBe('done');
    const talya = done.results?.rows[0];
    expect(talya).toMatchObject({ row: 2, employeeId: '1222', displayName: 'Talya Fleeta', outcome: 'failed', errorCode: 'UnableToResolveReferenceAttributeValue' });
    expect(talya?.explanation).toBe('Their manager (employee id 1684) is not in Entra yet: upload the manager’s row first, or check the manager column.');
    expect(done.results?.groups.find((g) => g.outcome === 'failed')?.count).toBe(2);

    // Shown as retries, not as "changed" with nothing changed — and not sent again while their managers are still
    // not in Entra: the same upload would fail the same way. They wait, in view.
    const next = done.nextDiff!;
    expect(next).toMatchObject({ retries: 0, waiting: 2, operations: 0, counts: { changed: 0, new: 0 } });
    const retries = await h.call('diff:records', { diffId: next.diffId, kind: 'retry', start: 0, count: 10 });
    expect(retries.total).toBe(2);
    expect(retries.records[1]).toMatchObject({ externalId: '1513', kind: 'retry', retry: { waitingFor: '1959', reason: expect.stringMatching(/^Their manager \(employee id 1959\) is not in Entra yet/) } });
    expect((await h.call('diff:records', { diffId: next.diffId, kind: 'changed', start: 0, count: 10 })).total).toBe(0);

    // A later check where 1222's row has an error: held back (counted), 1513 still a retry.
    const typo = await compared(h, SAMPLE_CSV, (p) => ({ ...p, mapping: WITH_TYPO }));
    expect(typo).toMatchObject({ heldBack: 1, retries: 0, operations: 1 });
    const changed = await h.call('diff:records', { diffId: typo.diffId, kind: 'changed', start: 0, count: 10 });
    // 1513 changed (a new email) and failed last time: changed, and marked as a retry with the reason.
    expect(changed.records[0]).toMatchObject({ externalId: '1513', kind: 'changed', retry: { reason: expect.stringMatching(/manager/) } });
  });
});
