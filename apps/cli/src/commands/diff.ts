/**
 * `scimport diff`, and the snapshot bookkeeping that `upload`, `resume` and `status` share: what the file
 * holds against what the target last accepted, the plan (delta + leavers + safety gate) built from it, and
 * the snapshot updates once Entra has answered.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  BulkChunker,
  type BulkOperation,
  type BulkRequest,
  type CurrentUser,
  type DiffRecord,
  type DiffResult,
  type Profile,
  type Snapshot,
  type SnapshotTarget,
  type TransformSummary,
  type UploadPlan,
  SnapshotRecorder,
  SnapshotStore,
  diffUsers,
  feedMessages,
  feedOf,
  isFeedDerived,
  loadProfile,
  planUpload,
  snapshotKeyFromEnv,
} from '@scimport/core';
import { type Run, type RunResults, RunRecorder, lockTarget } from '@scimport/transport';
import { dataDirPath } from '../data-dir';
import { EXIT } from '../errors';
import { formatFinding, plural } from '../format';
import type { CliIo } from '../io';
import { runTransformLike } from './transform';
import { describeTarget, specFromProfile, targetOf } from './upload-connection';

/** Folder of the snapshots inside the data folder (one file per tenant + job). */
export const SNAPSHOT_DIR = 'snapshots';

/** The snapshot store of a data folder, encrypted when SCIMPORT_SNAPSHOT_KEY is set. */
export function snapshotStore(io: CliIo, dataDir: string): SnapshotStore {
  return new SnapshotStore({ dir: join(dataDir, SNAPSHOT_DIR), key: snapshotKeyFromEnv(io.env) });
}

export interface DeltaArgs {
  input: string;
  /** Path of the profile as given (resolved against io.cwd). */
  profile: string;
  sheet?: string;
  headerRow?: number;
  /** Folder the transform writes its bulk files and errors.csv into (the caller removes it). */
  staging: string;
  dataDir: string;
  target: SnapshotTarget;
  full?: boolean;
  allowMassChanges?: boolean;
}

/** What the file holds against the target's snapshot, and what an upload would send. */
export interface Delta {
  profile: Profile;
  summary: TransformSummary;
  /** The diff as reported: `missing` no longer holds people whose rows have errors (see `leftOut`). */
  diff: DiffResult;
  plan: UploadPlan;
  /** People of the snapshot whose rows are in the file but have errors: neither leavers nor sent. */
  leftOut: string[];
  /**
   * Leavers not disabled in this run although the policy is `disable`: some rows with errors have no
   * readable externalId, so any leaver might be one of them. 0 when nothing was withheld.
   */
  withheld: number;
  /** Rows with errors whose externalId cannot be read. */
  unidentified: number;
  /** People in the snapshot before this run (all of them, every feed's, disabled included). */
  snapshotSize: number;
  /** The feed's own people the last uploads left active: the base of the gate's percentages. */
  snapshotActive: number;
  /** The feed this file uploads as (`feedOf(profile)`), and whether that name was derived from the profile's. */
  feed: string;
  derived: boolean;
  /** The snapshot the plan was made from (the upload records into it while it holds the target's lock). */
  snapshot: Snapshot;
}

/** The operations of the bulk files a transform wrote, in upload order (managers first). */
async function readOperations(summary: TransformSummary): Promise<BulkOperation[]> {
  const ops: BulkOperation[] = [];
  for (const file of summary.written.filter((f) => /bulk-\d+\.json$/.test(f))) {
    const request = JSON.parse(await readFile(file, 'utf8')) as BulkRequest;
    ops.push(...request.Operations);
  }
  return ops;
}

/**
 * Transform the file into `staging`, compare it with the target's snapshot and plan the upload. Throws
 * CoreError SNAPSHOT_UNREADABLE (reported with what to do) when the snapshot cannot be read.
 */
export async function computeDelta(io: CliIo, args: DeltaArgs): Promise<Delta> {
  const profile = await loadProfile(resolve(io.cwd, args.profile));
  const summary = await runTransformLike(
    io,
    { input: args.input, profile: args.profile, out: args.staging, ...(args.sheet !== undefined ? { sheet: args.sheet } : {}), ...(args.headerRow !== undefined ? { headerRow: args.headerRow } : {}) },
    true,
  );
  const rowOf = new Map(summary.sent.map((s) => [s.externalId, s.row]));
  const current: CurrentUser[] = (await readOperations(summary)).map((op) => {
    const row = rowOf.get(op.data.externalId);
    return { externalId: op.data.externalId, data: op.data, ...(row !== undefined ? { row } : {}) };
  });
  const snapshot = await snapshotStore(io, args.dataDir).load(args.target);
  // Each file is one feed of the job: only its own people can be its leavers, and the gate's percentages
  // are of them (core's plan.feed.base), not of everyone the other files sent.
  const feed = feedOf(profile);
  const full = diffUsers(current, snapshot, { feed, ...(profile.precedence !== undefined ? { precedence: profile.precedence } : {}) });
  // Core keeps people on rows with errors out of the leavers, and disables nobody while such a row has
  // no readable externalId; it also keeps unchanged retries out of the gate's count.
  const plan = planUpload(full, profile, {
    feed,
    ...(args.full ? { full: true } : {}),
    ...(args.allowMassChanges ? { allowMassChanges: true } : {}),
    heldBack: { externalIds: summary.heldBack, unidentified: summary.heldBackUnidentified },
  });
  const leftOut = plan.heldBack;
  const out = new Set(leftOut);
  const records = full.records.filter((r) => !(r.kind === 'missing' && out.has(r.externalId)));
  const diff: DiffResult = { counts: { ...full.counts, missing: full.counts.missing - leftOut.length }, records, ...(plan.feed ? { feed: plan.feed } : {}) };
  return {
    profile,
    summary,
    diff,
    plan,
    leftOut,
    withheld: plan.disablesWithheld,
    unidentified: summary.heldBackUnidentified,
    snapshotSize: snapshot.size,
    snapshotActive: plan.feed?.base ?? 0,
    feed,
    derived: isFeedDerived(profile),
    snapshot,
  };
}

/** The plan's operations, then the disables, cut into bulk requests at the profile's chunk size. */
export function chunkPlan(plan: UploadPlan, profile: Profile): BulkRequest[] {
  const chunker = new BulkChunker({
    ...(profile.output?.chunkSize !== undefined ? { chunkSize: profile.output.chunkSize } : {}),
    ...(profile.output?.failOnErrors !== undefined ? { failOnErrors: profile.output.failOnErrors } : {}),
  });
  const requests: BulkRequest[] = [];
  for (const op of [...plan.operations, ...plan.disables]) {
    const full = chunker.push(op);
    if (full) requests.push(full);
  }
  const last = chunker.flush();
  if (last) requests.push(last);
  return requests;
}

/**
 * How long `status` waits for an upload holding the target's lock before leaving the recording to it: that upload
 * saves the snapshot as it goes, and `status` can be run again later.
 */
const STATUS_LOCK_WAIT_MS = 10_000;

/**
 * Records in the target's snapshot what the journal says Entra accepted for `run` and is not recorded yet, and — with
 * `results` — the failures the provisioning logs report (core's SnapshotRecorder through the transport's
 * RunRecorder, the same bookkeeping as `upload` and the app). Takes the target's lock for the moment it takes.
 * Returns how many people were recorded and marked.
 */
export async function recordRun(io: CliIo, run: Run, results?: RunResults): Promise<{ accepted: number; failed: number }> {
  const lock = await lockTarget(run.dataDir, run.manifest.target, { waitMs: STATUS_LOCK_WAIT_MS, purpose: 'recording a run' });
  try {
    const recorder = await RunRecorder.open(run, { store: snapshotStore(io, run.dataDir) });
    const accepted = await recorder.catchUp();
    const failed = results ? await recorder.failures(results) : 0;
    return { accepted, failed };
  } finally {
    await lock.release();
  }
}

/**
 * Records what the feed's run decided about ownership (adoption, hand-overs, claims) in the snapshot the plan was
 * made from, and saves it: before anything is sent, under the target's lock, once the gate has passed.
 */
export async function recordFeedRun(io: CliIo, dataDir: string, target: SnapshotTarget, delta: Pick<Delta, 'plan' | 'feed' | 'snapshot'>): Promise<void> {
  if (!delta.plan.feed) return;
  const recorder = await SnapshotRecorder.open({ store: snapshotStore(io, dataDir), target, feed: delta.feed, snapshot: delta.snapshot });
  await recorder.feedRun(delta.plan.feed);
}

/** The feed sentences of a delta: its name, then what core's feedMessages says (adoption, moves, conflicts). */
export function feedLines(delta: Pick<Delta, 'plan' | 'feed' | 'derived'>): string[] {
  if (!delta.plan.feed) return [`Feed: "${delta.feed}".`];
  return [`Feed: "${delta.feed}".`, ...feedMessages(delta.plan.feed, { derived: delta.derived })];
}

/** The feed as `diff --json` and `upload --json` give it; `movedIn` / `movedOut` go beside it at the top. */
export function feedJson(delta: Pick<Delta, 'plan' | 'feed' | 'derived'>) {
  const f = delta.plan.feed;
  return {
    name: delta.feed,
    derived: delta.derived,
    ...(f
      ? {
          adopted: f.adopted,
          adoptedCount: f.adoptedCount,
          base: f.base,
          others: f.others,
          otherFeeds: f.otherFeeds,
          secondFeed: f.secondFeed,
          conflicts: f.conflicts,
          messages: feedMessages(f, { derived: delta.derived }),
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

/** What the leaver policy does with the missing people, in words. */
export function leaverAction(delta: Pick<Delta, 'profile' | 'withheld'>): string {
  const policy = delta.profile.leavers?.policy ?? 'ignore';
  if (policy === 'ignore') return 'will be left as they are in Entra (leavers policy "ignore")';
  if (delta.withheld > 0) return 'will NOT be disabled this time (leavers policy "disable", but some rows with errors have no readable externalId)';
  return 'will be disabled (active: false; leavers policy "disable")';
}

const people = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'person' : 'people'}`;

const MAX_VALUE = 80;

function showValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function recordAction(record: DiffRecord, delta: Pick<Delta, 'profile' | 'withheld'>): string | undefined {
  if (record.kind !== 'missing') return undefined;
  if ((delta.profile.leavers?.policy ?? 'ignore') === 'ignore') return 'none';
  return delta.withheld > 0 ? 'withheld' : 'disable';
}

/** The manager a person waits for (failed for want of them, still not in Entra), if any. */
function waitingOf(delta: Pick<Delta, 'plan'>, record: DiffRecord): string | undefined {
  return delta.plan.waiting.find((w) => w.externalId === record.externalId)?.manager;
}

/** The `records` of `diff --json`: everyone but the unchanged, in file order, then the missing. */
export function diffRecordsJson(delta: Delta) {
  return delta.diff.records
    .filter((r) => r.kind !== 'unchanged')
    .map((r) => {
      const action = recordAction(r, delta);
      return {
        externalId: r.externalId,
        kind: r.kind,
        row: r.row ?? null,
        changes: r.changes ? r.changes.map((c) => ({ path: c.path, before: c.before ?? null, after: c.after ?? null })) : null,
        ...(r.retry ? { retry: true } : {}),
        ...(waitingOf(delta, r) ? { waitingFor: waitingOf(delta, r) } : {}),
        ...(action ? { action } : {}),
      };
    });
}

/** The diff's counts as the CLI prints them (numbers). */
export function countsJson(delta: Delta) {
  const c = delta.diff.counts;
  return { new: c.new, changed: c.changed, unchanged: c.unchanged, missing: c.missing, returning: c.returning, alreadyDisabled: c.alreadyDisabled, leftOut: delta.leftOut.length };
}

/** The counts block: one line per kind, what happens to the missing, and the notes that go with it. */
export function printCounts(io: CliIo, delta: Delta): void {
  const c = delta.diff.counts;
  for (const line of feedLines(delta)) io.out(line + '\n');
  if (delta.snapshotSize === 0) io.out('No upload to this target is recorded on this computer yet: everyone in the file is new.\n');
  else {
    const others = delta.plan.feed?.others ?? 0;
    const elsewhere = others > 0 ? `; ${people(others)} of other feeds, never leavers of this one` : '';
    io.out(`Compared with the last accepted upload to this target (${people(delta.snapshotActive)} of the feed "${delta.feed}" active${elsewhere}):\n`);
  }
  const line = (label: string, n: number, note = '') => io.out(`  ${label.padEnd(10)} ${n.toLocaleString('en-US').padStart(7)}${note ? `  ${note}` : ''}\n`);
  line('new', c.new);
  line('changed', c.changed);
  line('unchanged', c.unchanged);
  line('missing', c.missing, c.missing > 0 ? leaverAction(delta) : '');
  line('returning', c.returning, c.returning > 0 ? 'will be re-enabled' : '');
  if (delta.leftOut.length > 0) {
    io.out(`  ${people(delta.leftOut.length)} of the last upload ${delta.leftOut.length === 1 ? 'is' : 'are'} in the file on rows with errors: not sent and not treated as leavers.\n`);
  }
  if (delta.plan.waiting.length > 0) {
    io.out(`  ${people(delta.plan.waiting.length)} failed last time because their manager is not in Entra, and the manager still is not: not sent again until the manager is (--full sends them anyway).\n`);
  }
  if (delta.withheld > 0) {
    io.out(
      `  ${plural(delta.unidentified, 'row')} with errors ${delta.unidentified === 1 ? 'has' : 'have'} no readable externalId, so scimport cannot tell whether ${delta.unidentified === 1 ? 'it is' : 'they are'} among the ${plural(delta.withheld, 'leaver')}; ` +
        'nobody is disabled until those rows are fixed.\n',
    );
  }
}

/** Every record that is not unchanged, with its attribute changes. */
export function printRecords(io: CliIo, delta: Delta): void {
  for (const r of delta.diff.records) {
    if (r.kind === 'unchanged') continue;
    const where = r.row !== undefined ? `row ${r.row}` : '';
    const manager = waitingOf(delta, r);
    const retry = manager !== undefined
      ? ` (its last upload failed because manager ${manager} is not in Entra: waits until that manager is)`
      : r.retry ? ' (its last upload failed: sent again)' : '';
    const head = `${r.kind.padEnd(9)} ${where.padEnd(9)} externalId ${r.externalId}${retry}`;
    if (r.kind === 'missing') {
      io.out(`${head}: ${leaverAction(delta)}\n`);
      continue;
    }
    io.out(head + '\n');
    for (const change of r.changes ?? []) io.out(`            ${change.path}: ${showValue(change.before)} → ${showValue(change.after)}\n`);
  }
}

/** The gate's verdict and what an upload would send. */
export function printGate(io: CliIo, delta: Delta): void {
  const { plan } = delta;
  const users = plan.operations.length;
  const disables = plan.disables.length;
  const what = `${plural(users, 'user')}${disables > 0 ? ` and ${plural(disables, 'disable')}` : ''} in ${plural(plan.calls, 'request')}`;
  if (plan.gate.tripped) {
    io.out(`Safety gate: an upload would be stopped before sending anything (it would send ${what}):\n`);
    for (const reason of plan.gate.reasons) io.out(`  ${reason}\n`);
  } else if (plan.gate.reasons.length > 0) {
    io.out(`Safety gate: passed with --allow-mass-changes, although:\n`);
    for (const reason of plan.gate.reasons) io.out(`  ${reason}\n`);
  } else if (users + disables === 0) {
    io.out('Safety gate: passes. Nothing changed since the last upload: an upload would send nothing.\n');
  } else {
    io.out(`Safety gate: passes. An upload would send ${what}.\n`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// scimport diff

export interface DiffArgs {
  input: string;
  profile: string;
  sheet?: string;
  headerRow?: number;
  json?: boolean;
  full?: boolean;
}

/**
 * `scimport diff`: the file against the snapshot of its target's last accepted upload. Sends nothing and
 * writes nothing in the data folder. Exit 0; 1 when an upload would be stopped by the safety gate or rows
 * are left out because of errors (so a scheduler notices before the upload does).
 */
export async function diffCommand(io: CliIo, args: DiffArgs): Promise<number> {
  const profilePath = resolve(io.cwd, args.profile);
  const profile = await loadProfile(profilePath);
  const spec = specFromProfile(profile, profilePath, io);
  const target = targetOf(spec);
  const dataDir = dataDirPath(io.env, { cwd: io.cwd });
  // A private temporary folder (mkdtemp makes it 0700): the bulk files hold personal data.
  const staging = await mkdtemp(join(tmpdir(), 'scimport-diff-'));
  let delta: Delta;
  try {
    delta = await computeDelta(io, {
      input: args.input,
      profile: args.profile,
      ...(args.sheet !== undefined ? { sheet: args.sheet } : {}),
      ...(args.headerRow !== undefined ? { headerRow: args.headerRow } : {}),
      staging,
      dataDir,
      target,
      ...(args.full ? { full: true } : {}),
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const { summary, plan } = delta;
  if (args.json) {
    io.out(
      JSON.stringify({
        ...countsJson(delta),
        records: diffRecordsJson(delta),
        file: summary.file,
        rows: summary.rows,
        valid: summary.valid,
        invalid: summary.invalid,
        target: { tenantId: target.tenantId, jobId: target.jobId },
        feed: feedJson(delta),
        movedIn: plan.feed?.movedIn ?? [],
        movedOut: plan.feed?.movedOut ?? [],
        leavers: { policy: profile.leavers?.policy ?? 'ignore', disables: plan.disables.length, withheld: delta.withheld },
        operations: plan.operations.length,
        disables: plan.disables.length,
        calls: plan.calls,
        gate: { tripped: plan.gate.tripped, reasons: plan.gate.reasons, thresholds: plan.thresholds },
      }) + '\n',
    );
  } else {
    const where = summary.sheet ? `${summary.file}, sheet ${summary.sheet}` : summary.file;
    io.out(`Read ${plural(summary.rows, 'row')} from ${where}: ${plural(summary.valid, 'row')} valid, ${plural(summary.invalid, 'row')} left out because of errors.\n`);
    for (const finding of summary.findings.filter((f) => f.severity === 'error').slice(0, 5)) io.out(formatFinding(finding) + '\n');
    if (summary.errors > 5) io.out(`… and ${plural(summary.errors - 5, 'more error')} (run \`scimport validate\` to see them all).\n`);
    io.out(`Target: ${describeTarget(spec)}.\n`);
    printCounts(io, delta);
    printRecords(io, delta);
    printGate(io, delta);
  }
  return plan.gate.tripped || summary.invalid > 0 ? EXIT.FINDINGS : EXIT.OK;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return Number(value);
}

/** Adds `diff` to the program; `setStatus` receives its exit status. */
export function registerDiffCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('diff')
    .description('compare a file with the last accepted upload to its target: new, changed, unchanged, missing (leavers), returning')
    .argument('<input>', '.xlsx, .csv or .txt file')
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON)')
    .option('--sheet <name|index>', 'worksheet name, or zero-based index (xlsx)')
    .option('--header-row <n>', 'header row number as Excel shows it', positiveInteger)
    .option('--full', 'plan as `upload --full` would (everyone resent)')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Exit status: 0, or 1 when the safety gate would stop an upload or rows are left out because of errors.
Snapshots are kept per tenant and job in <data folder>/${SNAPSHOT_DIR}; set SCIMPORT_SNAPSHOT_KEY (32 bytes as
64 hex or 44 base64 characters, e.g. \`openssl rand -base64 32\`) to keep them encrypted.
`,
    )
    .action(async (input: string, opts: Omit<DiffArgs, 'input'>) => {
      setStatus(await diffCommand(io, { ...opts, input }));
    });
}
