import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bulkBody, getToken, upload, user } from './__tests__/http';
import { startEmulator, type Emulator, type EmulatorOptions } from './index';

const started: Emulator[] = [];
const dirs: string[] = [];
async function sandbox(options: EmulatorOptions = {}): Promise<{ emu: Emulator; token: string }> {
  const emu = await startEmulator({ windowCalls: 10_000, logsApiLimit: false, ...options });
  started.push(emu);
  return { emu, token: await getToken(emu) };
}
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close();
  while (dirs.length > 0) await rm(dirs.pop() as string, { recursive: true, force: true });
});

const outcomes = (emu: Emulator) =>
  Object.fromEntries(emu.logs().map((e) => [e.sourceIdentity.id, e.provisioningStatusInfo.errorInformation?.errorCode ?? e.provisioningStatusInfo.status]));

describe('what Entra refuses in any tenant, refused with no verified domains configured', () => {
  it('fails a userName with a space or a control character with the invalid-UPN error, over HTTPS', async () => {
    const { emu, token } = await sandbox();
    const names = { ok: 'pat@contoso.com', bare: 'DoeJane', inside: 'John Smith', padded: ' padded@contoso.com ', tab: 'max\t@contoso.com', nul: 'nul\u0000@contoso.com', nbsp: 'kim\u00a0lee@contoso.com' };
    expect((await upload(emu, token, bulkBody(Object.entries(names).map(([id, userName]) => user(id, { userName }))))).status).toBe(202);
    expect(outcomes(emu)).toEqual({
      ok: 'success',
      bare: 'success', // the full form is checked only against a list of verified domains
      inside: 'AzureActiveDirectoryInvalidUserPrincipalName',
      padded: 'AzureActiveDirectoryInvalidUserPrincipalName',
      tab: 'AzureActiveDirectoryInvalidUserPrincipalName',
      nul: 'AzureActiveDirectoryInvalidUserPrincipalName',
      nbsp: 'AzureActiveDirectoryInvalidUserPrincipalName',
    });
    const nul = emu.logs().find((e) => e.sourceIdentity.id === 'nul')?.provisioningStatusInfo.errorInformation;
    expect(nul?.reason).toContain("'nul\\u0000@contoso.com'");
    expect(emu.users().map((u) => u.externalId).sort()).toEqual(['bare', 'ok']);
  });

  it('fails a NUL or another control character in any attribute value, and keeps line breaks and tabs', async () => {
    const { emu, token } = await sandbox();
    const people = [
      user('nul-title', { title: 'Clerk\u0000' }),
      user('esc-name', { name: { givenName: 'Ann\u001b[31m', familyName: 'Lee' } }),
      user('c1-dept', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales\u0085' } }),
      user('multi-line', { addresses: [{ type: 'work', streetAddress: '1 Main St\r\nFloor 2\tEast' }] }),
    ];
    expect((await upload(emu, token, bulkBody(people))).status).toBe(202);
    expect(outcomes(emu)).toEqual({
      'nul-title': 'AzureActiveDirectoryInvalidPropertyValue',
      'esc-name': 'AzureActiveDirectoryInvalidPropertyValue',
      'c1-dept': 'AzureActiveDirectoryInvalidPropertyValue',
      'multi-line': 'success',
    });
    const info = emu.logs().find((e) => e.sourceIdentity.id === 'nul-title')?.provisioningStatusInfo.errorInformation;
    expect(info).toMatchObject({ errorCategory: 'failure', reason: expect.stringContaining("property 'title'"), recommendedAction: expect.stringMatching(/Remove the control character/) });
    expect(info?.reason).toContain('Clerk\\u0000');
    expect(emu.users().map((u) => u.externalId)).toEqual(['multi-line']);
  });
});

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), '__tests__', 'sandbox-child.ts');

/** A sandbox in a child process on `stateDir`, with its connection once it listens. */
async function sandboxProcess(stateDir: string, options: EmulatorOptions) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, stateDir, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const connection = await new Promise<Emulator>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line) as Emulator);
    });
    proc.on('exit', (code) => reject(new Error(`sandbox child exited ${code}: ${stderr.slice(0, 2000)}`)));
  });
  return { proc, connection };
}

describe('the sandbox saves before it answers', () => {
  it('holds an accepted upload after a SIGKILL right after its 202, and processes it when started again', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'scimport-sandbox-kill-'));
    dirs.push(stateDir);
    // Processing due 2 s after the 202: at the kill the request is only queued, so only the save before the 202 keeps it.
    const { proc, connection } = await sandboxProcess(stateDir, { processingDelayMs: 2000 });
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    const token = await getToken(connection);
    const people = Array.from({ length: 50 }, (_, i) => user(`p${i}`, { userName: `p${i}@contoso.com` }));
    const reply = await upload(connection, token, bulkBody(people));
    proc.kill('SIGKILL'); // the moment the 202 is read, before any timer of the sandbox could have written
    await exited;
    expect(reply.status).toBe(202);

    const { emu } = await sandbox({ stateDir });
    expect(emu.pendingRequests()).toBe(1);
    const deadline = Date.now() + 10_000;
    while (emu.pendingRequests() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(emu.users().map((u) => u.externalId).sort()).toEqual(people.map((p) => String(p['externalId'])).sort());
  });
});
