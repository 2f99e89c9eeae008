import { describe, expect, it } from 'vitest';
import type { ScimUser } from '../types';
import { syntheticUsers } from '../__tests__/scim-users';
import { diffUsers, type DiffResult } from './diff';
import { DEFAULT_THRESHOLDS, planUpload } from './plan';
import { Snapshot } from './snapshot';

function diffOf(before: ScimUser[], after: ScimUser[]): DiffResult {
  const snapshot = new Snapshot();
  snapshot.markAccepted(before.map((data) => ({ data: data as never })));
  return diffUsers(after.map((data) => ({ externalId: data.externalId as string, data })), snapshot);
}

describe('planUpload', () => {
  const everyone = syntheticUsers(1000);
  const half = everyone.slice(0, 500);

  it('stops a file with half the people missing, and says why in numbers', () => {
    const plan = planUpload(diffOf(everyone, half), { leavers: { policy: 'disable', maxDisablePercent: 10 } });
    expect(plan.disables).toHaveLength(500);
    expect(plan.gate.tripped).toBe(true);
    expect(plan.gate.reasons).toEqual([
      '500 of 1,000 people (50 %) would be disabled; the profile allows at most 10 %. If this is intended, run again with --allow-mass-changes.',
    ]);
  });

  it('lets the same plan through with allowMassChanges, still listing the reason', () => {
    const plan = planUpload(diffOf(everyone, half), { leavers: { policy: 'disable' } }, { allowMassChanges: true });
    expect(plan.gate.tripped).toBe(false);
    expect(plan.gate.reasons[0]).toMatch(/^500 of 1,000 people \(50 %\) would be disabled; scimport allows \(unless the profile sets leavers.maxDisablePercent\) at most 10 %/);
    expect(plan.calls).toBe(10);
  });

  it('disables no one under the ignore policy (the default), so nothing trips', () => {
    for (const profile of [{ leavers: { policy: 'ignore' as const } }, {}]) {
      const plan = planUpload(diffOf(everyone, half), profile);
      expect(plan.disables).toHaveLength(0);
      expect(plan.operations).toHaveLength(0);
      expect(plan.gate.tripped).toBe(false);
    }
  });

  it('gates on counts as well as percentages, and on mass changes', () => {
    const byCount = planUpload(diffOf(everyone, everyone.slice(0, 950)), { leavers: { policy: 'disable', maxDisableCount: 20 } });
    expect(byCount.gate.reasons).toEqual([
      '50 people would be disabled; the profile allows at most 20 at once. If this is intended, run again with --allow-mass-changes.',
    ]);

    const retitled = everyone.map((u, i) => (i % 3 === 0 ? { ...u, title: 'Associate' } : u));
    const changes = planUpload(diffOf(everyone, retitled), { leavers: { policy: 'disable' } });
    expect(changes.operations).toHaveLength(334);
    expect(changes.gate.tripped).toBe(true);
    expect(changes.gate.reasons).toEqual([
      '334 of 1,000 people (33 %) would be changed; scimport allows (unless the profile sets leavers.maxChangePercent) at most 25 %. If this is intended, run again with --allow-mass-changes.',
    ]);
  });

  it('counts people the file itself marks inactive as disables', () => {
    const deactivated = everyone.map((u, i) => (i < 300 ? { ...u, active: false } : u));
    const plan = planUpload(diffOf(everyone, deactivated), { leavers: { policy: 'ignore' } });
    expect(plan.operations).toHaveLength(300);
    expect(plan.gate.tripped).toBe(true);
    expect(plan.gate.reasons).toHaveLength(1);
    expect(plan.gate.reasons[0]).toMatch(/^300 of 1,000 people \(30 %\) would be disabled/);
  });

  it('does not round a percentage down onto its limit', () => {
    const plan = planUpload(diffOf(everyone, everyone.slice(0, 895)), { leavers: { policy: 'disable', maxDisablePercent: 10 } });
    expect(plan.gate.reasons[0]).toContain('105 of 1,000 people (10.5 %) would be disabled');
    const exactly = planUpload(diffOf(everyone, everyone.slice(0, 900)), { leavers: { policy: 'disable', maxDisablePercent: 10 } });
    expect(exactly.gate.tripped).toBe(false);
  });

  it('passes a first run (empty snapshot) and sends everyone', () => {
    const plan = planUpload(diffOf([], everyone), { leavers: { policy: 'disable' } });
    expect(plan.operations).toHaveLength(1000);
    expect(plan.gate).toEqual({ tripped: false, reasons: [] });
    expect(plan.calls).toBe(20);
    expect(plan.thresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  it('sends unchanged people too with full, without counting them as changes', () => {
    const plan = planUpload(diffOf(everyone, everyone), { leavers: { policy: 'disable' }, output: { chunkSize: 25 } }, { full: true });
    expect(plan.operations).toHaveLength(1000);
    expect(plan.gate.tripped).toBe(false);
    expect(plan.calls).toBe(40);
  });

  it('uses the given snapshot size as the denominator', () => {
    const plan = planUpload(diffOf(everyone, everyone.slice(0, 900)), { leavers: { policy: 'disable' } }, { snapshotSize: 2000 });
    expect(plan.gate.tripped).toBe(false);
  });
});

describe('planUpload with people held back by errors', () => {
  const everyone = syntheticUsers(20);
  const withoutTwo = everyone.slice(2);
  const ids = (users: ScimUser[]) => users.map((u) => u.externalId as string);

  it('never disables someone whose row is in the file with an error', () => {
    const plan = planUpload(diffOf(everyone, withoutTwo), { leavers: { policy: 'disable', maxDisablePercent: 50 } }, { heldBack: { externalIds: [ids(everyone)[0]!], unidentified: 0 } });
    expect(plan.heldBack).toEqual([ids(everyone)[0]]);
    expect(plan.disables.map((op) => op.data.externalId)).toEqual([ids(everyone)[1]]);
    expect(plan.disablesWithheld).toBe(0);
  });

  it('disables nobody while a row with an error has no readable externalId (any leaver might be that person)', () => {
    const plan = planUpload(diffOf(everyone, withoutTwo), { leavers: { policy: 'disable', maxDisablePercent: 50 } }, { heldBack: { externalIds: [], unidentified: 1 } });
    expect(plan.disables).toEqual([]);
    expect(plan.disablesWithheld).toBe(2);
  });

  it('does not count a retry of a failed person, unchanged, against the change threshold', () => {
    const snapshot = new Snapshot();
    snapshot.markAccepted(everyone.map((data) => ({ data: data as never })));
    snapshot.markFailed(ids(everyone).slice(0, 10));
    const diff = diffUsers(everyone.map((data) => ({ externalId: data.externalId as string, data })), snapshot);
    expect(diff.counts.changed).toBe(10);
    const plan = planUpload(diff, { leavers: { policy: 'ignore', maxChangePercent: 10 } });
    expect(plan.operations).toHaveLength(10);
    expect(plan.gate.tripped).toBe(false);
  });
});
