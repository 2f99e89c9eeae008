/**
 * The Electron main process: opens one locked-down window and answers the renderer only through the allow-listed
 * channels, forwarding each call to the services on their worker thread (so no file, check or upload can make
 * the window wait on this process). Secrets and the snapshot key are sealed with the OS keychain (safeStorage),
 * which only this process can reach; the worker asks for them. On Linux without a keyring, client secrets stay in
 * memory for the session (keychain.ts).
 */
import { BrowserWindow, app, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServiceWorker } from './services/host';
import { openKeychain } from './keychain';
import { isAppUrl, registerIpc, windowOptions } from './window';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';

const here = __dirname;
const rendererDir = join(here, '..', 'renderer');
const preload = join(here, '..', 'preload', 'index.cjs');
// The built app starts its bundled worker; run from the sources (the tests), the TypeScript one.
const bundledWorker = join(here, 'services-worker.cjs');

async function main(): Promise<void> {
  await app.whenReady();
  const dataDir = app.getPath('userData');
  // Sealed by the OS keychain, or kept for this session only where Linux has no keyring (see keychain.ts).
  const { secrets, sealed } = await openKeychain(dataDir, safeStorage);
  const services = await startServiceWorker({
    ...(existsSync(bundledWorker) ? { entry: bundledWorker } : {}),
    mode: 'electron',
    version: app.getVersion(),
    dataDir,
    secrets,
    snapshotKey: async () => {
      if (!sealed) return undefined;
      let key = await sealed.get('snapshot-key');
      if (!key) {
        key = randomBytes(32).toString('base64');
        await sealed.set('snapshot-key', key);
      }
      return Buffer.from(key, 'base64');
    },
    dialogs: {
      async openFile(purpose) {
        const filters = {
          table: [{ name: 'Spreadsheets', extensions: ['xlsx', 'xlsm', 'csv', 'txt', 'tsv'] }],
          profile: [{ name: 'scimport profiles', extensions: ['json'] }],
          psd1: [{ name: 'CSV2SCIM mappings', extensions: ['psd1'] }],
        }[purpose];
        const result = await dialog.showOpenDialog({ properties: ['openFile'], filters });
        return result.canceled ? undefined : result.filePaths[0];
      },
    },
  });
  // Only the renderer's own folder holds app pages (not main/ or preload/ beside it).
  registerIpc(ipcMain, services.dispatch, rendererDir, (path) => services.choose(path));

  // Every response gets the CSP too (the meta tag in index.html says the same).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // No camera, notifications, or anything else a page might ask for.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, rendererDir)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Help links open in the system browser; the app never opens a second window of remote content.
      if (url.startsWith('https://learn.microsoft.com/')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  const window = new BrowserWindow(windowOptions(preload));
  window.once('ready-to-show', () => window.show());
  await window.loadFile(join(rendererDir, 'index.html'));

  app.on('window-all-closed', () => {
    void services.dispose().finally(() => app.quit());
  });
}

if (!app.requestSingleInstanceLock()) app.quit();
else void main();
