import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, SAMPLE_1000, SAMPLE_PROFILE, until, type Harness } from '../../__tests__/services';
import type { ProfileData } from '../../shared/contract';

describe('the mapping form through the bridge', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => h.close());

  it('maps Microsoft\'s sample with the form alone, and the saved profile checks the same as the hand-written one', async () => {
    const table = await h.call('file:open', { path: SAMPLE_1000 });
    await until(() => h.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const form = await h.call('mapping:toForm', { mapping: '{}' });
    const set = (id: string, value: NonNullable<(typeof form.fields)[number]['value']>): void => {
      const field = form.fields.find((f) => f.id === id);
      if (!field) throw new Error(`no field ${id}`);
      field.value = value;
    };
    set('userName', { kind: 'column', column: 'UserID', change: 'asIs' });
    set('externalId', { kind: 'column', column: 'WorkerID', change: 'text' });
    set('active', { kind: 'enabledWhen', column: 'WorkerStatus', value: 'Active', ignoreCase: false, blankLeavesOut: true });
    set('manager', { kind: 'column', column: 'ManagerID', change: 'text' });
    const { mapping, extension } = await h.call('mapping:fromForm', { form });
    expect(extension).toBeUndefined();
    expect(mapping).toContain("\"active\": $exists(WorkerStatus) ? WorkerStatus = 'Active'");
    expect((await h.call('mapping:hints', { tableId: table.tableId, mapping })).hints).toEqual([]);

    const profile: ProfileData = { name: 'From the form', version: 1, mapping };
    const preview = await h.call('mapping:preview', { tableId: table.tableId, index: 0, profile });
    expect(preview.user).toMatchObject({
      userName: 'EMP1222',
      externalId: '1222',
      active: false,
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: '1684' } },
    });
    // Read back, the form shows the same choices.
    const again = await h.call('mapping:toForm', { mapping });
    expect(again.fields.filter((f) => f.value).map((f) => [f.id, f.value?.kind])).toEqual([
      ['userName', 'column'],
      ['externalId', 'column'],
      ['manager', 'column'],
      ['active', 'enabledWhen'],
    ]);
  });

  it('reads the shipped profile and gives its mapping back unchanged in meaning', async () => {
    const saved = JSON.parse(await readFile(SAMPLE_PROFILE, 'utf8')) as ProfileData;
    const form = await h.call('mapping:toForm', { mapping: saved.mapping, ...(saved.extension ? { extension: saved.extension } : {}) });
    expect(form.verbatim).toBeUndefined();
    const written = await h.call('mapping:fromForm', { form, ...(saved.extension ? { extension: saved.extension } : {}) });
    const tests = await h.call('mapping:tests', { profile: { ...saved, mapping: written.mapping } });
    expect(tests.results.map((r) => r.passed)).toEqual([true, true]);
  });

  it('says where a mistake is, in words, for the open file', async () => {
    const table = await h.call('file:open', { path: SAMPLE_1000 });
    const { hints } = await h.call('mapping:hints', { tableId: table.tableId, mapping: "{ \"userName\": 'UserID', \"externalId\": WorkerId }" });
    expect(hints.map((x) => [x.code, x.replacement])).toEqual([
      ['text.singleQuoted', 'UserID'],
      ['column.unknown', 'WorkerID'],
    ]);
  });

  it('refuses a form that is not shaped like one', async () => {
    await expect(h.call('mapping:fromForm', { form: { fields: [{ value: { kind: 'shell' } }] } as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('a regular expression that backtracks, in the live preview', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await harness();
    dir = await mkdtemp(join(tmpdir(), 'scimport-regex-'));
  });
  afterEach(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The preview maps in the services' own thread: JavaScript's engine took minutes on this cell and froze every call.
  const EVIL = `${'a'.repeat(64)}!`;
  const mapping = '{ "userName": UPN, "externalId": Id, "title": $match(Name, /^(a+)+$/) ? "match" : "no match" }';

  it('previews the row and runs the profile tests in milliseconds, and other calls are answered meanwhile', async () => {
    const path = join(dir, 'hostile.csv');
    await writeFile(path, `Id,Name,UPN\n1,${EVIL},ann@contoso.com\n`);
    const table = await h.call('file:open', { path });
    await until(() => h.call('file:status', { tableId: table.tableId }), (s) => s.done);
    const profile: ProfileData = {
      name: 'Hostile',
      version: 1,
      mapping,
      tests: [{ name: 'evil', row: { Id: '1', Name: EVIL, UPN: 'ann@contoso.com' }, expect: { userName: 'ann@contoso.com', externalId: '1', title: 'no match' } }],
    };
    const started = performance.now();
    const [preview, check] = await Promise.all([
      h.call('mapping:preview', { tableId: table.tableId, index: 0, profile }),
      h.call('mapping:check', { mapping: '{ "userName": UPN }' }),
    ]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(check).toEqual({ ok: true });
    expect(preview.syntax).toBeUndefined();
    expect(preview.user).toMatchObject({ title: 'no match' });
    const tests = await h.call('mapping:tests', { profile });
    expect(tests.results.map((r) => r.passed)).toEqual([true]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('underlines a pattern scimport does not run (a backreference) and says why', async () => {
    const text = '{ "title": $match(Name, /(a)\\1/) }';
    const result = await h.call('mapping:check', { mapping: text });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.message).toMatch(/this pattern uses a backreference .*which scimport does not run/);
    expect(text[result.problem.position]).toBe('/');
  });
});
