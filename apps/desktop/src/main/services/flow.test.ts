import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { BridgeError } from '../../shared/contract';
import { SAMPLE_1000, SAMPLE_CSV, SAMPLE_PSD1, harness, until, type Harness } from '../../__tests__/services';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the whole flow through dispatch', () => {
  it('opens, auto-maps, previews, checks, compares and uploads to the sandbox, then remembers it', async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_CSV });
    expect(table.columns.map((c) => c.header)).toContain('WorkerID');
    expect(table.format).toBe('csv');
    const loaded = await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    expect(loaded.rowsRead).toBe(2);
    const rows = await h.call('file:rows', { tableId: table.tableId, start: 0, count: 10 });
    expect(rows.rows[0]?.cells[table.columns.findIndex((c) => c.header === 'FirstName')]).toBe('Talya');
    expect(rows.rows[0]?.row).toBe(2);

    const drafted = await h.call('profile:autoMap', { tableId: table.tableId });
    expect(drafted.missingRequired).toEqual([]);
    const profile = drafted.profile;

    const preview = await h.call('mapping:preview', { tableId: table.tableId, index: 1, profile });
    expect(preview.syntax).toBeUndefined();
    expect((preview.user as { externalId?: string }).externalId).toBe('1513');

    const broken = await h.call('mapping:preview', { tableId: table.tableId, index: 0, profile: { ...profile, mapping: '{ "externalId": WorkerID, }' } });
    expect(broken.syntax?.position).toBeGreaterThan(0);
    expect(broken.syntax?.line).toBe(1);

    const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile });
    const checked = await until(() => h!.call('validate:status', { jobId }), (s) => s.state !== 'running');
    expect(checked.state).toBe('done');
    expect(checked.summary?.rows).toBe(2);
    const report = await h.call('validate:report', { jobId });
    expect(report.csv.startsWith('\uFEFFseverity,file')).toBe(true);

    const diff = await h.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
    expect(diff.counts.new).toBe(checked.summary?.operations);
    expect(diff.gate.tripped).toBe(false);
    const records = await h.call('diff:records', { diffId: diff.diffId, kind: 'new', start: 0, count: 10 });
    expect(records.records.map((r) => r.externalId).sort()).toEqual(['1222', '1513']);

    const checks = await h.call('upload:testConnection', { target: { kind: 'sandbox' }, diffId: diff.diffId });
    expect(checks.checks.find((c) => c.id === 'signIn')?.status).toBe('pass');
    const budget = await h.call('upload:budget', { diffId: diff.diffId });
    expect(budget.callsNeeded).toBe(1);
    expect(budget.limit).toBe(2000);

    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId, firstOnly: true });
    const first = await until(() => h!.call('upload:status', { uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results');
    expect(first.state).toBe('done');
    expect(first.people).toBe(1);
    expect(first.remaining).toBe(1);
    expect(first.results?.rows).toHaveLength(1);

    const rest = await h.call('upload:sendRest', { uploadId });
    const done = await until(() => h!.call('upload:status', { uploadId: rest.uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results');
    expect(done.state).toBe('done');
    expect(done.results?.rows.map((r) => r.row)).toEqual([expect.any(Number)]);
    const csv = await h.call('upload:resultsReport', { uploadId: rest.uploadId });
    expect(csv.csv).toContain('externalId');

    // The next comparison knows what the sandbox now holds.
    const again = await h.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
    // The sample's managers are not in the file, so the sandbox fails both references (as Entra would):
    // the reason reaches the person, and the next comparison keeps them as retries waiting for their managers
    // (sending them unchanged would fail the same way) instead of trusting them.
    expect(done.results?.rows[0]).toMatchObject({ status: 'failure', errorCode: 'UnableToResolveReferenceAttributeValue' });
    expect(done.message).toMatch(/1 person failed/);
    expect(again.counts).toMatchObject({ new: 0, changed: 0 });
    expect(again).toMatchObject({ retries: 0, waiting: 2, operations: 0 });

    const history = await h.call('history:list', {});
    expect(history.entries).toHaveLength(2);
    expect(history.entries[0]?.outcome).toBe('partial');
    const recent = await h.call('recent:list', {});
    expect(recent.files[0]?.path).toBe(SAMPLE_CSV);
  });

  it('streams the first rows of a large file before the rest is read', async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_1000 });
    const first = await h.call('file:rows', { tableId: table.tableId, start: 0, count: 50 });
    expect(first.rows).toHaveLength(50);
    const done = await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    expect(done.rowsRead).toBe(1000);
  });

  it('saves profiles with a rising version and never overwrites on save-as', async () => {
    h = await harness();
    const text = await readFile(SAMPLE_PSD1, 'utf8');
    const imported = await h.call('profile:importPsd1', { text, fileName: 'AttributeMapping.psd1' });
    const first = await h.call('profile:save', { profile: imported.profile });
    expect(first.profile.version).toBe(imported.profile.version + 1);
    const second = await h.call('profile:save', { profile: first.profile, path: first.path });
    expect(second.profile.version).toBe(first.profile.version + 1);
    expect(second.path).toBe(first.path);
    const copy = await h.call('profile:save', { profile: second.profile, path: second.path, saveAs: true });
    expect(copy.path).not.toBe(second.path);
    expect((await h.call('profile:list', {})).profiles).toHaveLength(2);
    const loaded = await h.call('profile:load', { path: second.path });
    expect(loaded.profile.version).toBe(second.profile.version);
  });

  it('saves the custom attributes with the profile, and refuses one the job schema could never hold', async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_CSV });
    const { profile } = await h.call('profile:autoMap', { tableId: table.tableId });
    const extension = { namespace: 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User', attributes: [{ name: 'costCenter', type: 'string' }, { name: 'badges', type: 'string', multiValued: true }] };
    const saved = await h.call('profile:save', { profile: { ...profile, extension } });
    expect((await h.call('profile:load', { path: saved.path })).profile.extension).toEqual(extension);
    const bad = { ...extension, attributes: [{ name: 'cost center', type: 'string' }] };
    await expect(h.call('profile:save', { profile: { ...profile, extension: bad } })).rejects.toMatchObject({ code: 'PROFILE', message: expect.stringMatching(/name/) });
  });

  it('refuses unknown channels and malformed requests as data, without running anything', async () => {
    h = await harness();
    expect(await h.services.dispatch('fs:readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await h.services.dispatch('file:open', { path: 42 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await h.services.dispatch('file:rows', { tableId: '../x', start: 0, count: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await h.services.dispatch('file:open', { path: SAMPLE_CSV, extra: true })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    h.services.choosePath('/nowhere/staff.csv'); // chosen, but gone since
    const missing = await h.services.dispatch('file:open', { path: '/nowhere/staff.csv' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'FILE' } });
    expect(JSON.stringify(missing)).toContain('staff.csv');
    expect(await h.services.dispatch('dialog:openFile', { purpose: 'table' })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    await expect(h.call('file:status', { tableId: 'table-gone' })).rejects.toBeInstanceOf(BridgeError);
  });
});

describe('the comparison after an accepted upload', () => {
  it('finds everyone unchanged and refuses to send nothing', async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_CSV });
    await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const { profile } = await h.call('profile:autoMap', { tableId: table.tableId });
    // Without the manager reference every person can be created in the sandbox.
    const mapping = '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "name": { "givenName": FirstName, "familyName": LastName }, "active": WorkerStatus = "Active" }';
    const { jobId } = await h.call('validate:start', { tableId: table.tableId, profile: { ...profile, mapping } });
    await until(() => h!.call('validate:status', { jobId }), (s) => s.state !== 'running');
    const diff = await h.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    const done = await until(() => h!.call('upload:status', { uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results');
    expect(done.results?.summary).toEqual({ create: { success: 2 } });
    const again = await h.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
    expect(again.counts).toMatchObject({ unchanged: 2, new: 0, changed: 0 });
    await expect(h.call('upload:start', { diffId: again.diffId })).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/nothing to send/) });
  });
});

describe('leavers', () => {
  it('never disables someone whose row has an error this time (they are still in the file)', async () => {
    h = await harness();
    const table = await h.call('file:open', { path: SAMPLE_CSV });
    await until(() => h!.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const { profile } = await h.call('profile:autoMap', { tableId: table.tableId });
    const good = '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "active": true }';
    const leavers = { policy: 'disable' as const, maxDisablePercent: 100, maxDisableCount: 100 };
    const first = await h.call('validate:start', { tableId: table.tableId, profile: { ...profile, mapping: good, leavers } });
    await until(() => h!.call('validate:status', { jobId: first.jobId }), (s) => s.state !== 'running');
    const diff = await h.call('diff:compute', { jobId: first.jobId, target: { kind: 'sandbox' } });
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    await until(() => h!.call('upload:status', { uploadId }), (s) => s.state !== 'sending' && s.state !== 'waiting-for-results');

    // Next day, a typo makes 1222's row invalid: 1222 is held back, not a leaver to disable.
    const typo = '{ "externalId": $string(WorkerID), "userName": UserID & "@contoso.com", "active": true, "emails": [{ "value": WorkerID = "1222" ? "not an email" : UserID & "@contoso.com", "type": "work" }] }';
    const second = await h.call('validate:start', { tableId: table.tableId, profile: { ...profile, mapping: typo, leavers } });
    await until(() => h!.call('validate:status', { jobId: second.jobId }), (s) => s.state !== 'running');
    const next = await h.call('diff:compute', { jobId: second.jobId, target: { kind: 'sandbox' } });
    expect(next.disables).toBe(0);
  });
});

describe('pause, resume and cancel', () => {
  async function planned(harnessed: Harness) {
    const table = await harnessed.call('file:open', { path: SAMPLE_1000 });
    await until(() => harnessed.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const { profile } = await harnessed.call('profile:autoMap', { tableId: table.tableId });
    const { jobId } = await harnessed.call('validate:start', { tableId: table.tableId, profile });
    await until(() => harnessed.call('validate:status', { jobId }), (s) => s.state !== 'running', 60_000);
    return harnessed.call('diff:compute', { jobId, target: { kind: 'sandbox' } });
  }

  it('pauses between requests, resumes where it stopped, and sends nothing twice', async () => {
    // A slow sandbox, so there is time to pause mid-way.
    h = await harness({ sandbox: { faults: { latencyMs: 150 } } });
    const diff = await planned(h);
    expect(diff.calls).toBeGreaterThan(5);
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    await until(() => h!.call('upload:status', { uploadId }), (s) => s.progress.chunksDone >= 1);
    const paused = await h.call('upload:pause', { uploadId });
    expect(paused.state).toBe('paused');
    expect(paused.progress.chunksDone).toBeLessThan(paused.progress.chunksTotal);
    await expect(h.call('upload:pause', { uploadId })).rejects.toMatchObject({ code: 'REFUSED' });
    await h.call('upload:resume', { uploadId });
    const done = await until(() => h!.call('upload:status', { uploadId }), (s) => s.state === 'done' || s.state === 'failed', 60_000);
    expect(done.state).toBe('done');
    expect(done.progress.chunksDone).toBe(done.progress.chunksTotal);
    // Every person of the plan has a result once the run is complete.
    expect(done.results?.rows).toHaveLength(done.people);
    expect((await h.call('history:list', {})).entries[0]?.outcome).toMatch(/uploaded|partial/);
  });

  it('cancels an upload and says how far it got', async () => {
    h = await harness({ sandbox: { faults: { latencyMs: 150 } } });
    const diff = await planned(h);
    const { uploadId } = await h.call('upload:start', { diffId: diff.diffId });
    await until(() => h!.call('upload:status', { uploadId }), (s) => s.progress.chunksDone >= 1);
    const cancelled = await h.call('upload:cancel', { uploadId });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.message).toMatch(/Cancelled: \d+ of \d+ request/);
    const history = await h.call('history:list', {});
    expect(history.entries[0]?.outcome).toBe('cancelled');
  });
});
