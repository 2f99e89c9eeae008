/**
 * The profile's own tests as a gate before `transform` and `upload`: a mapping that no longer builds
 * what its author wrote down would otherwise be applied to every person of the file (and sent).
 * `--skip-profile-tests` is there for the deliberate case, such as a test being rewritten.
 */
import { runProfileTests, type Profile } from '@scimport/core';
import { CliError } from '../errors';

/** The option, as `transform` and `upload` both declare it. */
export const SKIP_PROFILE_TESTS = ['--skip-profile-tests', "go on although the profile's own tests fail (they run first otherwise)"] as const;

/** Throws (exit 2, one line naming the first failing test and why) when a test of the profile fails. */
export async function requireProfileTestsPass(profile: Profile, profileArg: string): Promise<void> {
  const results = await runProfileTests(profile);
  const failed = results.filter((r) => !r.passed);
  const first = failed[0];
  if (!first) return;
  const why = (first.error ?? first.differences.slice(0, 2).join('; ')).replace(/\s+/g, ' ').replace(/\.$/, '');
  const others = failed.length > 1 ? ` (and ${failed.length - 1} more of its ${results.length} tests)` : '';
  throw new CliError(
    'INPUT',
    `The profile's own test "${first.name}" fails${others}: ${why}. Nothing was done: fix the mapping or the test (\`scimport profile test ${profileArg}\` shows each one), or add --skip-profile-tests to go on anyway.`,
  );
}
