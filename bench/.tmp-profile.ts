import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '@scimport/emulator';
import { Pacer, QuotaLedger, connect, createCredential, startRun, uploadRun } from '@scimport/transport';

const RECORDS = Number(process.env.N ?? 20000);
const LEDGER = process.env.LEDGER !== '0';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
function requests(count: number): any[] {
  const out: any[] = []; let ops: any[] = [];
  for (let i = 1; i <= count; i += 1) {
    const id = `B${String(i).padStart(6, '0')}`;
    ops.push({ method: 'POST', path: '/Users', bulkId: id, data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT], externalId: id, userName: `u${i}@contoso.com`, name: { givenName: `G${i}`, familyName: `F${i}` }, displayName: `G${i} F${i}`, active: true, [ENT]: { employeeNumber: id, department: i % 2 ? 'Sales' : 'Research' } } });
    if (ops.length === 50) { out.push({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops }); ops = []; }
  }
  if (ops.length) out.push({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops });
  return out;
}
const holds: number[] = []; const waitsForSupply: number[] = [];
const origAcquire = Pacer.prototype.acquire;
Pacer.prototype.acquire = async function (this: Pacer, signal?: AbortSignal, opts?: { front?: boolean }) {
  const tq = performance.now(); const release = await origAcquire.call(this, signal, opts); waitsForSupply.push(performance.now() - tq);
  const t = performance.now();
  return () => { holds.push(performance.now() - t); release(); };
};
const tokenT: number[] = []; const ledgerT: number[] = [];
const emu = await startEmulator({ timeScale: 20, dailyQuota: 6000, tokenLifetimeSec: 360000 });
const dataDir = await mkdtemp(join(tmpdir(), 'prof-'));
const credential = await createCredential({ kind: 'secret', tenantId: emu.tenantId, clientId: emu.clientId, clientSecret: emu.clientSecret,
  cloud: { custom: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl, caPem: emu.caCertPem } } });
const g = credential.getToken.bind(credential);
credential.getToken = async (o) => { const t = performance.now(); const r = await g(o); tokenT.push(performance.now() - t); return r; };
const client = await connect({ credential, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId, pacer: { timeScale: 20 }, ...(LEDGER ? { dataDir } : {}) });
if (client.ledger) { const r = client.ledger.record.bind(client.ledger); client.ledger.record = async (...a) => { const t = performance.now(); await r(...a); ledgerT.push(performance.now() - t); }; }
const run = await startRun({ dataDir, target: { tenantId: emu.tenantId, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId }, chunks: requests(RECORDS) });
await credential.getToken(); tokenT.length = 0;
const t0 = performance.now(); const cpu0 = process.cpuUsage();
await uploadRun(run, { client, lookahead: Number(process.env.LA ?? 4) });
const el = performance.now() - t0; const cpu = process.cpuUsage(cpu0); console.log('cpu ms/chunk', ((cpu.user + cpu.system) / 1000 / 400).toFixed(2), 'user', (cpu.user/1000/400).toFixed(2));
const calls = emu.bulkCalls().map((c) => c.at).sort((a, b) => a - b);
const q = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(p * (s.length - 1))]?.toFixed(2); };
console.log({ el: el.toFixed(0), ideal: ((calls.length / 40) * 250).toFixed(0), hold: [q(holds, .5), q(holds, .9), q(holds, .99)], token: [q(tokenT, .5), q(tokenT, .9)], ledger: [q(ledgerT, .5), q(ledgerT, .9)], acquireWait: [q(waitsForSupply, .1), q(waitsForSupply, .5), q(waitsForSupply, .9)], J: [q((globalThis as any).__J, .5), q((globalThis as any).__J, .9), q((globalThis as any).__J, .99)] });
const first = calls[0]!; const steady = calls.filter((t) => t >= first + 250); console.log('steady ratio', 'max/window', (() => { let m = 0, lo = 0; for (let hi = 0; hi < calls.length; hi++) { while (calls[hi]! - calls[lo]! >= 250) lo++; m = Math.max(m, hi - lo + 1); } return m; })(), (steady.length / (calls.at(-1)! - first - 250)) / (40 / 250));
credential.close(); await emu.close(); await rm(dataDir, { recursive: true, force: true });
