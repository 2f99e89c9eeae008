import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../profile';
import { transformFile } from './transform';
import { needsWatchdog } from './worker-pool';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-watchdog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const REGEX_MAPPING = '{ "externalId": $string(Id), "userName": UPN, "title": $match(Name, /^(a+)+$/) ? "a" : "b" }';
const profile = (mapping: string): Profile => ({ name: 'watchdog', version: 1, mapping }) as Profile;
const HOSTILE = 'a'.repeat(64) + '!';

async function csv(name: string, names: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, 'Id,Name,UPN\n' + names.map((n, i) => `${i + 1},${n},p${i + 1}@contoso.com`).join('\n') + '\n');
  return path;
}

describe('a mapping that blocks its thread', () => {
  it('is recognised by its regular expressions and $eval, and a plain mapping is not', () => {
    expect(needsWatchdog(REGEX_MAPPING)).toBe(true);
    expect(needsWatchdog('{ "x": $replace(a, /b+/, "c") }')).toBe(true);
    expect(needsWatchdog('{ "x": $eval(a) }')).toBe(true);
    expect(needsWatchdog('{ "x": $uppercase(a), "y": $replace(a, "b", "c") }')).toBe(false);
  });

  it('has nothing to end on a backtracking regular expression: the engine is linear-time, the row maps at once', async () => {
    const input = await csv('one-bad.csv', ['Ann', HOSTILE, 'Cy']);
    const started = performance.now();
    const summary = await transformFile({ input, profile: profile(REGEX_MAPPING), limits: { timeoutMs: 500 } });
    expect(summary.valid).toBe(3);
    expect(summary.findings.filter((f) => f.code === 'mapping.timeout')).toEqual([]);
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it('stops the run with a sentence after five rows in a row time out on a worker (endless recursion beside a regex)', async () => {
    // The regex literal puts the mapping on a worker, where the watchdog and the evaluator's own limit both watch it.
    const mapping = '( $f := function($n) { $f($n + 1) }; { "externalId": $string(Id), "userName": UPN, "x": $match(Name, /a/), "title": $f(0) } )';
    expect(needsWatchdog(mapping)).toBe(true);
    const input = await csv('all-bad.csv', Array.from({ length: 12 }, () => 'Ann'));
    const started = performance.now();
    await expect(transformFile({ input, profile: profile(mapping), limits: { timeoutMs: 300 } })).rejects.toMatchObject({
      code: 'MAPPING_TIMEOUT',
      message: expect.stringMatching(/^all-bad\.csv: rows 2 to 6 each took longer than 0\.3 seconds to map, so the run was stopped/),
    });
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('stops the same way when the evaluator itself times out on row after row (endless recursion, in process)', async () => {
    const input = await csv('recursion.csv', ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
    const mapping = '( $f := function($n) { $f($n + 1) }; { "externalId": $string(Id), "userName": UPN, "title": $f(0) } )';
    await expect(transformFile({ input, profile: profile(mapping), limits: { timeoutMs: 200, maxDepth: 100000 } })).rejects.toMatchObject({
      code: 'MAPPING_TIMEOUT',
      message: expect.stringMatching(/rows 2 to 6 each took longer than 0\.2 seconds/),
    });
  });
});
