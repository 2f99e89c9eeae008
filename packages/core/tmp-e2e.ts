import { loadProfile, transformFile } from './src/index';
import { mkdtemp } from 'node:fs/promises'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const profile = await loadProfile('test-data/profiles/microsoft-attribute-mapping.json');
const workers = Number(process.argv[2] ?? 0);
const out = await mkdtemp(join(tmpdir(), 'e2e-'));
const t = performance.now();
const s = await transformFile({ input: 'bench/.data/hr-20000.xlsx', profile, outDir: out, workers });
console.log('workers', workers, 'rows', s.rows, 'ms', (performance.now() - t).toFixed(0));
