/**
 * The compiled fast path against jsonata's interpreter, on real inputs: every mapping the project ships
 * or generates (saved profiles, auto-maps of Microsoft's sample exports, CSV2SCIM imports of their
 * .psd1 files) and a set of hand-written expressions that probe jsonata's corners, evaluated on every
 * row of Microsoft's sample CSVs. Any difference in a value, a key, a missing field or an error is a bug.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toMappingInput } from '../map-row';
import { bothEngines, difference, mapRowDifference, microsoftSamples, projectMappings } from './__tests__/engines';
import type { SampleFile } from './__tests__/engines';
import { TRICKY } from './__tests__/tricky';

let samples: SampleFile[] = [];
beforeAll(async () => {
  samples = await microsoftSamples();
}, 60_000);

describe('compiled mappings agree with jsonata on every row of the Microsoft samples', () => {
  it('covers the project mappings: saved profiles, auto-maps and CSV2SCIM imports', async () => {
    const mappings = projectMappings(samples);
    expect(mappings.length).toBeGreaterThanOrEqual(1 + samples.length + 4);
    const problems: string[] = [];
    let compared = 0;
    for (const { name, profile } of mappings) {
      const pair = bothEngines(name, profile);
      // Every mapping the project generates is inside the compiled subset, or says why not.
      if (pair.fast.engine !== 'compiled') problems.push(`${name} is not compiled: ${pair.fast.fallbackReason}`);
      for (const sample of samples) {
        for (const row of sample.rows) {
          const raw = await difference(pair, toMappingInput(row));
          if (raw) problems.push(`${name} on ${sample.file} row ${row.origin.row} (raw):\n${raw}`);
          const mapped = await mapRowDifference(pair, row, sample.columns);
          if (mapped) problems.push(`${name} on ${sample.file} row ${row.origin.row} (mapRow):\n${mapped}`);
          compared++;
        }
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(1000);
  }, 240_000);

  it('covers hand-written expressions that probe jsonata corners', async () => {
    const problems: string[] = [];
    for (const expression of TRICKY) {
      const pair = bothEngines(expression, { mapping: expression, lookups: { Dept: { Sales: 'S', ' it ': 'I' } }, input: { dateFormat: 'yyyy-MM-dd' } });
      if (pair.fast.engine !== 'compiled') {
        problems.push(`${expression} is not compiled: ${pair.fast.fallbackReason}`);
        continue;
      }
      for (const sample of samples) {
        for (const row of sample.rows.slice(0, 60)) {
          const raw = await difference(pair, toMappingInput(row));
          if (raw) problems.push(`${expression} on ${sample.file} row ${row.origin.row}:\n${raw}`);
        }
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  }, 240_000);
});
