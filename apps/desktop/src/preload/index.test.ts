import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, ipcName } from '../shared/channels';

// The real electron cannot load here (its binary is not installed): the preload is checked against a stand-in.
const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (..._args: unknown[]) => ({ ok: true, result: 'answer' }));
const send = vi.fn((..._args: unknown[]) => undefined);
let droppedPath = '/home/me/staff.csv';
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: { invoke: (...args: unknown[]) => invoke(...args), send: (...args: unknown[]) => send(...args) },
  webUtils: { getPathForFile: () => droppedPath },
}));

describe('the preload bridge', () => {
  beforeEach(() => invoke.mockClear());

  it('exposes exactly one object, scimport, with invoke and pathForFile', async () => {
    await import('./index');
    expect(Object.keys(exposed)).toEqual(['scimport']);
    expect(Object.keys(exposed.scimport as object).sort()).toEqual(['invoke', 'pathForFile']);
  });

  it('forwards allow-listed channels on their prefixed IPC name', async () => {
    const { api } = await import('./index');
    for (const channel of CHANNELS) {
      await expect(api.invoke(channel, { a: 1 })).resolves.toEqual({ ok: true, result: 'answer' });
      expect(invoke).toHaveBeenLastCalledWith(ipcName(channel), { a: 1 });
    }
  });

  it('refuses any other channel without reaching the main process', async () => {
    const { api } = await import('./index');
    for (const channel of ['fs:read', 'scimport:file:open', '__proto__', 'file:open ', '']) {
      await expect(api.invoke(channel, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('tells the main process a dropped file\'s path was chosen, and says nothing for a File without one', async () => {
    const { api } = await import('./index');
    const { DROPPED_PATH_IPC } = await import('../shared/channels');
    expect(api.pathForFile({} as File)).toBe('/home/me/staff.csv');
    expect(send).toHaveBeenLastCalledWith(DROPPED_PATH_IPC, '/home/me/staff.csv');
    send.mockClear();
    droppedPath = ''; // a File a page made up: Electron knows no path for it
    expect(api.pathForFile({} as File)).toBe('');
    expect(send).not.toHaveBeenCalled();
  });
});
