/**
 * `scimport status <run> --annotated <file.xlsx>`: the run's input file, copied with each person's
 * provisioning outcome in its Status and What-to-do columns and the run's findings (its errors.csv) in the
 * cells. The run keeps the input's path (runs made before it did need `--input`), and its SHA-256, which
 * must still match: results joined to the rows of an edited file would name the wrong people.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AnnotatedCopyResult, type RowOutcome, checkAnnotatedCopyTarget, loadProfile, readErrorReport, sha256File, writeAnnotatedCopy } from '@scimport/core';
import type { Run, RunResults } from '@scimport/transport';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import type { ResultLine } from './upload-results';

export interface AnnotatedTarget {
  input: string;
  out: string;
}

interface InputMeta {
  file?: string;
  path?: string;
  sheet?: string;
  headerRow?: number;
}

/** Where the run's input is and where the copy goes; refuses before any network call when it cannot work. */
export async function annotatedTarget(io: CliIo, run: Run, options: { annotated: string; input?: string }): Promise<AnnotatedTarget> {
  const meta = (run.manifest.meta.input as InputMeta | undefined) ?? {};
  const given = options.input ?? meta.path;
  if (!given) {
    throw new CliError('USAGE', `Run ${run.id} does not record where ${meta.file ?? 'its input file'} is: give it with --input <file> (the file as it was uploaded).`);
  }
  const input = resolve(io.cwd, given);
  if (!existsSync(input)) {
    throw new CliError('INPUT', `${input} (the input of run ${run.id}) is not there any more: give the file as it was uploaded with --input <file>.`);
  }
  const out = resolve(io.cwd, options.annotated);
  await checkAnnotatedCopyTarget(input, out);
  const sha256 = (run.manifest.meta.history as { file?: { sha256?: string } } | undefined)?.file?.sha256;
  if (sha256 && (await sha256File(input)) !== sha256) {
    throw new CliError(
      'INPUT',
      `${input} has changed since run ${run.id} uploaded it, so its rows may no longer be the people of the results. Give the file as it was uploaded with --input <file>, or check the changed file with \`scimport transform … --annotated\`.`,
    );
  }
  return { input, out };
}

/** Each sent person's outcome by row: their log entry, or "waiting" when the log has none yet. */
function outcomesByRow(results: RunResults | undefined, lines: ResultLine[], index: Map<string, number> | undefined): Map<number, RowOutcome> {
  const outcomes = new Map<number, RowOutcome>();
  if (!results) return outcomes;
  for (const externalId of results.pending) {
    const row = index?.get(externalId);
    if (row !== undefined) outcomes.set(row, { status: 'pending' });
  }
  for (const line of lines) {
    if (line.row === null) continue;
    outcomes.set(line.row, {
      status: line.status,
      action: line.action,
      ...(line.errorCode ? { errorCode: line.errorCode } : {}),
      ...(line.reason ? { reason: line.reason } : {}),
      ...(line.recommendedAction ? { recommendedAction: line.recommendedAction } : {}),
    });
  }
  return outcomes;
}

/** Writes the copy; the findings come from the run's errors.csv (the check the upload was made with). */
export async function writeRunAnnotatedCopy(
  run: Run,
  target: AnnotatedTarget,
  results: RunResults | undefined,
  lines: ResultLine[],
  index: Map<string, number> | undefined,
): Promise<AnnotatedCopyResult> {
  if (results && results.rows.length + results.pending.length > 0 && !index) {
    throw new CliError('INPUT', `Run ${run.id} kept no link from its users to the rows of the file, so their results cannot be written next to them; \`scimport status ${run.id} --json\` lists them by externalId.`);
  }
  const meta = (run.manifest.meta.input as InputMeta | undefined) ?? {};
  const profileFile = (run.manifest.meta.profile as { file?: string } | undefined)?.file;
  // Only the CSV encoding and delimiter are taken from the profile; a profile gone since is no reason to fail.
  const profileInput = profileFile ? await loadProfile(profileFile).then((p) => p.input, () => undefined) : undefined;
  const report = join(run.dir, 'errors.csv');
  return writeAnnotatedCopy({
    input: target.input,
    out: target.out,
    findings: existsSync(report) ? readErrorReport(report) : [],
    outcomes: outcomesByRow(results, lines, index),
    ...(meta.sheet !== undefined ? { sheet: meta.sheet } : {}),
    ...(meta.headerRow !== undefined ? { headerRow: meta.headerRow } : {}),
    ...(profileInput?.encoding !== undefined ? { encoding: profileInput.encoding } : {}),
    ...(profileInput?.delimiter !== undefined ? { delimiter: profileInput.delimiter } : {}),
  });
}
