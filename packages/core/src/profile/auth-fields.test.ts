import { describe, expect, it } from 'vitest';
import { CoreError } from '../errors';
import { parseProfile } from './index';

// The scheduler sign-in kinds: what a profile may say about them, and the words it gets back when it is wrong.

const minimal = { name: 'Nightly HR', version: 1, mapping: '{"externalId": WorkerID}' };
const MI_RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hr/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scimport-nightly';

function details(target: unknown): string[] {
  try {
    parseProfile({ ...minimal, target }, 'nightly.json');
  } catch (err) {
    if (err instanceof CoreError) return err.details as string[];
    throw err;
  }
  return [];
}

describe('profile target: federated and managed identity sign-in', () => {
  it('accepts both kinds with their identifiers (paths and ids only)', () => {
    expect(details({ auth: 'federated', assertionFile: '/var/run/secrets/azure/tokens/azure-identity-token' })).toEqual([]);
    expect(details({ auth: 'managedIdentity' })).toEqual([]);
    expect(details({ auth: 'managedIdentity', managedIdentityClientId: '7d1e0c3a-2b4f-4c5d-8e6f-0a1b2c3d4e5f' })).toEqual([]);
    expect(details({ auth: 'managedIdentity', managedIdentityResourceId: MI_RESOURCE })).toEqual([]);
  });

  it('says in words what is wrong', () => {
    expect(details({ auth: 'msi' })).toEqual([
      'field /target/auth must be one of "secret", "certificate", "interactive", "deviceCode", "federated", "managedIdentity"',
    ]);
    expect(details({ auth: 'managedIdentity', managedIdentityClientId: 'scimport-nightly' })[0]).toMatch(
      /^field \/target\/managedIdentityClientId must be a GUID such as .* \(the Client ID of a user-assigned managed identity\)$/,
    );
    expect(details({ auth: 'managedIdentity', managedIdentityResourceId: 'scimport-nightly' })[0]).toMatch(
      /^field \/target\/managedIdentityResourceId must be the resource ID of a user-assigned managed identity, \/subscriptions\//,
    );
    expect(details({ auth: 'managedIdentity', managedIdentityClientId: '7d1e0c3a-2b4f-4c5d-8e6f-0a1b2c3d4e5f', managedIdentityResourceId: MI_RESOURCE })).toEqual([
      'field /target must be naming a user-assigned managed identity by managedIdentityClientId or by managedIdentityResourceId, not both',
    ]);
    expect(details({ auth: 'federated', assertionFile: ' ' })[0]).toMatch(/^field \/target\/assertionFile must be the path of the file the platform writes its OIDC token to/);
  });
});
