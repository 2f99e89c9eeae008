import { describe, expect, it } from 'vitest';
import { CHANNELS, DROPPED_PATH_IPC, ipcName } from '../shared/channels';
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

  it('requires the folder boundary and refuses encoded separators, dot segments and other hosts', () => {
    const root = '/opt/scimport/dist/renderer';
    expect(isAppUrl('file:///opt/scimport/dist/renderer/assets/app.js', root)).toBe(true);
    expect(isAppUrl('file:///opt/scimport/dist/renderer/index.html?x=1#top', `${root}/`)).toBe(true);
    for (const url of [
      'file:///opt/scimport/dist/renderer-evil/x.html', // a sibling whose name starts like the root
      'file:///opt/scimport/dist/rendererx.html',
      'file:///opt/scimport/dist/renderer', // the folder itself is no page
      'file:///opt/scimport/dist/renderer/..%2f..%2fevil.html',
      'file:///opt/scimport/dist/renderer/..%2F..%2Fevil.html',
      'file:///opt/scimport/dist/renderer/..%5c..%5cevil.html',
      'file:///opt/scimport/dist/renderer/x%00.html',
      'file:///opt/scimport/dist/renderer/%2e%2e/%2e%2e/evil.html', // resolved by the parser: outside
      'file:///opt/scimport/dist/renderer/../main/index.cjs',
      'file:///opt/scimport/dist/renderer/%E0%A4%A.html', // malformed escape
      'file://evil.example/opt/scimport/dist/renderer/index.html', // a UNC share on another computer
    ]) {
      expect([url, isAppUrl(url, root)]).toEqual([url, false]);
    }
  });

  it('compares Windows paths without case, at the folder boundary too', () => {
    const root = 'C:\\Program Files\\scimport\\resources\\app\\dist\\renderer';
    expect(isAppUrl('file:///C:/Program%20Files/scimport/resources/app/dist/renderer/index.html', root)).toBe(true);
    expect(isAppUrl('file:///c:/program%20files/scimport/resources/app/dist/renderer/index.html', root)).toBe(true);
    expect(isAppUrl('file:///C:/Program%20Files/scimport/resources/app/dist/renderer-evil/index.html', root)).toBe(false);
    expect(isAppUrl('file:///C:/Program%20Files/scimport/resources/app/dist/renderer%5C..%5Cevil.html', root)).toBe(false);
  });

  it('handles every allow-listed channel and refuses frames that are not the app', async () => {
    const handlers = new Map<string, (event: { senderFrame: { url: string } | null }, request: unknown) => Promise<unknown>>();
    const calls: unknown[] = [];
    registerIpc({ handle: (name, listener) => handlers.set(name, listener), on: () => undefined }, async (channel, request) => {
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

  it('records a dropped file\'s path from the preload of the app\'s own page only', () => {
    const listeners = new Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => void>();
    const chosen: string[] = [];
    registerIpc({ handle: () => undefined, on: (name, listener) => listeners.set(name, listener) }, async () => ({ ok: true, result: null }), '/app/dist/renderer', (path) => chosen.push(path));
    const dropped = listeners.get(DROPPED_PATH_IPC)!;
    dropped({ senderFrame: { url: 'file:///app/dist/renderer/index.html' } }, '/home/me/staff.xlsx');
    dropped({ senderFrame: { url: 'https://evil.example/' } }, '/etc/shadow');
    dropped({ senderFrame: { url: 'file:///app/dist/renderer-evil/index.html' } }, '/etc/shadow');
    dropped({ senderFrame: null }, '/etc/shadow');
    dropped({ senderFrame: { url: 'file:///app/dist/renderer/index.html' } }, { path: '/etc/shadow' });
    dropped({ senderFrame: { url: 'file:///app/dist/renderer/index.html' } }, '');
    expect(chosen).toEqual(['/home/me/staff.xlsx']);
  });
});
