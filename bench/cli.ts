/**
 * Issue 15, the installable CLI: every figure here is taken from the release tarball installed into a temporary
 * npm prefix, the way an admin gets the command (never from the TypeScript sources through tsx).
 *
 * - Start-up: `scimport --help` against `node -e 0`, interleaved, median of each (target ≤ 300 ms).
 * - Column copy: a 100,000-row CSV made from Microsoft's 1,000-row sample; `scimport transform` (mapping,
 *   validation, error report) against the plainest builder (bench/baselines.mjs column-copy), wall time and peak
 *   RSS as ratios (targets ≤ 1.0× wall, ≤ 0.5× peak RSS).
 * - xlsx: `scimport transform` of the bench's big xlsx against exceljs's raw streaming read, both as whole
 *   processes (target ≤ 1.25×).
 *
 * Both sides of each ratio run as fresh `node` processes, wall time measured from outside (start-up included),
 * peak RSS reported by the child itself (bench/peak-rss.mjs); each is run BENCH_ROUNDS times (default 2),
 * alternating, and the best kept.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCli } from '../apps/cli/scripts/build';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..');
const PROFILE = join(ROOT, 'test-data', 'profiles', 'microsoft-attribute-mapping.json');
const SAMPLE = join(ROOT, 'test-data', 'microsoft', 'csv-with-1000-records.csv');
const PEAK_RSS = pathToFileURL(join(HERE, 'peak-rss.mjs')).href;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

interface Run { ms: number; peakMB: number; status: number | null; stderr: string }

/** One fresh process: wall time from outside, peak RSS from its own report on stderr. */
function timed(args: string[], cwd: string): Run {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', PEAK_RSS, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  const reports = [...result.stderr.matchAll(/@@peak-rss-kb (\d+)/g)].map((m) => Number(m[1]));
  if (reports.length === 0) throw new Error(`no peak RSS reported by node ${args.join(' ')}:\n${result.stderr.slice(-2000)}`);
  return { ms, peakMB: Math.max(...reports) / 1024, status: result.status, stderr: result.stderr };
}

function best(runs: Run[]): Run {
  return { ms: Math.min(...runs.map((r) => r.ms)), peakMB: Math.min(...runs.map((r) => r.peakMB)), status: runs[0]!.status, stderr: runs[0]!.stderr };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Microsoft's sample repeated to `rows` rows. Each copy shifts WorkerID and ManagerID by a multiple of 10,000 (the
 * sample's ids are 1000–2000) and renames UserID to match, so every copy is a distinct set of people with the
 * sample's own faults (its duplicated WorkerIDs, blank cells) in the same proportion.
 */
async function sampleCsv(rows: number): Promise<string> {
  const path = join(HERE, '.data', `microsoft-sample-${rows}.csv`);
  if (existsSync(path)) return path;
  const [header, ...body] = readFileSync(SAMPLE, 'utf8').split(/\r?\n/).filter((line) => line.length > 0);
  const columns = header!.split(',');
  const [id, user, manager] = ['WorkerID', 'UserID', 'ManagerID'].map((name) => columns.indexOf(name));
  const lines = [header!];
  for (let copy = 0; lines.length <= rows; copy++) {
    for (const line of body) {
      if (lines.length > rows) break;
      // The sample has no quoted fields (checked below), so a plain split is exact.
      const cells = line.split(',');
      const shift = (value: string) => (/^\d+$/.test(value) ? String(Number(value) + copy * 10_000) : value);
      cells[id!] = shift(cells[id!]!);
      cells[manager!] = shift(cells[manager!]!);
      if (/^EMP\d+$/.test(cells[user!]!)) cells[user!] = `EMP${cells[id!]}`;
      lines.push(cells.join(','));
    }
  }
  if (lines.some((line) => line.includes('"'))) throw new Error('the sample now has quoted fields: make sampleCsv parse them');
  await mkdir(join(HERE, '.data'), { recursive: true });
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

/** The release tarball, built and installed into a temporary prefix; the path of the installed bundle. */
async function installCli(prefix: string): Promise<{ bin: string; bundle: string; tarball: string }> {
  const { tarball } = await buildCli({ pack: true });
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball!], { stdio: 'ignore' });
  return { bin: join(prefix, 'bin', 'scimport'), bundle: join(prefix, 'lib', 'node_modules', '@scimport', 'cli', 'scimport.mjs'), tarball: tarball! };
}

function fmt(n: number, digits = 2): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The CLI section of `pnpm bench`; `xlsx` is the bench's big generated workbook. */
export async function benchCli(workbook: string, rows: number): Promise<{ label: string; value: string }[]> {
  const xlsx = resolve(workbook); // the children run in a temporary folder
  const work = await mkdtemp(join(tmpdir(), 'scimport-bench-cli-'));
  try {
    const { bin, bundle, tarball } = await installCli(join(work, 'prefix'));
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();

    // Start-up: interleaved so both see the same machine load; medians, as single runs are noisy on 2 cores.
    const node: number[] = [];
    const help: number[] = [];
    for (let i = 0; i < 15; i++) {
      let started = performance.now();
      execFileSync(process.execPath, ['-e', '0']);
      node.push(performance.now() - started);
      started = performance.now();
      execFileSync(bin, ['--help'], { stdio: 'ignore' });
      help.push(performance.now() - started);
    }
    const helpMs = median(help);
    const nodeMs = median(node);

    const csv = await sampleCsv(rows);
    const copies: Run[] = [];
    const ours: Run[] = [];
    const oursXlsx: Run[] = [];
    const raw: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(work, `out-${round}`);
      copies.push(timed([join(HERE, 'baselines.mjs'), 'column-copy', csv, join(out, 'copy')], work));
      ours.push(timed([bundle, 'transform', csv, '--profile', PROFILE, '--out', join(out, 'csv')], work));
      raw.push(timed([join(HERE, 'baselines.mjs'), 'raw-read', xlsx], work));
      oursXlsx.push(timed([bundle, 'transform', xlsx, '--profile', PROFILE, '--out', join(out, 'xlsx')], work));
      await rm(out, { recursive: true, force: true });
    }
    // Exit 1 is a finished run with rows in error (the sample has them); anything else is a failed run.
    for (const run of [...ours, ...oursXlsx]) if (run.status !== 0 && run.status !== 1) throw new Error(`scimport transform exited with ${run.status}: ${run.stderr.slice(-1000)}`);
    const copy = best(copies);
    const csvRun = best(ours);
    const xlsxRun = best(oursXlsx);
    const read = best(raw);
    const n = rows.toLocaleString('en-US');
    return [
      { label: 'installed from', value: `${tarball.slice(ROOT.length + 1)} → ${version}` },
      { label: 'node -e 0 (same run, median of 15)', value: `${fmt(nodeMs, 0)} ms` },
      { label: 'scimport --help (installed, median of 15)', value: `${fmt(helpMs, 0)} ms  (${fmt(helpMs - nodeMs, 0)} ms over node -e 0; target ≤ 300 ms)` },
      { label: `column copy of ${n} CSV rows (baseline)`, value: `${fmt(copy.ms / 1000)} s, peak RSS ${fmt(copy.peakMB, 0)} MB` },
      { label: `scimport transform, same CSV (installed)`, value: `${fmt(csvRun.ms / 1000)} s, peak RSS ${fmt(csvRun.peakMB, 0)} MB` },
      { label: 'ratio transform / column copy: wall', value: `${fmt(csvRun.ms / copy.ms)} ×  (target ≤ 1.0)` },
      { label: 'ratio transform / column copy: peak RSS', value: `${fmt(csvRun.peakMB / copy.peakMB)} ×  (target ≤ 0.5)` },
      { label: `exceljs raw read of ${basename(xlsx)} (whole process)`, value: `${fmt(read.ms / 1000)} s, peak RSS ${fmt(read.peakMB, 0)} MB` },
      { label: `scimport transform, same xlsx (installed)`, value: `${fmt(xlsxRun.ms / 1000)} s, peak RSS ${fmt(xlsxRun.peakMB, 0)} MB` },
      { label: 'ratio transform / raw read (installed)', value: `${fmt(xlsxRun.ms / read.ms)} ×  (target ≤ 1.25)` },
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
