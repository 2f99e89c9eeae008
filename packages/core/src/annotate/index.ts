/**
 * The answer goes back into Excel: an annotated .xlsx copy of the person's file with a Status and a
 * What-to-do column per row, the offending cells filled and commented, and a summary sheet.
 */
export { checkAnnotatedCopyTarget, writeAnnotatedCopy } from './annotate';
export type { AnnotatedCopyOptions, AnnotatedCopyResult } from './annotate';
export type { RowOutcome } from './rows';
export { outcomeWord } from './rows';
export { readErrorReport } from './report';
