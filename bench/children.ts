/**
 * Measurements that must run in a fresh process each (so peak RSS belongs to one job alone).
 *   node --import tsx bench/children.ts raw-read <file.xlsx>
 *   node --import tsx bench/children.ts transform <file> <profile.json> <outDir>
 * Prints one JSON line: { ms, maxRssMB, rows }.
 */
import ExcelJS from 'exceljs';
import { loadProfile, transformFile } from '@scimport/core';

async function rawRead(file: string): Promise<number> {
  let rows = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit' });
  for await (const sheet of reader) {
    for await (const _row of sheet) rows++;
  }
  return rows - 1;
}

async function transform(file: string, profilePath: string, outDir: string): Promise<number> {
  const profile = await loadProfile(profilePath);
  const summary = await transformFile({ input: file, profile, outDir });
  return summary.rows;
}

const [mode, file, profile, outDir] = process.argv.slice(2);
const started = performance.now();
const rows = mode === 'raw-read' ? await rawRead(file!) : await transform(file!, profile!, outDir!);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, rows, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
