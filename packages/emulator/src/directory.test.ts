import { describe, expect, it } from 'vitest';
import { Directory } from './directory';
import type { BulkOperation } from './validate';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
let bulkId = 0;
const op = (externalId: string, userName?: string): BulkOperation => ({
  bulkId: String((bulkId += 1)),
  externalId,
  data: { schemas: [CORE], externalId, ...(userName !== undefined ? { userName } : {}), displayName: `User ${externalId}` },
});
const ctx = { jobId: 'job', tenantId: 'tenant', servicePrincipalId: 'sp', clientId: 'app', now: Date.parse('2026-01-01T00:00:00Z'), visibleAt: 0 };

/** The status and error code of each operation's log entry, in order. */
function outcomes(directory: Directory, ops: BulkOperation[]): string[] {
  const before = directory.visibleLogs(Number.POSITIVE_INFINITY).length;
  directory.process(ops, ctx);
  return directory
    .visibleLogs(Number.POSITIVE_INFINITY)
    .slice(before)
    .map((l) => `${l.entry.provisioningStatusInfo.status}${l.entry.provisioningStatusInfo.errorInformation ? ` ${l.entry.provisioningStatusInfo.errorInformation.errorCode}` : ''}`);
}

describe('Directory userName uniqueness', () => {
  it('refuses a userName held by another user whatever its case, and lets the holder keep it', () => {
    const directory = new Directory();
    expect(outcomes(directory, [op('1', 'Ann@contoso.example'), op('2', 'ann@CONTOSO.example'), op('1', 'ANN@contoso.example')])).toEqual([
      'success',
      'failure AzureActiveDirectoryConflictEntry',
      'success',
    ]);
  });

  it('frees the old userName when its holder takes another one', () => {
    const directory = new Directory();
    directory.process([op('1', 'ann@contoso.example')], ctx);
    expect(outcomes(directory, [op('1', 'ann.lee@contoso.example'), op('2', 'ann@contoso.example'), op('3', 'ann.lee@contoso.example')])).toEqual([
      'success',
      'success',
      'failure AzureActiveDirectoryConflictEntry',
    ]);
  });

  it('keeps the userName of a user updated without one', () => {
    const directory = new Directory();
    directory.process([op('1', 'ann@contoso.example'), op('1')], ctx);
    expect(directory.listUsers()[0]?.userPrincipalName).toBe('ann@contoso.example');
    expect(outcomes(directory, [op('2', 'ann@contoso.example')])).toEqual(['failure AzureActiveDirectoryConflictEntry']);
  });

  it('forgets every userName with the users (full reset, clear)', () => {
    const directory = new Directory();
    directory.process([op('1', 'ann@contoso.example')], ctx);
    directory.forgetUsers();
    expect(outcomes(directory, [op('2', 'ann@contoso.example')])).toEqual(['success']);
    directory.clear();
    expect(outcomes(directory, [op('3', 'ann@contoso.example')])).toEqual(['success']);
  });

  it('rebuilds the index from a saved state', () => {
    const first = new Directory();
    first.process([op('1', 'ann@contoso.example')], ctx);
    const second = new Directory();
    second.load(structuredClone(first.snapshot()));
    expect(outcomes(second, [op('2', 'Ann@contoso.example'), op('1', 'ann@contoso.example')])).toEqual([
      'failure AzureActiveDirectoryConflictEntry',
      'skipped RedundantExport',
    ]);
  });
});
