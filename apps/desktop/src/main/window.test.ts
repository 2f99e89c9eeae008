import { describe, expect, it } from 'vitest';
import { CHANNELS, ipcName } from '../shared/channels';
import { isAppUrl, registerIpc, windowOptions } from './window';

describe('the window and its IPC', () => {
  it('creates the window isolated, sandboxed and without Node', () => {
    const prefs = windowOptions('/app/preload/index.cjs').webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
  });

  it('recognises only the app\'s own files as its pages', () => {
    expect(isAppUrl('file:///opt/scimport/resources/app/dist/renderer/index.html', '/opt/scimport/resources/app/dist')).toBe(true);
    expect(isAppUrl('file:///etc/passwd', '/opt/scimport/resources/app/dist')).toBe(false);
    expect(isAppUrl('https://evil.example/', '/opt/scimport/resources/app/dist')).toBe(false);
    expect(isAppUrl('not a url', '/opt')).toBe(false);
  });

  it('handles every allow-listed channel and refuses frames that are not the app', async () => {
    const handlers = new Map<string, (event: { senderFrame: { url: string } | null }, request: unknown) => Promise<unknown>>();
    const calls: unknown[] = [];
    registerIpc({ handle: (name, listener) => handlers.set(name, listener) }, async (channel, request) => {
      calls.push([channel, request]);
      return { ok: true, result: null };
    }, '/app/dist');
    expect([...handlers.keys()].sort()).toEqual(CHANNELS.map(ipcName).sort());
    const open = handlers.get(ipcName('file:open'))!;
    await expect(open({ senderFrame: { url: 'file:///app/dist/renderer/index.html' } }, { path: '/x.csv' })).resolves.toEqual({ ok: true, result: null });
    await expect(open({ senderFrame: { url: 'https://evil.example/' } }, { path: '/x.csv' })).resolves.toMatchObject({ ok: false });
    await expect(open({ senderFrame: null }, {})).resolves.toMatchObject({ ok: false });
    expect(calls).toEqual([['file:open', { path: '/x.csv' }]]);
  });
});
