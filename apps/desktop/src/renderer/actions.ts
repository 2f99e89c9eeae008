/** Actions shared by several screens: opening a file or a profile, in the app or in a browser. */
import { t } from '@scimport/messages';
import { bridge, fileToBase64 } from './client';
import type { AppContextValue, AppState } from './state';
import type { ProfileData, TableInfo } from '../shared/contract';

type OpenOptions = { sheet?: string | number; headerRow?: number };

/**
 * The sheet and header row a profile remembers, as `file:open` takes them. A profile made for a workbook (it
 * names a sheet) says nothing about the shape of a text export, whose header row is found as usual.
 */
function shapeOf(profile: ProfileData | undefined, path?: string): OpenOptions {
  const input = profile?.input;
  if (input?.sheet !== undefined && path !== undefined && /\.(csv|txt|tsv)$/i.test(path)) return {};
  return {
    ...(input?.sheet !== undefined ? { sheet: input.sheet } : {}),
    ...(input?.headerRow !== undefined ? { headerRow: input.headerRow } : {}),
  };
}

/** Whether the mapping reads columns the file does not have: never carried over to another file silently. */
async function fitOf(table: TableInfo, profile: ProfileData | undefined): Promise<AppState['fit']> {
  if (!profile) return undefined;
  const fit = await bridge.invoke('mapping:fit', { tableId: table.tableId, mapping: profile.mapping });
  return fit.fits ? undefined : { missing: fit.missing, present: fit.present };
}

/**
 * Opens a spreadsheet by path and shows it; what was checked or compared for another file is dropped. Without
 * an explicit sheet or header row, the profile's are used (the profile remembers the file's shape).
 */
export async function openTablePath(app: AppContextValue, path: string, options: OpenOptions & { ignoreProfile?: boolean } = {}): Promise<void> {
  // The person's own choice of sheet or header row wins over the profile's.
  const { ignoreProfile, ...chosen } = options;
  const table = await bridge.invoke('file:open', { path, ...chosen, ...(ignoreProfile ? {} : { profile: shapeOf(app.state.profile, path) }) });
  const previous = app.state.table;
  if (previous && previous.tableId !== table.tableId) void bridge.invoke('file:close', { tableId: previous.tableId }).catch(() => undefined);
  const fit = ignoreProfile ? undefined : await fitOf(table, app.state.profile).catch(() => undefined);
  app.update({ table, fit, previewIndex: 0, validationJobId: undefined, validatedMapping: undefined, diff: undefined, uploadId: undefined, step: 'file' });
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
  return !app.state.dirty || window.confirm(t('app.confirmDiscard'));
}

export function adoptProfile(app: AppContextValue, profile: ProfileData, path: string | undefined, notes?: AppContextValue['state']['autoMap']): void {
  app.update({ profile, profilePath: path, dirty: path === undefined, autoMap: notes, fit: undefined, validationJobId: undefined, validatedMapping: undefined, diff: undefined, uploadId: undefined });
}

/**
 * A profile chosen while a file is open: the file is opened again on the profile's sheet and header row when
 * they differ, and the app says when the mapping does not fit the file.
 */
export async function adoptProfileForTable(app: AppContextValue, profile: ProfileData, path: string | undefined): Promise<void> {
  adoptProfile(app, profile, path);
  const table = app.state.table;
  if (!table) return;
  const shape = shapeOf(profile, table.path);
  const differs = (shape.sheet !== undefined && shape.sheet !== table.sheet && shape.sheet !== table.sheets.indexOf(table.sheet ?? ''))
    || (shape.headerRow !== undefined && shape.headerRow !== table.headerRow);
  const reopened = differs ? await bridge.invoke('file:open', { path: table.path, profile: shape }) : table;
  if (reopened.tableId !== table.tableId) void bridge.invoke('file:close', { tableId: table.tableId }).catch(() => undefined);
  const fit = await fitOf(reopened, profile).catch(() => undefined);
  app.update({ table: reopened, fit, previewIndex: 0 });
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
  await adoptProfileForTable(app, parsed.profile, undefined);
  return [];
}
