import { describe, expect, it } from 'vitest';
import { isTransportError } from './errors';
import type { SynchronizationJob } from './graph';
import { describeJobStatus, parseRecipients, parseResetScopes } from './job';
import { tokenPermissions } from './preflight';

const NEVER = '0001-01-01T00:00:00Z';

function job(status: Record<string, unknown>, templateId = 'API2AAD'): SynchronizationJob {
  return { id: `${templateId}.abc.def`, templateId, status: status as SynchronizationJob['status'] };
}

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('describeJobStatus', () => {
  it('reads PascalCase codes as Graph sends them and says what each means for an upload', () => {
    const active = describeJobStatus(job({ code: 'Active', steadyStateLastAchievedTime: NEVER, countSuccessiveCompleteFailures: 0, quarantine: null, lastExecution: null }));
    expect(active).toMatchObject({ code: 'active', rawCode: 'Active', isApiDriven: true, steadyStateLastAchievedTime: null, countSuccessiveCompleteFailures: 0 });
    expect(active.quarantine).toBeUndefined();
    expect(active.lastExecution).toBeUndefined();
    expect(active.sentence).toMatch(/running: uploads are processed/);

    expect(describeJobStatus(job({ code: 'Paused' })).sentence).toMatch(/paused: uploads are accepted but nothing is processed.*scimport job start/);
    expect(describeJobStatus(job({ code: 'NotRun' }))).toMatchObject({ code: 'notRun', sentence: expect.stringMatching(/never been started.*scimport job notify.*scimport job start/) });
    expect(describeJobStatus(job({ code: 'notConfigured' })).code).toBe('notConfigured');
    expect(describeJobStatus(job({ code: 'Sleeping' }))).toMatchObject({ code: 'unknown', sentence: expect.stringContaining('"Sleeping"') });
    expect(describeJobStatus(job({})).code).toBe('unknown');
  });

  it('explains a quarantine by its cause, with when Entra retries', () => {
    const summary = describeJobStatus(
      job({
        code: 'Quarantine',
        quarantine: {
          reason: 'EncounteredQuarantineException',
          currentBegan: '2025-01-01T10:00:00Z',
          nextAttempt: '2025-01-01T11:00:00Z',
          seriesCount: 2,
          error: { code: 'NotificationEmailMissing', message: 'NotificationEmailMissing: a notification email is required', tenantActionable: true },
        },
      }),
    );
    expect(summary.quarantine).toEqual({
      reason: 'EncounteredQuarantineException',
      since: '2025-01-01T10:00:00Z',
      nextAttempt: '2025-01-01T11:00:00Z',
      seriesCount: 2,
      error: { code: 'NotificationEmailMissing', message: 'NotificationEmailMissing: a notification email is required' },
    });
    expect(summary.sentence).toMatch(/quarantine \(NotificationEmailMissing\).*scimport job notify --email.*--reset-scope QuarantineState.*2025-01-01T11:00:00Z/);

    const deletes = describeJobStatus(job({ code: 'Quarantine', quarantine: { reason: 'TooManyDeletes', error: { code: 'TooManyDeletes', message: 'x' } } }));
    expect(deletes.sentence).toMatch(/accidental-deletions threshold/);
    // An unknown cause: Graph's own message is the clue.
    const other = describeJobStatus(job({ code: 'Quarantine', quarantine: { reason: 'IncorrectCredentials', error: { code: 'X', message: 'The agent is offline.' } } }));
    expect(other.sentence).toMatch(/\(The agent is offline\.\).*provisioning page/);
  });

  it('reports the last run and complete failures', () => {
    const summary = describeJobStatus(
      job({
        code: 'Active',
        countSuccessiveCompleteFailures: 3,
        steadyStateLastAchievedTime: '2025-02-01T00:00:00Z',
        lastExecution: { timeBegan: 'a', timeEnded: 'b', state: 'Failed', error: { code: 'UnableToResolveReferenceAttributeValue', message: '1 of 1 users could not be provisioned' } },
      }),
    );
    expect(summary.lastExecution).toEqual({ began: 'a', ended: 'b', state: 'Failed', error: { code: 'UnableToResolveReferenceAttributeValue', message: '1 of 1 users could not be provisioned' } });
    expect(summary.steadyStateLastAchievedTime).toBe('2025-02-01T00:00:00Z');
    expect(summary.sentence).toMatch(/last 3 runs failed for every user \(1 of 1 users could not be provisioned\)/);
  });

  it('marks a job that is not API-driven', () => {
    const summary = describeJobStatus(job({ code: 'Active' }, 'AD2AADProvisioning'));
    expect(summary.isApiDriven).toBe(false);
    expect(summary.sentence).toMatch(/AD2AADProvisioning, not API2AAD or API2AD: it does not accept uploads/);
    expect(describeJobStatus(job({ code: 'Active' }, 'api2ad')).isApiDriven).toBe(true);
  });
});

describe('parseResetScopes', () => {
  it('accepts lists in any case, defaults to QuarantineState, and names an unknown scope', () => {
    expect(parseResetScopes('watermark, ESCROWS,Watermark')).toEqual(['Watermark', 'Escrows']);
    expect(parseResetScopes(['Full'])).toEqual(['Full']);
    expect(parseResetScopes(undefined)).toEqual(['QuarantineState']);
    expect(parseResetScopes(' ')).toEqual(['QuarantineState']);
    const error = thrown(() => parseResetScopes('Watermark,Everything'));
    expect(isTransportError(error)).toBe(true);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/"Everything" is not a reset scope.*ConnectorDataStore.*ForceDeletes/);
  });
});

describe('parseRecipients', () => {
  it('splits on ; and , and names the first bad address', () => {
    expect(parseRecipients('ops@contoso.com; hr-it@contoso.com,')).toEqual(['ops@contoso.com', 'hr-it@contoso.com']);
    expect(parseRecipients(['a@b.example', 'c@d.example;e@f.example'])).toEqual(['a@b.example', 'c@d.example', 'e@f.example']);
    expect(thrown(() => parseRecipients('ops@contoso.com; ops at contoso')).message).toMatch(/"ops at contoso" is not an email address/);
    expect(thrown(() => parseRecipients('ops@localhost')).message).toMatch(/not an email address/);
    expect(thrown(() => parseRecipients(' ; ')).message).toMatch(/at least one notification email/);
  });
});

describe('tokenPermissions', () => {
  const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
  it('reads roles of app tokens and scp of delegated ones, and gives up on opaque tokens', () => {
    expect(tokenPermissions(jwt({ roles: ['SynchronizationData-User.Upload', 7] }))).toEqual({ kind: 'application', granted: ['SynchronizationData-User.Upload'] });
    expect(tokenPermissions(jwt({ scp: 'SynchronizationData-User.Upload  AuditLog.Read.All' }))).toEqual({ kind: 'delegated', granted: ['SynchronizationData-User.Upload', 'AuditLog.Read.All'] });
    expect(tokenPermissions(jwt({}))).toEqual({ kind: 'application', granted: [] });
    expect(tokenPermissions('opaque-token')).toBeUndefined();
    expect(tokenPermissions('a.!!!notjson.b')).toBeUndefined();
  });
});
