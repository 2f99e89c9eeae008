/**
 * English messages: annotate. Keys are stable; values are ICU MessageFormat
 * (`{name}`, `{count, plural, one {# person} other {# people}}`, `{n, number}`).
 *
 * Everything written into a checked copy of a person's workbook (@scimport/core `writeAnnotatedCopy`):
 * the two added column titles, the words of the Status column, the summary sheet, and the errors raised
 * when the copy cannot be written.
 */
export const annotate = {
  // The two columns added at the end of the data sheet.
  'annotate.column.status': 'Status',
  'annotate.column.whatToDo': 'What to do',

  // Status after a check.
  'annotate.status.ok': 'OK',
  'annotate.status.error': 'Fix needed',
  'annotate.status.warning': 'Check',
  'annotate.action.more': '{count, plural, one {(and # more problem, see the comments in this row)} other {(and # more problems, see the comments in this row)}}',

  // Status after an upload (Entra's provisioning logs joined back to the row).
  'annotate.outcome.created': 'Created',
  'annotate.outcome.updated': 'Updated',
  'annotate.outcome.disabled': 'Disabled',
  'annotate.outcome.deleted': 'Deleted',
  'annotate.outcome.done': 'Done',
  'annotate.outcome.failed': 'Failed',
  'annotate.outcome.skipped': 'Skipped',
  'annotate.outcome.warning': 'Done, with a warning',
  'annotate.outcome.pending': 'Waiting for Entra',
  'annotate.outcome.notSent': 'Not sent: fix needed',
  'annotate.outcome.notInUpload': 'Not in this upload',
  'annotate.outcomeAction.failedNoReason': 'Entra gave no reason. Look this person up in the provisioning logs, fix the row and upload again.',
  'annotate.outcomeAction.failed': 'Fix this in the file and upload again.',
  'annotate.outcomeAction.skipped': 'Entra did not change this person. If that is not expected, check the job\'s scoping rules.',
  'annotate.outcomeAction.pending': 'Entra has not reported on this person yet (it takes 5 to 10 minutes). Check the results again later.',
  'annotate.outcomeAction.notInUpload': 'Nothing to send for this person in this upload (usually: unchanged since the last upload).',

  // The summary sheet.
  'annotate.summary.sheet': 'Summary',
  'annotate.summary.title': 'Checked copy of {file}',
  'annotate.summary.resultsTitle': 'Upload results for {file}',
  'annotate.summary.howTo': 'On sheet "{sheet}", every cell with a problem is filled (red: error, yellow: warning) and carries a comment saying what is wrong. The columns "{status}" and "{whatToDo}" at the end of each row say what to do with that row.',
  'annotate.summary.counts': 'Counts',
  'annotate.summary.rows': 'Rows of people',
  'annotate.summary.rowsOk': 'Rows without problems',
  'annotate.summary.rowsWithErrors': 'Rows to fix (not sent until fixed)',
  'annotate.summary.rowsWithWarnings': 'Rows to check (warnings only)',
  'annotate.summary.errors': 'Errors',
  'annotate.summary.warnings': 'Warnings',
  'annotate.summary.outcomes': 'Results of the upload',
  'annotate.summary.byKind': 'Problems by kind',
  'annotate.summary.kind': 'Kind',
  'annotate.summary.severity': 'Severity',
  'annotate.summary.count': 'Count',
  'annotate.summary.example': 'Example',
  'annotate.summary.where': 'Rows',
  'annotate.summary.wholeFile': 'the whole file',
  'annotate.summary.moreRows': '… and {count, number} more',
  'annotate.summary.none': 'No problems found.',
  'annotate.severity.error': 'Error',
  'annotate.severity.warning': 'Warning',

  // Errors (a CoreError's message): what happened and what to do.
  'annotate.error.sameAsInput': 'The checked copy cannot be written over {file} itself: your original must stay as it is. Choose another file name, for example {suggestion}.',
  'annotate.error.notXlsx': 'The checked copy is always an Excel workbook: give a file name ending in .xlsx instead of {file}.',
  'annotate.error.noFolder': 'The folder {folder} does not exist, so {file} cannot be written there. Create the folder or choose another place.',
  'annotate.error.writeFailed': '{file} could not be written ({reason}). Check that the folder is writable and that the file is not open in Excel, then try again.',
  'annotate.service.checkNotDone': 'The check has not finished yet; save the checked copy once it is done.',
  'annotate.error.inputUnreadable': '{file} could not be read to make a checked copy ({reason}). Check that the file is not locked by another program and try again.',
} as const;
