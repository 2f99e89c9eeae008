/**
 * English messages: services (sentences the app's background services send to the screens: upload states,
 * results, file opening). Keys are stable; values are ICU MessageFormat.
 */
export const services = {
  // Counts used inside other sentences.
  'services.people': '{count, plural, one {# person} other {# people}}',
  'services.requests': '{count, plural, one {# request} other {# requests}}',
  'services.seconds': '{count, number} s',
  'services.minutes': '{count, number} min',

  // Targets
  'services.target.sandbox': 'the built-in sandbox on this computer (a rehearsal: nothing leaves this computer)',
  'services.target.sandboxShort': 'the sandbox',
  'services.target.tenant': 'Microsoft Entra ID ({cloud} cloud), tenant {tenantId}, provisioning job {jobId}',

  // Comparisons
  'services.diff.checkNotDone': 'The check of the file has not finished; compare once it is done.',
  'services.diff.gone': 'This comparison is no longer available. Compare again.',
  'services.diff.alreadySent':
    'These people were just sent to {target}. Compare again to see what is left to send — the app shows it on the Changes screen.',
  'services.retry.unknown': 'Their last upload failed; Entra gave no reason.',

  // Why a person failed, in HR words
  'services.failure.manager':
    'Their manager (employee id {managerId}) is not in Entra yet: upload the manager’s row first, or check the manager column.',
  'services.failure.managerUnknown':
    'Their manager is not in Entra yet: upload the manager’s row first, or check the manager column.',

  // Starting an upload
  'services.upload.gateTripped':
    'Nothing was sent: {reasons} If these changes are intended, tick “I have checked these changes” and start again.',
  'services.upload.nothingToSend': 'There is nothing to send: everyone in the file is already up to date in the target.',
  'services.upload.noRest': 'There is no one left to send from this plan.',
  'services.upload.restWait': 'Wait until the first person has a result before sending the rest.',
  'services.upload.restLost': 'The rest of this plan was not kept when the app restarted. Compare again and send from there.',
  'services.upload.busy': 'Another upload is still going. Wait for it to finish, or pause or cancel it first.',
  'services.upload.busyOutbox': 'An upload is waiting in the outbox for its target to answer. Let it go first, or cancel it.',
  'services.upload.sending': 'Sending {people} to {target}…',

  // While sending
  'services.upload.heldBack':
    'Held back in the outbox: the checks before sending found {count, plural, one {a problem} other {# problems}} — {problems} Fix it, then press Resume.',
  'services.upload.accepted':
    'All {requests} were accepted. Waiting for the target to report each person…',
  'services.upload.acceptedTenant':
    'All {requests} were accepted. Waiting for the target to report each person (Entra usually takes 5–10 minutes)…',
  'services.upload.paused': 'Paused: {done} of {requests} accepted. Resume to send the rest; nothing is sent twice.',
  'services.upload.pausedInOutbox': 'Paused in the outbox: {done} of {requests} accepted. Resume to send the rest; nothing is sent twice.',
  'services.upload.pausedBeforeClose':
    'Paused before the app was closed: {done} of {requests} to {target} accepted. Resume to send the rest; nothing is sent twice.',
  'services.upload.carryingOn':
    'Carrying on with an upload to {target} that was interrupted when the app closed ({done} of {requests} accepted)…',
  'services.upload.sentNoResults': 'Everything was sent. The results are not all in yet; see them later in the history.',
  'services.upload.cancelled': 'Cancelled: {done} of {requests} had been accepted before you cancelled.',
  'services.upload.cancelledWaiting': 'Cancelled: {done} of {requests} had been accepted before.',
  'services.upload.queued':
    'Waiting in the outbox: {reason} The upload goes by itself as soon as the target answers (next try in about {delay}, or at once when the network comes back), also after the app is restarted.',
  'services.upload.queuedSoFar': '{done} of {requests} were accepted before; nothing is sent twice.',
  'services.upload.outboxNote': 'The upload can wait in the outbox and go by itself as soon as the target answers.',
  'services.upload.targetSilent': 'The target did not answer.',
  'services.upload.resuming': 'Resuming…',
  'services.upload.gone': 'This upload is no longer shown here; see it in the history.',
  'services.upload.notSending': 'Only an upload that is sending can be paused.',
  'services.upload.notPaused': 'Only a paused upload can be resumed.',
  'services.upload.ended': 'This upload has already ended.',
  'services.upload.bucketFull':
    'Paused for {wait}: the provisioning job\'s queue is full, and Entra asks to wait 5 to 10 minutes. Nothing failed and nothing is sent twice; the upload carries on by itself.',
  'services.job.droppedByRestart':
    'The job was not running, so restarting it dropped {count, plural, one {# person} other {# people}} sent earlier but not yet processed. The next upload of the file sends them again: compare it again and send.',
  'services.job.droppedReason': 'Dropped by a restart of the provisioning job before Entra processed it.',
  'services.upload.awaitingResults': 'Waiting for the results of an earlier upload to {target}.',

  // Results
  'services.results.provisioned': '{people} provisioned',
  'services.results.failed': '{people} failed (see the reasons below)',
  'services.results.pending': '{people} without a result yet',
  'services.results.stillToSend': '{people} still to send.',
  'services.results.waiting': 'No result from the target yet.',
  'services.results.expected':
    'Entra writes each person\'s result 5 to 10 minutes after processing, so the rest are expected by {time}. They are waiting, not failed; the app picks their results up by itself, also after a restart.',
  'services.results.late':
    'These people are still waiting, later than the 5 to 10 minutes Entra usually takes. Check on the Upload screen that the provisioning job is running; the app keeps looking for their results.',
  'services.results.pickedUp': 'Results picked up later: {summary}',

  // Checks before sending
  'services.preflight.signIn': 'Sign in',

  // Opening a file
  'services.table.gone': 'This file is no longer open (the app keeps the last few files). Open it again from the start screen.',
  'services.table.noRow': 'Row {row} of the data is not there; choose another row.',
  'services.table.noRowYet': 'Row {row} of the data is not there yet (the file is still loading); choose another row.',
  'services.table.chosen.profile': 'Opened the sheet “{sheet}” with the header on row {headerRow}, as the profile says.',
  'services.table.chosen.profileMissing': 'This file has no sheet “{sheet}”, which the profile names.',
  'services.table.chosen.profileHeader': 'Read the header on row {headerRow}, as the profile says.',
  'services.table.chosen.first': 'Opened the sheet “{sheet}”, the first with a header and rows of people.',
  'services.table.chosen.skipped': 'Opened the sheet “{sheet}” — the first with a header and rows of people; {skipped}.',
  'services.table.skipped.notes': '“{sheet}” has notes only',
  'services.table.skipped.empty': '“{sheet}” is empty',
  'services.table.skipped.headerOnly': '“{sheet}” has a header but no rows',
  'services.table.chosen.none': 'No sheet has both a header and rows of people; opened the first sheet, “{sheet}”. Choose another sheet if this is not the one.',
  'services.table.chosen.header': 'The header is on row {headerRow}; the {count, plural, one {row} other {# rows}} above it {count, plural, one {is a title} other {are a title or notes}} and {count, plural, one {is} other {are}} not read as people.',

  // Whether a mapping fits a file
  'services.fit.syntax': 'The mapping has a mistake, so the app cannot tell which columns it reads. Fix the mapping first.',

  // Which files the app may open and save: only those the person chose
  'services.path.notChosen':
    'The app opens and saves only files you chose yourself: with Choose file, by dropping them on the window, from the recent lists or from the app’s profiles folder. “{file}” was not chosen that way; choose it again.',
  // Feeds and the lock shared with the CLI (issue 14)
  'services.upload.snapshotChanged':
    'Another upload to this target was recorded since you compared (from the command line, or another copy of the app). Compare again, so the upload sends what changed since that one.',
  'services.upload.feedRecorded':
    'Nothing to send: everyone in the file is already up to date in the target. What changed between feeds (people handed over or taken over) is recorded.',
  'services.upload.lockedQueued': '{reason} The upload waits and goes by itself once that one has finished.',
  'services.path.typedInApp': 'In the app, choose the file with Choose file or drop it on the window; typing a path is only for the browser version used in development.',
  // How the connection signs in, and what that needs (issue 15: sign-in without secrets)
  'services.preflight.signInMethod': 'Sign-in method',
  'services.preflight.signInMethod.secret': 'Signs in with a client secret of the app {clientId}. It needs the secret, not expired, kept in this computer’s keychain.',
  'services.preflight.signInMethod.certificate': 'Signs in with a certificate of the app {clientId}. It needs the certificate file with its private key, not expired, and uploaded to the app registration.',
  'services.preflight.signInMethod.delegated': 'Signs in as you, for the app {clientId}. It needs you to sign in when asked.',
  'services.preflight.signInMethod.federated': 'Signs in with a federated token from “{file}” for the app {clientId}. It needs a fresh token in that file before each run, and a federated credential on the app that trusts its issuer.',
  'services.preflight.signInMethod.managedIdentity': 'Signs in as the managed identity of the Azure resource this runs on. It needs to run on that resource, with the identity granted the upload permission.',
  // Undo an upload (issue 16)
  'services.undo.noRun': 'This upload’s run is no longer in the data folder, so it cannot be undone from here.',
  'services.undo.noTarget': 'This upload does not say which tenant and job it went to (it was sent from the command line to a real tenant): undo it there with scimport undo.',
  'services.undo.gone': 'This undo preview is no longer open. Choose Undo this upload again.',
  'services.undo.started': 'This undo has already been started.',
  'services.undo.nothing': 'Nothing to undo: everyone this upload touched is as before it, or was changed again by a later upload.',
  'services.undo.notReady': 'The checks before sending found a problem (see the list). Fix it, then choose Undo this upload again.',
  'services.undo.changed': 'Another upload to this target was recorded since the preview. Choose Undo this upload again to see what the undo sends now.',
} as const;
