/**
 * The renderer's only way to the services. In the app it goes through the preload's `window.scimport`; in a
 * browser, through the local HTTP bridge with the session token. Either way errors come back as data and are
 * rebuilt here as BridgeError, so screens handle one kind of error.
 */
import { t } from '@scimport/messages';
import { BridgeError, openEnvelope, type Bridge, type PreloadApi } from '../shared/contract';

declare global {
  interface Window {
    scimport?: PreloadApi;
  }
}

const TOKEN_KEY = 'scimport.token';

/** The bridge token from the address (`#token=…`), kept for this tab only and removed from the address bar. */
function takeToken(): string | undefined {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function createBridge(): Bridge & { mode: 'electron' | 'web'; pathForFile?: (file: File) => string } {
  const preload = window.scimport;
  if (preload) {
    return {
      mode: 'electron',
      invoke: async (channel, request) => openEnvelope(await preload.invoke(channel, request)),
      pathForFile: (file) => preload.pathForFile(file),
    };
  }
  const token = takeToken();
  return {
    mode: 'web',
    async invoke(channel, request) {
      let response: Response;
      try {
        response = await fetch('/rpc', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token ?? ''}` },
          body: JSON.stringify({ channel, request }),
        });
      } catch {
        throw new BridgeError({ code: 'CONNECTION', message: t('app.client.connection') });
      }
      if (response.status === 401) {
        throw new BridgeError({ code: 'REFUSED', message: t('app.client.refused') });
      }
      if (!response.ok) throw new BridgeError({ code: 'INTERNAL', message: t('app.client.internal', { status: response.status }) });
      return openEnvelope(await response.json());
    },
  };
}

export const bridge = createBridge();

/** Reads a File (chosen or dropped in a browser) as base64 for `file:upload`. */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step));
  return btoa(binary);
}

/** Offers a blob as a download: the app shows a save dialog, a browser saves it. */
function offer(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Offers text as a download (the error report, the results). */
export function download(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  offer(fileName, new Blob([text], { type }));
}

/** Offers bytes sent as base64 (the annotated workbook) as a download. */
export function downloadBase64(fileName: string, dataBase64: string, type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'): void {
  const binary = atob(dataBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  offer(fileName, new Blob([bytes], { type }));
}
