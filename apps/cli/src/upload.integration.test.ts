import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@scimport/emulator';
import { emulatorCommand } from './commands/upload-sandbox';
import { MS, PROFILES, cliWithEnv } from './__tests__/harness';
import type { CliIo } from './io';

// Real HTTPS against the emulator on loopback, real MSAL sign-in, real files: nothing is mocked.

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');
const TWO = join(MS, 'csv-with-2-records.csv');
const THOUSAND = join(MS, 'csv-with-1000-records.csv');
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\./;

const scimport = cliWithEnv;

/** Every file under `dir`, with its content. */
async function filesUnder(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out.push({ file, text: await readFile(file, 'utf8') });
  }
  return out;
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

let scratch: string;
let dataDir: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'scimport-upload-'));
  dataDir = join(scratch, 'data');
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('upload to the built-in sandbox (a profile without target)', () => {
  it("uploads Microsoft's 2-record sample and reports per row that their managers are unknown to the tenant", async () => {
    const run = await scimport(['upload', TWO, '--profile', PROFILE, '--json'], { SCIMPORT_DATA_DIR: dataDir });
    expect(run.err).toBe('');
    // Both people are created, but their managers (1684, 1959) are in neither the file nor the tenant.
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.out);
    expect(doc).toMatchObject({ rows: 2, valid: 2, invalid: 0, requests: 1, calls: 1, throttled: 0, accepted: 2 });
    expect(doc.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(doc.results.summary).toEqual({ create: { failure: 2 } });
    const rows = [...doc.results.rows].sort((a: { row: number }, b: { row: number }) => a.row - b.row);
    expect(rows).toEqual([
      expect.objectContaining({ externalId: '1222', row: 2, errorCode: 'UnableToResolveReferenceAttributeValue', reason: expect.stringContaining("'1684'") }),
      expect.objectContaining({ externalId: '1513', row: 3, errorCode: 'UnableToResolveReferenceAttributeValue', reason: expect.stringContaining("'1959'") }),
    ]);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('uploads the 359 valid users of the 1,000-row sample, names unresolved managers by row, and exits 1 for the rows left out', async () => {
    const run = await scimport(['upload', THOUSAND, '--profile', PROFILE, '--json'], { SCIMPORT_DATA_DIR: dataDir });
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.out);
    expect(doc).toMatchObject({ rows: 1000, valid: 359, invalid: 641, requests: 8, acceptedRequests: 8, accepted: 359, throttled: 0 });
    expect(doc.results.complete).toBe(true);
    const rows = doc.results.rows as { externalId: string; row: number | null; status: string; errorCode?: string; reason?: string; recommendedAction?: string }[];
    expect(rows).toHaveLength(359);
    expect(rows.every((r) => typeof r.row === 'number' && r.row >= 2 && r.row <= 1001)).toBe(true);
    const failed = rows.filter((r) => r.status === 'failure');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.errorCode === 'UnableToResolveReferenceAttributeValue' && r.reason && r.recommendedAction)).toBe(true);
    expect(rows.filter((r) => r.status === 'success').length + failed.length).toBe(359);

    // The row number is the file's: WorkerID (column A) of that line is the externalId.
    const source = (await readFile(THOUSAND, 'utf8')).split(/\r?\n/);
    const one = failed[0]!;
    expect(source[one.row! - 1]!.split(',')[0]).toBe(one.externalId);

    // Text output of the same run, through status: the summary and the failed rows with their row.
    const status = await scimport(['status', doc.runId], { SCIMPORT_DATA_DIR: dataDir });
    expect(status.status).toBe(1);
    expect(status.out).toMatch(/Requests: 8 accepted, 0 pending/);
    expect(status.out).toMatch(/create\s+failure\s+\d+/);
    expect(status.out).toContain(`failure row ${one.row} (externalId ${one.externalId}): UnableToResolveReferenceAttributeValue`);
    const csv = await readFile(join(dataDir, 'runs', doc.runId, 'results.csv'), 'utf8');
    expect(lines(csv)).toHaveLength(360);
  });

  it('a dry run transforms and plans but sends nothing and creates no run', async () => {
    const run = await scimport(['upload', THOUSAND, '--profile', PROFILE, '--dry-run'], { SCIMPORT_DATA_DIR: dataDir });
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/Calls needed: 8; 2,000 of the tenant's 2,000 daily calls left/);
    expect(run.out).toMatch(/Dry run: would upload 359 users in 8 requests to the built-in sandbox.*Nothing was sent/);
    expect(JSON.parse((await scimport(['runs', '--json'], { SCIMPORT_DATA_DIR: dataDir })).out)).toEqual([]);
  });
});

describe('upload to an emulator given through the environment', () => {
  let emu: Emulator;
  let caFile: string;
  let caDir: string;
  let env: () => Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({ tokenLifetimeSec: 3600 * 100 });
    caDir = await mkdtemp(join(tmpdir(), 'scimport-ca-'));
    caFile = join(caDir, 'ca.pem');
    await writeFile(caFile, emu.caCertPem);
    env = () => ({ SCIMPORT_DATA_DIR: dataDir, SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: caFile, SCIMPORT_CLIENT_SECRET: emu.clientSecret });
  });
  afterAll(async () => {
    await emu.close();
    await rm(caDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    emu.reset();
    emu.setFaults({});
  });

  it('--max-calls 1 refuses an 8-call upload in one sentence, before anything is sent', async () => {
    const run = await scimport(['upload', THOUSAND, '--profile', PROFILE, '--max-calls', '1'], env());
    expect(run.status).toBe(2);
    expect(lines(run.err)).toHaveLength(1);
    expect(run.err).toMatch(/needs 8 bulkUpload calls .* more than --max-calls 1 allows\. Nothing was sent/);
    expect(emu.bulkCalls()).toHaveLength(0);
  });

  it('--dry-run sends nothing to the endpoint', async () => {
    const run = await scimport(['upload', TWO, '--profile', PROFILE, '--dry-run', '--json'], env());
    expect(run.status).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ dryRun: true, runId: null, valid: 2, requests: 1, calls: 0 });
    expect(emu.bulkCalls()).toHaveLength(0);
  });

  it('refuses to send when the job schema lacks the custom attributes; schema push adds them, then the upload goes through', async () => {
    const refused = await scimport(['upload', TWO, '--profile', PROFILE], env());
    expect(refused.status).toBe(2);
    expect(refused.err).toMatch(/does not know urn:ietf:params:scim:schemas:extension:csv:1\.0:User:HireDate.*scimport schema push --profile/);
    expect(emu.bulkCalls()).toHaveLength(0);
    const runId = /scimport resume (\S+?)`/.exec(refused.err)?.[1];
    expect(runId).toBeDefined();

    const push = await scimport(['schema', 'push', '--profile', PROFILE, '--json'], env());
    expect(push.status).toBe(0);
    expect(JSON.parse(push.out)).toEqual({
      added: ['urn:ietf:params:scim:schemas:extension:csv:1.0:User:HireDate', 'urn:ietf:params:scim:schemas:extension:csv:1.0:User:OnLeave'],
      existing: [],
      typeMismatches: [],
    });
    expect(emu.schemaAttributes().map((a) => a.name).sort()).toEqual(['HireDate', 'OnLeave']);
    const again = await scimport(['schema', 'push', '--profile', PROFILE], env());
    expect(again.out).toMatch(/existing\s+urn:ietf:params:scim:schemas:extension:csv:1\.0:User:HireDate/);

    const resumed = await scimport(['resume', runId!, '--json'], env());
    expect(resumed.err).toBe('');
    expect(JSON.parse(resumed.out)).toMatchObject({ acceptedRequests: 1, results: { summary: { create: { failure: 2 } } } });
    expect(emu.users().map((u) => u.externalId).sort()).toEqual(['1222', '1513']);
  });

  describe('with the schema pushed', () => {
    beforeEach(async () => {
      expect((await scimport(['schema', 'push', '--profile', PROFILE], env())).status).toBe(0);
    });

    it('never writes the client secret or a token to the output or the data folder', async () => {
      const run = await scimport(['upload', THOUSAND, '--profile', PROFILE], env());
      expect(run.status).toBe(1);
      expect(run.out).toMatch(/custom endpoint https:\/\/127\.0\.0\.1:\d+ \(from SCIMPORT_GRAPH_BASE_URL\)/);
      expect(emu.users().length).toBeGreaterThan(0);
      const status = await scimport(['status', /Run (\S+):/.exec(run.out)![1]!, '--json'], env());
      for (const text of [run.out, run.err, status.out, status.err]) {
        expect(text).not.toContain(emu.clientSecret);
        expect(text).not.toMatch(JWT);
      }
      const files = await filesUnder(dataDir);
      expect(files.length).toBeGreaterThan(10);
      for (const { text } of files) {
        expect(text).not.toContain(emu.clientSecret);
        expect(text).not.toMatch(JWT);
      }
    });

    it('resume continues a run stopped by a failed request, sending only what was not accepted', async () => {
      emu.setFaults({ failNextCalls: { status: 400, count: 1 } });
      const first = await scimport(['upload', THOUSAND, '--profile', PROFILE], env());
      expect(first.status).toBe(2);
      expect(lines(first.err)).toHaveLength(1);
      expect(first.err).toMatch(/rejected .* as invalid \(400\)/);
      const runId = /scimport resume (\S+?)`/.exec(first.err)![1]!;
      const sentBefore = emu.bulkCalls().filter((c) => c.status === 202).length;
      expect(sentBefore).toBeLessThan(8);

      const before = JSON.parse((await scimport(['status', runId, '--json'], env())).out);
      expect(before.chunks.total).toBe(8);
      expect(before.chunks.accepted).toBe(sentBefore);
      expect(before.failedChunks).toHaveLength(1);

      const resumed = await scimport(['resume', runId, '--json'], env());
      expect(resumed.err).toBe('');
      expect(resumed.status).toBe(1); // rows left out of the file, and unresolved managers
      const doc = JSON.parse(resumed.out);
      expect(doc).toMatchObject({ runId, acceptedRequests: 8, requests: 8, calls: 8 - sentBefore, valid: 359, invalid: 641 });
      expect(doc.results.complete).toBe(true);
      expect(emu.bulkCalls().filter((c) => c.status === 202)).toHaveLength(8);

      const after = JSON.parse((await scimport(['status', runId, '--json'], env())).out);
      expect(after.chunks).toMatchObject({ total: 8, accepted: 8, pending: 0, failed: 0 });
      expect(after.results.rows).toHaveLength(359);
      const runs = JSON.parse((await scimport(['runs', '--json'], env())).out);
      expect(runs).toEqual([expect.objectContaining({ id: runId, accepted: 8, total: 8, file: 'csv-with-1000-records.csv' })]);
    });

    it('--no-wait uploads and leaves the results to status --wait', async () => {
      const run = await scimport(['upload', TWO, '--profile', PROFILE, '--no-wait', '--json'], env());
      expect(run.status).toBe(0); // nothing known to have failed yet
      const doc = JSON.parse(run.out);
      expect(doc.results).toBeNull();
      const status = await scimport(['status', doc.runId, '--wait', '--json'], env());
      expect(status.status).toBe(1);
      expect(JSON.parse(status.out).results).toMatchObject({ complete: true, summary: { create: { failure: 2 } } });
    });
  });

  it('refuses an upload over the daily quota left (as counted here) unless --allow-over-quota', async () => {
    await scimport(['schema', 'push', '--profile', PROFILE], env());
    const refused = await scimport(['upload', THOUSAND, '--profile', PROFILE, '--daily-quota', '5'], env());
    expect(refused.status).toBe(2);
    expect(refused.err).toMatch(/needs 8 bulkUpload calls but only 5 of the tenant's 5 daily calls remain/);
    expect(emu.bulkCalls()).toHaveLength(0);
    const forced = await scimport(['upload', THOUSAND, '--profile', PROFILE, '--daily-quota', '5', '--allow-over-quota', '--no-wait', '--json'], env());
    expect(forced.err).toBe('');
    expect(JSON.parse(forced.out)).toMatchObject({ acceptedRequests: 8, calls: 8 });
  });
});

describe('sign-in settings', () => {
  it('a real-looking target without SCIMPORT_CLIENT_SECRET says which variable to set, before reading the file', async () => {
    const profile = JSON.parse(await readFile(PROFILE, 'utf8'));
    profile.target = {
      cloud: 'global',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      clientId: '0b5b4a6c-6f4e-4b3c-9a1e-3c2d1e0f9a8b',
      servicePrincipalId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      jobId: 'API2AAD.0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d.1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d',
    };
    const file = join(scratch, 'real.json');
    await writeFile(file, JSON.stringify(profile));
    const run = await scimport(['upload', 'does-not-exist.csv', '--profile', file], { SCIMPORT_DATA_DIR: dataDir });
    expect(run.status).toBe(2);
    expect(lines(run.err)).toHaveLength(1);
    expect(run.err).toMatch(/SCIMPORT_CLIENT_SECRET is not set/);
  });

  it('a target missing its jobId names the field and where to find it', async () => {
    const profile = JSON.parse(await readFile(PROFILE, 'utf8'));
    profile.target = { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '0b5b4a6c-6f4e-4b3c-9a1e-3c2d1e0f9a8b', servicePrincipalId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f' };
    const file = join(scratch, 'partial.json');
    await writeFile(file, JSON.stringify(profile));
    const run = await scimport(['upload', TWO, '--profile', file], { SCIMPORT_DATA_DIR: dataDir, SCIMPORT_CLIENT_SECRET: 'x'.repeat(20) });
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/target\.jobId is missing.*Job ID/);
  });
});

describe('scimport emulator', () => {
  it('runs the sandbox as a server, prints how to reach it, and an upload through those settings lands in it', async () => {
    let out = '';
    const io: CliIo = { out: (t) => void (out += t), err: () => undefined, interactive: false, cwd: process.cwd(), env: { SCIMPORT_DATA_DIR: dataDir } };
    const stop = new AbortController();
    const running = emulatorCommand(io, {}, stop.signal);
    while (!out.includes('Press Ctrl+C')) await new Promise((r) => setTimeout(r, 20));
    const value = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(out)![1]!;
    expect(out).toMatch(/SANDBOX client secret/);
    const env = { SCIMPORT_DATA_DIR: join(scratch, 'client'), SCIMPORT_GRAPH_BASE_URL: value('SCIMPORT_GRAPH_BASE_URL'), SCIMPORT_CA_FILE: value('SCIMPORT_CA_FILE'), SCIMPORT_CLIENT_SECRET: value('SCIMPORT_CLIENT_SECRET') };
    expect(await readFile(env.SCIMPORT_CA_FILE, 'utf8')).toMatch(/BEGIN CERTIFICATE/);

    // The in-process sandbox refuses to run on the same state while the server holds it.
    const clash = await scimport(['upload', TWO, '--profile', PROFILE], { SCIMPORT_DATA_DIR: dataDir });
    expect(clash.status).toBe(2);
    expect(clash.err).toMatch(/already running/);

    expect((await scimport(['schema', 'push', '--profile', PROFILE], env)).status).toBe(0);
    const run = await scimport(['upload', TWO, '--profile', PROFILE, '--json'], env);
    expect(run.err).toBe('');
    expect(JSON.parse(run.out).results.summary).toEqual({ create: { failure: 2 } });
    stop.abort();
    expect(await running).toBe(0);
    expect(out).toMatch(/Sandbox stopped/);
    // The users stayed in the sandbox state: the next in-process sandbox finds them (an update, not a create).
    const again = await scimport(['upload', TWO, '--profile', PROFILE, '--json'], { SCIMPORT_DATA_DIR: dataDir });
    expect(again.err).toBe('');
    expect(Object.keys(JSON.parse(again.out).results.summary)).not.toContain('create');
  });
});

describe('scimport login (delegated sign-in)', () => {
  let emu: Emulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'scimport-login-'));
    await writeFile(join(dir, 'ca.pem'), emu.caCertPem);
    env = { SCIMPORT_GRAPH_BASE_URL: emu.baseUrl, SCIMPORT_CA_FILE: join(dir, 'ca.pem') };
  });
  afterAll(() => emu.close());

  it('opens $BROWSER on the authorize page and reports a refused sign-in in one line', async () => {
    // Stands in for the browser: records the URL and posts a code back to the loopback redirect, as the sign-in page would.
    const browser = join(scratch, 'browser.mjs');
    const seen = join(scratch, 'opened.txt');
    await writeFile(
      browser,
      `#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
const url = new URL(process.argv[2]);
writeFileSync(${JSON.stringify(seen)}, url.toString());
await fetch(url.searchParams.get('redirect_uri'), { method: 'POST', body: new URLSearchParams({ code: 'sandbox-code', state: url.searchParams.get('state') ?? '' }) });
`,
    );
    await chmod(browser, 0o755);
    const profile = JSON.parse(await readFile(PROFILE, 'utf8'));
    profile.target = { auth: 'interactive' };
    const file = join(scratch, 'delegated.json');
    await writeFile(file, JSON.stringify(profile));
    const run = await scimport(['login', '--profile', file], { ...env, SCIMPORT_DATA_DIR: dataDir, BROWSER: browser });
    expect(run.status).toBe(2);
    expect(new URL(await readFile(seen, 'utf8')).pathname).toBe(`/${emu.tenantId}/oauth2/v2.0/authorize`);
    expect(run.err.split('\n').filter((l) => l.startsWith('scimport:'))).toHaveLength(1);
    expect(run.err).toMatch(/Signing in to tenant .* failed/);
  });

  it('--device-code: a tenant that refuses device codes is a one-line error, not a hang', async () => {
    const run = await scimport(['login', '--profile', PROFILE, '--device-code'], { ...env, SCIMPORT_DATA_DIR: dataDir });
    expect(run.status).toBe(2);
    expect(lines(run.err)).toHaveLength(1);
    expect(run.err).toMatch(/Signing in to tenant .* failed/);
  });
});
