import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MS, PROFILES, cliWithEnv } from './__tests__/harness';

// Entra writes its provisioning logs 5–10 minutes after processing (entra-docs inbound-provisioning-api-issues).
// The built-in sandbox does the same with SCIMPORT_SANDBOX_TIME_SCALE, its clock compressed: ×300 makes the lag
// 1–2 s. Real HTTPS, real MSAL sign-in, real files.

const PROFILE = join(PROFILES, 'microsoft-attribute-mapping.json');
const THOUSAND = join(MS, 'csv-with-1000-records.csv');

let scratch: string;
let env: Record<string, string>;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'scimport-lag-'));
  env = { SCIMPORT_DATA_DIR: join(scratch, 'data'), SCIMPORT_SANDBOX_TIME_SCALE: '300' };
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('results that arrive late, in the sandbox with the documented lag', () => {
  it("uploads Microsoft's 1,000-row sample, says when results are due, waits across the lag and joins every row's result back, none failed for lateness", async () => {
    const run = await cliWithEnv(['upload', THOUSAND, '--profile', PROFILE], env);
    expect(run.out).toMatch(/Results are expected between \d\d:\d\d:\d\d UTC and \d\d:\d\d:\d\d UTC \(sandbox: time runs ×300\): Entra writes its provisioning logs 5–10 minutes after processing\. Until then people are waiting, not failed/);
    expect(run.out).not.toMatch(/without a result yet/);
    const runId = /Run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(run.out)?.[1];
    expect(runId).toBeDefined();

    const status = await cliWithEnv(['status', runId!, '--json'], env);
    const doc = JSON.parse(status.out);
    expect(doc.results).toMatchObject({ complete: true, pending: 0 });
    const rows = doc.results.rows as { row: number | null; status: string; errorCode?: string }[];
    expect(rows).toHaveLength(359);
    expect(rows.every((r) => typeof r.row === 'number')).toBe(true);
    // The only failures are Entra's own verdicts on the data (managers not in the tenant), never a missing result.
    expect(rows.filter((r) => r.status === 'failure').every((r) => r.errorCode === 'UnableToResolveReferenceAttributeValue')).toBe(true);
    expect(rows.filter((r) => r.status === 'success').length).toBeGreaterThan(0);
  });

  it('without waiting, leaves everyone waiting (not failed), and `status --wait` picks the results up later', async () => {
    const run = await cliWithEnv(['upload', join(MS, 'csv-with-2-records.csv'), '--profile', PROFILE, '--no-wait'], env);
    const runId = /Run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(run.out)?.[1];
    expect(run.out).toMatch(/Results are expected between/);
    const now = await cliWithEnv(['status', runId!], env);
    expect(now.status).toBe(0);
    expect(now.out).toMatch(/2 users without a result yet\. 2 users have no provisioning log entry yet: Entra writes its provisioning logs 5–10 minutes after processing, so expect them by .*They are waiting, not failed\./);
    expect(now.out).not.toMatch(/^failure/m);
    const later = await cliWithEnv(['status', runId!, '--wait', '--json'], env);
    expect(JSON.parse(later.out).results).toMatchObject({ complete: true, pending: 0, summary: { create: { failure: 2 } } });
  });

  it('runs the built-in sandbox at the documented lag ×20 by default, and says so', async () => {
    const run = await cliWithEnv(['upload', join(MS, 'csv-with-2-records.csv'), '--profile', PROFILE, '--no-wait'], { SCIMPORT_DATA_DIR: join(scratch, 'data'), SCIMPORT_SANDBOX_TIME_SCALE: undefined });
    expect(run.out).toMatch(/Results are expected between .* \(sandbox: time runs ×20\)/);
  });
});
