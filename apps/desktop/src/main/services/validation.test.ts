import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_1000, SAMPLE_PROFILE, harness, until, type Harness } from '../../__tests__/services';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('validate:groups', () => {
  it("gives Microsoft's 1,000-row sample as problems with the people named, and counts the rows held back", async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_1000 });
    await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const { profile } = await h.call('profile:load', { path: SAMPLE_PROFILE });
    const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile });
    const checked = await until(() => h!.call('validate:status', { jobId }), (s) => s.state !== 'running', 60_000);
    expect(checked.state).toBe('done');

    const all = await h.call('validate:groups', { jobId, onlyErrors: false });
    expect(all.heldBack).toBe(641);
    expect(all.groups).toHaveLength(270);
    const errors = await h.call('validate:groups', { jobId, onlyErrors: true });
    expect(errors.groups).toHaveLength(265);
    expect(errors.groups.every((g) => g.severity === 'error')).toBe(true);

    const worker1222 = all.groups.find((g) => g.value === '1222')!;
    expect(worker1222.title).toBe('WorkerID 1222 is used by 4 different people');
    expect(worker1222.people.map((p) => p.row)).toEqual([2, 499, 709, 786]);
    expect(worker1222.people[0]).toMatchObject({ name: 'Talya Fleeta', externalId: '1222', cells: [{ header: 'WorkerID', letter: 'A' }] });
    expect(all.groups.find((g) => g.code === 'country.notIso')!.advice).toMatch(/^Use GB \(United Kingdom\)/);

    // The flat findings name their person too.
    const page = await h.call('validate:findings', { jobId, onlyErrors: true, start: 0, count: 1 });
    expect(page.findings[0]).toMatchObject({ row: 2, person: { name: 'Talya Fleeta', externalId: '1222' }, value: '1222' });
  });
});
