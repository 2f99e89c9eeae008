import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FEDERATED_AUDIENCE, FederationTrust } from './federation';

// Each claim Entra matches against a federated credential, refused with its own code and words.

const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ISSUER = 'https://kubernetes.contoso.example';
const SUBJECT = 'system:serviceaccount:hr:scimport';
const NOW = Date.UTC(2026, 0, 15, 2, 15);

function token(claims: Record<string, unknown>): string {
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: ISSUER, sub: SUBJECT, aud: FEDERATED_AUDIENCE, exp: NOW / 1000 + 600, ...claims })}`;
  return `${body}.${sign('sha256', Buffer.from(body), key.privateKey).toString('base64url')}`;
}

const trust = new FederationTrust([{ issuer: ISSUER, subject: SUBJECT, publicKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() }]);

describe('federated credential checks', () => {
  it('accepts the trusted issuer, subject and audience, and records the sign-in by jti', async () => {
    expect(await trust.verify(token({ jti: 'a1' }), NOW)).toEqual({ ok: true });
    expect(trust.accepted.at(-1)).toEqual({ issuer: ISSUER, subject: SUBJECT, jti: 'a1', at: NOW });
  });

  it.each([
    [{ iss: 'https://elsewhere.example' }, 700211, /issuer 'https:\/\/elsewhere.example'/],
    [{ sub: 'system:serviceaccount:hr:other' }, 700213, /subject/],
    [{ aud: 'api://other' }, 700212, /audience 'api:\/\/other'.*api:\/\/AzureADTokenExchange/],
    [{ exp: NOW / 1000 - 600 }, 700024, /not within its valid time range/],
  ])('refuses %o with AADSTS%i', async (claims, aadsts, words) => {
    const check = await trust.verify(token(claims), NOW);
    expect(check).toMatchObject({ ok: false, aadsts, description: expect.stringMatching(words) });
  });

  it('accepts a token signed by any of the keys trusted for the issuer (a JWKS, a key rollover), and refuses one signed by none', async () => {
    const pem = (k: typeof key) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rollover = new FederationTrust([
      { issuer: ISSUER, subject: SUBJECT, publicKeyPem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      { issuer: ISSUER, subject: SUBJECT, publicKeyPem: pem(other) },
      { issuer: ISSUER, subject: SUBJECT, publicKeyPem: pem(key) },
    ]);
    expect(await rollover.verify(token({ jti: 'b1' }), NOW)).toEqual({ ok: true });
    expect(rollover.accepted).toHaveLength(1);
    // Expired stays expired, whichever key is tried first.
    expect(await rollover.verify(token({ exp: NOW / 1000 - 600 }), NOW)).toMatchObject({ ok: false, aadsts: 700024 });
    const stranger = new FederationTrust([{ issuer: ISSUER, subject: SUBJECT, publicKeyPem: pem(other) }, { issuer: ISSUER, subject: SUBJECT, publicKeyPem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() }]);
    expect(await stranger.verify(token({}), NOW)).toMatchObject({ ok: false, aadsts: 50013, description: expect.stringMatching(/not signed by a key of the issuer/) });
  });

  it('tells a federated assertion from a certificate assertion by its issuer, and refuses bad options in words', () => {
    expect(trust.claimsOutsideIssuer(token({}), 'app-id')).toBe(true);
    expect(trust.claimsOutsideIssuer(token({ iss: 'APP-ID' }), 'app-id')).toBe(false);
    expect(trust.claimsOutsideIssuer('not-a-jwt', 'app-id')).toBe(false);
    expect(() => new FederationTrust([{ issuer: ISSUER, subject: SUBJECT, publicKeyPem: 'nope' }])).toThrow(/publicKeyPem must be the issuer's public key in PEM/);
  });
});
