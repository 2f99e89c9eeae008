import { readFileSync } from 'node:fs';
import { compileMapping, toMappingInput, openTable } from './src/index';
const profile = JSON.parse(readFileSync('test-data/profiles/microsoft-attribute-mapping.json', 'utf8'));
const table = await openTable('test-data/microsoft/csv-with-1000-records.csv');
const inputs: Record<string, unknown>[] = [];
for await (const row of table.rows()) inputs.push(toMappingInput(row));
const fast = compileMapping(profile);
const best: number[] = [];
for (let r = 0; r < 30; r++) {
  const t = performance.now(); for (let k = 0; k < 10; k++) for (const i of inputs) fast.evaluateSync!(i); best.push((performance.now() - t) * 1000 / (10 * inputs.length));
}
best.sort((a, b) => a - b); console.log('min', best[0]!.toFixed(2), 'median', best[15]!.toFixed(2));
