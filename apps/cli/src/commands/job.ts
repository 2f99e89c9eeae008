import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { isCoreError, loadProfile, signInDomains, transformFile, type BulkRequest, type Profile, type ScimUser } from '@scimport/core';
import {
  DAILY_QUOTAS,
  RESET_SCOPES,
  type JobStatusSummary,
  type PreflightCheck,
  getJobStatus,
  isTransportError,
  parseRecipients,
  parseResetScopes,
  pauseJob,
  restartJob,
  RESTART_DROPS_CONSEQUENCE,
  flagDroppedByRestart,
  runPreflight,
  setNotificationSettings,
  startJob,
} from '@scimport/transport';
import { ensureDataDir } from '../data-dir';
import { CliError, EXIT, isCliError } from '../errors';
import type { CliIo } from '../io';
import { plural } from '../format';
import { type Connection, describeTarget, openConnection, specFromProfile, toCliError } from './upload-connection';

interface Common {
  profile: string;
  json?: boolean;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return Number(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Open the profile's target (or the built-in sandbox), run `task`, and always close the connection. */
async function withConnection<T>(io: CliIo, profilePath: string, task: (connection: Connection, profile: Profile) => Promise<T>, loaded?: Profile): Promise<T> {
  const path = resolve(io.cwd, profilePath);
  const profile = loaded ?? (await loadProfile(path));
  const spec = specFromProfile(profile, path, io);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const connection = await openConnection(spec, io, dataDir);
  try {
    return await task(connection, profile);
  } finally {
    await connection.close();
  }
}

/**
 * Run one command body, turning every error into one line on stderr and an exit status, so these commands
 * behave the same whichever shell registers them (no stack traces, no secrets: transport messages are redacted).
 */
async function guarded(io: CliIo, setStatus: (code: number) => void, body: () => Promise<number>): Promise<void> {
  try {
    setStatus(await body());
  } catch (raw) {
    const error = toCliError(raw);
    if (isCliError(error)) {
      io.err(`scimport: ${error.message}\n`);
      setStatus(error.exitCode);
    } else if (isCoreError(error)) {
      io.err(`scimport: ${error.message}\n`);
      setStatus(EXIT.USAGE);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.err(`scimport: unexpected problem: ${message}\n`);
      setStatus(EXIT.USAGE);
    }
  }
}

/** Exit status of a job state, as preflight grades it: running or merely stopped is 0, unusable is 1. */
function jobExit(summary: JobStatusSummary): number {
  return !summary.isApiDriven || summary.code === 'quarantine' || summary.code === 'notConfigured' ? EXIT.FINDINGS : EXIT.OK;
}

function printStatus(io: CliIo, summary: JobStatusSummary): void {
  io.out(`Job ${summary.jobId} (${summary.templateId ?? 'no template'}): ${summary.code}\n`);
  io.out(`${summary.sentence}\n`);
  const q = summary.quarantine;
  if (q) {
    io.out(`  Quarantine: ${q.reason ?? 'no reason given'}${q.since ? ` since ${q.since}` : ''}${q.seriesCount ? `, ${q.seriesCount} in a row` : ''}${q.nextAttempt ? `, next attempt ${q.nextAttempt}` : ''}\n`);
    if (q.error?.message) io.out(`  Cause: ${q.error.message}\n`);
  }
  const last = summary.lastExecution;
  if (last) {
    io.out(`  Last run: ${last.state ?? 'unknown'}${last.began ? `, ${last.began}` : ''}${last.ended ? ` to ${last.ended}` : ''}\n`);
    if (last.error?.message) io.out(`  Last run error: ${last.error.message}\n`);
  }
  io.out(`  Last caught up: ${summary.steadyStateLastAchievedTime ?? 'never'}\n`);
  if (summary.countSuccessiveCompleteFailures > 0) io.out(`  Runs that failed for every user, in a row: ${summary.countSuccessiveCompleteFailures}\n`);
}

function statusJson(connection: Connection, summary: JobStatusSummary, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ target: connection.target, ...extra, job: summary }, null, 2) + '\n';
}

/**
 * Rows of the file mapped through the profile, cut into bulk requests: one bulkUpload call each; and the domains of
 * the sign-in names they send, for the verified-domain check.
 */
async function inputFacts(io: CliIo, profile: Profile, input: string, options: { sheet?: string; headerRow?: number }): Promise<{ requests: number; domains: string[] }> {
  const sheet = options.sheet === undefined ? undefined : /^\d+$/.test(options.sheet) ? Number(options.sheet) : options.sheet;
  const outDir = await mkdtemp(join(tmpdir(), 'scimport-preflight-'));
  try {
    const summary = await transformFile({
      input: resolve(io.cwd, input),
      profile,
      outDir,
      ...(sheet !== undefined ? { sheet } : {}),
      ...(options.headerRow !== undefined ? { headerRow: options.headerRow } : {}),
    });
    const users: ScimUser[] = [];
    for (const name of (await readdir(outDir)).filter((n) => n.endsWith('.json'))) {
      const request = JSON.parse(await readFile(join(outDir, name), 'utf8')) as BulkRequest;
      for (const op of request.Operations) users.push(op.data);
    }
    return { requests: summary.requests, domains: signInDomains(users) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

const MARKS: Record<PreflightCheck['status'], string> = { pass: '✓', warn: '!', fail: '✗' };

/**
 * Register `scimport job status|start|pause|restart|notify` and `scimport preflight`. Every command takes the
 * profile whose target it works on (no target: the built-in sandbox; SCIMPORT_GRAPH_BASE_URL etc.: a custom
 * endpoint). Exit 0 when fine or only warnings, 1 when the job cannot process uploads or a check fails, 2 for
 * usage, input and connection problems.
 */
export function registerJobCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const job = program
    .command('job')
    .description("read and control the provisioning job of a profile's target (needs Synchronization.ReadWrite.All; status needs Synchronization.Read.All)");

  const common = (command: Command) => command.requiredOption('-p, --profile <file>', 'mapping profile (JSON) whose target is used').option('--json', 'print one JSON document');

  common(job.command('status').description('show whether the job processes uploads, and what to do if not')).action((opts: Common) =>
    guarded(io, setStatus, () =>
      withConnection(io, opts.profile, async (connection) => {
        const summary = await getJobStatus(connection.client);
        if (opts.json) io.out(statusJson(connection, summary));
        else {
          io.out(`Target: ${describeTarget(connection.spec)}\n`);
          printStatus(io, summary);
        }
        return jobExit(summary);
      }),
    ),
  );

  common(job.command('start').description('start the job (it goes into quarantine if it has no notification email)')).action((opts: Common) =>
    guarded(io, setStatus, () =>
      withConnection(io, opts.profile, async (connection) => {
        await startJob(connection.client);
        const summary = await getJobStatus(connection.client);
        if (opts.json) io.out(statusJson(connection, summary, { action: 'start' }));
        else {
          io.out(summary.code === 'active' ? 'Started.\n' : 'The start was sent, but the job is not running:\n');
          printStatus(io, summary);
        }
        return summary.code === 'active' ? EXIT.OK : EXIT.FINDINGS;
      }),
    ),
  );

  common(job.command('pause').description('pause the job: uploads are still accepted but not processed until it is started')).action((opts: Common) =>
    guarded(io, setStatus, () =>
      withConnection(io, opts.profile, async (connection) => {
        await pauseJob(connection.client);
        const summary = await getJobStatus(connection.client);
        if (opts.json) io.out(statusJson(connection, summary, { action: 'pause' }));
        else {
          io.out('Paused.\n');
          printStatus(io, summary);
        }
        return EXIT.OK;
      }),
    ),
  );

  common(
    job
      .command('restart')
      .description('restart the job with reset scopes (QuarantineState lifts a quarantine; Full forgets every uploaded user)')
      .option('--reset-scope <scopes>', `comma-separated: ${RESET_SCOPES.join(', ')}`, 'QuarantineState')
      .option('--confirm-full-reset', 'confirm a Full or ConnectorDataStore reset: Entra forgets every user this job provisioned from uploads')
      .option('--confirm-force-deletes', 'confirm ForceDeletes: the deletions the delete threshold held back go ahead'),
  ).action((opts: Common & { resetScope: string; confirmFullReset?: boolean; confirmForceDeletes?: boolean }) =>
    guarded(io, setStatus, async () => {
      try {
        parseResetScopes(opts.resetScope); // an unknown scope is a usage error: report it before connecting
        return await withConnection(io, opts.profile, async (connection) => {
          // Said before, and read before: a job that is not running purges what it has not processed yet.
          const before = await getJobStatus(connection.client);
          const scopesAsked = parseResetScopes(opts.resetScope);
          // A reset refused for want of its confirmation says only that (restartJob refuses it below).
          const refused =
            (scopesAsked.some((scope) => scope === 'Full' || scope === 'ConnectorDataStore') && opts.confirmFullReset !== true) ||
            (scopesAsked.includes('ForceDeletes') && opts.confirmForceDeletes !== true);
          if (!opts.json && !refused) io.err(`Note: ${RESTART_DROPS_CONSEQUENCE}\n`);
          const restartedAt = Date.now();
          const scopes = await restartJob(connection.client, opts.resetScope, {
            confirmFullReset: opts.confirmFullReset === true,
            confirmForceDeletes: opts.confirmForceDeletes === true,
          });
          const summary = await getJobStatus(connection.client);
          const dataDir = await ensureDataDir(io.env, io.cwd);
          const dropped = await flagDroppedByRestart({ dataDir, target: connection.target, before, restartedAt });
          if (opts.json) io.out(statusJson(connection, summary, { action: 'restart', resetScope: scopes, droppedByRestart: dropped.map((d) => ({ runId: d.runId, chunks: d.chunks, people: d.people })) }));
          else {
            io.out(`Restarted with reset scope ${scopes.join(', ')}.\n`);
            for (const d of dropped) {
              io.out(`Run ${d.runId}: ${plural(d.chunks.length, 'request')} (${plural(d.people, 'user')}) accepted but not processed yet were dropped by the restart. Send them again with \`scimport resume --resend-dropped ${d.runId}\`.\n`);
            }
            printStatus(io, summary);
          }
          return summary.code === 'active' ? EXIT.OK : EXIT.FINDINGS;
        });
      } catch (error) {
        if (isTransportError(error) && error.code === 'CONFIRMATION_REQUIRED') throw new CliError('REFUSED', error.message);
        throw error;
      }
    }),
  );

  common(
    job
      .command('notify')
      .description('set the notification email (needed before the job can run) and the accidental-deletions threshold')
      .requiredOption('--email <address>', 'who Entra emails about quarantines and failures (repeat, or separate with ";")', collect)
      .option('--delete-threshold <n>', 'deletions in one cycle that stop the job (Entra suggests 500)', positiveInteger),
  ).action((opts: Common & { email: string[]; deleteThreshold?: number }) =>
    guarded(io, setStatus, async () => {
      let recipients: string[];
      try {
        recipients = parseRecipients(opts.email);
      } catch (error) {
        throw new CliError('USAGE', `--email: ${error instanceof Error ? error.message : String(error)}`);
      }
      return withConnection(io, opts.profile, async (connection) => {
        const sent = await setNotificationSettings(connection.client, {
          recipients,
          ...(opts.deleteThreshold !== undefined ? { deleteThresholdValue: opts.deleteThreshold } : {}),
        });
        // The status only adds a hint; reading it may need a permission the app lacks, which is no failure here.
        const summary = await getJobStatus(connection.client).catch(() => undefined);
        if (opts.json) {
          io.out(JSON.stringify({ target: connection.target, notification: sent, ...(summary ? { job: summary } : {}) }, null, 2) + '\n');
          return EXIT.OK;
        }
        io.out(`Entra will email ${sent.recipients.join(', ')} about this job${sent.deleteThresholdValue !== undefined ? `; more than ${sent.deleteThresholdValue} deletions in one cycle stop it` : ''}.\n`);
        if (summary?.code === 'quarantine') io.out('The job is still in quarantine: run `scimport job restart --reset-scope QuarantineState` to lift it.\n');
        else if (summary?.code === 'notRun') io.out('The job has not been started yet: run `scimport job start`.\n');
        return EXIT.OK;
      });
    }),
  );

  program
    .command('preflight')
    .description('check sign-in, permissions, the job, its schema and the daily budget before an upload')
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON) whose target is checked')
    .option('-i, --input <file>', 'the file to upload: counts the calls it needs against the daily budget')
    .option('--sheet <name|index>', 'worksheet name, or zero-based index (xlsx)')
    .option('--header-row <n>', 'header row number as Excel shows it', positiveInteger)
    .option('--daily-quota <n>', `bulkUpload calls the tenant may make per 24 hours (${DAILY_QUOTAS.p1p2} with Entra ID P1/P2, ${DAILY_QUOTAS.governance} with Governance)`, positiveInteger)
    .option('--json', 'print one JSON document')
    .action((opts: Common & { input?: string; sheet?: string; headerRow?: number; dailyQuota?: number }) =>
      guarded(io, setStatus, async () => {
        const profile = await loadProfile(resolve(io.cwd, opts.profile));
        const facts = opts.input === undefined ? undefined : await inputFacts(io, profile, opts.input, opts);
        const needed = facts?.requests;
        return withConnection(io, opts.profile, async (connection) => {
          const report = await runPreflight({
            client: connection.client,
            profile,
            ...(needed !== undefined ? { callsNeeded: needed } : {}),
            ...(facts ? { signInDomains: facts.domains } : {}),
            dailyQuota: opts.dailyQuota ?? DAILY_QUOTAS.p1p2,
            tenantId: connection.target.tenantId,
          });
          if (opts.json) {
            io.out(JSON.stringify({ target: connection.target, callsNeeded: needed ?? null, ...report }, null, 2) + '\n');
          } else {
            io.out(`Checking ${describeTarget(connection.spec)}\n`);
            for (const check of report.checks) io.out(`${MARKS[check.status]} ${check.title}: ${check.sentence}\n`);
            const count = (status: PreflightCheck['status']) => report.checks.filter((c) => c.status === status).length;
            const failed = count('fail');
            io.out(
              `${count('pass')} passed, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${failed} failed${failed > 0 ? ': fix the failures before uploading.' : count('warn') > 0 ? ': read the warnings before uploading.' : ': ready to upload.'}\n`,
            );
          }
          return report.ok ? EXIT.OK : EXIT.FINDINGS;
        }, profile);
      }),
    );
}
