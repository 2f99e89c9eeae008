import { resolve } from 'node:path';
import { abandonWork, checkAnnotatedCopyTarget, loadProfile, transformFile, writeAnnotatedCopy, type Finding, type TransformSummary } from '@scimport/core';
import type { CliIo } from '../io';
import { EXIT } from '../errors';
import { findingJson, formatFinding, plural } from '../format';
import { rowProgress } from '../progress';
import { requireProfileTestsPass } from './profile-gate';

export interface TransformArgs {
  input: string;
  profile: string;
  out?: string;
  sheet?: string;
  headerRow?: number;
  json?: boolean;
  /** transform: also write a checked .xlsx copy of the input here (findings in the cells, a Status column, a summary). */
  annotated?: string;
  /** transform: go on although the profile's own tests fail. */
  skipProfileTests?: boolean;
}

/** `--sheet 2` means the third sheet only when no sheet is named "2". Numbers are zero-based indexes. */
function sheetOption(sheet: string | undefined): string | number | undefined {
  if (sheet === undefined) return undefined;
  return /^\d+$/.test(sheet) ? Number(sheet) : sheet;
}

export async function runTransformLike(
  io: CliIo,
  args: TransformArgs,
  writeOutput: boolean,
  onFinding?: (finding: Finding) => void,
): Promise<TransformSummary> {
  const profile = await loadProfile(resolve(io.cwd, args.profile));
  const progress = rowProgress(io, writeOutput ? 'Transforming' : 'Validating');
  const sheet = sheetOption(args.sheet);
  try {
    return await transformFile({
      input: resolve(io.cwd, args.input),
      profile,
      ...(writeOutput && args.out ? { outDir: resolve(io.cwd, args.out) } : {}),
      ...(sheet !== undefined ? { sheet } : {}),
      ...(args.headerRow !== undefined ? { headerRow: args.headerRow } : {}),
      onProgress: (p) => progress.update(p.rows),
      ...(onFinding ? { onFinding } : {}),
    });
  } finally {
    progress.stop();
  }
}

/**
 * Ctrl+C or SIGTERM during a transform: the unfinished work folder (a spool of every mapped person) is
 * removed, one line says so, and the exit status is 130 as a shell expects after Ctrl+C. Installed only
 * for the transform's duration: upload and the emulator stop in their own ways.
 */
function onStopSignals(io: CliIo): () => void {
  const stop = (signal: NodeJS.Signals) => {
    void abandonWork().then(({ published }) => {
      const what = published ? 'the output had just been written and was kept' : 'the unfinished output was removed and the output folder is as it was before';
      io.err(`scimport: stopped by ${signal === 'SIGINT' ? 'Ctrl+C' : signal}; ${what}.\n`);
      process.exit(130);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/** `scimport transform`: bulk-0001.json … and errors.csv in --out; exit 1 when some rows had errors. */
export async function transformCommand(io: CliIo, args: TransformArgs): Promise<number> {
  const release = onStopSignals(io);
  try {
    return await transformAndReport(io, args);
  } finally {
    release();
  }
}

async function transformAndReport(io: CliIo, args: TransformArgs): Promise<number> {
  const input = resolve(io.cwd, args.input);
  const annotatedPath = args.annotated !== undefined ? resolve(io.cwd, args.annotated) : undefined;
  // A copy that cannot be written is said before the transform, not after it.
  if (annotatedPath) await checkAnnotatedCopyTarget(input, annotatedPath);
  // The profile's own tests first: a mapping that fails them would be applied to every person.
  if (!args.skipProfileTests) await requireProfileTestsPass(await loadProfile(resolve(io.cwd, args.profile)), args.profile);
  const findings: Finding[] = [];
  const summary = await runTransformLike(io, args, true, annotatedPath ? (finding) => findings.push(finding) : undefined);
  const errors = summary.errors;
  let annotated: { out: string; rows: number; annotated: number } | undefined;
  if (annotatedPath) {
    const { encoding, delimiter } = (await loadProfile(resolve(io.cwd, args.profile))).input ?? {};
    const copy = await writeAnnotatedCopy({
      input,
      out: annotatedPath,
      findings,
      ...(summary.sheet !== undefined ? { sheet: summary.sheet } : {}),
      headerRow: summary.headerRow,
      ...(encoding !== undefined ? { encoding } : {}),
      ...(delimiter !== undefined ? { delimiter } : {}),
    });
    annotated = { out: copy.out, rows: copy.rows, annotated: copy.annotated };
  }
  if (args.json) {
    io.out(
      JSON.stringify({
        rows: summary.rows,
        valid: summary.valid,
        invalid: summary.invalid,
        warnings: summary.warnings,
        requests: summary.requests,
        operations: summary.operations,
        errors,
        out: args.out ? resolve(io.cwd, args.out) : null,
        ...(annotated ? { annotated } : {}),
      }) + '\n',
    );
  } else {
    // Findings first, the summary last: the last lines on screen are what happened.
    const shown = summary.findings.slice(0, 20);
    for (const finding of shown) io.out(formatFinding(finding) + '\n');
    const total = summary.errors + summary.warnings;
    const listed = shown.reduce((sum, finding) => sum + (finding.repeats?.count ?? 1), 0);
    if (total > listed) {
      io.out(`… and ${plural(total - listed, 'more finding')}: errors.csv lists them all (a warning repeated on many rows as one line with its rows), or run \`scimport validate\` for each one.\n`);
    }
    const where = summary.sheet ? `${summary.file}, sheet ${summary.sheet}` : summary.file;
    const outDir = resolve(io.cwd, args.out ?? '.');
    io.out(`\nRead ${plural(summary.rows, 'row')} from ${where} (header on row ${summary.headerRow}).\n`);
    io.out(`${plural(summary.valid, 'row')} valid, ${plural(summary.invalid, 'row')} left out because of errors (${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}).\n`);
    io.out(`Wrote ${plural(summary.requests, 'bulk request')} (${plural(summary.operations, 'user')}) to ${outDir}, and the findings to ${resolve(outDir, 'errors.csv')}.\n`);
    if (annotated) io.out(`Wrote a checked copy of the file to ${annotated.out}: ${plural(annotated.annotated, 'row')} of ${annotated.rows.toLocaleString('en-US')} with something to fix or check, in its Status and What to do columns.\n`);
  }
  return errors > 0 ? EXIT.FINDINGS : EXIT.OK;
}

/** `scimport validate`: every finding, streamed as it is decided; exit 1 when any is an error. */
export async function validateCommand(io: CliIo, args: TransformArgs): Promise<number> {
  let first = true;
  const onFinding = args.json
    ? (finding: Finding) => {
        io.out((first ? '[\n  ' : ',\n  ') + JSON.stringify(findingJson(finding)));
        first = false;
      }
    : (finding: Finding) => io.out(formatFinding(finding) + '\n');
  const summary = await runTransformLike(io, args, false, onFinding);
  if (args.json) {
    io.out(first ? '[]\n' : '\n]\n');
  } else {
    io.out(
      `${plural(summary.rows, 'row')} checked: ${plural(summary.valid, 'row')} valid, ${plural(summary.invalid, 'row')} with errors, ${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}.\n`,
    );
  }
  return summary.errors > 0 ? EXIT.FINDINGS : EXIT.OK;
}
