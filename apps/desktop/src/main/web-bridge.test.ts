import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebBridge, type WebBridge } from './web-bridge';
import { SAMPLE_CSV, harness, type Harness } from '../__tests__/services';

let bridge: WebBridge | undefined;
let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await bridge?.close();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  bridge = undefined;
  h = undefined;
  dir = undefined;
});

/** A raw HTTP call, so tests can send the headers a hostile page or program would. */
function call(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/rpc', headers: { Host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function setup(): Promise<WebBridge> {
  h = await harness();
  dir = await mkdtemp(join(tmpdir(), 'scimport-renderer-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  bridge = await startWebBridge({ dispatch: h.services.dispatch, rendererDir: dir });
  return bridge;
}

const json = (token: string) => ({ 'Content-Type': 'application/json', Authorization: `Bearer ${token}` });

describe('the local HTTP bridge', () => {
  it('answers allow-listed channels with envelopes for the holder of the token', async () => {
    const b = await setup();
    expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{40,}$/);
    // In the browser a typed path counts as chosen (development): the start screen sends file:choose first.
    const refused = await call(b.port, { headers: json(b.token), body: JSON.stringify({ channel: 'file:open', request: { path: SAMPLE_CSV } }) });
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: { code: 'REFUSED' } });
    await call(b.port, { headers: json(b.token), body: JSON.stringify({ channel: 'file:choose', request: { path: SAMPLE_CSV } }) });
    const res = await call(b.port, { headers: { ...json(b.token), Origin: b.origin }, body: JSON.stringify({ channel: 'file:open', request: { path: SAMPLE_CSV } }) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, result: { file: 'csv-with-2-records.csv' } });
    const unknown = await call(b.port, { headers: json(b.token), body: JSON.stringify({ channel: 'shell:exec', request: {} }) });
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('refuses calls without the token, from other origins, other sites or other host names', async () => {
    const b = await setup();
    const body = JSON.stringify({ channel: 'app:info', request: {} });
    expect((await call(b.port, { headers: { 'Content-Type': 'application/json' }, body })).status).toBe(401);
    expect((await call(b.port, { headers: json('wrong-token'), body })).status).toBe(401);
    expect((await call(b.port, { headers: { ...json(b.token), Origin: 'http://evil.example' }, body })).status).toBe(403);
    expect((await call(b.port, { headers: { ...json(b.token), 'Sec-Fetch-Site': 'cross-site' }, body })).status).toBe(403);
    expect((await call(b.port, { headers: { ...json(b.token), Host: `rebound.example:${b.port}` }, body })).status).toBe(421);
    expect((await call(b.port, { headers: { ...json(b.token), 'Content-Type': 'text/plain' }, body })).status).toBe(415);
    expect((await call(b.port, { method: 'GET' })).status).toBe(405);
    expect((await call(b.port, { headers: json(b.token), body: '{not json' })).status).toBe(400);
  });

  it('serves the renderer with the CSP and nothing outside its folder', async () => {
    const b = await setup();
    const page = await call(b.port, { method: 'GET', path: '/' });
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await call(b.port, { method: 'GET', path: '/../../etc/passwd' })).status).toBe(404);
    expect((await call(b.port, { method: 'GET', path: '/%2e%2e/%2e%2e/etc/passwd' })).status).toBe(404);
    expect((await call(b.port, { method: 'DELETE', path: '/' })).status).toBe(405);
  });

  it('accepts a file by its bytes (browsers hide paths) and opens it', async () => {
    const b = await setup();
    const dataBase64 = Buffer.from('EmployeeID,FirstName,LastName\n001,Ana,Lima\n').toString('base64');
    const up = JSON.parse((await call(b.port, { headers: json(b.token), body: JSON.stringify({ channel: 'file:upload', request: { name: '../../staff.csv', dataBase64 } }) })).body);
    expect(up.ok).toBe(true);
    expect(up.result.path.startsWith(join(h!.dataDir, 'uploads'))).toBe(true);
    expect(up.result.path.endsWith('staff.csv')).toBe(true);
    const opened = JSON.parse((await call(b.port, { headers: json(b.token), body: JSON.stringify({ channel: 'file:open', request: { path: up.result.path } }) })).body);
    expect(opened.result.columns.map((c: { header: string }) => c.header)).toEqual(['EmployeeID', 'FirstName', 'LastName']);
    expect(opened.result.columns[0].type).toBe('identifier');
  });
});
