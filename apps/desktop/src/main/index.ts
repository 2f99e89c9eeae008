/**
 * The Electron main process: owns the services, opens one locked-down window, and answers the renderer only
 * through the allow-listed channels. Secrets and the snapshot key are sealed with the OS keychain (safeStorage).
 */
// eslint-disable-next-line no-restricted-imports -- an Electron entry point: the one place electron is meant to be imported.
import { BrowserWindow, app, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createServices, SealedFileSecretStore, type Cipher } from './services';
import { isAppUrl, registerIpc, windowOptions } from './window';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';

const here = __dirname;
const rendererDir = join(here, '..', 'renderer');
const preload = join(here, '..', 'preload', 'index.cjs');

const cipher: Cipher = {
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (sealed) => safeStorage.decryptString(sealed),
};

async function main(): Promise<void> {
  await app.whenReady();
  const dataDir = app.getPath('userData');
  const secrets = new SealedFileSecretStore(dataDir, cipher);
  const services = createServices({
    mode: 'electron',
    version: app.getVersion(),
    dataDir,
    secrets,
    snapshotKey: async () => {
      if (!safeStorage.isEncryptionAvailable()) return undefined;
      let key = await secrets.get('snapshot-key');
      if (!key) {
        key = randomBytes(32).toString('base64');
        await secrets.set('snapshot-key', key);
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
  registerIpc(ipcMain, services.dispatch, dirname(rendererDir));

  // Every response gets the CSP too (the meta tag in index.html says the same).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // No camera, notifications, or anything else a page might ask for.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, dirname(rendererDir))) event.preventDefault();
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
