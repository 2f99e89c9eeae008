import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CoreError, isCoreError } from '../errors';
import { type ColumnInfo, type Finding, type SourceRow } from '../types';
import type { Profile } from '../profile';
import { openTable } from '../read';
import { compileMapping, type MappingLimits } from '../mapping';
import { FileChecks, errorReportHeader, errorReportLine } from '../validate';
import { suggest } from '../validate/suggest';
import { groupWordsNeedMessage } from '../validate/group';
import { t } from '@scimport/messages';
import { bulkFileName, toOperation } from '../bulk';
import { InProcessRowMapper, type RowMapper, type RowMapperSetup, type RowResult } from './row-mapper';
import { WorkerPoolRowMapper, needsWatchdog } from './worker-pool';
import { managerFirstOrder, type OrderEntry } from './manager-order';
import { createWorkDir, isNoSpace, noSpaceError, publishOutput, releaseWorkDir } from './work-dir';
import { PRIVATE_FILE_MODE } from '../private-files';
import { RepeatedWarnings } from './repeated-warnings';
import { Spool, spoolLines } from './spool';
import { writeBulkFiles } from './bulk-files';

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
  /**
   * Receives every finding, in row order, once the whole file is known (whole-file checks such as
   * duplicates can only be decided then). Use it to stream findings out instead of holding them.
   */
  onFinding?: (finding: Finding) => void;
  /** How many findings `summary.findings` keeps (the first ones, in row order). Default 1,000. */
  keepFindings?: number;
  signal?: AbortSignal;
  /**
   * Worker threads for mapping. Default: one per core for files over 2 MB whose mapping runs on the
   * interpreter; none otherwise (a compiled mapping is cheaper than the hand-off to a thread, and a
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
  /** Findings of severity error. */
  errors: number;
  /** Findings of severity warning. */
  warnings: number;
  requests: number;
  operations: number;
  /**
   * The first `keepFindings` lines of errors.csv, in row order: every error, and each warning repeated on many
   * rows as one line for all of them (`repeats`). `onFinding` gets every finding, one by one.
   */
  findings: Finding[];
  findingsTruncated: boolean;
  /** externalId → the row it came from, for every user written to the bulk files, in upload order. */
  sent: { externalId: string; row: number }[];
  /**
   * externalIds of people whose rows were left out because of errors. They are still in the file, so a
   * comparison with the last upload must not take them for leavers.
   */
  heldBack: string[];
  /** Rows left out because of errors whose externalId could not be read (any leaver might be one of them). */
  heldBackUnidentified: number;
  /** Files written (absolute paths), when outDir was given. */
  written: string[];
}

const PROGRESS_EVERY = 500;
const BATCH_ROWS = 250;
/**
 * Rows handed to the in-process mapper at once. Small, so that a row's objects die before the next
 * young-generation collection: held across one, they are promoted and pile up as old-generation garbage
 * that V8 collects late, which is most of the peak memory.
 */
const LOCAL_BATCH_ROWS = 8;
const WORKERS_ABOVE_BYTES = 2 * 1024 * 1024;
const DEFAULT_KEEP_FINDINGS = 1000;

function workerCount(options: TransformOptions): number {
  return Math.max(1, options.workers ?? availableParallelism());
}

async function chooseMapper(options: TransformOptions, setup: RowMapperSetup, local: InProcessRowMapper, engine: string): Promise<RowMapper> {
  const size = await stat(options.input).then((s) => s.size, () => 0);
  // A compiled mapping costs a few microseconds a row, less than handing the row to another thread;
  // only the interpreter (mappings the compiler does not cover) is worth spreading over the cores.
  const worthIt = engine === 'interpreter' && size > WORKERS_ABOVE_BYTES;
  // A mapping that can block its thread (a regular expression) runs where the watchdog can end a row.
  const watched = needsWatchdog(options.profile.mapping) ? 1 : 0;
  const wanted = Math.max(options.workers ?? (worthIt ? availableParallelism() : 0), watched);
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
 * A per-row finding in the spool: its row, a tab, its repeated-warning kind (empty for an error), a tab, then
 * either `J` and the finding as JSON (when the caller wants the findings themselves, or for the first few, which
 * the summary keeps) or its error-report line — `R` and the line as it is, or `Q` and the line as a JSON string
 * when it holds a line break (every record stays on one spool line).
 */
function findingRecord(finding: Finding, kind: number | undefined, asObject: boolean): string {
  const head = `${finding.row ?? 0}\t${kind ?? ''}\t`;
  if (asObject) return `${head}J${JSON.stringify(finding)}\n`;
  const line = errorReportLine(finding);
  const body = line.slice(0, -2);
  return /[\r\n]/.test(body) ? `${head}Q${JSON.stringify(line)}\n` : `${head}R${body}\n`;
}

/**
 * file → rows → mapped users → validated → bulk requests. The file is read once as a stream, mapped on
 * worker threads for large files, and everything that grows with the file (valid users, findings) is
 * spooled to temporary files, so memory stays flat however long the file is. Once the whole file is
 * known (duplicates, manager references), users are cut into bulk requests — managers before the people
 * who report to them, so Entra can resolve every manager reference — and findings are merged in row
 * order into errors.csv. Output files are written under a temporary folder and renamed into place, so
 * a crash never leaves a half-written bulk file and a failed run leaves the previous output untouched.
 */
export async function transformFile(options: TransformOptions): Promise<TransformSummary> {
  const { profile } = options;
  // Compile first: a syntax error in the mapping is reported before the file is even opened.
  const compiled = compileMapping(profile, options.limits);
  const table = await openTable(options.input, {
    ...profile.input,
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(options.headerRow !== undefined ? { headerRow: options.headerRow } : {}),
  });
  const setup = { profile, columns: table.columns, ...(options.limits ? { limits: options.limits } : {}) };
  const local = new InProcessRowMapper(setup);
  const cellsFor = local.cellsFor;

  const workDir = await createWorkDir(options.outDir);
  const usersPath = join(workDir, 'valid.ndjson');
  const findingsPath = join(workDir, 'findings.ndjson');
  // Owner-only (0600), like every file of this run: they hold people's data, in the --out folder too.
  const users = new Spool(createWriteStream(usersPath, { encoding: 'utf8', mode: PRIVATE_FILE_MODE }));
  const rowFindings = new Spool(createWriteStream(findingsPath, { encoding: 'utf8', mode: PRIVATE_FILE_MODE }));
  // Without a listener the findings are only counted, kept (the first few) and written to errors.csv,
  // so the spool holds their report lines rather than whole findings to parse back.
  const findingObjects = options.onFinding !== undefined;
  const keep = options.keepFindings ?? DEFAULT_KEEP_FINDINGS;
  /** Per-row findings spooled as whole findings so far: the first `keep` are, for the summary to keep. */
  let spooledObjects = 0;
  const repeated = new RepeatedWarnings();
  let errors = 0;
  let warnings = 0;
  const fileChecks = new FileChecks();
  const rowsWithErrors = new Set<number>();
  /** Rows that passed their own checks, with where their user sits in the spool. */
  const validRows: OrderEntry[] = [];
  let usersBytes = 0;
  let rows = 0;
  const heldBack = new Set<string>();
  let heldBackUnidentified = 0;
  let mapper: RowMapper = local;

  const take = async (results: RowResult[]) => {
    for (const result of results) {
      let hasError = false;
      for (const finding of result.findings) {
        if (finding.severity === 'error') {
          hasError = true;
          errors++;
        } else warnings++;
      }
      if (result.user) {
        fileChecks.add(result.user, { ...result.context, cellsFor }, hasError);
        if (!hasError) {
          // Spool the finished operation: the bulk files are then cut by joining text, with no second
          // parse and stringify of every user.
          const line = JSON.stringify(toOperation(result.user, profile.extension?.namespace)) + '\n';
          const length = Buffer.byteLength(line);
          validRows.push({ row: result.row, offset: usersBytes, length, externalId: String(result.user.externalId), manager: managerOf(result.user) });
          usersBytes += length;
          const full = users.push(line);
          if (full) await full;
        }
      }
      if (hasError) {
        rowsWithErrors.add(result.row);
        const ids = readableExternalIds(result.user);
        if (ids.length === 0) heldBackUnidentified++;
        for (const id of ids) heldBack.add(id);
      }
      for (const finding of result.findings) {
        const kind = repeated.add(finding, 'row');
        // A warning past the first few of its kind is written as part of one line for the kind (see
        // repeated-warnings.ts): unless a listener wants every finding, it is only counted, never spooled.
        if (kind && !kind.listed && !findingObjects) continue;
        const asObject = findingObjects || spooledObjects < keep;
        if (asObject) spooledObjects++;
        const full = rowFindings.push(findingRecord(finding, kind?.kind, asObject));
        if (full) await full;
      }
    }
  };

  try {
    try {
      mapper = await chooseMapper(options, setup, local, compiled.engine);
      const inFlight: Promise<RowResult[]>[] = [];
      let batch: SourceRow[] = [];
      const maxInFlight = mapper === local ? 1 : 4 * workerCount(options);
      const batchRows = mapper === local ? LOCAL_BATCH_ROWS : BATCH_ROWS;
      for await (const row of table.rows()) {
        if (options.signal?.aborted) throw new CoreError('CANCELLED', 'The transform was cancelled; nothing was written.');
        rows++;
        batch.push(row);
        if (batch.length >= batchRows) {
          inFlight.push(mapper.map(batch));
          batch = [];
          while (inFlight.length >= maxInFlight) await take(await inFlight.shift()!);
        }
        if (rows % PROGRESS_EVERY === 0) options.onProgress?.({ rows, done: false });
      }
      if (batch.length) inFlight.push(mapper.map(batch));
      while (inFlight.length) await take(await inFlight.shift()!);
    } finally {
      await table.close();
      if (mapper !== local) await mapper.close();
      await Promise.all([users.close(), rowFindings.close()]);
    }

    // Whole-file findings: header and row-shape problems from the reader, then duplicates and
    // manager references; merged with the per-row findings by row number below.
    const rejected = fileChecks.rejectedRows();
    for (const row of rejected) rowsWithErrors.add(row);
    const toSend = validRows.filter((entry) => !rejected.has(entry.row));
    for (const entry of validRows) if (rejected.has(entry.row)) heldBack.add(entry.externalId);
    const order = managerFirstOrder(toSend);
    // The cross-row findings can be as many as the rows: they are built one at a time as they are
    // written, already in row order, and merged with the few others as a stable sort would place them.
    const fewFileFindings = [
      ...noDataRows(rows, table.file, table.sheet, table.headerRow),
      ...unknownColumns(compiled.referencedHeaders, table.columns, table.file, table.sheet),
      ...table.findings,
      ...order.findings(table.file, table.sheet),
    ].sort(byRow);
    // A first pass counts the repeated warnings among them (a manager missing from the file, on every row),
    // so that each kind's one line can be written at its first row, complete, on the second. It needs no
    // duplicates (errors) and no sentences but those a group's words are made of.
    for (const finding of mergeSorted([fewFileFindings, fileChecks.findingsInRowOrder({ warningsOnly: true, worded: groupWordsNeedMessage })])) {
      repeated.add(finding, 'file');
    }
    // The second pass words only what is written one by one (or wanted by the listener).
    // Decided once per code: it is asked for every whole-file finding.
    const wordedCodes = new Map<string, boolean>();
    const worded = findingObjects
      ? undefined
      : (code: string) => {
          let answer = wordedCodes.get(code);
          if (answer === undefined) wordedCodes.set(code, (answer = !repeated.allCollapsed(code, 'file')));
          return answer;
        };
    const fileFindings = mergeSorted([fewFileFindings, fileChecks.findingsInRowOrder(worded ? { worded } : {})]);
    let pendingFileFinding = fileFindings.next();

    const kept: Finding[] = [];
    const report = options.outDir ? new Spool(createWriteStream(join(workDir, 'errors.csv'), { encoding: 'utf8', mode: PRIVATE_FILE_MODE })) : undefined;
    try {
      report?.push(errorReportHeader());
      // Per-row findings come in row order; each whole-file finding goes before the per-row ones of
      // later rows. Only the whole-file findings are counted here: the per-row ones were counted above.
      const emit = async (finding: Finding, line: string | undefined) => {
        if (kept.length < keep) kept.push(finding);
        options.onFinding?.(finding);
        const full = report?.push(line ?? errorReportLine(finding));
        if (full) await full;
      };
      /**
       * A finding of a repeated-warning kind: the listener still gets it; the report and the summary get the
       * kind's one line, at its first finding (its first row), and nothing for the others.
       */
      const emitRepeated = async (kind: number, finding: () => Finding | undefined): Promise<void> => {
        const one = options.onFinding ? finding() : undefined;
        if (one) options.onFinding!(one);
        for (const line of repeated.take(kind)) {
          if (kept.length < keep) kept.push(line);
          const full = report?.push(errorReportLine(line));
          if (full) await full;
        }
      };
      const fileFinding = async (row: number) => {
        while (!pendingFileFinding.done && (pendingFileFinding.value.row ?? 0) <= row) {
          const finding = pendingFileFinding.value;
          const kind = repeated.kindOf(finding, 'file');
          pendingFileFinding = fileFindings.next();
          if (finding.severity === 'error') errors++;
          else warnings++;
          if (kind !== undefined && repeated.collapsed(kind)) await emitRepeated(kind, () => finding);
          else await emit(finding, undefined);
        }
      };
      for await (const record of spoolLines(findingsPath)) {
        if (!record) continue;
        const tab = record.indexOf('\t');
        const tab2 = record.indexOf('\t', tab + 1);
        await fileFinding(Number(record.slice(0, tab)));
        const kindText = record.slice(tab + 1, tab2);
        const type = record[tab2 + 1];
        const body = record.slice(tab2 + 2);
        const kind = kindText === '' ? undefined : Number(kindText);
        if (kind !== undefined && repeated.collapsed(kind)) {
          await emitRepeated(kind, () => (type === 'J' ? (JSON.parse(body) as Finding) : undefined));
        } else if (type === 'J') {
          await emit(JSON.parse(body) as Finding, undefined);
        } else {
          const full = report?.push(type === 'Q' ? (JSON.parse(body) as string) : body + '\r\n');
          if (full) await full;
        }
      }
      await fileFinding(Infinity);
    } finally {
      if (report) await report.close();
    }

    const chunkSize = Math.min(50, Math.max(1, profile.output?.chunkSize ?? 50));
    const sent = order.entries.map((entry) => ({ externalId: entry.externalId, row: entry.row }));
    let requests = Math.ceil(order.entries.length / chunkSize);
    const written: string[] = [];
    if (options.outDir) {
      requests = await writeBulkFiles(workDir, usersPath, order.entries, profile);
      const names = [...Array.from({ length: requests }, (_, i) => bulkFileName(i + 1)), 'errors.csv'];
      await publishOutput(workDir, options.outDir, names, ['valid.ndjson', 'findings.ndjson']);
      written.push(...names.map((name) => join(options.outDir!, name)));
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
      errors,
      warnings,
      requests,
      operations: order.entries.length,
      findings: kept,
      findingsTruncated: errors + warnings > kept.length,
      sent,
      heldBack: [...heldBack],
      heldBackUnidentified,
      written,
    };
  } catch (error) {
    if (isCoreError(error)) throw error;
    if (isNoSpace(error)) throw await noSpaceError(options.outDir ?? workDir, error);
    throw new CoreError(
      'OUTPUT_FAILED',
      `Could not write the output${options.outDir ? ` to ${options.outDir}` : ''}: ${(error as Error).message}. Check that the folder is writable and the disk is not full.`,
      { cause: error },
    );
  } finally {
    await releaseWorkDir(workDir);
  }
}

/**
 * Columns the mapping reads that the file does not have: usually a spelling slip (`WorkerId` for
 * `WorkerID`) that would otherwise leave an attribute silently empty on every row.
 */
/**
 * A file with a header and no people is almost always the wrong export (or a filter left on in Excel);
 * said loudly, because compared with the last upload it would look like everyone left.
 */
function noDataRows(rows: number, file: string, sheet: string | undefined, headerRow: number): Finding[] {
  if (rows > 0) return [];
  return [
    {
      severity: 'error',
      code: 'file.noRows',
      message: t('finding.file.noRows', { where: sheet ? t('finding.file.whereSheet', { file, sheet }) : t('finding.file.where', { file }), row: String(headerRow) }),
      file,
      ...(sheet ? { sheet } : {}),
    },
  ];
}

function unknownColumns(referenced: readonly string[], columns: ColumnInfo[], file: string, sheet: string | undefined): Finding[] {
  const headers = new Set(columns.map((c) => c.header));
  return referenced
    .filter((name) => !headers.has(name))
    .map((name) => {
      const close = suggest(name, headers);
      return {
        severity: 'warning' as const,
        code: 'mapping.unknownColumn',
        message: close ? t('finding.mapping.unknownColumn.near', { name, near: close }) : t('finding.mapping.unknownColumn', { name }),
        file,
        ...(sheet ? { sheet } : {}),
      };
    });
}

/**
 * The externalId of a mapped user as text, as written and trimmed (a snapshot may hold either spelling,
 * since surrounding spaces are only a warning); none when there is no usable one.
 */
function readableExternalIds(user: Record<string, unknown> | undefined): string[] {
  const id = user?.externalId;
  if (typeof id !== 'string' && typeof id !== 'number') return [];
  const text = String(id);
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return text === trimmed ? [text] : [text, trimmed];
}

function managerOf(user: Record<string, unknown>): string | undefined {
  const enterprise = user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { manager?: { value?: unknown } } | undefined;
  const value = enterprise?.manager?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Merges findings each sorted by row into one sequence sorted by row; on the same row, earlier sources
 * first (what a stable sort of the sources one after the other gives).
 */
function* mergeSorted(sources: Iterable<Finding>[]): Generator<Finding> {
  const heads = sources.map((source) => {
    const iterator = source[Symbol.iterator]();
    return { iterator, current: iterator.next() };
  });
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const head of heads) {
      if (head.current.done) continue;
      if (!best || (head.current.value.row ?? 0) < (best.current.value!.row ?? 0)) best = head;
    }
    if (!best) return;
    const finding = best.current.value as Finding;
    best.current = best.iterator.next();
    yield finding;
  }
}

function byRow(a: Finding, b: Finding): number {
  return (a.row ?? 0) - (b.row ?? 0);
}
