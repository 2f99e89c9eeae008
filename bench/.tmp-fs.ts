import { writeJsonAtomic } from '/work/main/packages/transport/src/fsutil';
import { mkdtemp } from 'node:fs/promises'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const d = await mkdtemp(join(tmpdir(), 'fs-'));
const ts: number[] = [];
for (let i = 0; i < 100; i++) { const t = performance.now(); await writeJsonAtomic(join(d, 'state', `${i}.json`), { state: 'sending', since: new Date().toISOString(), sends: 1 }); ts.push(performance.now() - t); }
ts.sort((a, b) => a - b); console.log(ts[50], ts[90], ts[99]);
const p: Promise<void>[] = []; const t = performance.now();
for (let i = 0; i < 100; i++) p.push(writeJsonAtomic(join(d, 'state', `p${i}.json`), { a: 1 }));
await Promise.all(p); console.log('parallel 100', performance.now() - t);
