import { readFileSync } from 'node:fs';
import { compileMapping, toMappingInput, openTable, stripEmpty } from './src/index';
const profile = JSON.parse(readFileSync('test-data/profiles/microsoft-attribute-mapping.json', 'utf8'));
const table = await openTable('test-data/microsoft/csv-with-1000-records.csv');
const rows = []; for await (const row of table.rows()) rows.push(row);
const inputs = rows.map(toMappingInput);
const fast = compileMapping(profile);
const outs = inputs.map((i) => fast.evaluateSync!(i));
const best = { toMappingInput: Infinity, stripEmpty: Infinity, evaluateSync: Infinity };
for (let r = 0; r < 8; r++) {
  let t = performance.now(); for (const row of rows) toMappingInput(row); best.toMappingInput = Math.min(best.toMappingInput, (performance.now() - t) * 1000 / rows.length);
  t = performance.now(); for (const o of outs) stripEmpty(o); best.stripEmpty = Math.min(best.stripEmpty, (performance.now() - t) * 1000 / rows.length);
  t = performance.now(); for (const i of inputs) fast.evaluateSync!(i); best.evaluateSync = Math.min(best.evaluateSync, (performance.now() - t) * 1000 / rows.length);
}
console.log(best);
