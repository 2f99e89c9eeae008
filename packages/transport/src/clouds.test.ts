import { describe, expect, it } from 'vitest';
import { CLOUDS, authorityUrl, graphScope, resolveEndpoints } from './clouds';
import { redact, registerSecret } from './errors';

describe('clouds', () => {
  it('derives authority, Graph root and .default scope together for each national cloud', () => {
    expect(resolveEndpoints('global')).toEqual({ cloud: 'global', authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com', scope: 'https://graph.microsoft.com/.default', custom: false });
    expect(resolveEndpoints('usgov').scope).toBe('https://graph.microsoft.us/.default');
    expect(resolveEndpoints('dod')).toMatchObject({ authorityHost: 'https://login.microsoftonline.us', scope: 'https://dod-graph.microsoft.us/.default' });
    expect(resolveEndpoints('china')).toMatchObject({ authorityHost: 'https://login.partner.microsoftonline.cn', scope: 'https://microsoftgraph.chinacloudapi.cn/.default' });
    expect(resolveEndpoints(undefined).cloud).toBe('global');
    expect(Object.isFrozen(CLOUDS.global)).toBe(true);
  });

  it('accepts a custom https endpoint set (the emulator) with its CA', () => {
    const ep = resolveEndpoints({ custom: { authorityHost: 'https://127.0.0.1:8443/', graphBaseUrl: 'https://127.0.0.1:8443', caPem: 'PEM' } });
    expect(ep).toEqual({ cloud: 'custom', authorityHost: 'https://127.0.0.1:8443', graphBaseUrl: 'https://127.0.0.1:8443', scope: 'https://127.0.0.1:8443/.default', caPem: 'PEM', custom: true });
    expect(authorityUrl(ep, 'contoso.onmicrosoft.com')).toBe('https://127.0.0.1:8443/contoso.onmicrosoft.com');
    expect(graphScope(ep, 'SynchronizationData-User.Upload')).toBe('https://127.0.0.1:8443/SynchronizationData-User.Upload');
  });

  it('rejects unknown clouds, http and bad tenants with INVALID_CONFIG', () => {
    expect(() => resolveEndpoints('mars' as never)).toThrow(/Unknown cloud "mars"/);
    expect(() => resolveEndpoints({ custom: { authorityHost: 'http://x', graphBaseUrl: 'https://x' } })).toThrow(/must use https/);
    expect(() => resolveEndpoints({ custom: { authorityHost: 'not a url', graphBaseUrl: 'https://x' } })).toThrow(/not a valid URL/);
    expect(() => authorityUrl(resolveEndpoints('global'), '')).toThrow(/tenant id/);
  });
});

describe('redact', () => {
  it('removes bearer tokens, JWTs, form secrets, private keys and registered secrets', () => {
    registerSecret('S3cr3t~value~abcdef');
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = [
      `Authorization: Bearer ${jwt}`,
      `token ${jwt}`,
      'client_secret=S3cr3t~value~abcdef&grant_type=client_credentials',
      '{"access_token":"abc.def"}',
      '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
      'echo S3cr3t~value~abcdef',
      'errorCode: UnableToResolveReferenceAttributeValue',
    ].join('\n');
    const out = redact(text);
    expect(out).not.toContain('eyJ');
    expect(out).not.toContain('S3cr3t');
    expect(out).not.toContain('MIIE');
    expect(out).not.toContain('abc.def');
    expect(out).toContain('errorCode: UnableToResolveReferenceAttributeValue');
  });
});
