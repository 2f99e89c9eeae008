import { readFileSync } from 'node:fs';
import { compileMapping, toMappingInput, openTable } from './src/index';
const profile = JSON.parse(readFileSync('test-data/profiles/microsoft-attribute-mapping.json', 'utf8'));
const table = await openTable('test-data/microsoft/csv-with-1000-records.csv');
const inputs: Record<string, unknown>[] = [];
for await (const row of table.rows()) inputs.push(toMappingInput(row));
const fast = compileMapping(profile); const slow = compileMapping(profile, {}, { engine: 'interpreter' });
console.log(fast.engine, fast.fallbackReason);
for (let r = 0; r < 3; r++) {
  let t = performance.now(); for (let k = 0; k < 20; k++) for (const i of inputs) fast.evaluateSync!(i); const f = (performance.now() - t) * 1000 / (20 * inputs.length);
  t = performance.now(); for (let k = 0; k < 20; k++) for (const i of inputs) await fast.evaluate(i); const fa = (performance.now() - t) * 1000 / (20 * inputs.length);
  t = performance.now(); for (const i of inputs) await slow.evaluate(i); const s = (performance.now() - t) * 1000 / inputs.length;
  console.log(`sync ${f.toFixed(2)}µs async ${fa.toFixed(2)}µs interp ${s.toFixed(1)}µs ratio ${(s / f).toFixed(1)}`);
}
const outs = inputs.map((i) => fast.evaluateSync!(i));
let t = performance.now(); for (let k = 0; k < 20; k++) for (const o of outs) JSON.stringify(o); console.log('stringify', ((performance.now() - t) * 1000 / (20 * outs.length)).toFixed(2));
t = performance.now(); for (let k = 0; k < 20; k++) for (const i of inputs) { let c = false; for (const key in i) { const v = i[key]; if (v !== null && typeof v === 'object') c = true; } } console.log('scan', ((performance.now() - t) * 1000 / (20 * outs.length)).toFixed(2));
t = performance.now(); for (let k = 0; k < 20; k++) for (const i of inputs) performance.now(); console.log('now', ((performance.now() - t) * 1000 / (20 * outs.length)).toFixed(2));
