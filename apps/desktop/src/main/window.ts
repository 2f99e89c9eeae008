/**
 * The window's security settings and the IPC wiring, kept apart from `index.ts` so they can be checked under
 * Node without Electron: what a BrowserWindow is created with, which navigations are refused, and how each
 * allow-listed channel is handled.
 */
import { CHANNELS, DROPPED_PATH_IPC, ipcName } from '../shared/channels';
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

/**
 * True only for the app's own pages: a `file:` URL on this computer (no host: a UNC share is someone else's
 * computer) whose path lies inside `appRoot` at a folder boundary — `…/dist-evil/x.html` is not inside `…/dist`.
 * Encoded separators (`%2F`, `%5C`) and NUL are refused outright: decoding them could turn a name that is one
 * path segment in the URL into several on disk. Dot segments are resolved by the URL parser before the check.
 */
export function isAppUrl(url: string, appRoot: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false;
  if (/%(?:2f|5c|00)/i.test(parsed.pathname)) return false;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return false; // a malformed escape
  }
  if (path.includes('\\') || path.split('/').some((segment) => segment === '..' || segment === '.')) return false;
  let root = appRoot.replace(/\\/g, '/').replace(/\/+$/, '');
  if (!root.startsWith('/')) root = `/${root}`; // a Windows drive path: file:///C:/… has the path /C:/…
  // Windows paths compare without case, as its file systems do.
  const windows = /^\/[a-z]:/i.test(root);
  const [inside, base] = windows ? [path.toLowerCase(), root.toLowerCase()] : [path, root];
  return inside.startsWith(`${base}/`);
}

/** The parts of ipcMain used here (so tests can pass a stand-in). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, request: unknown) => Promise<unknown>): void;
  on(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => void): void;
}

/**
 * Registers one handler per allow-listed channel, and the preload's report of a dropped file's path (passed to
 * `choose`). A call from a frame that is not the app's own page is refused before the services see it.
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  dispatch: (channel: unknown, request: unknown) => Promise<Envelope<unknown>>,
  appRoot: string,
  choose: (path: string) => void = () => undefined,
): void {
  ipcMain.on(DROPPED_PATH_IPC, (event, path) => {
    if (!isAppUrl(event.senderFrame?.url ?? '', appRoot)) return;
    if (typeof path === 'string' && path.length > 0 && path.length <= 4096) choose(path);
  });
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
