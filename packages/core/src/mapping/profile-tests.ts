/**
 * A profile's own tests: sample rows and the SCIM users the mapping must build from them. They let the
 * person editing a mapping see at once what a change breaks, before a real file is touched.
 */
import { isCoreError } from '../errors';
import type { ColumnInfo, SourceRow } from '../types';
import type { Profile } from '../profile/types';
import { compileMapping } from './compile';
import type { CompiledMapping } from './compile';
import { mapRow, stripEmpty } from './map-row';

/** The outcome of one profile test. */
export interface ProfileTestResult {
  name: string;
  passed: boolean;
  /** The expected user after empty values are stripped, as the output would be. */
  expected: unknown;
  /** The user the mapping built, or undefined when it built none. */
  actual: unknown;
  /** One line per difference: `name.givenName: expected 'A', got 'B'`. */
  differences: string[];
  /** Why the mapping could not run (syntax or runtime error), when it could not. */
  error?: string;
}

/** The origin given to test rows, so findings about them read "<profile test>, row 2". */
export const PROFILE_TEST_FILE = '<profile test>';

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value) ?? String(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Differences between two JSON values, as `path: expected X, got Y` lines, in the expected value's order. */
export function describeDifferences(expected: unknown, actual: unknown, path = ''): string[] {
  const at = path === '' ? '(whole user)' : path;
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const out: string[] = [];
    for (const key of Object.keys(expected)) out.push(...describeDifferences(expected[key], actual[key], join(path, key)));
    for (const key of Object.keys(actual)) {
      if (!(key in expected)) out.push(`${join(path, key)}: expected nothing, got ${show(actual[key])}`);
    }
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: string[] = [];
    const length = Math.max(expected.length, actual.length);
    for (let i = 0; i < length; i++) out.push(...describeDifferences(expected[i], actual[i], `${path}[${i}]`));
    return out;
  }
  if (Object.is(expected, actual)) return [];
  return [`${at}: expected ${show(expected)}, got ${show(actual)}`];
}

function columnLetter(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/**
 * Runs every test of a profile: maps each test's `row` (origin file `<profile test>`, row = test
 * number) and compares the result deeply with `expect`, both stripped of empty values. A mapping that
 * does not compile fails every test with the syntax error as `error`.
 */
export async function runProfileTests(profile: Profile): Promise<ProfileTestResult[]> {
  const tests = profile.tests ?? [];
  if (tests.length === 0) return [];
  let mapping: CompiledMapping | undefined;
  let compileError: string | undefined;
  try {
    mapping = compileMapping(profile);
  } catch (err) {
    compileError = isCoreError(err) || err instanceof Error ? err.message : String(err);
  }

  const results: ProfileTestResult[] = [];
  for (const [i, test] of tests.entries()) {
    const name = test.name?.trim() || `test ${i + 1}`;
    const expected = stripEmpty(test.expect);
    if (!mapping) {
      results.push({ name, passed: false, expected, actual: undefined, differences: [], error: compileError ?? 'the mapping does not compile' });
      continue;
    }
    const headers = Object.keys(test.row);
    const columns: ColumnInfo[] = headers.map((header, index) => ({ header, letter: columnLetter(index), index }));
    const row: SourceRow = { origin: { file: PROFILE_TEST_FILE, row: i + 1 }, values: { ...test.row } };
    const { user, findings } = await mapRow(mapping, row, columns);
    const failure = findings.find((f) => f.severity === 'error');
    const actual = user;
    const differences = failure ? [] : describeDifferences(expected, actual);
    results.push({
      name,
      passed: !failure && differences.length === 0,
      expected,
      actual,
      differences,
      ...(failure ? { error: failure.message } : {}),
    });
  }
  return results;
}
