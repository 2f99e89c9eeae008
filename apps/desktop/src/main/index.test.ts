import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CHANNELS, DROPPED_PATH_IPC, ipcName } from '../shared/channels';

// The Electron binary is not installed here: the main process runs against a stand-in that records what it is
// asked to do, so the window's security settings and the IPC wiring are checked as the app would set them.
const dataDir = await mkdtemp(join(tmpdir(), 'scimport-main-'));
const recorded = vi.hoisted(() => ({
  handlers: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
  listeners: new Map<string, (event: unknown, ...args: unknown[]) => void>(),
  windows: [] as { options: { webPreferences: Record<string, unknown> }; loaded?: string }[],
  appEvents: new Map<string, (...args: unknown[]) => void>(),
  contentsEvents: new Map<string, (...args: unknown[]) => void>(),
  openHandler: undefined as undefined | ((details: { url: string }) => { action: string }),
  headers: undefined as undefined | ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void),
  permission: undefined as undefined | ((wc: unknown, permission: string, cb: (allowed: boolean) => void) => void),
  external: [] as string[],
  dataDir: '',
  quit: false,
}));
recorded.dataDir = dataDir;

vi.mock('electron', () => {
  class BrowserWindow {
    constructor(public options: { webPreferences: Record<string, unknown> }) {
      recorded.windows.push(this as never);
    }
    once() {}
    async loadFile(file: string) {
      (this as unknown as { loaded: string }).loaded = file;
    }
  }
  return {
    BrowserWindow,
    app: {
      whenReady: async () => undefined,
      getPath: () => recorded.dataDir,
      getVersion: () => '0.1.0',
      requestSingleInstanceLock: () => true,
      quit: () => {
        recorded.quit = true;
      },
      on: (event: string, listener: (...args: unknown[]) => void) => recorded.appEvents.set(event, listener),
    },
    dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
    ipcMain: {
      handle: (name: string, listener: (event: unknown, request: unknown) => Promise<unknown>) => recorded.handlers.set(name, listener),
      on: (name: string, listener: (event: unknown, ...args: unknown[]) => void) => recorded.listeners.set(name, listener),
    },
    safeStorage: {
      isEncryptionAvailable: () => true,
      // A real keyring (the no-keyring case is in keychain.test.ts).
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (s: string) => Buffer.from(s).reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: typeof recorded.headers) => (recorded.headers = fn) },
        setPermissionRequestHandler: (fn: typeof recorded.permission) => (recorded.permission = fn),
      },
    },
    shell: { openExternal: async (url: string) => void recorded.external.push(url) },
  };
});

afterAll(async () => {
  // Closing the last window disposes the services and ends their worker thread before the app quits.
  recorded.appEvents.get('window-all-closed')?.();
  await vi.waitFor(() => expect(recorded.quit).toBe(true), { timeout: 20_000 });
  await rm(dataDir, { recursive: true, force: true });
});

describe('the Electron main process (against a stand-in for electron)', () => {
  it('opens one isolated, sandboxed window on the packaged renderer', async () => {
    await import('./index');
    // The services' worker thread starts first (from the TypeScript sources here, through tsx).
    await vi.waitFor(() => expect(recorded.windows).toHaveLength(1), { timeout: 30_000 });
    const window = recorded.windows[0]!;
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(String(window.options.webPreferences.preload)).toMatch(/preload[\\/]index\.cjs$/);
    await vi.waitFor(() => expect(window.loaded).toMatch(/renderer[\\/]index\.html$/));
  });

  it('handles exactly the allow-listed channels, for the app\'s own page only', async () => {
    expect([...recorded.handlers.keys()].sort()).toEqual(CHANNELS.map(ipcName).sort());
    const appPage = `file://${recorded.windows[0]!.loaded}`;
    const info = await recorded.handlers.get(ipcName('app:info'))!({ senderFrame: { url: appPage } }, {});
    expect(info).toMatchObject({ ok: true, result: { mode: 'electron', secretsPersist: true } });
    const foreign = await recorded.handlers.get(ipcName('app:info'))!({ senderFrame: { url: 'https://evil.example/' } }, {});
    expect(foreign).toMatchObject({ ok: false });
  });

  it('opens a file the page names only after the preload reported it dropped; a typed path is refused', async () => {
    const appPage = `file://${recorded.windows[0]!.loaded}`;
    const open = recorded.handlers.get(ipcName('file:open'))!;
    const csv = join(import.meta.dirname, '..', '..', '..', '..', 'test-data', 'microsoft', 'csv-with-2-records.csv');
    expect(await open({ senderFrame: { url: appPage } }, { path: csv })).toMatchObject({ ok: false, error: { code: 'REFUSED' } });
    expect(await recorded.handlers.get(ipcName('file:choose'))!({ senderFrame: { url: appPage } }, { path: csv })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    // Another page cannot report a drop; the app's own preload can.
    recorded.listeners.get(DROPPED_PATH_IPC)!({ senderFrame: { url: 'https://evil.example/' } }, csv);
    expect(await open({ senderFrame: { url: appPage } }, { path: csv })).toMatchObject({ ok: false, error: { code: 'REFUSED' } });
    recorded.listeners.get(DROPPED_PATH_IPC)!({ senderFrame: { url: appPage } }, csv);
    expect(await open({ senderFrame: { url: appPage } }, { path: csv })).toMatchObject({ ok: true, result: { file: 'csv-with-2-records.csv' } });
  });

  it('keeps secrets sealed by the keychain and never hands them back', async () => {
    const appPage = `file://${recorded.windows[0]!.loaded}`;
    const set = await recorded.handlers.get(ipcName('secrets:set'))!({ senderFrame: { url: appPage } }, { tenantId: 't1', clientId: 'c1', secret: 'super-secret-value' });
    expect(set).toEqual({ ok: true, result: { stored: true, persistent: true } });
    const has = await recorded.handlers.get(ipcName('secrets:has'))!({ senderFrame: { url: appPage } }, { tenantId: 't1', clientId: 'c1' });
    expect(JSON.stringify(has)).not.toContain('super-secret-value');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(dataDir, 'secrets.sealed.json'), 'utf8')).not.toContain('super-secret-value');
  });

  it('blocks navigation, new windows, permissions, and sets the CSP on every response', async () => {
    const contents = {
      on: (event: string, listener: (...args: unknown[]) => void) => recorded.contentsEvents.set(event, listener),
      setWindowOpenHandler: (fn: typeof recorded.openHandler) => (recorded.openHandler = fn),
    };
    recorded.appEvents.get('web-contents-created')!({}, contents);
    let prevented = 0;
    const event = { preventDefault: () => prevented++ };
    recorded.contentsEvents.get('will-navigate')!(event, 'https://evil.example/');
    recorded.contentsEvents.get('will-attach-webview')!(event);
    expect(prevented).toBe(2);
    // Beside the renderer's folder is not inside it: a sibling whose name starts the same, the folder above,
    // or a way out spelled with encoded separators are all refused; the renderer's own page is not.
    const renderer = dirname(recorded.windows[0]!.loaded!);
    for (const url of [`file://${renderer}-evil/x.html`, `file://${dirname(renderer)}-evil/renderer/index.html`, `file://${dirname(renderer)}/main/index.ts`, `file://${renderer}/..%2fmain%2findex.ts`]) {
      recorded.contentsEvents.get('will-navigate')!(event, url);
      const call = await recorded.handlers.get(ipcName('app:info'))!({ senderFrame: { url } }, {});
      expect([url, call]).toMatchObject([url, { ok: false }]);
    }
    expect(prevented).toBe(6);
    recorded.contentsEvents.get('will-navigate')!(event, `file://${renderer}/index.html`);
    expect(prevented).toBe(6);
    expect(recorded.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(recorded.external).toEqual([]);
    let allowed: boolean | undefined;
    recorded.permission!({}, 'media', (ok) => (allowed = ok));
    expect(allowed).toBe(false);
    let headers: unknown;
    recorded.headers!({ responseHeaders: {} }, (r) => (headers = r));
    expect(JSON.stringify(headers)).toContain("script-src 'self'");
  });
});
