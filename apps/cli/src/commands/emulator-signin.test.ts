import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { access, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, cli, tempDir } from '../__tests__/harness';

// An admin rehearsing a scheduler's secret-free sign-in: `scimport emulator` in its own process with the sign-in
// options, then `scimport preflight` and `scimport upload` in others, set up only from what the emulator printed
// (the variables and the profile's target) — real MSAL, real HTTP(S) on loopback, nothing in between.

// The command as installed in the workspace (its bin registers tsx), run from a folder of its own.
const BIN = join(REPO, 'apps', 'cli', 'bin', 'scimport.mjs');
const MAPPING = '{ "externalId": $string(Id), "userName": UPN, "name": { "givenName": First, "familyName": Last }, "displayName": First & " " & Last, "active": true }';

let scratch: string;
const running: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  scratch = await tempDir();
});
afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

/** The environment of this process without anything that could sign in by itself: only what the test sets counts. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(SCIMPORT_|AZURE_|IDENTITY_|MSI_|IMDS_)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

function start(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: scratch, env: cleanEnv(env) });
  running.push(child);
  return child;
}

async function scimport(args: string[], env: Record<string, string>): Promise<{ status: number | null; out: string; err: string }> {
  const child = start(args, env);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, out, err };
}

interface Emulating {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  /** The `export NAME=value` lines of one section of the printout (the one whose heading matches). */
  section(heading: RegExp): { env: Record<string, string>; target: Record<string, unknown>; text: string };
  stop(): Promise<number | null>;
}

/** `scimport emulator <args>` until it prints "Press Ctrl+C". */
async function emulator(args: string[], dataDir: string): Promise<Emulating> {
  // Results at once (no Entra-like lag), so an upload's wait for the logs is short.
  const child = start(['emulator', ...args], { SCIMPORT_DATA_DIR: dataDir, SCIMPORT_SANDBOX_TIME_SCALE: 'off' });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Press Ctrl+C')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`scimport emulator did not start: ${err || out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    out: () => out,
    err: () => err,
    section(heading) {
      const blocks = out.split('\n\n');
      const text = blocks.find((b) => heading.test(b.split('\n')[0] ?? ''));
      if (!text) throw new Error(`no section ${heading} in:\n${out}`);
      const env = Object.fromEntries([...text.matchAll(/^ {2}export (\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
      const target = JSON.parse(/"target": (\{.*\})$/m.exec(text)![1]!) as Record<string, unknown>;
      return { env, target, text };
    },
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

async function profileWith(target: Record<string, unknown>, name: string): Promise<string> {
  const file = join(scratch, name);
  await writeFile(file, JSON.stringify({ name: `Rehearsal ${name}`, version: 1, mapping: MAPPING, target }));
  return file;
}

async function people(name: string, first: number): Promise<string> {
  const file = join(scratch, name);
  await writeFile(file, `Id,First,Last,UPN\n${first},Ada,Lovelace,ada${first}@contoso.com\n${first + 1},Alan,Turing,alan${first + 1}@contoso.com\n`);
  return file;
}

const line = (out: string, start: string): string | undefined => out.split('\n').find((l) => l.startsWith(start));

describe('scimport emulator --federated --managed-identity', () => {
  it('prints the variables and the profile auth for each method, and a scheduler set up from them alone signs in and uploads', async () => {
    const dataDir = join(scratch, 'emu');
    const emu = await emulator(['--federated', '--managed-identity'], dataDir);

    // Federated: the sandbox plays the issuer and keeps the token file fresh; the client needs no secret.
    const fed = emu.section(/federated sign-in/);
    expect(Object.keys(fed.env).sort()).toEqual(['AZURE_FEDERATED_TOKEN_FILE', 'SCIMPORT_CA_FILE', 'SCIMPORT_GRAPH_BASE_URL']);
    expect(fed.target.auth).toBe('federated');
    expect(fed.text).toMatch(/unset SCIMPORT_CLIENT_SECRET/);
    const tokenFile = fed.env.AZURE_FEDERATED_TOKEN_FILE!;
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const fedProfile = await profileWith(fed.target, 'federated.json');
    const fedEnv = { ...fed.env, SCIMPORT_DATA_DIR: join(scratch, 'scheduler-federated') };
    const fedCheck = await scimport(['preflight', '--profile', fedProfile], fedEnv);
    expect(fedCheck.err).toBe('');
    expect(line(fedCheck.out, '✓ Sign-in method:')).toBe(
      `✓ Sign-in method: Signs in with a federated token for app ${String(fed.target.clientId)}; needs a fresh OIDC token in ${tokenFile} at each run, and a federated credential on the app trusting its issuer and subject.`,
    );
    expect(line(fedCheck.out, '✓ Sign in:')).toBe(`✓ Sign in: Signed in to tenant ${String(fed.target.tenantId)} as app ${String(fed.target.clientId)}.`);
    expect(fedCheck.status).toBe(0);
    const fedUpload = await scimport(['upload', await people('federated.csv', 100), '--profile', fedProfile, '--json'], fedEnv);
    expect(fedUpload.err).toBe('');
    expect(fedUpload.status).toBe(0);
    expect(JSON.parse(fedUpload.out)).toMatchObject({ acceptedRequests: 1 });

    // Managed identity: the platform's endpoint and header, and a profile without a client id.
    const mi = emu.section(/managed-identity sign-in/);
    expect(Object.keys(mi.env).sort()).toEqual(['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'SCIMPORT_CA_FILE', 'SCIMPORT_GRAPH_BASE_URL']);
    expect(mi.env.IDENTITY_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    expect(mi.target).toMatchObject({ auth: 'managedIdentity' });
    expect(mi.target.clientId).toBeUndefined();
    const miProfile = await profileWith(mi.target, 'managed-identity.json');
    const miEnv = { ...mi.env, SCIMPORT_DATA_DIR: join(scratch, 'scheduler-mi') };
    const miCheck = await scimport(['preflight', '--profile', miProfile], miEnv);
    expect(miCheck.err).toBe('');
    expect(line(miCheck.out, '✓ Sign-in method:')).toMatch(/^✓ Sign-in method: Signs in with the system-assigned managed identity; needs the platform's endpoint in IDENTITY_ENDPOINT and IDENTITY_HEADER/);
    expect(line(miCheck.out, '✓ Sign in:')).toBe('✓ Sign in: Signed in with the system-assigned managed identity.');
    expect(miCheck.status).toBe(0);
    const miUpload = await scimport(['upload', await people('mi.csv', 200), '--profile', miProfile, '--json'], miEnv);
    expect(miUpload.err).toBe('');
    expect(miUpload.status).toBe(0);
    expect(JSON.parse(miUpload.out)).toMatchObject({ acceptedRequests: 1 });

    // Nothing the clients printed carries a token or the identity header; the emulator never prints the token.
    for (const printed of [fedCheck.out, fedUpload.out, miCheck.out, miUpload.out]) {
      expect(printed.includes(token)).toBe(false);
      expect(printed.includes(mi.env.IDENTITY_HEADER!)).toBe(false);
    }
    expect(emu.out().includes(token)).toBe(false);

    expect(await emu.stop()).toBe(0);
    expect(emu.out()).toMatch(/Sandbox stopped/);
    expect(emu.err()).toBe('');
    // A token left behind would be a stale credential lying around.
    await expect(access(tokenFile)).rejects.toThrow();
  }, 180_000);
});

describe('scimport emulator --federated-key (your own issuer)', () => {
  it("trusts the issuer's JWKS, and a token that issuer signed signs in; one it did not sign is refused in words", async () => {
    const ISSUER = 'https://oidc.prod-aks.contoso.example/7c1e/';
    const SUBJECT = 'system:serviceaccount:hr:scimport-sync';
    const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const retired = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // As an issuer publishes it: several keys (a rollover), one for encryption that never signs.
    const jwks = {
      keys: [
        { ...retired.publicKey.export({ format: 'jwk' }), kid: 'old', use: 'sig' },
        { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), kid: 'enc', use: 'enc' },
        { ...signer.publicKey.export({ format: 'jwk' }), kid: 'current', use: 'sig' },
      ],
    };
    const jwksFile = join(scratch, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(jwks));
    const dataDir = join(scratch, 'emu-own');
    const emu = await emulator(['--federated-key', jwksFile, '--federated-issuer', ISSUER, '--federated-subject', SUBJECT], dataDir);
    const fed = emu.section(/federated sign-in/);
    expect(fed.text).toContain(`trusts issuer ${ISSUER}, subject ${SUBJECT}, audience api://AzureADTokenExchange (2 keys)`);
    expect(fed.text).toContain("export AZURE_FEDERATED_TOKEN_FILE=<the file holding your issuer's token>");
    expect(emu.out()).not.toMatch(/managed-identity sign-in/);
    await expect(access(join(dataDir, 'emulator-federated-token.jwt'))).rejects.toThrow();

    const oidc = (key: typeof signer.privateKey): string => {
      const now = Math.floor(Date.now() / 1000);
      const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
      const body = `${part({ alg: 'RS256', typ: 'JWT', kid: 'current' })}.${part({ iss: ISSUER, sub: SUBJECT, aud: 'api://AzureADTokenExchange', iat: now, exp: now + 600, jti: randomUUID() })}`;
      return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
    };
    const tokenFile = join(scratch, 'k8s-token');
    await writeFile(tokenFile, oidc(signer.privateKey));
    const profile = await profileWith(fed.target, 'own-issuer.json');
    const env = { SCIMPORT_GRAPH_BASE_URL: fed.env.SCIMPORT_GRAPH_BASE_URL!, SCIMPORT_CA_FILE: fed.env.SCIMPORT_CA_FILE!, AZURE_FEDERATED_TOKEN_FILE: tokenFile, SCIMPORT_DATA_DIR: join(scratch, 'scheduler-own') };
    const ok = await scimport(['preflight', '--profile', profile], env);
    expect(ok.err).toBe('');
    expect(line(ok.out, '✓ Sign in:')).toBe(`✓ Sign in: Signed in to tenant ${String(fed.target.tenantId)} as app ${String(fed.target.clientId)}.`);

    // The file now holds a token from someone else's key (it rotates: read again at the next sign-in).
    await writeFile(tokenFile, oidc(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey));
    const refused = await scimport(['preflight', '--profile', profile], env);
    expect(refused.status).not.toBe(0);
    expect(`${refused.out}${refused.err}`).toMatch(/was not signed by its issuer's key/);
    expect(await emu.stop()).toBe(0);
  }, 120_000);
});

describe('scimport emulator sign-in options refused before anything starts', () => {
  it('names the missing option, and what to give', async () => {
    const env = { SCIMPORT_DATA_DIR: join(scratch, 'refused') };
    const alone = await cli(['emulator', '--federated-subject', 'x'], scratch, env);
    expect(alone.status).toBe(2);
    expect(alone.err).toMatch(/--federated-subject only means something with --federated .* or --federated-key <file>/);

    const key = join(scratch, 'issuer.pem');
    await writeFile(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
    const noIssuer = await cli(['emulator', '--federated-key', key], scratch, env);
    expect(noIssuer.status).toBe(2);
    expect(noIssuer.err).toMatch(/--federated-key needs --federated-issuer and --federated-subject: copy the "iss" and "sub"/);

    const secret = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const privateFile = join(scratch, 'issuer-private.pem');
    await writeFile(privateFile, secret);
    const leaked = await cli(['emulator', '--federated-key', privateFile, '--federated-issuer', 'https://i.example', '--federated-subject', 's'], scratch, env);
    expect(leaked.status).toBe(2);
    expect(leaked.err).toMatch(/holds a private key\. Give the issuer's public key/);
    expect(leaked.err).not.toContain(secret.split('\n')[1]);

    const missing = await cli(['emulator', '--federated-key', join(scratch, 'nope.json'), '--federated-issuer', 'https://i.example', '--federated-subject', 's'], scratch, env);
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/nope\.json \(--federated-key\) cannot be read \(ENOENT\)/);
  });
});
