import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '@scimport/messages';
import { openEnvelope, type Channel, type Request, type Response } from '../../shared/contract';
import { SAMPLE_CSV, SAMPLE_PROFILE, harness, type Harness } from '../../__tests__/services';
import { MemorySecretStore, createServices, type Services } from './index';

let h: Harness | undefined;
const extra: Services[] = [];
afterEach(async () => {
  for (const s of extra.splice(0)) await s.dispose();
  await h?.close();
  h = undefined;
});

/** Calls straight through `dispatch`, as the page does: no help from the harness in choosing files. */
const direct = (services: Services) => async <C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> => openEnvelope(await services.dispatch(channel, request));

describe('only files the person chose', () => {
  it('refuses a spreadsheet or profile the page names by itself, with a plain sentence, and writes nothing', async () => {
    h = await harness();
    const call = direct(h.services);
    const refused = await h.services.dispatch('file:open', { path: SAMPLE_CSV });
    expect(refused).toMatchObject({ ok: false, error: { code: 'REFUSED', message: t('services.path.notChosen', { file: 'csv-with-2-records.csv' }) } });
    await expect(call('profile:load', { path: SAMPLE_PROFILE })).rejects.toMatchObject({ code: 'REFUSED' });
    const { profile } = await h.call('profile:parse', { text: await readFile(SAMPLE_PROFILE, 'utf8') });
    const outside = join(h.dataDir, 'elsewhere', 'evil.json');
    await expect(call('profile:save', { profile, path: outside })).rejects.toMatchObject({ code: 'REFUSED' });
    await expect(call('profile:save', { profile, path: outside, saveAs: true })).rejects.toMatchObject({ code: 'REFUSED' });
    // A way out of the profiles folder is not inside it.
    await expect(call('profile:save', { profile, path: join(h.dataDir, 'profiles', '..', 'recent.json') })).rejects.toMatchObject({ code: 'REFUSED' });
    expect(existsSync(join(h.dataDir, 'elsewhere'))).toBe(false);
    expect(existsSync(join(h.dataDir, 'recent.json'))).toBe(false);
  });

  it('accepts the profiles folder, what a save wrote, and the dialog\'s, upload\'s and drop\'s files', async () => {
    let answer: string | undefined = SAMPLE_CSV;
    h = await harness({ dialogs: { openFile: async () => answer } });
    const call = direct(h.services);
    const { profile } = await h.call('profile:parse', { text: await readFile(SAMPLE_PROFILE, 'utf8') });
    const saved = await call('profile:save', { profile });
    expect(saved.path.startsWith(join(h.dataDir, 'profiles'))).toBe(true);
    expect((await call('profile:save', { profile: saved.profile, path: saved.path })).profile.version).toBe(saved.profile.version + 1);
    const copy = await call('profile:save', { profile: saved.profile, path: saved.path, saveAs: true });
    expect((await call('profile:load', { path: copy.path })).path).toBe(copy.path);
    // A profile someone put in the profiles folder by hand is listed there, so it may be opened.
    const byHand = join(h.dataDir, 'profiles', 'shared.json');
    await copyFile(SAMPLE_PROFILE, byHand);
    expect((await call('profile:load', { path: byHand })).path).toBe(byHand);

    const chosen = await call('dialog:openFile', { purpose: 'table' });
    expect((await call('file:open', { path: chosen.path! })).file).toBe('csv-with-2-records.csv');
    answer = undefined;
    expect(await call('dialog:openFile', { purpose: 'table' })).toEqual({});

    const up = await call('file:upload', { name: 'staff.csv', dataBase64: Buffer.from('EmployeeID,FirstName\n1,Ana\n').toString('base64') });
    expect((await call('file:open', { path: up.path })).file).toBe('staff.csv');

    const dropped = join(h.dataDir, 'dropped.csv');
    await copyFile(SAMPLE_CSV, dropped);
    await expect(call('file:open', { path: dropped })).rejects.toMatchObject({ code: 'REFUSED' });
    h.services.choosePath(dropped);
    expect((await call('file:open', { path: dropped })).file).toBe('dropped.csv');
  });

  it('remembers the recent lists across sessions, but not a choice of a closed session', async () => {
    h = await harness();
    await h.call('file:open', { path: SAMPLE_CSV }); // chosen (the harness plays the dialog), so on the recent list
    const typed = join(h.dataDir, 'typed.csv');
    await copyFile(SAMPLE_CSV, typed);
    await direct(h.services)('file:choose', { path: typed }); // chosen, never opened: not on the recent list
    const next = createServices({ mode: 'web', version: 'test', dataDir: h.dataDir, secrets: new MemorySecretStore() });
    extra.push(next);
    const call = direct(next);
    expect((await call('file:open', { path: SAMPLE_CSV })).file).toBe('csv-with-2-records.csv');
    await expect(call('file:open', { path: typed })).rejects.toMatchObject({ code: 'REFUSED' });
  });

  it('takes a typed path in the browser only; the app refuses it with a sentence', async () => {
    h = await harness();
    const typed = await direct(h.services)('file:choose', { path: SAMPLE_CSV });
    expect((await direct(h.services)('file:open', { path: typed.path })).file).toBe('csv-with-2-records.csv');
    const dataDir = join(h.dataDir, 'app');
    await mkdir(dataDir);
    const app = createServices({ mode: 'electron', version: 'test', dataDir, secrets: new MemorySecretStore() });
    extra.push(app);
    expect(await app.dispatch('file:choose', { path: SAMPLE_CSV })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED', message: t('services.path.typedInApp') } });
    expect(await app.dispatch('file:open', { path: SAMPLE_CSV })).toMatchObject({ ok: false, error: { code: 'REFUSED' } });
  });
});
