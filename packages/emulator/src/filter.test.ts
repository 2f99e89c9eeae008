import { describe, expect, it } from 'vitest';
import { parseLogFilter } from './filter';
import type { ProvisioningLogEntry } from './types';

const entry = (over: Partial<ProvisioningLogEntry> = {}): ProvisioningLogEntry => ({
  id: 'e1',
  activityDateTime: '2026-03-01T10:00:00.000Z',
  jobId: 'API2AAD.a.b',
  cycleId: 'c1',
  changeId: 'ch1',
  tenantId: 'tenant',
  durationInMilliseconds: 70,
  initiatedBy: { id: '', displayName: 'Microsoft Entra provisioning service', initiatorType: 'system' },
  servicePrincipal: { id: 'sp' },
  sourceSystem: { id: 's', displayName: 'API', details: {} },
  targetSystem: { id: 't', displayName: 'Entra ID', details: {} },
  sourceIdentity: { id: "O'Brien-7", displayName: 'Pat' },
  targetIdentity: { id: 't1' },
  provisioningAction: 'create',
  provisioningStatusInfo: { status: 'success' },
  modifiedProperties: [],
  provisioningSteps: [],
  ...over,
});

describe('parseLogFilter', () => {
  it('reads quoted values with doubled quotes, case-insensitive names and and-joined clauses', () => {
    expect(parseLogFilter("sourceIdentity/id eq 'O''Brien-7'")(entry())).toBe(true);
    expect(parseLogFilter("JOBID eq 'API2AAD.a.b' and provisioningAction eq 'create'")(entry())).toBe(true);
    expect(parseLogFilter("statusInfo/status ne 'success'")(entry())).toBe(false);
  });

  it('compares values case-sensitively and finds text with contains(), as Graph documents', () => {
    expect(parseLogFilter("jobId eq 'api2aad.A.B'")(entry())).toBe(false);
    expect(parseLogFilter("contains(sourceIdentity/id,'Brien')")(entry())).toBe(true);
    expect(parseLogFilter("contains(sourceIdentity/id, 'brien')")(entry())).toBe(false);
    expect(parseLogFilter("contains(jobId,'API2AAD') and activityDateTime lt 2026-03-02T00:00:00Z")(entry())).toBe(true);
    expect(() => parseLogFilter("contains(jobId 'x')")).toThrow(/contains\(<property>,'<text>'\)/);
  });

  it('compares activityDateTime as a point in time', () => {
    const at = entry();
    expect(parseLogFilter('activityDateTime ge 2026-03-01T10:00:00Z')(at)).toBe(true);
    expect(parseLogFilter('activityDateTime gt 2026-03-01T10:00:00Z')(at)).toBe(false);
    expect(parseLogFilter("activityDateTime eq '2026-03-01T11:00:00+01:00'")(at)).toBe(true);
  });

  it('explains what is wrong with a filter it cannot read', () => {
    expect(() => parseLogFilter("jobId eq 'x' or cycleId eq 'y'")).toThrow(/only 'and' may join/);
    expect(() => parseLogFilter('jobId eq x')).toThrow(/must be quoted/);
    expect(() => parseLogFilter("jobId eq 'x")).toThrow(/not closed/);
    expect(() => parseLogFilter('activityDateTime ge 2026-03-01')).toThrow(/date-time like/);
    expect(() => parseLogFilter("jobId ge 'x'")).toThrow(/only eq and contains/);
    expect(() => parseLogFilter("jobId eq 'x' and")).toThrow(/must follow 'and'/);
  });
});
