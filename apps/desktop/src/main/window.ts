/**
 * The window's security settings and the IPC wiring, kept apart from `index.ts` so they can be checked under
 * Node without Electron: what a BrowserWindow is created with, which navigations are refused, and how each
 * allow-listed channel is handled.
 */
import { CHANNELS, ipcName } from '../shared/channels';
import type { Envelope } from '../shared/contract';

/** The BrowserWindow options: isolated, sandboxed, no Node in the page, nothing but our preload. */
export function windowOptions(preload: string) {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'scimport',
    backgroundColor: '#f7f7f5',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  } as const;
}

/** True only for the app's own pages (loaded from the packaged files). */
export function isAppUrl(url: string, appRoot: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'file:') return false;
    const path = decodeURIComponent(parsed.pathname);
    const root = appRoot.replace(/\\/g, '/');
    return path.replace(/\\/g, '/').startsWith(root.startsWith('/') ? root : `/${root}`);
  } catch {
    return false;
  }
}

/** The parts of ipcMain used here (so tests can pass a stand-in). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, request: unknown) => Promise<unknown>): void;
}

/**
 * Registers one handler per allow-listed channel. A call from a frame that is not the app's own page is refused
 * before the services see it.
 */
export function registerIpc(ipcMain: IpcMainLike, dispatch: (channel: unknown, request: unknown) => Promise<Envelope<unknown>>, appRoot: string): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(ipcName(channel), async (event, request) => {
      const url = event.senderFrame?.url ?? '';
      if (!isAppUrl(url, appRoot)) {
        return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Only the app\'s own window may use its services.' } } satisfies Envelope<never>;
      }
      return dispatch(channel, request);
    });
  }
}
