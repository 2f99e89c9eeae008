/**
 * The allow-list of bridge channels, `namespace:verb`. Kept free of any dependency so the sandboxed preload
 * can carry it without pulling in the schemas: the preload only needs to know which names exist.
 */
export const CHANNELS = [
  'app:info',
  'recent:list',
  'dialog:openFile',
  'file:upload',
  'file:choose',
  'file:open',
  'file:status',
  'file:rows',
  'file:rowAt',
  'file:close',
  'profile:autoMap',
  'profile:importPsd1',
  'profile:parse',
  'profile:load',
  'profile:save',
  'profile:list',
  'mapping:check',
  'mapping:preview',
  'mapping:tests',
  'mapping:toForm',
  'mapping:fromForm',
  'mapping:hints',
  'mapping:fit',
  'validate:start',
  'validate:status',
  'validate:findings',
  'validate:cancel',
  'validate:report',
  'validate:groups',
  'validate:annotated',
  'diff:compute',
  'diff:records',
  'upload:budget',
  'upload:testConnection',
  'upload:preflight',
  'upload:start',
  'upload:status',
  'upload:pause',
  'upload:resume',
  'upload:cancel',
  'upload:sendRest',
  'upload:resultsReport',
  'upload:annotated',
  'upload:outbox',
  'upload:online',
  'secrets:set',
  'secrets:has',
  'secrets:delete',
  'history:list',
  'undo:preview',
  'undo:start',
  'job:status',
  'job:start',
  'job:pause',
  'job:notify',
] as const;

/** One bridge channel name. */
export type Channel = (typeof CHANNELS)[number];

const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);

/** True for a channel on the allow-list; everything else is refused before it reaches a service. */
export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && CHANNEL_SET.has(value);
}

/**
 * The preload's own message to the main process: the path of a file dropped on the window, which counts as chosen.
 * Not a bridge channel: the page cannot send it, only the preload's `pathForFile` does, and only with a path that
 * Electron read from a real dropped File (a File made up by a page has none).
 */
export const DROPPED_PATH_IPC = 'scimport-preload:dropped-path';

/** The IPC channel name a bridge channel travels on in Electron (prefixed so it never meets Electron's own). */
export function ipcName(channel: Channel): string {
  return `scimport:${channel}`;
}
