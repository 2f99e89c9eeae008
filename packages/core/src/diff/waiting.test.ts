import { describe, expect, it } from 'vitest';
import type { ScimUser } from '../types';
import { SCIM_ENTERPRISE_USER } from '../types';
import { diffUsers } from './diff';
import { planUpload } from './plan';
import { Snapshot } from './snapshot';

const REFERENCE = 'UnableToResolveReferenceAttributeValue';

function person(id: string, manager?: string): ScimUser {
  return {
    externalId: id,
    userName: `${id.toLowerCase()}@contoso.com`,
    ...(manager ? { [SCIM_ENTERPRISE_USER]: { manager: { value: manager } } } : {}),
  };
}

/** The snapshot after an upload of `sent` in which `failed` came back as failures with `errorCode`. */
function after(sent: ScimUser[], failed: string[], errorCode?: string): Snapshot {
  const snapshot = new Snapshot();
  snapshot.markAccepted(sent.map((data) => ({ data: data as never })));
  snapshot.markFailed(failed.map((externalId) => (errorCode ? { externalId, errorCode, reason: 'The manager could not be found.' } : externalId)));
  return snapshot;
}

const plan = (file: ScimUser[], snapshot: Snapshot, full = false) =>
  planUpload(diffUsers(file.map((data) => ({ externalId: data.externalId as string, data })), snapshot), {}, { full });

describe('people waiting for their manager', () => {
  const file = [person('E1'), person('E2', 'M9'), person('E3', 'E1')];

  it('are not sent again unchanged while their manager is neither in Entra nor in the upload', () => {
    const result = plan(file, after(file, ['E2'], REFERENCE));
    expect(result.operations).toHaveLength(0);
    expect(result.waiting).toEqual([{ externalId: 'E2', manager: 'M9' }]);
    expect(result.calls).toBe(0);
  });

  it('go as soon as the manager is in the upload, or their own row changes', () => {
    const withManager = [...file, person('M9')];
    expect(plan(withManager, after(file, ['E2'], REFERENCE)).operations.map((o) => o.data.externalId).sort()).toEqual(['E2', 'M9']);
    const moved = [person('E1'), person('E2', 'E1'), person('E3', 'E1')];
    const result = plan(moved, after(file, ['E2'], REFERENCE));
    expect(result.waiting).toEqual([]);
    expect(result.operations.map((o) => o.data.externalId)).toEqual(['E2']);
  });

  it('go when the manager is already in Entra (accepted, not failed), compared without case', () => {
    const lower = [person('E1'), person('E2', 'e1')];
    expect(plan(lower, after(lower, ['E2'], REFERENCE)).operations.map((o) => o.data.externalId)).toEqual(['E2']);
  });

  it('wait with a manager who failed too, and are all sent with full', () => {
    const chain = [person('E2', 'E4'), person('E4', 'M9')];
    const snapshot = after(chain, ['E2', 'E4'], REFERENCE);
    expect(plan(chain, snapshot).waiting.map((w) => w.externalId).sort()).toEqual(['E2', 'E4']);
    expect(plan(chain, snapshot, true).operations).toHaveLength(2);
  });

  it('other failures, and failures of unknown cause, are retried as before', () => {
    expect(plan(file, after(file, ['E2'], 'InvalidValue')).operations.map((o) => o.data.externalId)).toEqual(['E2']);
    expect(plan(file, after(file, ['E2'])).operations.map((o) => o.data.externalId)).toEqual(['E2']);
  });
});
