/**
 * The preload: the only code with a foot in both worlds. It exposes exactly one object, `window.scimport`,
 * whose `invoke` refuses every channel not on the allow-list before anything reaches the main process
 * (after VS Code's validateIPC), and passes envelopes through untouched. No Node API reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { ipcName, isChannel } from '../shared/channels';
import type { Envelope, PreloadApi } from '../shared/contract';

export const api: PreloadApi = {
  invoke(channel: string, request: unknown): Promise<Envelope<unknown>> {
    if (!isChannel(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'The app asked for something it is not allowed to do. Restart the app; if it happens again, report it.' } });
    }
    return ipcRenderer.invoke(ipcName(channel), request) as Promise<Envelope<unknown>>;
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('scimport', api);
