import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CORE, ENTERPRISE, bulkBody, bulkPath, call, getToken, graphGet, sleep, tokenRequest, upload, user, type Reply } from './__tests__/http';
import { EmulatorError, isEmulatorError, startEmulator, type Emulator } from './index';

const CSV_NS = 'urn:ietf:params:scim:schemas:extension:csv:1.0:User';

function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function expectGraphError(reply: Reply, status: number, code: string, message?: RegExp): Promise<void> {
  expect(reply.status).toBe(status);
  expect(reply.json?.error?.code).toBe(code);
  expect(reply.json?.error?.innerError?.['request-id']).toEqual(expect.any(String));
  if (message) expect(reply.json.error.message).toMatch(message);
}

describe('token endpoint', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it('issues an app token for client credentials with a secret', async () => {
    const reply = await tokenRequest(emu, {
      grant_type: 'client_credentials',
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      scope: `${emu.baseUrl}/.default`,
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const claims = decodeJwt(reply.json.access_token);
    expect(claims).toMatchObject({ tid: emu.tenantId, appid: emu.clientId, aud: emu.baseUrl });
    expect(claims['roles']).toEqual(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
    expect(claims['exp']).toEqual(expect.any(Number));
  });

  it('answers a wrong secret like Entra (401 invalid_client, AADSTS7000215) without echoing it', async () => {
    const reply = await tokenRequest(emu, {
      grant_type: 'client_credentials',
      client_id: emu.clientId,
      client_secret: 'not-the-secret-value',
      scope: `${emu.baseUrl}/.default`,
    });
    expect(reply.status).toBe(401);
    expect(reply.json.error).toBe('invalid_client');
    expect(reply.json.error_codes).toEqual([7000215]);
    expect(reply.json.error_description).toMatch(/^AADSTS7000215: Invalid client secret/);
    expect(reply.text).not.toContain('not-the-secret-value');
    expect(reply.text).not.toContain(emu.clientSecret);
  });

  it('rejects an unknown client, an unknown tenant, a missing credential and a scope without /.default', async () => {
    const base = { grant_type: 'client_credentials', client_id: emu.clientId, client_secret: emu.clientSecret, scope: `${emu.baseUrl}/.default` };
    const unknownClient = await tokenRequest(emu, { ...base, client_id: '11111111-2222-3333-4444-555555555555' });
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.json.error_description).toMatch(/^AADSTS700016: Application with identifier '11111111-/);

    const unknownTenant = await tokenRequest(emu, base, 'contoso.onmicrosoft.com');
    expect(unknownTenant.status).toBe(400);
    expect(unknownTenant.json.error_codes).toEqual([90002]);

    const { client_secret: _omit, ...noSecret } = base;
    const missing = await tokenRequest(emu, noSecret);
    expect(missing.status).toBe(401);
    expect(missing.json.error_codes).toEqual([7000218]);

    const badScope = await tokenRequest(emu, { ...base, scope: `${emu.baseUrl}/SynchronizationData-User.Upload` });
    expect(badScope.status).toBe(400);
    expect(badScope.json.error).toBe('invalid_scope');

    const otherResource = await tokenRequest(emu, { ...base, scope: 'https://management.azure.com/.default' });
    expect(otherResource.json.error_codes).toEqual([500011]);

    const wrongGrant = await tokenRequest(emu, { ...base, grant_type: 'password' });
    expect(wrongGrant.json.error).toBe('unsupported_grant_type');
  });

  it('serves the OpenID configuration and instance discovery MSAL would ask for', async () => {
    const config = await call(emu, 'GET', `/${emu.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(config.json.token_endpoint).toBe(`${emu.authority}/oauth2/v2.0/token`);
    expect(JSON.parse(emu.authorityMetadata)).toEqual(config.json);
    const discovery = await call(emu, 'GET', '/common/discovery/instance?api-version=1.1');
    expect(discovery.json.tenant_discovery_endpoint).toBe(`${emu.authority}/v2.0/.well-known/openid-configuration`);
    expect(JSON.parse(emu.cloudDiscoveryMetadata)).toEqual(discovery.json);
  });
});

describe('bulkUpload request rules', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await startEmulator({ windowCalls: 10_000, dailyQuota: 100_000 });
    token = await getToken(emu);
  });
  beforeEach(() => emu.reset());
  afterAll(() => emu.close());

  it('accepts a valid request with 202, an empty body and a Location to the provisioning logs', async () => {
    const reply = await upload(emu, token, bulkBody([user('1001'), user('1002')]));
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(reply.headers['location']).toBe(`${emu.baseUrl}/v1.0/auditLogs/provisioning?$filter=jobid eq '${emu.jobId}'`);
    expect(emu.users().map((u) => u.externalId)).toEqual(['1001', '1002']);
    expect(emu.bulkCalls()).toEqual([
      { at: expect.any(Number), status: 202, operations: 2, bulkIds: ['b0-1001', 'b1-1002'], requestId: reply.headers['request-id'], processing: 'processed', cycleId: emu.logs()[0]?.cycleId },
    ]);
  });

  it('answers a Content-Type other than application/scim+json with 400 Invalid Data Format', async () => {
    const reply = await upload(emu, token, bulkBody([user('1')]), 'application/json');
    await expectGraphError(reply, 400, 'BadRequest', /^Invalid Data Format/);
    expect((await upload(emu, token, bulkBody([user('1')]), 'application/scim+json; charset=utf-8')).status).toBe(202);
  });

  it('accepts 50 operations and refuses 51', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => user(String(i)));
    expect((await upload(emu, token, bulkBody(fifty))).status).toBe(202);
    const reply = await upload(emu, token, bulkBody([...fifty, user('50')]));
    await expectGraphError(reply, 400, 'BadRequest', /too many operations, max 50/i);
    expect(emu.users()).toHaveLength(50);
  });

  it('refuses duplicate bulkIds, a missing externalId and an empty Operations list, naming each place', async () => {
    const body = bulkBody([user('1'), user('2'), { ...user('3'), externalId: '' }]);
    (body['Operations'] as { bulkId: string }[])[1]!.bulkId = 'b0-1';
    const reply = await upload(emu, token, body);
    await expectGraphError(reply, 400, 'BadRequest');
    const targets = (reply.json.error.details as { target: string; code: string }[]).map((d) => [d.target, d.code]);
    expect(targets).toEqual([
      ['Operations[1].bulkId', 'DuplicateBulkId'],
      ['Operations[2].data.externalId', 'MissingExternalId'],
    ]);
    const { externalId: _drop, ...noExternalId } = user('4');
    expect((await upload(emu, token, bulkBody([noExternalId]))).json.error.message).toMatch(/externalId is required/);
    expect((await upload(emu, token, bulkBody([]))).status).toBe(400);
    expect(emu.users()).toEqual([]);
  });

  it('requires the BulkRequest URN, the core URN, and the enterprise and extension URNs of the attributes sent', async () => {
    const noBulkUrn = await upload(emu, token, { ...bulkBody([user('1')]), schemas: [] });
    expect(noBulkUrn.json.error.message).toMatch(/^Invalid Data Format: .*BulkRequest/);
    // Microsoft's own samples list only the core URN for a user without enterprise attributes, and Entra takes them.
    expect((await upload(emu, token, bulkBody([user('1', { schemas: [CORE] })]))).status).toBe(202);
    const enterpriseUnlisted = await upload(emu, token, bulkBody([user('1', { schemas: [CORE], [ENTERPRISE]: { department: 'Sales' } })]));
    expect(enterpriseUnlisted.json.error.message).toContain(ENTERPRISE);
    const noSchemas = await upload(emu, token, bulkBody([{ externalId: '1', userName: 'a@b.c' }]));
    expect(noSchemas.status).toBe(400);
    const unlisted = await upload(
      emu,
      token,
      bulkBody([user('1', { [ENTERPRISE]: { department: 'Finance' }, [CSV_NS]: { HireDate: '2021-05-01T00:00:00Z' } })]),
    );
    expect(unlisted.json.error.details.map((d: { target: string }) => d.target)).toContain('Operations[0].data.schemas');
  });

  it('treats failOnErrors as an integer: a string is refused, 0 and null (as Microsoft’s samples send) are accepted', async () => {
    const stringFail = await upload(emu, token, bulkBody([user('1')], { failOnErrors: '0' }));
    await expectGraphError(stringFail, 400, 'BadRequest', /^Invalid Data Format: 'failOnErrors'/);
    expect((await upload(emu, token, bulkBody([user('1')], { failOnErrors: 0 }))).status).toBe(202);
    expect((await upload(emu, token, bulkBody([user('1')], { failOnErrors: null }))).status).toBe(202);
  });

  it('accepts path /users in any case but only the POST method, and refuses body that is not JSON', async () => {
    const body = bulkBody([user('1')]);
    (body['Operations'] as { path: string }[])[0]!.path = '/users';
    expect((await upload(emu, token, body)).status).toBe(202);
    (body['Operations'] as { method: string }[])[0]!.method = 'PATCH';
    expect((await upload(emu, token, body)).json.error.message).toMatch(/method must be "POST"/);
    expect((await upload(emu, token, '{"schemas": [')).json.error.message).toMatch(/^Invalid Data Format: the body is not valid JSON/);
  });

  it('refuses attributes the job schema does not know, and accepts them after a schema PUT', async () => {
    const data = user('1', { schemas: [CORE, ENTERPRISE, CSV_NS], [CSV_NS]: { HireDate: '2021-05-01T00:00:00Z', JobCode: 'X1' } });
    const refused = await upload(emu, token, bulkBody([data]));
    await expectGraphError(refused, 400, 'BadRequest', /is not a valid propertyName/);
    expect(refused.json.error.details.map((d: { message: string }) => d.message.split(' is ')[0])).toEqual([`'${CSV_NS}:HireDate'`, `'${CSV_NS}:JobCode'`]);
    const typo = await upload(emu, token, bulkBody([user('1', { usrName: 'x' })]));
    expect(typo.json.error.message).toMatch(/'usrName' is not a valid propertyName/);

    const schemaPath = `/v1.0/servicePrincipals/${emu.servicePrincipalId}/synchronization/jobs/${emu.jobId}/schema`;
    const schema = (await graphGet(emu, token, schemaPath)).json;
    const object = schema.directories[0].objects[0];
    expect(object.attributes.map((a: { name: string }) => a.name)).toContain(`${ENTERPRISE}:manager`);
    // Entra's model: one object, extension attributes fully qualified.
    object.attributes.push({ name: `${CSV_NS}:HireDate`, type: 'DateTime', multivalued: false });
    const put = await call(emu, 'PUT', schemaPath, { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(schema) });
    expect(put.status).toBe(204);
    expect((await upload(emu, token, bulkBody([data]))).json.error.message).toMatch(/JobCode' is not a valid propertyName/);

    // The other accepted model: one object per namespace with plain names.
    const perNamespace = { directories: [{ name: 'API', objects: [{ name: CSV_NS, attributes: [{ name: 'HireDate', type: 'DateTime' }, { name: 'JobCode', type: 'String' }] }] }] };
    const put2 = await call(emu, 'PUT', schemaPath, { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(perNamespace) });
    expect(put2.status).toBe(204);
    expect(emu.schemaAttributes().map((a) => `${a.name}:${a.type}`)).toEqual(['HireDate:DateTime', 'JobCode:String']);
    expect((await upload(emu, token, bulkBody([data]))).status).toBe(202);
    const names = (await graphGet(emu, token, schemaPath)).json.directories[0].objects[0].attributes.map((a: { name: string }) => a.name);
    expect(names).toContain(`${CSV_NS}:JobCode`);

    const badType = { directories: [{ name: 'API', objects: [{ name: CSV_NS, attributes: [{ name: 'X', type: 'Float' }] }] }] };
    const put3 = await call(emu, 'PUT', schemaPath, { headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(badType) });
    expect(put3.json.error.message).toMatch(/type 'Float' is not one of/);
  });

  it('answers 401 without a token, with a forged token and with an expired token', async () => {
    const none = await call(emu, 'POST', bulkPath(emu), { headers: { 'Content-Type': 'application/scim+json' }, body: JSON.stringify(bulkBody([user('1')])) });
    await expectGraphError(none, 401, 'InvalidAuthenticationToken', /Access token is empty/);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    const [h, p] = token.split('.');
    await expectGraphError(await upload(emu, `${h}.${p}.AAAA`, bulkBody([user('1')])), 401, 'InvalidAuthenticationToken', /Invalid signature/);
    await expectGraphError(await upload(emu, 'garbage', bulkBody([user('1')])), 401, 'InvalidAuthenticationToken');

    const old = await getToken(emu);
    emu.setFaults({ expireTokensNow: true });
    await expectGraphError(await upload(emu, old, bulkBody([user('1')])), 401, 'InvalidAuthenticationToken', /expired/);
    token = await getToken(emu);
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    expect(emu.bulkCalls().map((c) => c.status)).toEqual([401, 401, 401, 401, 202]);
  });

  it('lets tokens expire after tokenLifetimeSec, scaled by timeScale', async () => {
    const fast = await startEmulator({ tokenLifetimeSec: 4, timeScale: 20 });
    try {
      const short = await getToken(fast);
      expect((await upload(fast, short, bulkBody([user('1')]))).status).toBe(202);
      await sleep(250);
      await expectGraphError(await upload(fast, short, bulkBody([user('1')])), 401, 'InvalidAuthenticationToken', /expired/);
    } finally {
      await fast.close();
    }
  });

  it('answers 403 naming the permission the token lacks, and 404 for another service principal or job', async () => {
    emu.setPermissions(['AuditLog.Read.All']);
    const weak = await getToken(emu);
    emu.setPermissions(['SynchronizationData-User.Upload']);
    const uploadOnly = await getToken(emu);
    emu.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
    await expectGraphError(await upload(emu, weak, bulkBody([user('1')])), 403, 'Authorization_RequestDenied', /SynchronizationData-User\.Upload/);
    await expectGraphError(await graphGet(emu, uploadOnly, '/v1.0/auditLogs/provisioning'), 403, 'Authorization_RequestDenied', /AuditLog\.Read\.All or ProvisioningLog\.Read\.All/);
    expect((await graphGet(emu, weak, '/v1.0/auditLogs/provisioning')).status).toBe(200);

    const wrongJob = bulkPath(emu).replace(emu.jobId, 'API2AAD.00000000000000000000000000000000.00000000000000000000000000000000');
    const body = JSON.stringify(bulkBody([user('1')]));
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
    await expectGraphError(await call(emu, 'POST', wrongJob, { headers, body }), 404, 'Request_ResourceNotFound', /synchronization job/);
    const wrongSp = bulkPath(emu).replace(emu.servicePrincipalId, '99999999-0000-4000-8000-000000000000');
    await expectGraphError(await call(emu, 'POST', wrongSp, { headers, body }), 404, 'Request_ResourceNotFound');
    // Permission is checked before existence, as Graph does.
    await expectGraphError(await call(emu, 'POST', wrongJob, { headers: { ...headers, Authorization: `Bearer ${weak}` }, body }), 403, 'Authorization_RequestDenied');
  });

  it('lists the job and reports pause: a paused job answers 202 but processes nothing', async () => {
    const jobs = await graphGet(emu, token, `/v1.0/servicePrincipals/${emu.servicePrincipalId}/synchronization/jobs`);
    expect(jobs.json.value).toEqual([expect.objectContaining({ id: emu.jobId, templateId: 'API2AAD', status: expect.objectContaining({ code: 'Active' }) })]);
    const jobPath = `/v1.0/servicePrincipals/${emu.servicePrincipalId}/synchronization/jobs/${emu.jobId}`;
    expect((await call(emu, 'POST', `${jobPath}/pause`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
    expect((await graphGet(emu, token, jobPath)).json.status.code).toBe('Paused');
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    expect(emu.users()).toEqual([]);
    expect(emu.logs()).toEqual([]);
    expect((await call(emu, 'POST', `${jobPath}/start`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
    expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
    expect(emu.users()).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('allows 40 calls in a 5 s window, then answers 429 with Retry-After until the window slides', async () => {
    // timeScale 5: the window lasts 1 s of wall time.
    const emu = await startEmulator({ timeScale: 5 });
    try {
      const token = await getToken(emu);
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => upload(emu, token, bulkBody([user(String(i))]))));
      expect(replies.map((r) => r.status)).toEqual(Array(40).fill(202));
      const throttled = await upload(emu, token, bulkBody([user('x')]));
      await expectGraphError(throttled, 429, 'TooManyRequests', /at most 40 bulkUpload calls in any 5-second window/);
      const retryAfter = Number(throttled.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(1);
      await sleep(retryAfter * 1000 + 20);
      expect((await upload(emu, token, bulkBody([user('x')]))).status).toBe(202);
      expect(emu.quotaUsed()).toBe(41);
    } finally {
      await emu.close();
    }
  });

  it('enforces the daily quota per tenant with a Retry-After until the oldest call leaves the 24 h window', async () => {
    const emu = await startEmulator({ dailyQuota: 3 });
    try {
      const token = await getToken(emu);
      for (let i = 0; i < 3; i += 1) expect((await upload(emu, token, bulkBody([user(String(i))]))).status).toBe(202);
      const refused = await upload(emu, token, bulkBody([user('3')]));
      await expectGraphError(refused, 429, 'TooManyRequests', /daily quota of 3/);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(86_000);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      expect(emu.quotaUsed()).toBe(3);
      emu.reset();
      expect(emu.quotaUsed()).toBe(0);
      expect((await upload(emu, token, bulkBody([user('3')]))).status).toBe(202);
    } finally {
      await emu.close();
    }

    // A day of 1 s (timeScale 86 400): the quota frees itself once the oldest call is a "day" old.
    const fast = await startEmulator({ dailyQuota: 2, timeScale: 86_400, tokenLifetimeSec: 1e9 });
    try {
      const token = await getToken(fast);
      await upload(fast, token, bulkBody([user('1')]));
      await upload(fast, token, bulkBody([user('2')]));
      const refused = await upload(fast, token, bulkBody([user('3')]));
      expect(refused.status).toBe(429);
      await sleep(Number(refused.headers['retry-after']) * 1000 + 20);
      expect((await upload(fast, token, bulkBody([user('3')]))).status).toBe(202);
    } finally {
      await fast.close();
    }
  });
});

describe('processing and provisioning logs', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    // These tests read the logs many times a second: the logs API's own throttle is item of its own test.
    emu = await startEmulator({ windowCalls: 10_000, logsApiLimit: false });
    token = await getToken(emu);
  });
  beforeEach(() => emu.reset());
  afterAll(() => emu.close());

  const withManager = (id: string, manager: string, extra: Record<string, unknown> = {}) =>
    user(id, { [ENTERPRISE]: { department: 'Sales', manager: { value: manager } }, ...extra });

  it('answers 202 before processing, yet whatever comes after the 202 sees the request processed', async () => {
    const [a, b] = await Promise.all([upload(emu, token, bulkBody([user('1')])), upload(emu, token, bulkBody([user('2')]))]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const logs = await graphGet(emu, token, `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(`jobid eq '${emu.jobId}'`)}`);
    expect((logs.json.value as { sourceIdentity: { id: string } }[]).map((e) => e.sourceIdentity.id).sort()).toEqual(['1', '2']);

    await upload(emu, token, bulkBody([user('3')]));
    emu.setJobState('paused'); // accepted while the job ran: processed, not left waiting behind the pause
    expect(emu.pendingRequests()).toBe(0);
    expect(emu.users().map((u) => u.externalId)).toEqual(['1', '2', '3']);
    await upload(emu, token, bulkBody([user('4')]));
    expect(emu.pendingRequests()).toBe(1);
    expect(emu.users().map((u) => u.externalId)).toEqual(['1', '2', '3']);
  });

  it('creates, updates, skips unchanged users, disables and re-enables, one log entry per operation', async () => {
    await upload(emu, token, bulkBody([user('1'), user('2')]));
    const [first] = emu.users();
    expect(first).toMatchObject({ externalId: '1', userPrincipalName: '1@contoso.example', accountEnabled: true });
    expect(first?.attributes['displayName']).toBe('User 1');

    await upload(emu, token, bulkBody([user('1', { title: 'Manager' }), user('2')]));
    await upload(emu, token, bulkBody([user('1', { title: 'Manager', active: false })]));
    await upload(emu, token, bulkBody([user('1', { title: 'Manager', active: true })]));

    const logs = emu.logs();
    expect(logs.map((l) => [l.sourceIdentity.id, l.provisioningAction, l.provisioningStatusInfo.status])).toEqual([
      ['1', 'create', 'success'],
      ['2', 'create', 'success'],
      ['1', 'update', 'success'],
      ['2', 'other', 'skipped'],
      ['1', 'disable', 'success'],
      ['1', 'update', 'success'],
    ]);
    // Named as Entra names the target attribute (SCIM title → jobTitle).
    expect(logs[2]?.modifiedProperties).toEqual([{ displayName: 'jobTitle', oldValue: null, newValue: 'Manager' }]);
    expect(logs[3]?.provisioningStatusInfo.errorInformation).toMatchObject({ errorCode: 'RedundantExport', reason: expect.stringMatching(/No change/) });
    expect(logs[4]?.modifiedProperties).toContainEqual({ displayName: 'accountEnabled', oldValue: 'true', newValue: 'false' });
    expect(new Set(logs.slice(0, 2).map((l) => l.cycleId)).size).toBe(1);
    expect(new Set(logs.map((l) => l.changeId)).size).toBe(6);
    expect(logs.every((l) => l.jobId === emu.jobId && l.servicePrincipal.id === emu.servicePrincipalId)).toBe(true);
    expect(logs[0]?.targetIdentity.id).toBe(first?.id);
    const one = emu.users()[0];
    expect(one?.accountEnabled).toBe(true);
    expect(one?.id).toBe(first?.id);
    expect(one?.createdAt).toBe(first?.createdAt);
  });

  it('resolves a manager uploaded earlier (or earlier in the same request) and fails an unknown one', async () => {
    await upload(emu, token, bulkBody([user('boss'), withManager('a', 'boss'), withManager('b', 'c'), withManager('c', 'boss'), withManager('d', 'nobody')]));
    const byId = Object.fromEntries(emu.users().map((u) => [u.externalId, u]));
    expect(byId['a']?.managerExternalId).toBe('boss');
    expect(byId['c']?.managerExternalId).toBe('boss');
    expect(byId['b']?.managerExternalId).toBeUndefined();
    expect(byId['d']).toBeDefined();
    const failures = emu.logs().filter((l) => l.provisioningStatusInfo.status === 'failure');
    expect(failures.map((l) => [l.sourceIdentity.id, l.provisioningAction])).toEqual([['b', 'create'], ['d', 'create']]);
    expect(failures[0]?.provisioningStatusInfo.errorInformation).toMatchObject({
      errorCode: 'UnableToResolveReferenceAttributeValue',
      recommendedAction: expect.stringMatching(/Upload the manager \(externalId 'c'\)/),
    });
    // Once the manager exists, uploading the user again sets the reference.
    await upload(emu, token, bulkBody([withManager('b', 'c')]));
    expect(emu.users().find((u) => u.externalId === 'b')?.managerExternalId).toBe('c');
    expect(emu.logs().at(-1)?.provisioningStatusInfo.status).toBe('success');
  });

  it('fails a userName already held by another externalId with AzureActiveDirectoryConflictEntry', async () => {
    await upload(emu, token, bulkBody([user('1', { userName: 'Same@contoso.example' }), user('2', { userName: 'same@CONTOSO.example' })]));
    expect(emu.users().map((u) => u.externalId)).toEqual(['1']);
    const conflict = emu.logs()[1];
    expect(conflict?.provisioningStatusInfo).toMatchObject({
      status: 'failure',
      errorInformation: { errorCode: 'AzureActiveDirectoryConflictEntry', reason: expect.stringMatching(/ObjectConflict.*externalId '1'/) },
    });
  });

  it('filters logs by job, cycle, change, source id, status and time, newest first', async () => {
    await upload(emu, token, bulkBody([user('1'), withManager('2', 'ghost')]));
    const firstCycle = emu.logs()[0]!.cycleId;
    await sleep(5);
    const between = new Date().toISOString();
    await sleep(5);
    await upload(emu, token, bulkBody([user('3'), user('1', { title: 'T' })]));
    const get = async (filter: string) => {
      const reply = await graphGet(emu, token, `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}`);
      expect(reply.status).toBe(200);
      return (reply.json.value as { sourceIdentity: { id: string } }[]).map((e) => e.sourceIdentity.id);
    };
    expect(await get(`jobid eq '${emu.jobId}'`)).toEqual(['1', '3', '2', '1']);
    expect(await get(`jobId eq '${emu.jobId}' and cycleId eq '${firstCycle}'`)).toEqual(['2', '1']);
    expect(await get("sourceIdentity/id eq '1'")).toEqual(['1', '1']);
    expect(await get("statusInfo/status eq 'failure'")).toEqual(['2']);
    expect(await get("provisioningStatusInfo/status eq 'success' and sourceIdentity/id eq '1'")).toEqual(['1', '1']);
    expect(await get(`activityDateTime ge ${between}`)).toEqual(['1', '3']);
    expect(await get(`activityDateTime le ${between}`)).toEqual(['2', '1']);
    const change = emu.logs()[2]!.changeId;
    expect(await get(`changeId eq '${change}'`)).toEqual(['3']);

    const bad = await graphGet(emu, token, `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent("department eq 'x'")}`);
    await expectGraphError(bad, 400, 'BadRequest', /property 'department' is not supported/);
    const badTop = await graphGet(emu, token, '/v1.0/auditLogs/provisioning?$top=0');
    expect(badTop.status).toBe(400);
  });

  it('pages with $top and an absolute @odata.nextLink, default page 50, and never repeats an entry', async () => {
    for (let i = 0; i < 3; i += 1) {
      await upload(emu, token, bulkBody(Array.from({ length: 40 }, (_, j) => user(`u${i * 40 + j}`))));
    }
    const first = await graphGet(emu, token, '/v1.0/auditLogs/provisioning');
    expect(first.json.value).toHaveLength(50);
    expect(first.json.value[0].sourceIdentity.id).toBe('u119');

    const seen: string[] = [];
    let next: string | undefined = `/v1.0/auditLogs/provisioning?$top=45&$filter=${encodeURIComponent(`jobId eq '${emu.jobId}'`)}`;
    let pages = 0;
    while (next) {
      const reply = await graphGet(emu, token, next);
      expect(reply.status).toBe(200);
      seen.push(...reply.json.value.map((e: { sourceIdentity: { id: string } }) => e.sourceIdentity.id));
      next = reply.json['@odata.nextLink'];
      if (next) expect(next.startsWith(`${emu.baseUrl}/v1.0/auditLogs/provisioning?`)).toBe(true);
      pages += 1;
      // New activity while paging must not shift later pages.
      if (pages === 1) await upload(emu, token, bulkBody([user('late')]));
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen.at(-1)).toBe('u0');
    const capped = await graphGet(emu, token, '/v1.0/auditLogs/provisioning?$top=5000');
    expect(capped.json.value).toHaveLength(121);
  });

  it('shows results only after logDelayMs and processes after processingDelayMs', async () => {
    const slow = await startEmulator({ logDelayMs: 400_000, processingDelayMs: 200_000, timeScale: 1000 });
    try {
      const t = await getToken(slow);
      expect((await upload(slow, t, bulkBody([user('1')]))).status).toBe(202);
      expect(slow.users()).toEqual([]);
      for (let i = 0; i < 400 && slow.users().length === 0; i += 1) await sleep(5);
      expect(slow.users()).toHaveLength(1);
      expect(slow.logs()).toEqual([]);
      expect((await graphGet(slow, t, '/v1.0/auditLogs/provisioning')).json.value).toEqual([]);
      for (let i = 0; i < 400 && slow.logs().length === 0; i += 1) await sleep(5);
      expect(slow.logs()).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});

describe('faults', () => {
  it('fails the next calls deterministically, then runs a throttle storm with a scaled Retry-After', async () => {
    const emu = await startEmulator({ timeScale: 10, faults: { failNextCalls: { status: 503, count: 2 } } });
    try {
      const token = await getToken(emu);
      const body = bulkBody([user('1')]);
      await expectGraphError(await upload(emu, token, body), 503, 'ServiceUnavailable');
      expect((await upload(emu, token, body)).status).toBe(503);
      expect((await upload(emu, token, body)).status).toBe(202);
      emu.setFaults({ throttleStorm: { calls: 2, retryAfterSeconds: 5 } });
      const storm = await upload(emu, token, body);
      await expectGraphError(storm, 429, 'TooManyRequests');
      expect(storm.headers['retry-after']).toBe('0.5');
      expect(storm.headers['retry-after-ms']).toBe('500');
      expect((await upload(emu, token, body)).status).toBe(429);
      expect((await upload(emu, token, body)).status).toBe(202);
      expect(emu.bulkCalls().map((c) => c.status)).toEqual([503, 503, 202, 429, 429, 202]);
      expect(emu.quotaUsed()).toBe(2);
    } finally {
      await emu.close();
    }
  });

  it('answers a seeded share of calls with 500/503, the same sequence for the same seed', async () => {
    const run = async () => {
      const emu = await startEmulator({ faults: { serverErrorRate: 0.5, seed: 42 } });
      try {
        const token = await getToken(emu);
        const statuses: number[] = [];
        for (let i = 0; i < 12; i += 1) statuses.push((await upload(emu, token, bulkBody([user(String(i))]))).status);
        return statuses;
      } finally {
        await emu.close();
      }
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(a.some((s) => s === 500 || s === 503)).toBe(true);
    expect(a).toContain(202);
  });

  it('resets the socket without processing anything, and adds latency to Graph replies', async () => {
    const emu = await startEmulator({ faults: { resetRate: 1 } });
    try {
      const token = await getToken(emu);
      await expect(upload(emu, token, bulkBody([user('1')]))).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(emu.users()).toEqual([]);
      expect(emu.bulkCalls()).toEqual([{ at: expect.any(Number), status: 0, operations: 1, bulkIds: ['b0-1'], requestId: expect.any(String) }]);
      emu.setFaults({ latencyMs: 30 });
      expect((await upload(emu, token, bulkBody([user('1')]))).status).toBe(202);
      expect(emu.users()).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });
});

describe('lifecycle', () => {
  it('keeps users, logs, quota, schema and ids in stateDir across restarts, never the secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimport-emulator-'));
    try {
      const first = await startEmulator({ stateDir: dir, schemaAttributes: [{ name: 'HireDate', type: 'DateTime', namespace: CSV_NS }] });
      const token = await getToken(first);
      await upload(first, token, bulkBody([user('1'), user('2')]));
      const ids = first.users().map((u) => u.id);
      await first.close();
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(join(dir, 'emulator-state.json'), 'utf8')).not.toContain(first.clientSecret);

      const second = await startEmulator({ stateDir: dir });
      try {
        expect(second.users().map((u) => u.id)).toEqual(ids);
        expect(second.logs()).toHaveLength(2);
        expect(second.quotaUsed()).toBe(1);
        expect(second.schemaAttributes()).toEqual([{ name: 'HireDate', type: 'DateTime', namespace: CSV_NS, multivalued: false }]);
        expect(second.jobId).toBe(first.jobId);
        const t2 = await getToken(second);
        await upload(second, t2, bulkBody([user('2')]));
        expect(second.logs().at(-1)?.provisioningAction).toBe('other');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options with an EmulatorError that says what to fix', async () => {
    await expect(startEmulator({ timeScale: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/timeScale/) });
    await expect(startEmulator({ faults: { serverErrorRate: 2 } })).rejects.toBeInstanceOf(EmulatorError);
    await expect(startEmulator({ certificatePem: 'not a certificate' })).rejects.toMatchObject({ code: 'CERTIFICATE_INVALID' });
    const bad = await startEmulator({ clientSecret: 'with space' }).catch((e: unknown) => e);
    expect(isEmulatorError(bad)).toBe(true);
    expect((bad as Error).message).not.toContain('with space');
    const taken = await startEmulator();
    try {
      const port = Number(new URL(taken.baseUrl).port);
      await expect(startEmulator({ port })).rejects.toMatchObject({ code: 'PORT_UNAVAILABLE' });
      expect(() => taken.setFaults({ failNextCalls: { status: 200, count: 1 } })).toThrow(EmulatorError);
    } finally {
      await taken.close();
    }
  });
});
