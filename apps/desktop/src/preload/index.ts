/**
 * The preload: the only code with a foot in both worlds. It exposes exactly one object, `window.scimport`,
 * whose `invoke` refuses every channel not on the allow-list before anything reaches the main process
 * (after VS Code's validateIPC), and passes envelopes through untouched. No Node API reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { DROPPED_PATH_IPC, ipcName, isChannel } from '../shared/channels';
import type { Envelope, PreloadApi } from '../shared/contract';

export const api: PreloadApi = {
  invoke(channel: string, request: unknown): Promise<Envelope<unknown>> {
    if (!isChannel(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'The app asked for something it is not allowed to do. Restart the app; if it happens again, report it.' } });
    }
    return ipcRenderer.invoke(ipcName(channel), request) as Promise<Envelope<unknown>>;
  },
  pathForFile(file: File): string {
    // Electron gives a path only for a File from a real drop or file input; that path counts as chosen by the person,
    // and the main process hears of it before the request that opens it (IPC messages keep their order).
    const path = webUtils.getPathForFile(file);
    if (path) ipcRenderer.send(DROPPED_PATH_IPC, path);
    return path;
  },
};

contextBridge.exposeInMainWorld('scimport', api);
