/**
 * Test support for comparing the compiled fast path with jsonata's interpreter: the same mapping compiled
 * both ways, evaluated on the same inputs, and the outcomes written canonically so any difference (a
 * value, a key order, a missing field, undefined inside a list, an error against a result) shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { autoMap } from '../../../automap';
import { isCoreError } from '../../../errors';
import type { Profile } from '../../../profile/types';
import { importPsd1 } from '../../../psd1';
import { openTable } from '../../../read';
import type { ColumnInfo, SourceRow } from '../../../types';
import { compileMapping } from '../../compile';
import type { CompiledMapping, MappingLimits } from '../../compile';
import { mapRow, toMappingInput } from '../../map-row';

export const TEST_DATA = join(import.meta.dirname, '..', '..', '..', '..', '..', '..', 'test-data');

/** A value written so that two values print the same exactly when jsonata would call them the same. */
export function canon(value: unknown, depth = 0): string {
  if (depth > 200) return '…';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'function';
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => canon(v, depth + 1)).join(',')}]`;
  return `{${Object.keys(value)
    .map((k) => `${JSON.stringify(k)}:${canon((value as Record<string, unknown>)[k], depth + 1)}`)
    .join(',')}}`;
}

export type Outcome = { ok: true; value: string } | { ok: false; code: string; field?: string; message: string };

function failure(err: unknown): Outcome {
  if (isCoreError(err)) {
    return { ok: false, code: err.code, ...(err.location.field === undefined ? {} : { field: err.location.field }), message: err.message };
  }
  return { ok: false, code: `not a CoreError: ${String(err)}`, message: String(err) };
}

export async function interpreted(mapping: CompiledMapping, input: Record<string, unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: canon(await mapping.evaluate(input)) };
  } catch (err) {
    return failure(err);
  }
}

export function compiled(mapping: CompiledMapping, input: Record<string, unknown>): Outcome {
  try {
    if (!mapping.evaluateSync) throw new Error(`not compiled: ${mapping.fallbackReason ?? ''}`);
    return { ok: true, value: canon(mapping.evaluateSync(input)) };
  } catch (err) {
    return failure(err);
  }
}

/** Both engines of one mapping. */
export interface EnginePair {
  name: string;
  fast: CompiledMapping;
  slow: CompiledMapping;
}

export function bothEngines(name: string, profile: Pick<Profile, 'mapping' | 'lookups' | 'input'>, limits?: MappingLimits): EnginePair {
  return {
    name,
    fast: compileMapping(profile, limits),
    slow: compileMapping(profile, limits, { engine: 'interpreter' }),
  };
}

/** How strictly failures are compared. */
export interface Strictness {
  /**
   * Also require the same attribute (error field). Off for inputs that may break several attributes at
   * once: jsonata evaluates an object's attributes concurrently and reports whichever fails first in
   * time, the compiled path the first in written order.
   */
  sameField?: boolean;
}

/** What differs between the engines on one input, or undefined when they agree. */
export async function difference(pair: EnginePair, input: Record<string, unknown>, strictness: Strictness = {}): Promise<string | undefined> {
  const sameField = strictness.sameField ?? true;
  const slow = await interpreted(pair.slow, input);
  const fast = compiled(pair.fast, input);
  if (slow.ok && fast.ok) return slow.value === fast.value ? undefined : `interpreter ${slow.value}\ncompiled    ${fast.value}`;
  if (!slow.ok && !fast.ok) {
    return slow.code === fast.code && (!sameField || slow.field === fast.field)
      ? undefined
      : `interpreter ${slow.code} at ${slow.field} (${slow.message})\ncompiled    ${fast.code} at ${fast.field} (${fast.message})`;
  }
  const show = (o: Outcome) => (o.ok ? o.value : `${o.code}: ${o.message}`);
  return `interpreter ${show(slow)}\ncompiled    ${show(fast)}`;
}

/** The same comparison through mapRow: the users and the findings (code, path, message, cells) of the row. */
export async function mapRowDifference(
  pair: EnginePair,
  row: SourceRow,
  columns: ColumnInfo[],
  strictness: Strictness = {},
): Promise<string | undefined> {
  const sameField = strictness.sameField ?? true;
  const slow = await mapRow(pair.slow, row, columns);
  const fast = await mapRow(pair.fast, row, columns);
  const show = (r: typeof slow) =>
    canon({
      user: r.user,
      findings: r.findings.map((f) => ({ code: f.code, severity: f.severity, ...(sameField ? { path: f.path, cells: f.cells } : {}) })),
    });
  const a = show(slow);
  const b = show(fast);
  return a === b ? undefined : `interpreter ${a}\ncompiled    ${b}`;
}

/** A spreadsheet of Microsoft's samples, read as the pipeline reads it. */
export interface SampleFile {
  file: string;
  columns: ColumnInfo[];
  rows: SourceRow[];
}

export async function microsoftSamples(): Promise<SampleFile[]> {
  const dir = join(TEST_DATA, 'microsoft');
  const files = readdirSync(dir).filter((f) => /\.(csv|txt)$/.test(f));
  const samples: SampleFile[] = [];
  for (const file of files) {
    const table = await openTable(join(dir, file));
    const rows: SourceRow[] = [];
    for await (const row of table.rows()) rows.push(row);
    await table.close();
    samples.push({ file, columns: table.columns, rows });
  }
  return samples;
}

/** Every mapping the project ships or generates: saved profiles, auto-maps of the samples, CSV2SCIM imports. */
export function projectMappings(samples: SampleFile[]): { name: string; profile: Pick<Profile, 'mapping' | 'lookups' | 'input'> }[] {
  const out: { name: string; profile: Pick<Profile, 'mapping' | 'lookups' | 'input'> }[] = [];
  const profiles = join(TEST_DATA, 'profiles');
  for (const file of readdirSync(profiles).filter((f) => f.endsWith('.json'))) {
    out.push({ name: `profile ${file}`, profile: JSON.parse(readFileSync(join(profiles, file), 'utf8')) as Profile });
  }
  for (const sample of samples) {
    const result = autoMap(
      sample.columns.map((c) => c.header),
      { sample: sample.rows.slice(0, 20).map(toMappingInput) },
    );
    out.push({ name: `autoMap ${sample.file}`, profile: result.profile });
  }
  const microsoft = join(TEST_DATA, 'microsoft');
  for (const file of readdirSync(microsoft).filter((f) => f.endsWith('.psd1'))) {
    const result = importPsd1(readFileSync(join(microsoft, file), 'utf8'), { file });
    out.push({ name: `importPsd1 ${file}`, profile: result.profile });
  }
  return out;
}
