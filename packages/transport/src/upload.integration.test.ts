import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '@scimport/core';
import type { Emulator } from '@scimport/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunked, clientOf, scratchDir, startTestEmulator, targetOf, users } from './__tests__/emulator';
import { createCredential } from './auth';
import { type TransportError } from './errors';
import { QuotaLedger } from './ledger';
import { pollResults } from './results';
import { type UploadProgress, readChunkStates, resumeRun, startRun, uploadRun } from './run';
import { secretConfig } from './__tests__/emulator';

let emu: Emulator;
let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  emu = await startTestEmulator({ tokenLifetimeSec: 3600 * 100 });
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  emu.setFaults({});
  emu.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.ReadWrite.All']);
  scratch = await scratchDir();
});
afterEach(() => scratch.cleanup());

describe('uploading a run', () => {
  it('uploads 300 users in 7 chunks, journals each chunk, and joins the provisioning logs back', async () => {
    const client = await clientOf(emu, { dataDir: scratch.dir });
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(300), 45), meta: { profile: 'test' } });
    expect(run.manifest.chunks).toHaveLength(7);
    const progress: UploadProgress[] = [];
    const summary = await uploadRun(run, { client, ledger: new QuotaLedger({ dataDir: scratch.dir }), dailyQuota: 2000, onProgress: (p) => progress.push(p) });

    expect(summary).toMatchObject({ runId: run.id, chunksTotal: 7, accepted: 7, sentThisSession: 7, resent: [], calls: 7, throttles: 0 });
    expect(emu.users()).toHaveLength(300);
    expect(emu.bulkCalls().map((c) => c.status)).toEqual([202, 202, 202, 202, 202, 202, 202]);
    const states = await readChunkStates(run);
    expect(states.every((s) => s.state === 'accepted' && s.status === 202 && s.sends === 1)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ chunksDone: 7, chunksTotal: 7, etaMs: 0 });
    expect(progress.some((p) => p.last?.type === 'chunk' && p.last.state === 'sending')).toBe(true);
    expect((await new QuotaLedger({ dataDir: scratch.dir }).quotaStatus(emu.tenantId, 2000)).used).toBe(7);

    const results = await pollResults(run, { client, intervalMs: 20, minutes: 1 });
    expect(results.complete).toBe(true);
    expect(results.pending).toEqual([]);
    expect(results.rows).toHaveLength(300);
    expect(results.summary).toEqual({ create: { success: 300 } });
    expect(results.rows[0]).toMatchObject({ externalId: 'E0001', bulkId: '1', chunk: 1, action: 'create', status: 'success' });
    expect(results.rows[299]).toMatchObject({ externalId: 'E0300', bulkId: '300', chunk: 7 });
    const stored = JSON.parse(await readFile(path.join(run.dir, 'results.json'), 'utf8')) as { rows: Record<string, unknown> };
    expect(Object.keys(stored.rows)).toHaveLength(300);

    // Resuming a finished run sends nothing.
    const again = await resumeRun(run.id, { client, dataDir: scratch.dir });
    expect(again).toMatchObject({ accepted: 7, sentThisSession: 0, calls: 0 });
    expect(emu.bulkCalls()).toHaveLength(7);
  });

  it('keeps polling until late log entries arrive, then reports failures with their reason', async () => {
    const slow = await startTestEmulator({ logDelayMs: 60_000, tokenLifetimeSec: 3600 * 100 }); // 0.6 s at 100×
    try {
      const client = await clientOf(slow);
      const ops = users(3, 'L');
      ops[2]!.data[SCIM_ENTERPRISE_USER] = { manager: { value: 'NOBODY' } };
      const run = await startRun({ dataDir: scratch.dir, target: targetOf(slow), chunks: chunked(ops, 50) });
      await uploadRun(run, { client });
      const polls: number[] = [];
      const results = await pollResults(run, { client, intervalMs: 100, minutes: 1, onPoll: (r) => polls.push(r.pending.length) });
      expect(polls[0]).toBe(3);
      expect(results.complete).toBe(true);
      const failed = results.rows.find((r) => r.externalId === 'L0003');
      expect(failed).toMatchObject({ status: expect.stringMatching(/failure|warning/), errorCode: expect.stringContaining('Reference') });
    } finally {
      await slow.close();
    }
  });

  it('explains missing results when the job is paused (accepted but never processed)', async () => {
    emu.setJobState('paused');
    try {
      const client = await clientOf(emu);
      const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(5, 'Z'), 50) });
      expect((await uploadRun(run, { client })).accepted).toBe(1);
      const results = await pollResults(run, { client, intervalMs: 50, minutes: 0.002 });
      expect(results.complete).toBe(false);
      expect(results.pending).toHaveLength(5);
      expect(results.note).toMatch(/job is paused.*Start the job/);
    } finally {
      emu.setJobState('active');
    }
  });

  it('pages the provisioning logs through @odata.nextLink', async () => {
    const client = await clientOf(emu);
    await client.bulkUpload(chunked(users(30, 'P'), 50)[0]!);
    const seen: string[] = [];
    for await (const entry of client.provisioningLogs({ filter: `jobId eq '${emu.jobId}'`, top: 7 })) seen.push(entry.sourceIdentity?.id ?? '');
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
  });

  it('refuses up front when the local quota ledger says the run does not fit', async () => {
    const client = await clientOf(emu);
    const ledger = new QuotaLedger({ dataDir: scratch.dir });
    await ledger.record(emu.tenantId, 1995);
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(300), 45) });
    const err = (await uploadRun(run, { client, ledger, dailyQuota: 2000 }).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('QUOTA_EXCEEDED');
    expect(err.message).toContain('needs 7 bulkUpload calls but only 5');
    expect(emu.bulkCalls()).toHaveLength(0);
    const summary = await uploadRun(run, { client, ledger, dailyQuota: 2000, allowOverQuota: true });
    expect(summary.accepted).toBe(7);
  });

  it('stops on cancel, keeps the journal consistent, and resumes to the same result', async () => {
    const client = await clientOf(emu, { pacer: { concurrency: 2 } });
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(300), 45) });
    const controller = new AbortController();
    const err = (await uploadRun(run, {
      client,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.chunksDone >= 2) controller.abort();
      },
    }).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('ABORTED');
    const states = await readChunkStates(run);
    expect(states.filter((s) => s.state === 'accepted').length).toBeGreaterThanOrEqual(2);
    expect(states.some((s) => s.state === 'failed')).toBe(false);
    const summary = await resumeRun(run.id, { client, dataDir: scratch.dir });
    expect(summary.accepted).toBe(7);
    expect(emu.users()).toHaveLength(300);
  });

  it('resumes after a crash tore the journal’s last line, writing on a fresh line', async () => {
    const client = await clientOf(emu, { pacer: { concurrency: 2 } });
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(100), 25) });
    const accepted = { state: 'accepted', status: 202, at: new Date().toISOString(), sends: 1 };
    await writeFile(path.join(run.dir, 'journal.jsonl'), `${JSON.stringify({ chunk: 1, ...accepted })}\n{"chunk":2,"state":"sending","si`);
    const summary = await uploadRun(run, { client, lookahead: 0 });
    expect(summary).toMatchObject({ accepted: 4, sentThisSession: 3, resent: [] });
    expect(emu.bulkCalls()).toHaveLength(3);
    expect((await readChunkStates(run)).map((s) => s.state)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    const lines = (await readFile(path.join(run.dir, 'journal.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !l.endsWith('}'))).toEqual(['{"chunk":2,"state":"sending","si']);
    await expect(uploadRun(run, { client, lookahead: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses to resume a run against another target', async () => {
    const client = await clientOf(emu);
    const run = await startRun({ dataDir: scratch.dir, target: { ...targetOf(emu), servicePrincipalId: 'someone-else' }, chunks: chunked(users(2), 50) });
    await expect(uploadRun(run, { client })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('someone-else') });
  });
});

describe('stops that need a person', () => {
  it('stops on 403 naming SynchronizationData-User.Upload, marks the chunk failed, and resumes once granted', async () => {
    emu.setPermissions(['AuditLog.Read.All']);
    const client = await clientOf(emu);
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(users(100), 50) });
    const err = (await uploadRun(run, { client, signal: AbortSignal.timeout(20_000) }).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('SynchronizationData-User.Upload');
    expect(err.message).toContain(run.id);
    expect(err.details).toMatchObject({ permission: 'SynchronizationData-User.Upload', runId: run.id, status: 403 });
    const states = await readChunkStates(run);
    expect(states.filter((s) => s.state === 'failed').length).toBeGreaterThanOrEqual(1);
    expect(states.some((s) => s.state === 'accepted')).toBe(false);

    emu.setPermissions(['SynchronizationData-User.Upload']);
    const fresh = await clientOf(emu); // a new token carries the new roles
    const summary = await resumeRun(run.id, { client: fresh, dataDir: scratch.dir });
    expect(summary.accepted).toBe(2);
    expect(emu.users()).toHaveLength(100);
  });

  it('names the log permission when the provisioning logs are refused', async () => {
    emu.setPermissions(['SynchronizationData-User.Upload']);
    const client = await clientOf(emu);
    const iterate = async () => {
      for await (const _ of client.provisioningLogs({ top: 5 })) void _;
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('AuditLog.Read.All') });
  });

  it('stops on 400 with the service message, the chunk and its bulkIds; earlier chunks stay accepted', async () => {
    const client = await clientOf(emu, { pacer: { concurrency: 1 } });
    const ops = users(60, 'B');
    ops[55]!.data['urn:ietf:params:scim:schemas:extension:unknown:1.0:User'] = { Thing: 'x' };
    (ops[55]!.data.schemas as string[]).push('urn:ietf:params:scim:schemas:extension:unknown:1.0:User');
    const run = await startRun({ dataDir: scratch.dir, target: targetOf(emu), chunks: chunked(ops, 50) });
    const err = (await uploadRun(run, { client }).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('chunk 2 of 2 (10 users, bulkIds 51…60)');
    expect(err.message).toContain('The service said');
    expect(err.details).toMatchObject({ chunk: 2, status: 400 });
    expect(err.details.bulkIds).toHaveLength(10);
    const states = await readChunkStates(run);
    expect(states.map((s) => s.state)).toEqual(['accepted', 'failed']);
    expect(states[1]).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('job and schema', () => {
  it('finds the API-driven job and adds a profile’s custom attributes with their types, once', async () => {
    const credential = await createCredential(secretConfig(emu));
    const { GraphClient } = await import('./graph');
    const client = new GraphClient({ credential, servicePrincipalId: emu.servicePrincipalId });
    const job = await client.findApiDrivenJob();
    expect(job.templateId).toMatch(/^API2AAD$/i);
    expect(client.jobId).toBe(emu.jobId);

    const ns = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
    const first = await client.ensureCustomAttributes(ns, [
      { name: 'HireDate', type: 'dateTime' },
      { name: 'JobCode', type: 'string' },
      { name: 'Grade', type: 'integer' },
    ]);
    expect(first.added).toEqual([`${ns}:HireDate`, `${ns}:JobCode`, `${ns}:Grade`]);
    expect(emu.schemaAttributes()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ namespace: ns, name: 'HireDate', type: 'DateTime' }),
        expect.objectContaining({ namespace: ns, name: 'JobCode', type: 'String' }),
        expect.objectContaining({ namespace: ns, name: 'Grade', type: 'Integer' }),
      ]),
    );
    const second = await client.ensureCustomAttributes(ns, [
      { name: 'HireDate', type: 'DateTime' },
      { name: 'Grade', type: 'string' },
    ]);
    expect(second).toEqual({ added: [], existing: [`${ns}:HireDate`], typeMismatches: [{ name: `${ns}:Grade`, schemaType: 'Integer', wantedType: 'String' }] });

    // Now the service accepts users carrying those attributes.
    const op = users(1, 'X')[0]!;
    op.data.schemas = [SCIM_CORE_USER, SCIM_ENTERPRISE_USER, ns];
    op.data[ns] = { HireDate: '2021-05-01T00:00:00Z', JobCode: 'TG-1', Grade: 3 };
    client.jobId = emu.jobId;
    expect((await client.bulkUpload({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [op] })).status).toBe(202);
    await expect(client.ensureCustomAttributes('contoso', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    credential.close();
  });
});
