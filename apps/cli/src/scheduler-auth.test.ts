import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { type Emulator, FEDERATED_AUDIENCE, startEmulator } from '@scimport/emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROFILES, tempDir } from './__tests__/harness';
import { registerJobCommands } from './commands/job';
import type { CliIo } from './io';

// `scimport preflight` as a scheduler runs it: no secret anywhere, the sign-in method and its needs on the first line.

const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:contoso/hr-sync:ref:refs/heads/main';
const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });

function oidcToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: ISSUER, sub: SUBJECT, aud: FEDERATED_AUDIENCE, iat: now, exp: now + 600, jti: randomUUID() })}`;
  return `${body}.${sign('sha256', Buffer.from(body), issuer.privateKey).toString('base64url')}`;
}

async function run(argv: string[], env: Record<string, string>): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let status = 0;
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, cwd: process.cwd(), env };
  const program = new Command('scimport').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerJobCommands(program, io, (code) => (status = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    status = 2;
  }
  return { status, out, err };
}

let emu: Emulator;
let dir: string;
let base: Record<string, string>;

async function profileWith(target: Record<string, unknown>, name: string): Promise<string> {
  const profile = JSON.parse(await readFile(join(PROFILES, 'microsoft-attribute-mapping.json'), 'utf8')) as Record<string, unknown>;
  profile.target = { servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId, ...target };
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(profile));
  return file;
}

beforeAll(async () => {
  emu = await startEmulator({
    managedIdentity: true,
    federatedCredentials: [{ issuer: ISSUER, subject: SUBJECT, publicKeyPem: issuer.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
  });
  dir = await tempDir();
  await writeFile(join(dir, 'ca.pem'), emu.caCertPem);
  base = { SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: join(dir, 'ca.pem'), SCIMPORT_DATA_DIR: join(dir, 'data') };
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('scimport preflight without a secret', () => {
  it('federated: tenant and app from AZURE_TENANT_ID / AZURE_CLIENT_ID, token from AZURE_FEDERATED_TOKEN_FILE', async () => {
    const tokenFile = join(dir, 'oidc-token');
    const token = oidcToken();
    await writeFile(tokenFile, token);
    const profile = await profileWith({ auth: 'federated' }, 'federated.json');
    const env = { ...base, AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_TENANT_ID: emu.tenantId, AZURE_CLIENT_ID: emu.clientId };
    const result = await run(['preflight', '--profile', profile], env);
    const lines = result.out.split('\n');
    expect(lines.find((l) => l.includes('Sign-in method'))).toBe(
      `✓ Sign-in method: Signs in with a federated token for app ${emu.clientId}; needs a fresh OIDC token in ${tokenFile} at each run, and a federated credential on the app trusting its issuer and subject.`,
    );
    expect(lines.find((l) => l.startsWith('✓ Sign in:'))).toBeDefined();
    expect(`${result.out}${result.err}`.includes(token)).toBe(false);
    expect(emu.federatedSignIns().length).toBeGreaterThan(0);
  });

  it('managed identity: system-assigned through IDENTITY_ENDPOINT on loopback', async () => {
    // MSAL reads these from process.env itself.
    vi.stubEnv('IDENTITY_ENDPOINT', emu.managedIdentity!.endpoint);
    vi.stubEnv('IDENTITY_HEADER', emu.managedIdentity!.header);
    const profile = await profileWith({ auth: 'managedIdentity', tenantId: emu.tenantId }, 'mi.json');
    const result = await run(['preflight', '--profile', profile], base);
    const lines = result.out.split('\n');
    expect(lines.find((l) => l.includes('Sign-in method'))).toMatch(/^✓ Sign-in method: Signs in with the system-assigned managed identity; needs the platform's endpoint in IDENTITY_ENDPOINT/);
    expect(lines.find((l) => l.startsWith('✓ Sign in:'))).toBe('✓ Sign in: Signed in with the system-assigned managed identity.');
    expect(`${result.out}${result.err}`.includes(emu.managedIdentity!.header)).toBe(false);
  });
});
