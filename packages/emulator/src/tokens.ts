import { type X509Certificate, createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, decodeProtectedHeader, jwtVerify } from 'jose';

export interface AccessClaims {
  tid: string;
  appid: string;
  aud: string;
  roles: string[];
  jti: string;
}

export type TokenCheck = { ok: true; claims: AccessClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/**
 * Issues and checks the emulator's access tokens. They are HS256 JWTs under a key born with the process,
 * shaped like Entra's app tokens (`roles`, `tid`, `appid`, `exp`). Expiry is tracked per token in
 * milliseconds so a timeScale can make lifetimes shorter than the one-second resolution of `exp`.
 */
export class TokenService {
  private readonly key = new Uint8Array(randomBytes(32));
  private readonly issued = new Map<string, { serial: number; expiresAt: number }>();
  private serial = 0;
  private expiredThroughSerial = 0;
  /**
   * Claims of tokens whose signature was already checked: a client sends the same token on every call, and
   * checking its HMAC each time cost more than the rest of a bulkUpload's admission. Expiry is still judged on
   * every use, from `issued`.
   */
  private readonly verified = new Map<string, AccessClaims>();

  async issue(input: { tenantId: string; clientId: string; audience: string; roles: string[]; issuer: string; lifetimeMs: number; now: number }): Promise<string> {
    const jti = randomUUID();
    const expiresAt = input.now + input.lifetimeMs;
    this.issued.set(jti, { serial: ++this.serial, expiresAt });
    const seconds = Math.floor(input.now / 1000);
    return new SignJWT({ tid: input.tenantId, appid: input.clientId, azp: input.clientId, roles: input.roles, idtyp: 'app', ver: '1.0' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(jti)
      .setIssuer(input.issuer)
      .setAudience(input.audience)
      .setSubject(input.clientId)
      .setIssuedAt(seconds)
      .setNotBefore(seconds)
      .setExpirationTime(Math.ceil(expiresAt / 1000))
      .sign(this.key);
  }

  /** Every token issued so far is expired from now on. */
  expireAll(): void {
    this.expiredThroughSerial = this.serial;
  }

  async verify(token: string, now: number): Promise<TokenCheck> {
    const known = this.verified.get(token);
    if (known) return this.judge(known, now);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: new Date(now) }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'signature' };
      return { ok: false, reason: 'malformed' };
    }
    const jti = typeof payload['jti'] === 'string' ? payload['jti'] : '';
    if (!this.issued.has(jti)) return { ok: false, reason: 'signature' };
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : [];
    const claims: AccessClaims = { tid: String(payload['tid']), appid: String(payload['appid']), aud: String(payload['aud']), roles, jti };
    if (this.verified.size >= 1000) this.verified.clear(); // a sandbox's clients hold a handful of tokens at a time
    this.verified.set(token, claims);
    return this.judge(claims, now);
  }

  private judge(claims: AccessClaims, now: number): TokenCheck {
    const record = this.issued.get(claims.jti);
    if (!record) return { ok: false, reason: 'signature' };
    if (record.serial <= this.expiredThroughSerial || record.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { ...claims, roles: [...claims.roles] } };
  }
}

export type AssertionCheck = { ok: true } | { ok: false; aadsts: number; description: string };

/**
 * Verify a client assertion (RFC 7523) the way Entra does for certificate credentials: signed by the key of the
 * registered certificate (named by x5t / x5t#S256 when present), iss = sub = client id, aud = the token endpoint,
 * not expired.
 */
export async function verifyClientAssertion(
  assertion: string,
  input: { certificate: X509Certificate | undefined; clientId: string; audiences: string[]; now: number },
): Promise<AssertionCheck> {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(assertion) as Record<string, unknown>;
  } catch {
    return { ok: false, aadsts: 50027, description: 'JWT token is invalid or malformed: the client_assertion is not a JWT.' };
  }
  const { certificate } = input;
  if (!certificate) {
    return { ok: false, aadsts: 700027, description: 'Client assertion failed signature validation: no certificate is registered for this application.' };
  }
  const der = certificate.raw;
  const x5t = createHash('sha1').update(der).digest('base64url');
  const x5tS256 = createHash('sha256').update(der).digest('base64url');
  const named = header['x5t#S256'] ?? header['x5t'];
  if (named !== undefined && named !== x5t && named !== x5tS256) {
    return {
      ok: false,
      aadsts: 700027,
      description: 'Client assertion failed signature validation: the certificate named by the assertion (x5t) is not registered on the application.',
    };
  }
  try {
    await jwtVerify(assertion, certificate.publicKey, {
      algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'RS384', 'RS512', 'PS384', 'PS512'],
      audience: input.audiences,
      issuer: input.clientId,
      subject: input.clientId,
      requiredClaims: ['exp', 'aud', 'iss', 'sub'],
      // Entra tolerates clock skew between client and service; msal rounds `nbf` to the nearest second.
      clockTolerance: 300,
      currentDate: new Date(input.now),
    });
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      return { ok: false, aadsts: 700024, description: 'Client assertion is not within its valid time range.' };
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') {
        return { ok: false, aadsts: 50027, description: `Invalid client assertion: its audience (aud) must be the token endpoint ${input.audiences[0]}.` };
      }
      if (error.claim === 'iss' || error.claim === 'sub') {
        return { ok: false, aadsts: 700021, description: "Client assertion application identifier doesn't match 'client_id' parameter (iss and sub must be the client id)." };
      }
      return { ok: false, aadsts: 50027, description: `Invalid client assertion: claim '${error.claim}' is not valid.` };
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return { ok: false, aadsts: 700027, description: 'Client assertion failed signature validation: it was not signed by the registered certificate.' };
    }
    return { ok: false, aadsts: 50027, description: 'JWT token is invalid or malformed: the client_assertion could not be verified.' };
  }
  return { ok: true };
}
