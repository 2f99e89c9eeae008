import { readFileSync } from 'node:fs';
import { compileMapping, toMappingInput, openTable, mapRow } from './src/index';
const profile = JSON.parse(readFileSync('test-data/profiles/microsoft-attribute-mapping.json', 'utf8'));
const table = await openTable('test-data/microsoft/csv-with-1000-records.csv');
const rows = []; for await (const row of table.rows()) rows.push(row);
const inputs = rows.map(toMappingInput);
const fast = compileMapping(profile); const slow = compileMapping(profile, {}, { engine: 'interpreter' });
const best = { sync: Infinity, async: Infinity, interp: Infinity, mapRowFast: Infinity, mapRowSlow: Infinity };
for (let r = 0; r < 8; r++) {
  let t = performance.now(); for (const i of inputs) fast.evaluateSync!(i); best.sync = Math.min(best.sync, (performance.now() - t) * 1000 / inputs.length);
  t = performance.now(); for (const i of inputs) await fast.evaluate(i); best.async = Math.min(best.async, (performance.now() - t) * 1000 / inputs.length);
  t = performance.now(); for (const i of inputs) await slow.evaluate(i); best.interp = Math.min(best.interp, (performance.now() - t) * 1000 / inputs.length);
  t = performance.now(); for (const row of rows) await mapRow(fast, row, table.columns); best.mapRowFast = Math.min(best.mapRowFast, (performance.now() - t) * 1000 / inputs.length);
  t = performance.now(); for (const row of rows) await mapRow(slow, row, table.columns); best.mapRowSlow = Math.min(best.mapRowSlow, (performance.now() - t) * 1000 / inputs.length);
}
console.log(Object.fromEntries(Object.entries(best).map(([k, v]) => [k, +v.toFixed(2)])), 'ratio', (best.interp / best.sync).toFixed(1));
