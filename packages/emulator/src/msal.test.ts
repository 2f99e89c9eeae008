import { X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { ConfidentialClientApplication, type Configuration, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkBody, upload, user } from './__tests__/http';
import { startEmulator, type Emulator } from './index';

/** msal-node's network seam, on node:https, trusting the emulator's certificate through `ca`. */
function loopbackNetwork(ca: string): INetworkModule {
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method, ca, headers: options?.headers ?? {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ headers, body: (text === '' ? {} : JSON.parse(text)) as T, status: res.statusCode ?? 0 });
        });
      });
      req.on('error', reject);
      if (options?.body !== undefined) req.write(options.body);
      req.end();
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

function msalConfig(emu: Emulator, credentials: Partial<Configuration['auth']>): Configuration {
  return {
    auth: {
      clientId: emu.clientId,
      authority: emu.authority,
      knownAuthorities: [new URL(emu.baseUrl).host],
      authorityMetadata: emu.authorityMetadata,
      cloudDiscoveryMetadata: emu.cloudDiscoveryMetadata,
      ...credentials,
    },
    system: { networkClient: loopbackNetwork(emu.caCertPem) },
  };
}

describe('real @azure/msal-node against the emulator', () => {
  let emu: Emulator;
  let clientCert: { cert: string; key: string };
  let strangerKey: string;

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'scimport-test-client' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
    const stranger = await generate([{ name: 'commonName', value: 'someone-else' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
    clientCert = { cert: pems.cert, key: pems.private };
    strangerKey = stranger.private;
    emu = await startEmulator({ certificatePem: pems.cert });
  });
  afterAll(() => emu.close());

  it('acquires a token with the client secret that the Graph endpoint accepts', async () => {
    const app = new ConfidentialClientApplication(msalConfig(emu, { clientSecret: emu.clientSecret }));
    const result = await app.acquireTokenByClientCredential({ scopes: [`${emu.baseUrl}/.default`] });
    expect(result?.accessToken).toEqual(expect.any(String));
    expect(result?.tokenType).toBe('Bearer');
    expect((await upload(emu, result!.accessToken, bulkBody([user('msal-1')]))).status).toBe(202);
    expect(emu.users().map((u) => u.externalId)).toEqual(['msal-1']);
  });

  it('surfaces a wrong secret as invalid_client with AADSTS7000215', async () => {
    const app = new ConfidentialClientApplication(msalConfig(emu, { clientSecret: 'wrong-secret-value' }));
    const error = await app.acquireTokenByClientCredential({ scopes: [`${emu.baseUrl}/.default`] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'invalid_client' });
    expect((error as Error).message).toMatch(/AADSTS7000215/);
    expect((error as Error).message).not.toContain('wrong-secret-value');
  });

  it('acquires a token with a certificate (client assertion signed by its key)', async () => {
    const thumbprintSha256 = new X509Certificate(clientCert.cert).fingerprint256.replace(/:/g, '');
    const app = new ConfidentialClientApplication(msalConfig(emu, { clientCertificate: { thumbprintSha256, privateKey: clientCert.key, x5c: clientCert.cert } }));
    const result = await app.acquireTokenByClientCredential({ scopes: [`${emu.baseUrl}/.default`] });
    expect((await upload(emu, result!.accessToken, bulkBody([user('msal-2')]))).status).toBe(202);
  });

  it('refuses an assertion signed by another key (AADSTS700027)', async () => {
    const thumbprintSha256 = new X509Certificate(clientCert.cert).fingerprint256.replace(/:/g, '');
    const app = new ConfidentialClientApplication(msalConfig(emu, { clientCertificate: { thumbprintSha256, privateKey: strangerKey } }));
    const error = await app.acquireTokenByClientCredential({ scopes: [`${emu.baseUrl}/.default`] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'invalid_client' });
    expect((error as Error).message).toMatch(/AADSTS700027/);
  });
});
