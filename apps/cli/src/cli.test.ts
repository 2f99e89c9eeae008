import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { cli, MS, PROFILES, REPO, tempDir } from './__tests__/harness';

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');

describe('scimport transform', () => {
  it("turns Microsoft's 1,000-row sample into bulk files, leaving out every row of a duplicated WorkerID", async () => {
    const out = await tempDir();
    const run = await cli(['transform', join(MS, 'csv-with-1000-records.csv'), '--profile', PROFILE, '--out', out, '--json']);
    expect(run.err).toBe('');
    expect(run.status).toBe(1); // the sample has duplicated WorkerIDs: findings of severity error
    const summary = JSON.parse(run.out);
    expect(summary.rows).toBe(1000);
    // 265 WorkerIDs occur more than once, on 641 rows: all of those rows are out, the other 359 are in.
    expect(summary.invalid).toBe(641);
    expect(summary.valid).toBe(359);
    expect(summary.operations).toBe(summary.valid);
    expect(summary.requests).toBe(Math.ceil(summary.valid / 50));

    const files = (await readdir(out)).sort();
    expect(files.filter((f) => f.startsWith('bulk-'))).toHaveLength(summary.requests);
    expect(files).toContain('errors.csv');
    expect(files.some((f) => f.startsWith('.scimport-tmp'))).toBe(false);

    const first = JSON.parse(await readFile(join(out, 'bulk-0001.json'), 'utf8'));
    expect(first.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:BulkRequest']);
    expect(first.Operations).toHaveLength(50);
    expect('failOnErrors' in first).toBe(false);
    for (const op of first.Operations) {
      expect(op.method).toBe('POST');
      expect(op.path).toBe('/Users');
      expect(op.data.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:User');
      expect(op.data.schemas).toContain('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
      expect(typeof op.data.externalId).toBe('string');
    }
    const ids = first.Operations.map((op: { bulkId: string }) => op.bulkId);
    expect(new Set(ids).size).toBe(ids.length);

    const report = parse(await readFile(join(out, 'errors.csv'), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
    const duplicates = report.filter((r) => r.code === 'externalId.duplicate');
    expect(duplicates.length).toBe(641);
    expect(duplicates[0]!.row).toMatch(/^\d+$/);
  });

  it('prints a warning repeated on every row once, with its rows, and counts what it did not print', async () => {
    const out = await tempDir();
    const run = await cli(['transform', join(MS, 'csv-with-1000-records.csv'), '--profile', PROFILE, '--out', out]);
    expect(run.status).toBe(1);
    const lines = run.out.split('\n');
    const notUpn = lines.filter((line) => line.includes('sign-in names are not email-style'));
    expect(notUpn).toEqual([expect.stringMatching(/^warning rows 2–1001 \(1,000 rows\), D \(UserID\) \[userName\]: 1,000 sign-in names are not email-style/)]);
    expect(lines.filter((line) => /^(error|warning)/.test(line))).toHaveLength(20);
    expect(run.out).toMatch(/… and [\d,]+ more findings: errors\.csv lists them all/);
  });

  it('writes the same bulk ids on a re-run (deterministic) and replaces the previous output', async () => {
    const out = await tempDir();
    await writeFile(join(out, 'bulk-0099.json'), '{}');
    const args = ['transform', join(MS, 'sample1-employeeData.csv'), '--profile', PROFILE, '--out', out];
    await cli(args);
    const a = await readFile(join(out, 'bulk-0001.json'), 'utf8');
    await cli(args);
    const b = await readFile(join(out, 'bulk-0001.json'), 'utf8');
    expect(a).toBe(b);
    expect(await readdir(out)).not.toContain('bulk-0099.json');
  });
});

describe('scimport validate', () => {
  it('prints findings as JSON with severity, row, column, path and message', async () => {
    const run = await cli(['validate', join(MS, 'csv-with-1000-records.csv'), '--profile', PROFILE, '--json']);
    expect(run.status).toBe(1);
    const findings = JSON.parse(run.out) as { severity: string; row: number; column: string | null; path: string | null; message: string }[];
    expect(findings.length).toBeGreaterThan(0);
    const dup = findings.find((f) => f.path === 'externalId' && f.severity === 'error');
    expect(dup).toBeDefined();
    expect(dup!.row).toBeGreaterThan(1);
    expect(dup!.column).toBe('A');
    for (const f of findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['severity', 'row', 'column', 'path', 'message']));
  });

  it('exits 0 on a clean file', async () => {
    const run = await cli(['validate', join(MS, 'csv-with-2-records.csv'), '--profile', PROFILE]);
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/2 rows checked: 2 rows valid/);
  });
});

describe('bad input gets one clear line and exit 2', () => {
  it('names a missing input file', async () => {
    const run = await cli(['validate', 'no-such-file.csv', '--profile', PROFILE]);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/no-such-file\.csv/);
    expect(run.err).not.toMatch(/\n\s+at /);
  });

  it('names the field of an invalid profile', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ name: 'x', version: 0, mapping: '{}' }));
    const run = await cli(['validate', join(MS, 'csv-with-2-records.csv'), '--profile', bad]);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/version/);
  });

  it('shows where a mapping has a syntax error', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ name: 'x', version: 1, mapping: '{ "externalId": WorkerID, ' }));
    const run = await cli(['validate', join(MS, 'csv-with-2-records.csv'), '--profile', bad]);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/position|line/i);
  });

  it('refuses a profile holding a secret', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'secret.json');
    const profile = JSON.parse(await readFile(PROFILE, 'utf8'));
    profile.target = { ...(profile.target ?? {}), clientSecret: 'abc' };
    await writeFile(bad, JSON.stringify(profile));
    const run = await cli(['validate', join(MS, 'csv-with-2-records.csv'), '--profile', bad]);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/secret/i);
    expect(run.err).not.toMatch(/abc/);
  });

  it('rejects unknown options and missing arguments', async () => {
    expect((await cli(['transform', join(MS, 'csv-with-2-records.csv'), '--profile', PROFILE])).status).toBe(2);
    expect((await cli(['validate', 'x.csv', '--profile', PROFILE, '--bogus'])).status).toBe(2);
    expect((await cli(['frobnicate'])).status).toBe(2);
  });

  it('says so when the output folder cannot be created, and leaves nothing half-written', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const run = await cli(['transform', join(MS, 'csv-with-2-records.csv'), '--profile', PROFILE, '--out', join(file, 'sub')]);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/a-file/);
  });
});

describe('scimport profile', () => {
  it('auto-maps a file into a profile that transforms it', async () => {
    const dir = await tempDir();
    const profile = join(dir, 'auto.json');
    const init = await cli(['profile', 'init', join(MS, 'csv-with-2-records.csv'), '--out', profile]);
    expect(init.status).toBe(0);
    expect(init.out).toMatch(/WorkerID → externalId/);
    const run = await cli(['validate', join(MS, 'csv-with-2-records.csv'), '--profile', profile, '--json']);
    expect(run.status).toBe(0);
  });

  it("imports Microsoft's CSV2SCIM AttributeMapping.psd1 with nothing left untranslated", async () => {
    const dir = await tempDir();
    const profile = join(dir, 'psd1.json');
    const run = await cli(['profile', 'import-psd1', join(MS, 'AttributeMapping.psd1'), '--out', profile, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.out).untranslated).toEqual([]);
    const transform = await cli(['transform', join(MS, 'csv-with-2-records.csv'), '--profile', profile, '--out', join(dir, 'out'), '--json']);
    expect(JSON.parse(transform.out).operations).toBe(2);
  });

  it("runs a profile's own tests", async () => {
    const run = await cli(['profile', 'test', PROFILE]);
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/passed, 0 failed/);
  });
});

describe('the installed command', () => {
  it('runs as `pnpm -s scimport` does, printing one line and exit 2 for a missing file', async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, ['--import', 'tsx', join(REPO, 'apps/cli/src/main.ts'), 'validate', 'missing.xlsx', '--profile', PROFILE], { cwd: REPO }).catch((e) => e);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe("every Microsoft sample gets the findings it deserves", () => {
  const cases: [string, Record<string, number>][] = [
    ['csv-with-2-records.csv', { 'warning:userName.notUpn': 2, 'warning:country.notIso': 2, 'warning:manager.notInFile': 2 }],
    ['csv-with-5-records.txt', { 'warning:userName.notUpn': 5, 'warning:country.notIso': 2, 'warning:manager.notInFile': 1 }],
    ['sample1-employeeData.csv', { 'error:externalId.duplicate': 93, 'error:userName.duplicate': 93 }],
    ['sample1-contractorData.csv', { 'error:externalId.duplicate': 90, 'warning:manager.self': 1 }],
    ['sample1-internData.csv', { 'error:externalId.duplicate': 112 }],
  ];
  for (const [file, expected] of cases) {
    it(file, async () => {
      const run = await cli(['validate', join(MS, file), '--profile', PROFILE, '--json']);
      const counts: Record<string, number> = {};
      for (const f of JSON.parse(run.out) as { severity: string; code: string }[]) {
        const key = `${f.severity}:${f.code}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      expect(counts).toMatchObject(expected);
      expect(run.status).toBe(Object.keys(counts).some((k) => k.startsWith('error:')) ? 1 : 0);
    });
  }
});

describe('scimport --version', () => {
  it('prints the release and the profile format version, and exits 0', async () => {
    const cliPackage = JSON.parse(await readFile(join(REPO, 'apps', 'cli', 'package.json'), 'utf8')) as { version: string };
    const run = await cli(['--version']);
    expect(run.status).toBe(0);
    expect(run.out).toBe(`scimport ${cliPackage.version} (profile format 1)\n`);
  });
});
