/**
 * The whole-file check: the core's transform (read → map → validate → bulk requests) runs in the background,
 * writing its bulk requests and error report into a work folder; findings are kept for the findings grid
 * and progress for the bar. The comparison and the upload start from its output, so what was checked is
 * exactly what is sent.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FindingGrouper, ensurePrivateDir, parseProfile, transformFile, type Finding, type Profile, type TransformSummary } from '@scimport/core';
import type { FindingGroupView, FindingView, ProfileData, ValidationStatus } from '../../shared/contract';
import { fail, toErrorData } from './errors';
import { BoundedMap, newId } from './ids';
import type { TableService } from './tables';

/** Findings kept per check for the grid (the report on disk has them all). */
const KEEP_FINDINGS = 200_000;

export interface ValidationJob {
  id: string;
  tableId: string;
  /** Absolute path and base name of the file checked. */
  path: string;
  file: string;
  profile: Profile;
  outDir: string;
  state: ValidationStatus['state'];
  rowsDone: number;
  findings: FindingView[];
  errorsOnly: FindingView[];
  /**
   * Every finding, grouped into problems with the people named (the Check screen's list). It sees all of
   * them, past the grid's cap, and keeps at most 200 people per group.
   */
  grouper: FindingGrouper;
  summary?: TransformSummary;
  error?: ReturnType<typeof toErrorData>;
  controller: AbortController;
  finished: Promise<void>;
}

export class ValidationService {
  private readonly jobs = new BoundedMap<ValidationJob>(4, (job) => {
    job.controller.abort();
    void job.finished.then(() => rm(job.outDir, { recursive: true, force: true }));
  });

  constructor(
    private readonly workDir: string,
    private readonly tables: TableService,
  ) {}

  start(tableId: string, profileData: ProfileData): { jobId: string } {
    const table = this.tables.get(tableId);
    // The whole profile is checked here (schema, no secrets) before a single row is read.
    const profile = parseProfile(profileData, `${profileData.name || 'profile'}`);
    const id = newId('check');
    const job: ValidationJob = {
      id,
      tableId,
      path: table.info.path,
      file: table.info.file,
      profile,
      outDir: join(this.workDir, id),
      state: 'running',
      rowsDone: 0,
      findings: [],
      errorsOnly: [],
      grouper: new FindingGrouper(),
      controller: new AbortController(),
      finished: Promise.resolve(),
    };
    job.finished = this.run(job, table.info.sheet ?? table.options.sheet, table.info.headerRow);
    this.jobs.set(id, job);
    return { jobId: id };
  }

  private async run(job: ValidationJob, sheet: string | number | undefined, headerRow: number): Promise<void> {
    try {
      // The work folder and this check's folder are the owner's only (a work folder from an earlier version is
      // tightened): the check's spool, bulk files and errors.csv hold every person of the file.
      await ensurePrivateDir(this.workDir);
      await ensurePrivateDir(job.outDir);
      job.summary = await transformFile({
        input: job.path,
        profile: job.profile,
        outDir: job.outDir,
        ...(sheet !== undefined ? { sheet } : {}),
        headerRow,
        keepFindings: 0,
        signal: job.controller.signal,
        onProgress: (p) => (job.rowsDone = p.rows),
        onFinding: (f: Finding) => {
          job.grouper.add(f);
          if (job.findings.length >= KEEP_FINDINGS) return;
          job.findings.push(f);
          if (f.severity === 'error') job.errorsOnly.push(f);
        },
      });
      job.rowsDone = job.summary.rows;
      job.state = 'done';
    } catch (error) {
      job.error = toErrorData(error);
      job.state = job.controller.signal.aborted ? 'cancelled' : 'failed';
    }
  }

  get(jobId: string): ValidationJob {
    const job = this.jobs.get(jobId);
    if (!job) fail('NOT_FOUND', 'This check is no longer available. Run the check again.');
    return job;
  }

  status(jobId: string): ValidationStatus {
    const job = this.get(jobId);
    const s = job.summary;
    return {
      jobId,
      state: job.state,
      rowsDone: job.rowsDone,
      ...(s ? { summary: { rows: s.rows, valid: s.valid, invalid: s.invalid, errors: s.errors, warnings: s.warnings, operations: s.operations, requests: s.requests } } : {}),
      ...(job.error ? { error: job.error } : {}),
    };
  }

  findings(jobId: string, onlyErrors: boolean, start: number, count: number): { total: number; findings: FindingView[] } {
    const job = this.get(jobId);
    const list = onlyErrors ? job.errorsOnly : job.findings;
    return { total: list.length, findings: list.slice(start, start + count) };
  }

  /**
   * The check's problems, errors first then the largest (the groups so far while it runs), and how many
   * rows are held back because of errors.
   */
  groups(jobId: string, onlyErrors: boolean): { groups: FindingGroupView[]; heldBack: number } {
    const job = this.get(jobId);
    const groups = job.grouper.groups();
    return { groups: onlyErrors ? groups.filter((g) => g.severity === 'error') : groups, heldBack: job.summary?.invalid ?? 0 };
  }

  cancel(jobId: string): boolean {
    const job = this.get(jobId);
    if (job.state !== 'running') return false;
    job.controller.abort();
    return true;
  }

  /** The error report the core wrote, for Excel: every error, and each warning repeated on many rows once with its rows. */
  async report(jobId: string): Promise<{ fileName: string; csv: string }> {
    const job = this.get(jobId);
    if (job.state !== 'done') fail('REFUSED', 'The check has not finished yet; export the error report once it is done.');
    const csv = await readFile(join(job.outDir, 'errors.csv'), 'utf8');
    return { fileName: `${job.file.replace(/\.[^.]+$/, '')}-errors.csv`, csv };
  }

  async dispose(): Promise<void> {
    for (const job of [...this.jobs.values()]) this.jobs.delete(job.id);
  }
}
