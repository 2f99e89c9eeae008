/**
 * Issue 3, "upload at the pace Entra allows": N records (default 20,000 = 400 requests of 50) uploaded through the
 * transport (pacer, journal, quota ledger: what `scimport upload` runs) to an in-process emulator whose clock
 * runs `TIME_SCALE` times faster, so Entra's 40 calls / 5 s window becomes 40 calls / 250 ms.
 *
 * Reported, from the emulator's own record of when each call arrived (what the service counts):
 * - the call rate in steady state (after the first window's burst) as a fraction of the limit (target ≥ 0.95);
 * - the most calls the service saw in any one window (must stay ≤ 40);
 * - 429 replies in steady state (target 0).
 * The same upload without the quota ledger separates the pacer's own cost from the ledger's file writes. The users
 * carry a userName, so the emulator's uniqueness check is part of what is measured, as it is in a real upload.
 * On a shared machine the figures move with the load: the time a reply takes is CPU time in these processes.
 *
 * BENCH_UPLOAD_RECORDS changes N.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BulkChunker, SCIM_ENTERPRISE_USER, toOperation, type BulkRequest } from '@scimport/core';
import { type BulkCallRecord, type Emulator, startEmulator } from '@scimport/emulator';
import { connect, createCredential, startRun, uploadRun } from '@scimport/transport';

const RECORDS = Number(process.env.BENCH_UPLOAD_RECORDS ?? 20_000);
const TIME_SCALE = 20;
const WINDOW_CALLS = 40;
const WINDOW_MS = 5000 / TIME_SCALE;

function requests(count: number): BulkRequest[] {
  const chunker = new BulkChunker();
  const out: BulkRequest[] = [];
  for (let i = 1; i <= count; i += 1) {
    const id = `B${String(i).padStart(6, '0')}`;
    const full = chunker.push(
      toOperation({
        externalId: id,
        userName: `given${i}.family${i}@contoso.example`,
        name: { givenName: `Given${i}`, familyName: `Family${i}` },
        displayName: `Given${i} Family${i}`,
        active: true,
        [SCIM_ENTERPRISE_USER]: { employeeNumber: id, department: i % 2 ? 'Sales' : 'Research' },
      }),
    );
    if (full) out.push(full);
  }
  const last = chunker.flush();
  if (last) out.push(last);
  return out;
}

interface Measure {
  steadyRatio: number;
  overallRatio: number;
  maxInWindow: number;
  throttledSteady: number;
  throttledTotal: number;
  calls: number;
  seconds: number;
}

function measure(calls: BulkCallRecord[]): Measure {
  const at = calls.map((c) => c.at).sort((a, b) => a - b);
  const first = at[0] ?? 0;
  const last = at[at.length - 1] ?? 0;
  const limitPerMs = WINDOW_CALLS / WINDOW_MS;
  // The first window may take a burst of 40 at once; steady state is what follows it.
  const steadyFrom = first + WINDOW_MS;
  const steady = at.filter((t) => t >= steadyFrom).length;
  let maxInWindow = 0;
  let lo = 0;
  for (let hi = 0; hi < at.length; hi += 1) {
    while ((at[hi] as number) - (at[lo] as number) >= WINDOW_MS) lo += 1;
    maxInWindow = Math.max(maxInWindow, hi - lo + 1);
  }
  return {
    steadyRatio: last > steadyFrom ? steady / (last - steadyFrom) / limitPerMs : Number.NaN,
    // Over the whole upload, with the opening burst's head start.
    overallRatio: at.length / Math.max(1, last - first + WINDOW_MS / WINDOW_CALLS) / limitPerMs,
    maxInWindow,
    throttledSteady: calls.filter((c) => c.status === 429 && c.at >= steadyFrom).length,
    throttledTotal: calls.filter((c) => c.status === 429).length,
    calls: calls.length,
    seconds: (last - first) / 1000,
  };
}

const EMULATOR_OPTIONS = { timeScale: TIME_SCALE, dailyQuota: 6000, tokenLifetimeSec: 3600 * 100 };

/** What the upload needs of an emulator, whether it runs in this process or in a child. */
interface Peer {
  baseUrl: string;
  caCertPem: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  servicePrincipalId: string;
  jobId: string;
  bulkCalls(): Promise<BulkCallRecord[]>;
  close(): Promise<void>;
}

function inProcess(emu: Emulator): Peer {
  const { baseUrl, caCertPem, tenantId, clientId, clientSecret, servicePrincipalId, jobId } = emu;
  return { baseUrl, caCertPem, tenantId, clientId, clientSecret, servicePrincipalId, jobId, bulkCalls: async () => emu.bulkCalls(), close: () => emu.close() };
}

/** The emulator in a child process (this file, started with --emulator-child), so it does not share the client's CPU. */
async function inChild(): Promise<Peer> {
  const child = fork(new URL(import.meta.url).pathname, ['--emulator-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T>(): Promise<T> => new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
  });
  const info = await next<Omit<Peer, 'bulkCalls' | 'close'>>();
  return {
    ...info,
    async bulkCalls() {
      const reply = next<BulkCallRecord[]>();
      child.send('calls');
      return reply;
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
  };
}

async function once(options: { ledger: boolean; child: boolean }): Promise<Measure> {
  const emu = options.child ? await inChild() : inProcess(await startEmulator(EMULATOR_OPTIONS));
  const dataDir = await mkdtemp(join(tmpdir(), 'scimport-bench-upload-'));
  try {
    const credential = await createCredential({
      kind: 'secret',
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      cloud: { custom: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl, caPem: emu.caCertPem } },
    });
    const client = await connect({
      credential,
      servicePrincipalId: emu.servicePrincipalId,
      jobId: emu.jobId,
      pacer: { timeScale: TIME_SCALE },
      ...(options.ledger ? { dataDir } : {}),
    });
    const run = await startRun({ dataDir, target: { tenantId: emu.tenantId, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId }, chunks: requests(RECORDS) });
    await credential.getToken(); // sign-in is not part of the pace
    const summary = await uploadRun(run, { client });
    if (summary.accepted !== run.manifest.chunks.length) throw new Error(`only ${summary.accepted} of ${run.manifest.chunks.length} requests were accepted`);
    credential.close();
    return measure(await emu.bulkCalls());
  } finally {
    await emu.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 3): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The figures of the upload benchmark, as label/value pairs for `pnpm bench`. */
export async function benchUpload(): Promise<{ label: string; value: string }[]> {
  const real = await once({ ledger: true, child: false });
  const pacerOnly = await once({ ledger: false, child: false });
  const remote = await once({ ledger: true, child: true });
  const chunks = Math.ceil(RECORDS / 50);
  const window = `${WINDOW_CALLS} calls / ${WINDOW_MS} ms (Entra's 40 / 5 s at time scale ${TIME_SCALE})`;
  // The pacer holds a slot from the send until one window after the reply, so the best it can do is W / (W + L).
  const holdMs = (m: Measure): string => fmt(WINDOW_MS * (1 / m.steadyRatio - 1), 0);
  const all = [real, pacerOnly, remote];
  return [
    { label: `upload ${RECORDS.toLocaleString('en-US')} records = ${chunks} requests, window`, value: window },
    { label: 'steady-state call rate / limit, in-process emulator (as scimport upload: pacer + journal + quota ledger)', value: `${fmt(real.steadyRatio)}  (target ≥ 0.95; implied reply time ${holdMs(real)} ms; ${fmt(real.seconds, 2)} s)` },
    { label: 'steady-state call rate / limit, in-process emulator, no quota ledger', value: `${fmt(pacerOnly.steadyRatio)}  (implied reply time ${holdMs(pacerOnly)} ms)` },
    { label: 'steady-state call rate / limit, emulator in a child process (pacer + journal + ledger)', value: `${fmt(remote.steadyRatio)}  (implied reply time ${holdMs(remote)} ms)` },
    { label: 'most calls the service saw in one window', value: `${Math.max(...all.map((m) => m.maxInWindow))}  (limit ${WINDOW_CALLS})` },
    { label: '429 replies in steady state', value: `${all.reduce((n, m) => n + m.throttledSteady, 0)}  (target 0; ${all.reduce((n, m) => n + m.throttledTotal, 0)} in all)` },
  ];
}

// Run on its own: `npx tsx bench/upload.ts`.
if (process.argv.includes('--emulator-child')) {
  const emu = await startEmulator(EMULATOR_OPTIONS);
  const { baseUrl, caCertPem, tenantId, clientId, clientSecret, servicePrincipalId, jobId } = emu;
  process.send?.({ baseUrl, caCertPem, tenantId, clientId, clientSecret, servicePrincipalId, jobId });
  process.on('message', (m) => {
    if (m === 'calls') process.send?.(emu.bulkCalls());
    if (m === 'close') void emu.close().then(() => process.exit(0));
  });
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, value } of await benchUpload()) process.stdout.write(`${label}  ${value}\n`);
}
