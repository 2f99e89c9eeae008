/**
 * The local HTTP bridge: the same services as the app's IPC, for a normal browser (development and the
 * browser tests, since the Electron binary cannot be installed everywhere). It listens on 127.0.0.1 only,
 * serves the built renderer, and answers POST /rpc for the allow-listed channels. Every call needs the
 * per-session token (handed over in the URL's fragment, which browsers never send to servers), the right
 * Host (against DNS rebinding) and, when the browser sends one, our own Origin — so another page or
 * program on this computer cannot drive the services.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import type { Envelope } from '../shared/contract';

export interface WebBridgeOptions {
  /** The services' single entry (see createServices). */
  dispatch(channel: unknown, request: unknown): Promise<Envelope<unknown>>;
  /** Folder of the built renderer (index.html and assets); absent: only /rpc is served. */
  rendererDir?: string;
  /** Port on 127.0.0.1; default any free port. */
  port?: number;
  /** The session token; default 32 random bytes. */
  token?: string;
  /** Largest request body accepted (file uploads travel as base64). Default 300 MB. */
  maxBodyBytes?: number;
}

export interface WebBridge {
  /** Address to open: `http://127.0.0.1:<port>/#token=<token>`. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the bridge on 127.0.0.1. */
export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const limit = options.maxBodyBytes ?? 300 * 1024 * 1024;
  let port = 0;
  const hosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const rpc = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined && !origins().has(origin)) return send(res, 403, 'Forbidden: another site may not use this bridge.');
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return send(res, 403, 'Forbidden: another site may not use this bridge.');
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), token)) return send(res, 401, 'Unauthorized: open the address the bridge printed (it carries the session token).');
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return send(res, 415, 'Send JSON.');
    const body = await readBody(req, limit);
    if (body === undefined) return send(res, 413, 'The request is too large.');
    let message: { channel?: unknown; request?: unknown };
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      return send(res, 400, 'The request is not JSON.');
    }
    const envelope = await options.dispatch(message?.channel, message?.request);
    send(res, 200, JSON.stringify(envelope), 'application/json; charset=utf-8');
  };

  const asset = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (!options.rendererDir) return send(res, 404, 'Not found.');
    const root = normalize(options.rendererDir);
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = normalize(join(root, relative));
    if (file !== root && !file.startsWith(root + sep)) return send(res, 404, 'Not found.');
    try {
      if (!(await stat(file)).isFile()) return send(res, 404, 'Not found.');
      const data = await readFile(file);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': data.length });
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch {
      send(res, 404, 'Not found.');
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      // A page on another name that resolves to 127.0.0.1 (DNS rebinding) still sends its own Host.
      if (!hosts().has(req.headers.host ?? '')) return send(res, 421, 'Misdirected request.');
      const pathname = new URL(req.url ?? '/', `http://127.0.0.1:${port}`).pathname;
      if (pathname === '/rpc') {
        if (req.method !== 'POST') return send(res, 405, 'Use POST.');
        return rpc(req, res);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.');
      return asset(req, res, pathname);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, 'The bridge failed on this request.');
      else res.destroy();
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const originUrl = `http://127.0.0.1:${port}`;
  return {
    url: `${originUrl}/#token=${token}`,
    origin: originUrl,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
