import { createReadStream, createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { CoreError, isCoreError } from '../errors';
import type { ColumnInfo, Finding, ScimUser, BulkRequest, SourceRow } from '../types';
import type { Profile } from '../profile';
import { openTable } from '../read';
import { compileMapping, type MappingLimits } from '../mapping';
import { FileChecks, errorReportCsv } from '../validate';
import { InProcessRowMapper, type RowMapper, type RowMapperSetup, type RowResult } from './row-mapper';
import { WorkerPoolRowMapper } from './worker-pool';
import { BulkChunker, bulkFileName, toOperation } from '../bulk';

/** Options of one transform: a file and a profile in, bulk requests and findings out. */
export interface TransformOptions {
  input: string;
  profile: Profile;
  /** Write bulk-0001.json … and errors.csv here. Absent: compute only (validate). */
  outDir?: string;
  /** Override the profile's input options. */
  sheet?: string | number;
  headerRow?: number;
  limits?: MappingLimits;
  /** Called every few hundred rows and at the end. */
  onProgress?: (progress: TransformProgress) => void;
  signal?: AbortSignal;
  /**
   * Worker threads for mapping. Default: one per core for files over 2 MB, none for smaller files (a
   * worker's start-up costs more than mapping a few thousand rows).
   */
  workers?: number;
}

export interface TransformProgress {
  rows: number;
  done: boolean;
}

export interface TransformSummary {
  file: string;
  sheet?: string;
  headerRow: number;
  columns: ColumnInfo[];
  rows: number;
  valid: number;
  invalid: number;
  /** Number of findings of severity warning. */
  warnings: number;
  requests: number;
  operations: number;
  /** Every finding: header problems, mapping failures, validation, cross-row checks. Sorted by row. */
  findings: Finding[];
  /** Files written (absolute paths), when outDir was given. */
  written: string[];
}

interface SpooledUser {
  row: number;
  user: ScimUser;
}

const PROGRESS_EVERY = 500;
const BATCH_ROWS = 250;
const WORKERS_ABOVE_BYTES = 2 * 1024 * 1024;

function workerCount(options: TransformOptions): number {
  return Math.max(1, options.workers ?? availableParallelism());
}

async function chooseMapper(options: TransformOptions, setup: RowMapperSetup, local: InProcessRowMapper): Promise<RowMapper> {
  const size = await stat(options.input).then((s) => s.size, () => 0);
  const wanted = options.workers ?? (size > WORKERS_ABOVE_BYTES ? availableParallelism() : 0);
  if (wanted <= 0) return local;
  const pool = new WorkerPoolRowMapper(setup, wanted);
  try {
    await pool.start();
    return pool;
  } catch {
    // Worker threads unavailable (an embedding that forbids them): map on this thread instead.
    await pool.close();
    return local;
  }
}

/**
 * file → rows → mapped users → validated → bulk requests. Reads the file once as a stream; valid users
 * are spooled to a temporary NDJSON file (so memory does not grow with the file) until the whole-file
 * checks (duplicate externalIds, manager references) are known, then cut into bulk requests. Output files
 * are written under a temporary name and renamed, so a crash never leaves a half-written bulk file.
 */
export async function transformFile(options: TransformOptions): Promise<TransformSummary> {
  const { profile } = options;
  // Compile first: a syntax error in the mapping is reported before the file is even opened.
  compileMapping(profile, options.limits);
  const table = await openTable(options.input, {
    ...profile.input,
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(options.headerRow !== undefined ? { headerRow: options.headerRow } : {}),
  });
  const setup = { profile, columns: table.columns, ...(options.limits ? { limits: options.limits } : {}) };
  const local = new InProcessRowMapper(setup);
  const cellsFor = local.cellsFor;
  const mapper = await chooseMapper(options, setup, local);

  const findings: Finding[] = [];
  const fileChecks = new FileChecks();
  const workDir = options.outDir ? await makeWorkDir(options.outDir) : undefined;
  const spoolPath = workDir ? join(workDir, 'valid.ndjson') : undefined;
  const spool = spoolPath ? createWriteStream(spoolPath, { encoding: 'utf8' }) : undefined;
  const rowsWithErrors = new Set<number>();
  /** Rows that passed their own checks; whole-file checks may still reject some of them. */
  const mappedValidRows: number[] = [];
  let rows = 0;

  const take = async (results: RowResult[]) => {
    for (const result of results) {
      const hasError = result.findings.some((f) => f.severity === 'error');
      if (result.user) {
        fileChecks.add(result.user, { ...result.context, cellsFor }, hasError);
        if (!hasError) {
          mappedValidRows.push(result.row);
          if (spool && !spool.write(JSON.stringify({ row: result.row, user: result.user } satisfies SpooledUser) + '\n')) {
            await once(spool, 'drain');
          }
        }
      }
      if (hasError) rowsWithErrors.add(result.row);
      for (const finding of result.findings) findings.push(finding);
    }
  };

  try {
    const inFlight: Promise<RowResult[]>[] = [];
    let batch: SourceRow[] = [];
    const maxInFlight = mapper === local ? 1 : 4 * workerCount(options);
    for await (const row of table.rows()) {
      if (options.signal?.aborted) throw new CoreError('CANCELLED', 'The transform was cancelled; nothing was written.');
      rows++;
      batch.push(row);
      if (batch.length >= BATCH_ROWS) {
        inFlight.push(mapper.map(batch));
        batch = [];
        while (inFlight.length >= maxInFlight) await take(await inFlight.shift()!);
      }
      if (rows % PROGRESS_EVERY === 0) options.onProgress?.({ rows, done: false });
    }
    if (batch.length) inFlight.push(mapper.map(batch));
    while (inFlight.length) await take(await inFlight.shift()!);
  } catch (error) {
    spool?.destroy();
    if (workDir) await rm(workDir, { recursive: true, force: true });
    throw error;
  } finally {
    await table.close();
    if (mapper !== local) await mapper.close();
  }
  if (spool) {
    spool.end();
    await once(spool, 'finish');
  }

  findings.unshift(...table.findings);
  const crossFindings = fileChecks.finish();
  findings.push(...crossFindings);
  const rejected = fileChecks.rejectedRows();
  for (const row of rejected) rowsWithErrors.add(row);
  findings.sort(byRow);

  let requests = 0;
  let operations = 0;
  const written: string[] = [];
  if (options.outDir && workDir && spoolPath) {
    try {
      const chunker = new BulkChunker({
        ...(profile.output?.chunkSize !== undefined ? { chunkSize: profile.output.chunkSize } : {}),
        ...(profile.output?.failOnErrors !== undefined ? { failOnErrors: profile.output.failOnErrors } : {}),
      });
      const staged: string[] = [];
      const writeRequest = async (request: BulkRequest) => {
        requests++;
        operations += request.Operations.length;
        const name = bulkFileName(requests);
        await writeFile(join(workDir, name), JSON.stringify(request, null, 2) + '\n', 'utf8');
        staged.push(name);
      };
      const lines = createInterface({ input: createReadStream(spoolPath, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line) continue;
        const spooled = JSON.parse(line) as SpooledUser;
        if (rejected.has(spooled.row)) continue;
        const full = chunker.push(toOperation(spooled.user, profile.extension?.namespace));
        if (full) await writeRequest(full);
      }
      const last = chunker.flush();
      if (last) await writeRequest(last);
      await writeFile(join(workDir, 'errors.csv'), errorReportCsv(findings), 'utf8');
      staged.push('errors.csv');
      await publish(workDir, options.outDir, staged);
      written.push(...staged.map((name) => join(options.outDir!, name)));
    } catch (error) {
      throw isCoreError(error)
        ? error
        : new CoreError('OUTPUT_FAILED', `Could not write the output to ${options.outDir}: ${(error as Error).message}. Check that the folder is writable and the disk is not full.`, { cause: error });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  } else {
    // Validate-only: count what would be sent without writing anything.
    const size = Math.min(50, Math.max(1, profile.output?.chunkSize ?? 50));
    operations = mappedValidRows.filter((row) => !rejected.has(row)).length;
    requests = Math.ceil(operations / size);
  }
  options.onProgress?.({ rows, done: true });

  const invalid = rowsWithErrors.size;
  return {
    file: table.file,
    ...(table.sheet ? { sheet: table.sheet } : {}),
    headerRow: table.headerRow,
    columns: table.columns,
    rows,
    valid: rows - invalid,
    invalid,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    requests,
    operations,
    findings,
    written,
  };
}

function byRow(a: Finding, b: Finding): number {
  return (a.row ?? 0) - (b.row ?? 0);
}

async function makeWorkDir(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const dir = join(outDir, `.scimport-tmp-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(dir);
  return dir;
}

/** Replace the previous run's outputs with this run's, file by file, each by an atomic rename. */
async function publish(workDir: string, outDir: string, names: string[]): Promise<void> {
  const keep = new Set(names);
  for (const name of await readdir(outDir)) {
    if ((/^bulk-\d{4,}\.json$/.test(name) || name === 'errors.csv') && !keep.has(name)) {
      await rm(join(outDir, name), { force: true });
    }
  }
  for (const name of names) await rename(join(workDir, name), join(outDir, basename(name)));
}
