/**
 * "Save a checked copy": the person's file as an .xlsx with the findings of a check (and, after an upload, each
 * person's outcome) written into it, handed to the window as bytes — like the error report, so the browser
 * bridge and the app save it the same way. The copy is made in the work folder and removed once read.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, readErrorReport, writeAnnotatedCopy, type RowOutcome } from '@scimport/core';
import { t } from '@scimport/messages';
import type { DiffService } from './diff';
import { fail } from './errors';
import type { UploadService } from './upload';
import { resultRows } from './upload-results';
import type { ValidationJob, ValidationService } from './validation';

export interface AnnotatedFile {
  fileName: string;
  dataBase64: string;
}

/** `people.csv` → `people-checked.xlsx`. */
function copyName(file: string, suffix: string): string {
  return `${file.replace(/\.[^.]+$/, '')}-${suffix}.xlsx`;
}

export class AnnotatedService {
  constructor(
    private readonly workDir: string,
    private readonly validations: ValidationService,
    private readonly diffs: DiffService,
    private readonly uploads: UploadService,
  ) {}

  /** `validate:annotated`: the checked file with every finding of the check (from its errors.csv, which has them all). */
  async validation(jobId: string): Promise<AnnotatedFile> {
    const job = this.validations.get(jobId);
    if (job.state !== 'done' || !job.summary) fail('REFUSED', t('annotate.service.checkNotDone'));
    return this.write(copyName(job.file, 'checked'), job.path, job, undefined);
  }

  /**
   * `upload:annotated`: the uploaded file with each person's outcome. The check the upload came from gives the
   * sheet, header row and findings; after a restart it is gone, and the copy has the outcomes only.
   */
  async upload(uploadId: string): Promise<AnnotatedFile> {
    const job = this.uploads.get(uploadId);
    let validation: ValidationJob | undefined;
    try {
      validation = job.diffId ? this.diffs.get(job.diffId).validation : undefined;
    } catch {
      validation = undefined;
    }
    const outcomes = new Map<number, RowOutcome>();
    for (const row of job.results ? resultRows(job.results, job.plan, job.persons) : []) {
      if (row.row === null) continue;
      // The explanation is the failure in HR words (a manager not yet in Entra, …); Entra's own text otherwise.
      outcomes.set(row.row, {
        status: row.status,
        action: row.action,
        ...(row.explanation && row.status !== 'pending' ? { reason: row.explanation } : row.reason ? { reason: row.reason } : {}),
        ...(!row.explanation && row.recommendedAction ? { recommendedAction: row.recommendedAction } : {}),
      });
    }
    return this.write(copyName(job.plan.file.name, 'results'), job.plan.file.path, validation, outcomes);
  }

  private async write(fileName: string, input: string, validation: ValidationJob | undefined, outcomes: Map<number, RowOutcome> | undefined): Promise<AnnotatedFile> {
    // Tightened too when it already existed wider: the copies hold every row of the person's file.
    await ensurePrivateDir(this.workDir);
    const dir = await mkdtemp(join(this.workDir, 'annotated-'));
    try {
      const out = join(dir, fileName);
      const report = validation ? join(validation.outDir, 'errors.csv') : undefined;
      const summary = validation?.summary;
      const { encoding, delimiter } = validation?.profile.input ?? {};
      await writeAnnotatedCopy({
        input,
        out,
        findings: report && existsSync(report) ? readErrorReport(report) : [],
        ...(outcomes ? { outcomes } : {}),
        ...(summary?.sheet !== undefined ? { sheet: summary.sheet } : {}),
        ...(summary ? { headerRow: summary.headerRow } : {}),
        ...(encoding !== undefined ? { encoding } : {}),
        ...(delimiter !== undefined ? { delimiter } : {}),
      });
      return { fileName, dataBase64: (await readFile(out)).toString('base64') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
