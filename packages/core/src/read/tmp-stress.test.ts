import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSheets, openTable } from './index';

const quirks = fileURLToPath(new URL('../../../../test-data/quirks/', import.meta.url));
async function snapshot(name: string): Promise<string> {
  try {
    const t = await openTable(join(quirks, name), { sheet: 'Employees' });
    const rows = [];
    for await (const r of t.rows()) rows.push({ ...r, origin: { ...r.origin, file: '' } });
    return JSON.stringify({ c: t.columns, f: t.findings, rows, s: await listSheets(join(quirks, name)) }).replaceAll(name, 'X');
  } catch (e) { return `ERR ${(e as Error).message} ${String((e as any).cause)}`; }
}
function hog(): () => Promise<void> {
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const until = Date.now() + 1 + Math.random() * 4;
      while (Date.now() < until);
      await new Promise((r) => setImmediate(r));
    }
  })();
  return async () => { stop = true; await done; };
}
describe('stress', () => {
  for (const name of ['quirks.xlsx', 'streamable.xlsx', 'styles-last.xlsx']) {
    it(name, async () => {
      const ref = await snapshot('quirks.xlsx');
      for (let round = 0; round < 3; round++) {
        const stop = round === 0 ? undefined : hog();
        const results = await Promise.all(Array.from({ length: 30 }, () => snapshot(name)));
        await stop?.();
        const bad = results.filter((r) => r !== ref);
        expect(bad.map((b) => { let i = 0; while (b[i] === ref[i]) i++; return b.slice(Math.max(0, i - 80), i + 80) + ' ||| ' + ref.slice(Math.max(0, i - 80), i + 80); }).slice(0, 3)).toEqual([]);
      }
    }, 60_000);
  }
});
