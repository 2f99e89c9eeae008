import { request as httpsRequest } from 'node:https';
import type { Emulator } from '../types';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One HTTPS request to the emulator, trusting its certificate through `ca` (never by disabling checks). */
export function call(
  emulator: Pick<Emulator, 'baseUrl' | 'caCertPem'>,
  method: string,
  pathOrUrl: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const url = new URL(pathOrUrl, emulator.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: emulator.caCertPem,
        headers: { ...(options.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function tokenRequest(emulator: Emulator, fields: Record<string, string>, tenant = emulator.tenantId): Promise<Reply> {
  return call(emulator, 'POST', `/${tenant}/oauth2/v2.0/token`, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

export async function getToken(emulator: Emulator): Promise<string> {
  const reply = await tokenRequest(emulator, {
    grant_type: 'client_credentials',
    client_id: emulator.clientId,
    client_secret: emulator.clientSecret,
    scope: `${emulator.baseUrl}/.default`,
  });
  if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${reply.json?.error}`);
  return reply.json.access_token as string;
}

export const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** A SCIM user as core would produce it. */
export function user(externalId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [CORE, ENTERPRISE],
    externalId,
    userName: `${externalId}@contoso.example`,
    name: { givenName: 'Given' + externalId, familyName: 'Family' },
    displayName: `User ${externalId}`,
    active: true,
    ...extra,
  };
}

export function bulkBody(users: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [BULK],
    Operations: users.map((data, i) => ({ method: 'POST', bulkId: `b${i}-${String(data['externalId'])}`, path: '/Users', data })),
    ...extra,
  };
}

export function bulkPath(emulator: Emulator): string {
  return `/v1.0/servicePrincipals/${emulator.servicePrincipalId}/synchronization/jobs/${emulator.jobId}/bulkUpload`;
}

export function upload(emulator: Emulator, token: string, body: unknown, contentType = 'application/scim+json'): Promise<Reply> {
  return call(emulator, 'POST', bulkPath(emulator), {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function graphGet(emulator: Emulator, token: string, path: string): Promise<Reply> {
  return call(emulator, 'GET', path, { headers: { Authorization: `Bearer ${token}` } });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
