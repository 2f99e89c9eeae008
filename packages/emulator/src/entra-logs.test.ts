import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CORE, ENTERPRISE, bulkBody, getToken, graphGet, upload, user } from './__tests__/http';
import { SANDBOX_INITIAL_DOMAIN, startEmulator, type Emulator, type EmulatorOptions, type ProvisioningLogEntry, type SchemaAttribute } from './index';

// What the provisioning logs say, shaped and worded as Entra's: Graph's provisioningObjectSummary, work-type entries
// only, sign-in names in verified domains, and Microsoft's own sample payloads.

const started: Emulator[] = [];
async function sandbox(options: EmulatorOptions = {}): Promise<{ emu: Emulator; token: string }> {
  const emu = await startEmulator({ windowCalls: 10_000, logsApiLimit: false, ...options });
  started.push(emu);
  return { emu, token: await getToken(emu) };
}
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close();
});

async function logsOver(emu: Emulator, token: string, query: string): Promise<ProvisioningLogEntry[]> {
  const reply = await graphGet(emu, token, `/v1.0/auditLogs/provisioning?${query}`);
  expect(reply.status).toBe(200);
  return reply.json.value as ProvisioningLogEntry[];
}

describe('log entries shaped like provisioningObjectSummary', () => {
  it('carries the documented fields, typed steps with details, and errorInformation with category and advice', async () => {
    const { emu, token } = await sandbox();
    await upload(emu, token, bulkBody([user('1', { title: 'Clerk' }), user('2', { [ENTERPRISE]: { department: 'Sales', manager: { value: 'ghost' } } })]));
    const [failed, created] = await logsOver(emu, token, `$filter=${encodeURIComponent(`jobId eq '${emu.jobId}'`)}`);
    expect(created).toMatchObject({
      tenantId: emu.tenantId,
      durationInMilliseconds: expect.any(Number),
      initiatedBy: { initiatorType: 'system', displayName: expect.any(String) },
      servicePrincipal: { id: emu.servicePrincipalId, displayName: expect.any(String) },
      sourceSystem: { displayName: 'API', details: {} },
      targetSystem: { displayName: 'Entra ID', details: { ServicePrincipalId: emu.servicePrincipalId } },
      sourceIdentity: { id: '1', identityType: 'User' },
      provisioningAction: 'create',
      provisioningStatusInfo: { status: 'success' },
    });
    expect(created?.provisioningSteps.map((s) => [s.name, s.provisioningStepType, s.status])).toEqual([
      ['EntryImport', 'import', 'success'],
      ['EntryMatching', 'matching', 'success'],
      ['EntryExport', 'export', 'success'],
    ]);
    expect(created?.provisioningSteps.every((s) => typeof s.details === 'object' && s.details !== null)).toBe(true);
    // Entra's target attribute names, not SCIM paths.
    expect(created?.modifiedProperties.map((p) => p.displayName)).toEqual(
      expect.arrayContaining(['employeeId', 'userPrincipalName', 'givenName', 'surname', 'displayName', 'accountEnabled', 'jobTitle']),
    );
    expect(failed?.provisioningStatusInfo.errorInformation).toMatchObject({
      errorCode: 'UnableToResolveReferenceAttributeValue',
      errorCategory: 'failure',
      reason: expect.any(String),
      additionalDetails: expect.any(String),
      recommendedAction: expect.stringMatching(/Upload the manager/),
    });
    expect(failed?.provisioningSteps.at(-1)).toMatchObject({ name: 'ReferenceResolution', provisioningStepType: 'referenceResolution', status: 'failure' });
  });

  it('filters case-sensitively with eq and contains(), compares times with gt and lt, and sorts with $orderby', async () => {
    const { emu, token } = await sandbox();
    await upload(emu, token, bulkBody([user('Ab-1'), user('ab-2')]));
    await upload(emu, token, bulkBody([user('Ab-3')]));
    const ids = (entries: ProvisioningLogEntry[]) => entries.map((e) => e.sourceIdentity.id);
    const filter = (f: string) => `$filter=${encodeURIComponent(f)}`;
    expect(ids(await logsOver(emu, token, filter("sourceIdentity/id eq 'ab-1'")))).toEqual([]);
    expect(ids(await logsOver(emu, token, filter("contains(sourceIdentity/id,'Ab-')")))).toEqual(['Ab-3', 'Ab-1']);
    const first = emu.logs()[0]?.activityDateTime ?? '';
    expect(ids(await logsOver(emu, token, filter(`activityDateTime gt ${new Date(Date.parse(first) - 1).toISOString()} and activityDateTime lt 2999-01-01T00:00:00Z`)))).toHaveLength(3);
    expect(ids(await logsOver(emu, token, '$orderby=activityDateTime%20asc'))).toEqual(['Ab-1', 'ab-2', 'Ab-3']);
    expect(ids(await logsOver(emu, token, '$orderby=activityDateTime%20desc&$top=2'))).toEqual(['Ab-3', 'ab-2']);
    const paged = await graphGet(emu, token, '/v1.0/auditLogs/provisioning?$orderby=activityDateTime%20asc&$top=2');
    const next = await graphGet(emu, token, String(paged.json['@odata.nextLink']));
    expect(ids(next.json.value)).toEqual(['Ab-3']);
    expect((await graphGet(emu, token, '/v1.0/auditLogs/provisioning?$orderby=jobId')).status).toBe(400);
  });
});

describe('only work-type addresses, emails and phone numbers', () => {
  it('drops the other entries, stores only work ones, and shows the dropped ones as a skipped step', async () => {
    const { emu, token } = await sandbox();
    const data = user('1', {
      emails: [{ type: 'work', value: 'pat@contoso.com', primary: true }, { type: 'home', value: 'pat@home.example' }],
      phoneNumbers: [{ type: 'work', value: '+1 555 0100' }, { type: 'mobile', value: '+1 555 0199' }],
      addresses: [{ type: 'home', streetAddress: '1 Home St', locality: 'Springfield' }],
    });
    expect((await upload(emu, token, bulkBody([data]))).status).toBe(202);
    const stored = emu.users()[0]?.attributes ?? {};
    expect(stored['emails']).toEqual([{ type: 'work', value: 'pat@contoso.com', primary: true }]);
    expect(stored['phoneNumbers']).toEqual([{ type: 'work', value: '+1 555 0100' }]);
    expect(stored['addresses']).toBeUndefined();
    const [entry] = await logsOver(emu, token, '');
    expect(entry?.provisioningStatusInfo.status).toBe('success');
    const skipped = entry?.provisioningSteps.find((s) => s.status === 'skipped');
    expect(skipped).toMatchObject({ provisioningStepType: 'processing', description: expect.stringMatching(/other than 'work'/) });
    expect(skipped?.details).toEqual({ 'emails[type eq "home"]': 'pat@home.example', 'phoneNumbers[type eq "mobile"]': '+1 555 0199', 'addresses[type eq "home"]': '1 Home St' });
    const names = entry?.modifiedProperties.map((p) => `${p.displayName}=${p.newValue}`);
    expect(names).toEqual(expect.arrayContaining(['mail=pat@contoso.com', 'telephoneNumber=+1 555 0100']));
    expect(names?.join(' ')).not.toContain('home.example');
  });
});

describe('sign-in names Entra refuses', () => {
  it('fails a userName outside the verified domains, or malformed, with Entra’s error code in the logs', async () => {
    const { emu, token } = await sandbox({ verifiedDomains: ['contoso.com'] });
    const names = { ok: 'pat@contoso.com', initial: `sam@${SANDBOX_INITIAL_DOMAIN}`, other: 'kim@fabrikam.com', space: 'lee smith@contoso.com', control: 'max\u0007@contoso.com', bare: 'DoeJane' };
    expect((await upload(emu, token, bulkBody(Object.entries(names).map(([id, userName]) => user(id, { userName }))))).status).toBe(202);
    const outcome = Object.fromEntries(emu.logs().map((e) => [e.sourceIdentity.id, e.provisioningStatusInfo.errorInformation?.errorCode ?? e.provisioningStatusInfo.status]));
    expect(outcome).toEqual({
      ok: 'success',
      initial: 'success',
      other: 'AzureActiveDirectoryInvalidDomain',
      space: 'AzureActiveDirectoryInvalidUserPrincipalName',
      control: 'AzureActiveDirectoryInvalidUserPrincipalName',
      bare: 'AzureActiveDirectoryInvalidUserPrincipalName',
    });
    expect(emu.logs().find((e) => e.sourceIdentity.id === 'other')?.provisioningStatusInfo.errorInformation?.reason).toMatch(/domain portion of the userPrincipalName property is invalid/);
    expect(emu.users().map((u) => u.externalId)).toEqual(['initial', 'ok']);
  });

  it('serves the verified domains at GET /domains to a token with Domain.Read.All', async () => {
    const { emu, token } = await sandbox({ verifiedDomains: ['Contoso.com'] });
    expect((await graphGet(emu, token, '/v1.0/domains')).status).toBe(403);
    emu.setPermissions(['Domain.Read.All']);
    const reply = await graphGet(emu, await getToken(emu), '/v1.0/domains');
    expect(reply.status).toBe(200);
    expect((reply.json.value as { id: string; isVerified: boolean; isInitial: boolean }[]).map((d) => [d.id, d.isVerified, d.isInitial])).toEqual([
      [SANDBOX_INITIAL_DOMAIN, true, true],
      ['contoso.com', true, false],
    ]);
  });

  it('accepts every userName when no domains are configured (the default)', async () => {
    const { emu, token } = await sandbox();
    await upload(emu, token, bulkBody([user('1', { userName: 'DoeJane' })]));
    expect(emu.logs()[0]?.provisioningStatusInfo.status).toBe('success');
    expect(emu.sandboxSettings().verifiedDomains).toBeNull();
  });
});

const SAMPLES = join(__dirname, '../../../../shared/samples/microsoft');

describe.skipIf(!existsSync(SAMPLES))("Microsoft's sample payloads", () => {
  /** What the tutorial has the admin add to the job schema first: every attribute of the sample's extensions. */
  function extensionAttributes(body: { Operations: { data: Record<string, unknown> }[] }): SchemaAttribute[] {
    const out: SchemaAttribute[] = [];
    for (const op of body.Operations) {
      for (const [key, value] of Object.entries(op.data)) {
        if (!key.startsWith('urn:') || key === ENTERPRISE || key === CORE || typeof value !== 'object' || value === null) continue;
        for (const name of Object.keys(value)) out.push({ name, type: 'String', namespace: key });
      }
    }
    return out;
  }

  for (const file of ['Sample-CSV-2-SCIM-payload.json', 'Extended-SCIM-bulk-request-Core+Enterprise.json']) {
    it(`answers ${file} with 202 and processes every person in it`, async () => {
      const text = readFileSync(join(SAMPLES, file), 'utf8');
      const body = JSON.parse(text) as { Operations: { data: Record<string, unknown> }[] };
      // The samples reuse a bulkId (Operations 1 and 2), which Entra lets through: rehearse that leniency.
      const { emu, token } = await sandbox({ schemaAttributes: extensionAttributes(body), allowDuplicateBulkIds: true });
      const reply = await upload(emu, token, text);
      expect(reply.status).toBe(202);
      const externalIds = body.Operations.map((op) => String(op.data['externalId']));
      expect(emu.logs().map((e) => e.sourceIdentity.id).sort()).toEqual([...externalIds].sort());
      expect(emu.users().map((u) => u.externalId).sort()).toEqual([...new Set(externalIds)].sort());
    });
  }

  it('answers a body error with a message that starts "Invalid Data Format" (here: the schema lacks the extension)', async () => {
    const { emu, token } = await sandbox({ allowDuplicateBulkIds: true });
    const reply = await upload(emu, token, readFileSync(join(SAMPLES, 'Sample-CSV-2-SCIM-payload.json'), 'utf8'));
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toMatch(/^Invalid Data Format: /);
  });
});
