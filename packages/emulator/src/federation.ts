import { type KeyObject, createPublicKey } from 'node:crypto';
import { errors as joseErrors, decodeJwt, jwtVerify } from 'jose';
import { EmulatorError } from './errors';
import type { AssertionCheck } from './tokens';

/**
 * Workload identity federation as Entra does it: an app registration trusts tokens of an outside issuer (GitHub
 * Actions, a Kubernetes cluster) for one subject and audience — a "federated identity credential". The client
 * sends such a token as its client_assertion and gets an app token for itself. Source: entra-docs
 * workload-identity-federation and workload-identity-federation-create-trust.
 */

/** One federated identity credential on the sandbox's app registration. */
export interface FederatedCredentialOptions {
  /** The outside issuer, exactly as in its tokens' `iss` (e.g. https://token.actions.githubusercontent.com). */
  issuer: string;
  /** The `sub` the issuer puts into the workload's tokens (e.g. repo:contoso/hr-sync:environment:production). */
  subject: string;
  /** The `aud` expected in the tokens. Default api://AzureADTokenExchange (Entra's recommended audience). */
  audience?: string;
  /**
   * The issuer's public signing key (PEM). Entra fetches it from the issuer's JWKS; the sandbox is told it, so a
   * test can sign with a key it generated and nothing leaves the machine. For an issuer with several keys (a JWKS),
   * give one credential per key with the same issuer, subject and audience: any of them may sign.
   */
  publicKeyPem: string;
}

/** Entra's recommended audience of a federated identity credential. */
export const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';

interface Trust {
  issuer: string;
  subject: string;
  audience: string;
  key: KeyObject;
}

/** An accepted federated sign-in, as the sandbox shows it to tests: ids only, never the assertion. */
export interface FederatedSignIn {
  issuer: string;
  subject: string;
  /** The assertion's `jti`, if it had one. */
  jti: string | undefined;
  at: number;
}

/** The federated identity credentials of the sandbox's app, and the sign-ins they let through. */
export class FederationTrust {
  private readonly trusts: Trust[];
  readonly accepted: FederatedSignIn[] = [];

  constructor(options: FederatedCredentialOptions[] | undefined) {
    if (options !== undefined && !Array.isArray(options)) {
      throw new EmulatorError('INVALID_OPTION', 'federatedCredentials must be an array of { issuer, subject, audience?, publicKeyPem }.');
    }
    this.trusts = (options ?? []).map((o, i) => {
      for (const key of ['issuer', 'subject'] as const) {
        if (typeof o?.[key] !== 'string' || o[key].trim() === '') throw new EmulatorError('INVALID_OPTION', `federatedCredentials[${i}].${key} must be non-empty text.`);
      }
      if (o.audience !== undefined && (typeof o.audience !== 'string' || o.audience.trim() === '')) {
        throw new EmulatorError('INVALID_OPTION', `federatedCredentials[${i}].audience must be non-empty text (default ${FEDERATED_AUDIENCE}).`);
      }
      let key: KeyObject;
      try {
        key = createPublicKey(o.publicKeyPem);
      } catch (error) {
        throw new EmulatorError('INVALID_OPTION', `federatedCredentials[${i}].publicKeyPem must be the issuer's public key in PEM (-----BEGIN PUBLIC KEY-----).`, { cause: error });
      }
      return { issuer: o.issuer, subject: o.subject, audience: o.audience ?? FEDERATED_AUDIENCE, key };
    });
  }

  /**
   * Whether `assertion` claims to come from an outside issuer: its unverified `iss` is not the app itself (which is
   * what a certificate assertion carries). Only then is it judged here.
   */
  claimsOutsideIssuer(assertion: string, clientId: string): boolean {
    let iss: unknown;
    try {
      iss = decodeJwt(assertion).iss;
    } catch {
      return false;
    }
    return typeof iss === 'string' && iss.toLowerCase() !== clientId.toLowerCase();
  }

  /** Judge a federated assertion with Entra's error codes and wording. */
  async verify(assertion: string, now: number): Promise<AssertionCheck> {
    const claims = decodeJwt(assertion);
    const iss = String(claims.iss);
    const sameIssuer = this.trusts.filter((t) => t.issuer === iss);
    if (sameIssuer.length === 0) {
      return { ok: false, aadsts: 700211, description: `No matching federated identity record found for presented assertion issuer '${iss}'. Add a federated credential for this issuer to the app registration.` };
    }
    const sub = String(claims.sub);
    const bySubject = sameIssuer.filter((t) => t.subject === sub);
    if (bySubject.length === 0) {
      return { ok: false, aadsts: 700213, description: `No matching federated identity record found for presented assertion subject '${sub}'. Check the subject of the federated credential (branch, environment or service account).` };
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const trusts = bySubject.filter((t) => audiences.includes(t.audience));
    if (trusts.length === 0) {
      return { ok: false, aadsts: 700212, description: `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'. Request the token with audience ${bySubject[0]?.audience}.` };
    }
    // An issuer publishes several signing keys (its JWKS, during a key rollover): the assertion passes when one of them signed it.
    let refusal: AssertionCheck | undefined;
    for (const trust of trusts) {
      const check = await verifyWith(assertion, trust, iss, now);
      if (check.ok) {
        this.accepted.push({ issuer: iss, subject: sub, jti: typeof claims.jti === 'string' ? claims.jti : undefined, at: now });
        return check;
      }
      // A refusal other than the signature (expired, malformed) holds whichever key signed it.
      if (check.aadsts !== 50013) return check;
      refusal = check;
    }
    return refusal as AssertionCheck;
  }
}

async function verifyWith(assertion: string, trust: Trust, iss: string, now: number): Promise<AssertionCheck> {
  try {
    await jwtVerify(assertion, trust.key, {
      issuer: trust.issuer,
      subject: trust.subject,
      audience: trust.audience,
      requiredClaims: ['exp'],
      // Entra allows five minutes of clock skew for client assertions.
      clockTolerance: 300,
      currentDate: new Date(now),
    });
    return { ok: true };
  } catch (error) {
    // The signature is checked before the claims, so a time-range refusal means this key did sign it.
    if (error instanceof joseErrors.JWTExpired || (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf')) {
      return { ok: false, aadsts: 700024, description: 'Client assertion is not within its valid time range.' };
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
      return { ok: false, aadsts: 50013, description: `Assertion failed signature validation: it was not signed by a key of the issuer '${iss}'.` };
    }
    return { ok: false, aadsts: 50027, description: 'JWT token is invalid or malformed: the client_assertion could not be verified.' };
  }
}
