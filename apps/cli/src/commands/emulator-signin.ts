import { type KeyObject, createPublicKey, generateKeyPair, randomUUID, sign } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Emulator, type EmulatorOptions, FEDERATED_AUDIENCE, type FederatedCredentialOptions } from '@scimport/emulator';
import { FEDERATED_ENV, MANAGED_IDENTITY_ENV, registerSecret } from '@scimport/transport';
import { writeFileAtomic } from '../data-dir';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { ENV } from './upload-connection';

/**
 * `scimport emulator --federated / --federated-key / --managed-identity`: the sandbox plays the scheduler's platform
 * too, so an admin can rehearse a sign-in without a secret before setting it up for real — the same profile, the
 * same environment variables, the same transport, only the addresses are local.
 */

/** The issuer the sandbox plays with `--federated` alone. `.invalid` (RFC 2606): it can never be a real issuer. */
export const SANDBOX_ISSUER = 'https://oidc.sandbox.scimport.invalid';
/** Shaped like a Kubernetes service account's subject, the most common federated workload. */
export const SANDBOX_SUBJECT = 'system:serviceaccount:hr:scimport';
/**
 * The sandbox's tokens live ten minutes and are rewritten every five, like GitHub's short-lived OIDC tokens and
 * Kubernetes' refreshed projected tokens: the file always holds one with at least five minutes left, and a long
 * rehearsal sees the token change under it (scimport reads the file again at each sign-in).
 */
export const SANDBOX_TOKEN_LIFETIME_MS = 10 * 60_000;
export const SANDBOX_TOKEN_ROTATION_MS = 5 * 60_000;
/** Beside the emulator's CA file in the data folder. */
export const SANDBOX_TOKEN_FILE = 'emulator-federated-token.jwt';

export interface SignInRehearsalArgs {
  federated?: boolean;
  federatedKey?: string;
  federatedIssuer?: string;
  federatedSubject?: string;
  federatedAudience?: string;
  managedIdentity?: boolean;
}

/** What the sandbox must be started with, and what plays the issuer (when the sandbox does). */
export interface SignInRehearsal {
  emulatorOptions: Pick<EmulatorOptions, 'federatedCredentials' | 'managedIdentity'>;
  federated?: { issuer: string; subject: string; audience: string; issuedBySandbox: boolean; keys: number };
  privateKey?: KeyObject;
  managedIdentity: boolean;
}

/**
 * Check the options and read the issuer's key, before the sandbox starts (so a mistake costs no port or lock).
 * Errors name the option and what to give; a key file's content is never echoed.
 */
export async function prepareSignInRehearsal(io: CliIo, args: SignInRehearsalArgs): Promise<SignInRehearsal> {
  const managedIdentity = args.managedIdentity === true;
  const refines = (['federatedIssuer', 'federatedSubject', 'federatedAudience'] as const).filter((k) => args[k] !== undefined);
  if (!args.federated && args.federatedKey === undefined) {
    if (refines.length > 0) {
      throw new CliError('USAGE', `${refines.map(flag).join(', ')} only ${refines.length === 1 ? 'means' : 'mean'} something with --federated (the sandbox issues the tokens) or --federated-key <file> (your issuer does). Add one of them.`);
    }
    return { emulatorOptions: managedIdentity ? { managedIdentity: true } : {}, managedIdentity };
  }
  const text = (name: 'federatedIssuer' | 'federatedSubject' | 'federatedAudience', fallback?: string): string | undefined => {
    const value = args[name];
    if (value === undefined) return fallback;
    if (value.trim() === '') throw new CliError('USAGE', `${flag(name)} must not be empty.`);
    return value.trim();
  };
  const audience = text('federatedAudience', FEDERATED_AUDIENCE) as string;
  let issuer: string | undefined;
  let subject: string | undefined;
  let publicKeys: string[];
  let privateKey: KeyObject | undefined;
  if (args.federatedKey !== undefined) {
    issuer = text('federatedIssuer');
    subject = text('federatedSubject');
    if (!issuer || !subject) {
      throw new CliError(
        'USAGE',
        `--federated-key needs ${[issuer ? '' : '--federated-issuer', subject ? '' : '--federated-subject'].filter(Boolean).join(' and ')}: copy the "iss" and "sub" of a token your issuer writes for the scheduled workload (they are what the app registration's federated credential will name).`,
      );
    }
    publicKeys = await readIssuerKeys(resolve(io.cwd, args.federatedKey));
  } else {
    issuer = text('federatedIssuer', SANDBOX_ISSUER) as string;
    subject = text('federatedSubject', SANDBOX_SUBJECT) as string;
    // Made at each start and never written anywhere: the token file is all a client ever sees of it.
    const pair = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    publicKeys = [pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()];
  }
  const federatedCredentials: FederatedCredentialOptions[] = publicKeys.map((publicKeyPem) => ({ issuer: issuer as string, subject: subject as string, audience, publicKeyPem }));
  return {
    emulatorOptions: { federatedCredentials, ...(managedIdentity ? { managedIdentity: true } : {}) },
    federated: { issuer, subject, audience, issuedBySandbox: privateKey !== undefined, keys: publicKeys.length },
    ...(privateKey ? { privateKey } : {}),
    managedIdentity,
  };
}

function flag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The issuer's public signing keys, as SPKI PEM, from a PEM file (public key or certificate) or a JWKS (what an
 * issuer publishes at its jwks_uri; Kubernetes: `kubectl get --raw /openid/v1/jwks`). A private key is refused:
 * the sandbox only checks signatures, and a private key belongs with its issuer.
 */
export async function readIssuerKeys(file: string): Promise<string[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError('INPUT', `The issuer key file ${file} (--federated-key) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). Give the issuer's public key (PEM) or its JWKS (JSON).`);
  }
  const privateKey = `${file} holds a private key. Give the issuer's public key (-----BEGIN PUBLIC KEY-----) or its JWKS instead: the sandbox only checks signatures, and the private key should stay with the issuer.`;
  const trimmed = content.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new CliError('INPUT', `${file} is not valid JSON. Give the issuer's JWKS as it publishes it ({"keys": [...]}) or its public key as PEM.`);
    }
    const record = doc as { keys?: unknown };
    const jwks = Array.isArray(record.keys) ? (record.keys as unknown[]) : [doc];
    // Keys marked for encryption never sign a token.
    const signing = jwks.filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null && (k as { use?: unknown }).use !== 'enc');
    if (signing.length === 0) throw new CliError('INPUT', `${file} lists no signing key. Give the issuer's JWKS as it publishes it ({"keys": [...]}).`);
    return signing.map((jwk, i) => {
      if ('d' in jwk) throw new CliError('INPUT', privateKey);
      try {
        return createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      } catch {
        throw new CliError('INPUT', `Key ${i + 1} of the JWKS in ${file} (kty ${String(jwk.kty)}) cannot be read as a public key. Give the JWKS exactly as the issuer publishes it.`);
      }
    });
  }
  if (/PRIVATE KEY-----/.test(content)) throw new CliError('INPUT', privateKey);
  try {
    return [createPublicKey(content).export({ type: 'spki', format: 'pem' }).toString()];
  } catch {
    throw new CliError('INPUT', `${file} holds neither a public key nor a certificate in PEM, nor a JWKS. Give the issuer's public key (-----BEGIN PUBLIC KEY-----) or its JWKS (JSON).`);
  }
}

/** An RS256 JWT as a workload's OIDC token: the claims Entra matches against a federated credential. */
export function issueWorkloadToken(privateKey: KeyObject, claims: { issuer: string; subject: string; audience: string }, now: number, lifetimeMs = SANDBOX_TOKEN_LIFETIME_MS): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: claims.issuer, sub: claims.subject, aud: claims.audience, iat, nbf: iat, exp: iat + Math.floor(lifetimeMs / 1000), jti: randomUUID() })}`;
  return `${body}.${sign('sha256', Buffer.from(body), privateKey).toString('base64url')}`;
}

/**
 * The sandbox playing the platform's issuer: writes a fresh token to `file` now and every few minutes, owner-only
 * (a token is a credential, even a sandbox's), and removes it at stop so no stale token lies around.
 */
export async function startTokenWriter(io: CliIo, file: string, privateKey: KeyObject, claims: { issuer: string; subject: string; audience: string }): Promise<{ stop(): Promise<void> }> {
  const write = async (): Promise<void> => {
    const token = issueWorkloadToken(privateKey, claims, Date.now());
    // Never printed; registered so that no error message can carry it either.
    registerSecret(token);
    await writeFileAtomic(file, `${token}\n`, 0o600);
  };
  await write();
  const timer = setInterval(() => {
    write().catch((error: unknown) => io.err(`scimport: the sandbox could not write a fresh federated token: ${error instanceof Error ? error.message : String(error)}\n`));
  }, SANDBOX_TOKEN_ROTATION_MS);
  // The servers keep the process alive; the timer alone must not.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await rm(file, { force: true });
    },
  };
}

/**
 * What to set to rehearse each secret-free sign-in against this sandbox: the exact variables, and the profile's
 * `auth`. The IDENTITY_HEADER is printed, like the sandbox's client secret: it opens only this local endpoint and
 * changes at every start. A token's content never is — the file's path is what a scheduler sets.
 */
export function signInRehearsalLines(emulator: Emulator, rehearsal: SignInRehearsal, files: { ca: string; token?: string }): string[] {
  const lines: string[] = [];
  const endpoint = [`  export ${ENV.graph}=${emulator.baseUrl}`, `  export ${ENV.ca}=${files.ca}`];
  const ids = { tenantId: emulator.tenantId, servicePrincipalId: emulator.servicePrincipalId, jobId: emulator.jobId };
  const f = rehearsal.federated;
  if (f) {
    lines.push(
      '',
      "To rehearse a scheduler's federated sign-in (GitHub Actions, Kubernetes workload identity), with no client secret:",
      `  The sandbox app trusts issuer ${f.issuer}, subject ${f.subject}, audience ${f.audience}${f.keys > 1 ? ` (${f.keys} keys)` : ''}.`,
      f.issuedBySandbox
        ? `  The sandbox plays that issuer too: a fresh token is in the file below, rewritten every ${SANDBOX_TOKEN_ROTATION_MS / 60_000} minutes (each lives ${SANDBOX_TOKEN_LIFETIME_MS / 60_000}).`
        : `  Put a token of that issuer in a file (e.g. \`kubectl create token <service-account> --audience ${f.audience} > token.jwt\`) and name it below.`,
      ...endpoint,
      `  export ${FEDERATED_ENV.tokenFile}=${files.token ?? '<the file holding your issuer\'s token>'}`,
      `  unset ${ENV.secret}`,
      `  and in the profile: "target": ${JSON.stringify({ tenantId: emulator.tenantId, clientId: emulator.clientId, servicePrincipalId: emulator.servicePrincipalId, jobId: emulator.jobId, auth: 'federated' })}`,
    );
  }
  const mi = emulator.managedIdentity;
  if (rehearsal.managedIdentity && mi) {
    lines.push(
      '',
      "To rehearse a scheduler's managed-identity sign-in (Azure Automation, Functions, App Service), with no client secret:",
      `  The sandbox serves the platform's identity endpoint; its system-assigned identity is ${mi.systemAssignedClientId}.`,
      ...endpoint,
      `  export ${MANAGED_IDENTITY_ENV.endpoint}=${mi.endpoint}`,
      `  export ${MANAGED_IDENTITY_ENV.header}=${mi.header}   (opens only this sandbox's endpoint; a new one at every start)`,
      `  unset ${ENV.secret}`,
      `  and in the profile: "target": ${JSON.stringify({ ...ids, auth: 'managedIdentity' })}`,
    );
  }
  if (lines.length > 0) lines.push('Then `scimport preflight --profile <profile.json>` names the sign-in method and signs in.');
  return lines;
}
