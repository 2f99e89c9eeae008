import { PROFILE_FORMAT_VERSION } from '@scimport/core';
// A JSON import rather than a build-time constant: the same line is right under tsx in a checkout and in the
// esbuild bundle (which inlines the file), so the two can never disagree.
import cliPackage from '../package.json' with { type: 'json' };

/** What `scimport --version` prints: the release, and the profile format it reads and writes. */
export function versionText(): string {
  return `scimport ${cliPackage.version} (profile format ${PROFILE_FORMAT_VERSION})`;
}
