import { describe, expect, it } from 'vitest';
import { currentOf, runFeed } from '../__tests__/feed-runs';
import { syntheticUser, syntheticUsers } from '../__tests__/scim-users';
import { isCoreError } from '../errors';
import { SCIM_ENTERPRISE_USER, type ScimUser } from '../types';
import { diffUsers } from './diff';
import { decideConflict, feedMessages } from './feeds';
import { planUpload } from './plan';
import { Snapshot } from './snapshot';

const ENT = SCIM_ENTERPRISE_USER;
const retitled = (u: ScimUser, title: string): ScimUser => ({ ...structuredClone(u), title });

describe('decideConflict', () => {
  it('lets the lower rank win, a rank beat none, and keeps the incumbent on a tie', () => {
    expect(decideConflict('a', 1, 'b', 2)).toEqual({ winner: 'a', decidedBy: 'precedence' });
    expect(decideConflict('a', 3, 'b', 2)).toEqual({ winner: 'b', decidedBy: 'precedence' });
    expect(decideConflict('a', 5, 'b', undefined)).toEqual({ winner: 'a', decidedBy: 'precedence' });
    expect(decideConflict('a', undefined, 'b', 5)).toEqual({ winner: 'b', decidedBy: 'precedence' });
    expect(decideConflict('a', 2, 'b', 2)).toEqual({ winner: 'b', decidedBy: 'incumbent' });
    expect(decideConflict('a', undefined, 'b', undefined)).toEqual({ winner: 'b', decidedBy: 'incumbent' });
  });
});

describe('diffUsers and planUpload per feed', () => {
  const a = syntheticUsers(20); // E000000..E000019
  const b = Array.from({ length: 10 }, (_, i) => syntheticUser(100 + i));

  function twoFeeds(): Snapshot {
    const snapshot = new Snapshot();
    runFeed(snapshot, { feed: 'a', current: currentOf(a) });
    runFeed(snapshot, { feed: 'b', current: currentOf(b) });
    return snapshot;
  }

  it('never takes another feed\'s people for leavers, and gates on the feed\'s own people', () => {
    const snapshot = twoFeeds();
    const second = runFeed(snapshot, { feed: 'b', current: currentOf(b.slice(0, 8)), dryRun: true });
    expect(second.diff.counts).toEqual({ new: 0, changed: 0, unchanged: 8, missing: 2, returning: 0, alreadyDisabled: 0 });
    expect(second.plan.disables.map((d) => d.data.externalId)).toEqual(['E000108', 'E000109']);
    expect(second.diff.feed).toMatchObject({ feed: 'b', base: 10, others: 20, otherFeeds: ['a'], secondFeed: false, adopted: false });
    // 2 of b's 10 people (20 %), not 2 of 30.
    expect(second.plan.gate.reasons[0]).toBe(
      '2 of 10 people of the feed "b" (20 %) would be disabled; scimport allows (unless the profile sets leavers.maxDisablePercent) at most 10 %. If this is intended, run again with --allow-mass-changes.');
  });

  it('says once, on a second feed\'s first upload, that Microsoft also supports one app per source', () => {
    const snapshot = new Snapshot();
    expect(runFeed(snapshot, { feed: 'a', current: currentOf(a) }).plan.feed!.secondFeed).toBe(false);
    const first = runFeed(snapshot, { feed: 'b', current: currentOf(b) });
    expect(first.plan.feed).toMatchObject({ secondFeed: true, otherFeeds: ['a'] });
    expect(feedMessages(first.plan.feed!).join('\n')).toContain('Microsoft also supports one provisioning app per HR source');
    expect(runFeed(snapshot, { feed: 'b', current: currentOf(b) }).plan.feed!.secondFeed).toBe(false);
    expect(feedMessages(first.plan.feed!, { derived: true })[0]).toBe(
      'This profile uploads as the feed "b", a name taken from the profile\'s name; set "feed" in the profile to keep it if the profile is renamed.');
    // Even a first run that sent nothing is remembered (markFeedRun), so the note is not repeated.
    runFeed(snapshot, { feed: 'c', current: [] });
    expect(runFeed(snapshot, { feed: 'c', current: [] }).plan.feed!.secondFeed).toBe(false);
  });

  it('hands over a person another feed disabled, and re-enables them', () => {
    const snapshot = twoFeeds();
    runFeed(snapshot, { feed: 'a', current: currentOf(a.filter((u) => u.externalId !== 'E000005')) });
    expect(snapshot.records.get('E000005')).toMatchObject({ feed: 'a', data: { active: false } });
    const hired = runFeed(snapshot, { feed: 'b', current: currentOf([...b, retitled(a[5]!, 'Hired')]) });
    expect(hired.diff.feed!.movedIn).toEqual([{ externalId: 'E000005', from: 'a', to: 'b', row: 12 }]);
    expect(hired.diff.feed!.conflicts).toEqual([]);
    expect(hired.diff.records.find((r) => r.externalId === 'E000005')!.kind).toBe('returning');
    expect(hired.sent).toEqual(['E000005']);
    expect(snapshot.records.get('E000005')).toMatchObject({ feed: 'b', movedFrom: 'a', data: { active: true, title: 'Hired' } });
    // a's next run is told once, and does not disable them.
    const told = runFeed(snapshot, { feed: 'a', current: currentOf(a.filter((u) => u.externalId !== 'E000005')) });
    expect(told.diff.feed!.movedOut).toEqual([{ externalId: 'E000005', from: 'a', to: 'b' }]);
    expect(told.sent).toEqual([]);
    expect(runFeed(snapshot, { feed: 'a', current: currentOf(a.filter((u) => u.externalId !== 'E000005')) }).diff.feed!.movedOut).toEqual([]);
  });

  it('sends a person two feeds list by the higher-ranked feed only, from either side, and never toggles', () => {
    const snapshot = new Snapshot();
    const shared = a[3]!;
    runFeed(snapshot, { feed: 'a', precedence: 2, current: currentOf(a) });
    runFeed(snapshot, { feed: 'b', precedence: 1, current: currentOf(b) });
    // b ranks first: it takes the person a sends, with its own values.
    const taken = runFeed(snapshot, { feed: 'b', precedence: 1, current: currentOf([...b, retitled(shared, 'From b')]) });
    expect(taken.diff.feed!.conflicts).toEqual([{ externalId: 'E000003', feed: 'b', row: 12, other: 'a', winner: 'b', decidedBy: 'precedence' }]);
    expect(taken.diff.feed!.movedIn).toEqual([{ externalId: 'E000003', from: 'a', to: 'b', row: 12 }]);
    expect(taken.sent).toEqual(['E000003']);
    for (let i = 0; i < 3; i++) {
      const fromA = runFeed(snapshot, { feed: 'a', precedence: 2, current: currentOf(a) });
      expect(fromA.diff.feed!.conflicts).toEqual([{ externalId: 'E000003', feed: 'a', row: 5, other: 'b', winner: 'b', decidedBy: 'precedence' }]);
      expect(fromA.sent).toEqual([]);
      const fromB = runFeed(snapshot, { feed: 'b', precedence: 1, current: currentOf([...b, retitled(shared, 'From b')]) });
      expect(fromB.diff.feed!.conflicts).toEqual([{ externalId: 'E000003', feed: 'b', row: 12, other: 'a', winner: 'b', decidedBy: 'precedence' }]);
      expect(fromB.sent).toEqual([]);
    }
    expect(snapshot.records.get('E000003')).toMatchObject({ feed: 'b', claimedBy: ['a'], data: { title: 'From b' } });
    // b drops them while a still lists them: handed to a, not disabled; a's next run sends its values.
    const dropped = runFeed(snapshot, { feed: 'b', precedence: 1, current: currentOf(b) });
    expect(dropped.diff.feed!.movedOut).toEqual([{ externalId: 'E000003', from: 'b', to: 'a', handover: true }]);
    expect(dropped.sent).toEqual([]);
    const back = runFeed(snapshot, { feed: 'a', precedence: 2, current: currentOf(a) });
    expect(back.diff.feed!.conflicts).toEqual([]);
    expect(back.sent).toEqual(['E000003']);
    expect(snapshot.records.get('E000003')).toMatchObject({ feed: 'a', data: { title: 'Title 3' } });
  });

  it('keeps the feed that sent a person last when neither profile ranks first, and drops a claim no longer made', () => {
    const snapshot = twoFeeds();
    const withShared = [...b, retitled(a[7]!, 'From b')];
    for (let i = 0; i < 3; i++) {
      const run = runFeed(snapshot, { feed: 'b', current: currentOf(withShared) });
      expect(run.diff.feed!.conflicts).toMatchObject([{ externalId: 'E000007', other: 'a', winner: 'a', decidedBy: 'incumbent' }]);
      expect(run.sent).toEqual([]);
      expect(runFeed(snapshot, { feed: 'a', current: currentOf(a) }).sent).toEqual([]);
    }
    expect(feedMessages(runFeed(snapshot, { feed: 'b', current: currentOf(withShared), dryRun: true }).diff.feed!)).toEqual([
      'E000007 is listed by the feed "b" (row 12) and by the feed "a". Only "a" sends this person, because it sent them last and the profiles do not rank one feed first; give one profile a lower "precedence" number to decide. Remove the person from the other file if they belong to one source only.',
    ]);
    expect(snapshot.records.get('E000007')!.claimedBy).toEqual(['b']);
    const released = runFeed(snapshot, { feed: 'b', current: currentOf(b) });
    expect(released.diff.feed!.released).toEqual(['E000007']);
    expect(snapshot.records.get('E000007')!.claimedBy).toBeUndefined();
    // Without a claim, a's leaver is a's to disable.
    expect(runFeed(snapshot, { feed: 'a', current: currentOf(a.filter((u) => u.externalId !== 'E000007')) }).plan.disables.map((d) => d.data.externalId)).toEqual(['E000007']);
  });

  it('lets the first feed adopt a snapshot from before feeds, changing nothing for a single file', () => {
    const legacy = new Snapshot();
    legacy.markAccepted(a.map((data) => ({ data })), new Date('2025-01-01T00:00:00Z'));
    const file = currentOf([...a.slice(0, 19).map((u, i) => (i === 2 ? retitled(u, 'New') : u)), syntheticUser(500)]);
    const plain = diffUsers(file, legacy);
    const plainPlan = planUpload(plain, { leavers: { policy: 'disable' } });
    const run = runFeed(legacy, { feed: 'employees', current: file });
    expect(run.diff.counts).toEqual(plain.counts);
    expect(run.diff.records).toEqual(plain.records);
    expect(run.plan.operations).toEqual(plainPlan.operations);
    expect(run.plan.disables).toEqual(plainPlan.disables);
    expect(run.diff.feed).toMatchObject({ adopted: true, adoptedCount: 20, secondFeed: false, base: 20 });
    expect(feedMessages(run.diff.feed!)[0]).toBe('The 20 people of earlier uploads to this job now belong to the feed "employees", the first feed to upload here. Nothing else changes.');
    expect([...legacy.records.values()].every((r) => r.feed === 'employees')).toBe(true);
    expect(runFeed(legacy, { feed: 'employees', current: file }).diff.feed!.adopted).toBe(false);
  });

  it('adopts through markAccepted too, when a caller records a feed without markFeedRun', () => {
    const legacy = new Snapshot();
    legacy.markAccepted(a.map((data) => ({ data })));
    legacy.markAccepted([{ data: b[0]! }], new Date(), 'Employees');
    expect([...legacy.records.values()].every((r) => r.feed === 'employees')).toBe(true);
    expect([...legacy.feeds.keys()]).toEqual(['employees']);
  });

  it('behaves as before for callers without a feed, on a snapshot with feeds', () => {
    const snapshot = twoFeeds();
    const plain = diffUsers(currentOf(b), snapshot);
    expect(plain.feed).toBeUndefined();
    expect(plain.counts).toMatchObject({ unchanged: 10, missing: 20 });
    // Recorded without a feed, people keep the feed they had; a failure keeps it too.
    snapshot.markAccepted([{ data: retitled(b[0]!, 'x') as never }]);
    snapshot.markFailed(['E000100']);
    expect(snapshot.records.get('E000100')).toMatchObject({ feed: 'b', failedAt: expect.any(String) });
  });

  it('refuses to plan a diff as another feed than it was made for', () => {
    const snapshot = twoFeeds();
    for (const diff of [diffUsers(currentOf(b), snapshot), diffUsers(currentOf(b), snapshot, { feed: 'a' })]) {
      try {
        planUpload(diff, { leavers: { policy: 'disable' } }, { feed: 'B' });
        expect.unreachable();
      } catch (error) {
        expect(isCoreError(error) && error.code).toBe('INVALID_ARGUMENT');
      }
    }
    expect(planUpload(diffUsers(currentOf(b), snapshot, { feed: 'b' }), {}, { feed: 'B' }).feed!.feed).toBe('b');
  });

  it('does not hold back a person whose manager is in Entra through another feed', () => {
    const snapshot = twoFeeds();
    const report: ScimUser = { ...structuredClone(b[0]!), [ENT]: { manager: { value: 'E000001' } } };
    runFeed(snapshot, { feed: 'b', current: currentOf([report, ...b.slice(1)]) });
    snapshot.markFailed([{ externalId: 'E000100', errorCode: 'UnableToResolveReferenceAttributeValue' }]);
    const retry = runFeed(snapshot, { feed: 'b', current: currentOf([report, ...b.slice(1)]), dryRun: true });
    expect(retry.diff.feed!.presentElsewhere).toEqual(['E000001']);
    expect(retry.plan.waiting).toEqual([]);
    expect(retry.sent).toEqual(['E000100']);
  });

  it('neither hands over nor releases people on rows with errors', () => {
    const snapshot = twoFeeds();
    runFeed(snapshot, { feed: 'b', current: currentOf([...b, a[4]!]) }); // b claims E000004 (a keeps it)
    const diff = diffUsers(currentOf(b), snapshot, { feed: 'b' });
    expect(diff.feed!.released).toEqual(['E000004']);
    const plan = planUpload(diff, {}, { heldBack: { externalIds: ['E000004'], unidentified: 0 } });
    expect(plan.feed!.released).toEqual([]);
    const ownerDiff = diffUsers(currentOf(a.filter((u) => u.externalId !== 'E000004')), snapshot, { feed: 'a' });
    expect(ownerDiff.feed!.movedOut).toEqual([{ externalId: 'E000004', from: 'a', to: 'b', handover: true }]);
    expect(planUpload(ownerDiff, { leavers: { policy: 'disable' } }, { heldBack: { externalIds: ['E000004'], unidentified: 0 } }).feed!.movedOut).toEqual([]);
  });
});
