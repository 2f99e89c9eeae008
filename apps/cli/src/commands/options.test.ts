import { describe, expect, it } from 'vitest';
import { FEDERATED_ENV, MANAGED_IDENTITY_ENV } from '@scimport/transport';
import { cli } from '../__tests__/harness';
import { ENV } from './upload-connection';

// An admin setting up a scheduler reads `--help`: every variable scimport or its sign-in reads must be there, each
// with the `auth` it belongs to where it belongs to one.

describe('the environment in --help', () => {
  it.each(['upload', 'resume'])('`scimport %s --help` lists every variable, the secret-free sign-in ones with their auth', async (command) => {
    const help = await cli([command, '--help']);
    expect(help.status).toBe(0);
    const lineOf = (name: string): string | undefined => help.out.split('\n').find((l) => l.startsWith(`  ${name} `));
    for (const name of [...Object.values(ENV), 'SCIMPORT_SNAPSHOT_KEY']) expect(lineOf(name), name).toBeDefined();
    for (const name of Object.values(FEDERATED_ENV)) expect(lineOf(name), name).toMatch(/auth "federated"/);
    for (const name of Object.values(MANAGED_IDENTITY_ENV)) expect(lineOf(name), name).toMatch(/auth "managedIdentity"/);
    expect(help.out).toMatch(/scimport emulator --federated --managed-identity` prints/);
  });
});
