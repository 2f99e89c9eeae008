/** Actions shared by several screens: opening a file or a profile, in the app or in a browser. */
import { bridge, fileToBase64 } from './client';
import type { AppContextValue } from './state';
import type { ProfileData } from '../shared/contract';

/** Opens a spreadsheet by path and shows it; what was checked or compared for another file is dropped. */
export async function openTablePath(app: AppContextValue, path: string, options: { sheet?: string | number; headerRow?: number } = {}): Promise<void> {
  const table = await bridge.invoke('file:open', { path, ...options });
  const previous = app.state.table;
  if (previous && previous.tableId !== table.tableId) void bridge.invoke('file:close', { tableId: previous.tableId }).catch(() => undefined);
  app.update({ table, previewIndex: 0, validationJobId: undefined, validatedMapping: undefined, diff: undefined, uploadId: undefined, step: 'file' });
}

/** A chosen or dropped File: its path in the app, or its bytes through the bridge in a browser. */
export async function openTableFile(app: AppContextValue, file: File): Promise<void> {
  const path = bridge.pathForFile?.(file);
  if (path) return openTablePath(app, path);
  const uploaded = await bridge.invoke('file:upload', { name: file.name, dataBase64: await fileToBase64(file) });
  return openTablePath(app, uploaded.path);
}

/** Asks before throwing away unsaved profile changes. */
export function confirmDiscard(app: AppContextValue): boolean {
  return !app.state.dirty || window.confirm('The profile has changes that are not saved. Discard them?');
}

export function adoptProfile(app: AppContextValue, profile: ProfileData, path: string | undefined, notes?: AppContextValue['state']['autoMap']): void {
  app.update({ profile, profilePath: path, dirty: path === undefined, autoMap: notes, validationJobId: undefined, validatedMapping: undefined, diff: undefined, uploadId: undefined });
}

/** A profile from a file the person chose: a saved .json profile, or a CSV2SCIM .psd1 to translate. */
export async function importProfileFile(app: AppContextValue, file: File): Promise<string[]> {
  const text = await file.text();
  if (file.name.toLowerCase().endsWith('.psd1')) {
    const imported = await bridge.invoke('profile:importPsd1', { text, fileName: file.name });
    adoptProfile(app, imported.profile, undefined, { notes: imported.untranslated.map((u) => `${u.key}: ${u.reason}`), unplaced: [], missingRequired: [] });
    return imported.untranslated.map((u) => `${u.key}: ${u.reason}`);
  }
  const parsed = await bridge.invoke('profile:parse', { text, fileName: file.name });
  adoptProfile(app, parsed.profile, undefined);
  return [];
}
