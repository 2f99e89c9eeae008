/**
 * What the services answer with: the views of the bridge contract (the request schemas and the channel table are
 * in contract.ts, which re-exports everything here). Plain data only: every view crosses IPC or HTTP as JSON.
 */
import type { BridgeErrorData } from './contract';

/** How a column's values look in the first rows, shown above the grid. */
export type ColumnType = 'text' | 'number' | 'date' | 'yes/no' | 'identifier' | 'empty';

export interface ColumnView {
  header: string;
  letter: string;
  index: number;
  type: ColumnType;
}

/** A cell as shown: the text a person sees in Excel, or null for an empty cell. */
export type CellText = string | null;

export interface RowView {
  /** Position among the data rows, from 0 (what `file:rows` and `mapping:preview` take). */
  index: number;
  /** Row number as Excel (or a text editor) shows it. */
  row: number;
  cells: CellText[];
  /** Cells holding an Excel error such as #N/A, by column letter. */
  errors?: Record<string, string>;
}

export interface FindingView {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  path?: string;
  file?: string;
  sheet?: string;
  row?: number;
  cells?: { header: string; letter: string }[];
  /** Who the row is (display name, employee id), when it was mapped to a person. */
  person?: { name?: string; externalId?: string };
  /** The value at fault as the file shows it (the duplicated id, the country `UK`). */
  value?: string;
}

/**
 * One problem of a check, with the people it concerns (the core's FindingGroup): "WorkerID 1222 is used by 4
 * different people" + "None of them is sent until each has their own WorkerID." Errors come first, then the
 * largest. `count` people are concerned; `people` lists the first 200 (row order), so `count - people.length`
 * more are not listed. `id` is stable for the same problem when the check runs again. `path` (SCIM) is for
 * Technical details only; `title`, `advice` and `text` are in HR words from the message catalogue.
 */
export interface FindingGroupView {
  id: string;
  severity: 'error' | 'warning';
  code: string;
  title: string;
  advice: string;
  /** Title, the first few people and the advice as one paragraph (plain-text views). */
  text: string;
  count: number;
  people: {
    row?: number;
    file?: string;
    sheet?: string;
    name?: string;
    externalId?: string;
    cells?: { header: string; letter: string }[];
    /** This person's own value when the group gathers several (each sign-in name, each manager id). */
    value?: string;
  }[];
  path?: string;
  /** The one value the group is about (the duplicated id, the country code). */
  value?: string;
  /** The header(s) of the column(s) concerned. */
  header?: string;
}

export interface TableInfo {
  tableId: string;
  /** Base name of the file. */
  file: string;
  path: string;
  format: 'xlsx' | 'csv';
  /** xlsx: every worksheet, in tab order. */
  sheets: string[];
  sheet?: string;
  headerRow: number;
  columns: ColumnView[];
  encoding?: string;
  delimiter?: string;
  sizeBytes: number;
  /**
   * What the services chose when the caller did not say (no sheet, or no header row): the sheet (xlsx) and the
   * header row, and one sentence why, for the File screen ("Opened the sheet “Staff” — the first with a header
   * and rows of people; “Read me” has notes only."). Absent when the request named both.
   */
  chosen?: { sheet?: string; headerRow: number; reason: string };
}

export interface TableStatus {
  tableId: string;
  rowsRead: number;
  done: boolean;
  /** Rough total when it can be estimated from the file size (CSV), for the progress bar. */
  estimatedRows?: number;
  /** Problems with the table's shape (blank or repeated headers, ragged rows). */
  findings: FindingView[];
  error?: BridgeErrorData;
}

export interface MappingSyntaxProblem {
  message: string;
  /** Offset of the mistake in the expression, from 0. */
  position: number;
  line: number;
  column: number;
}

export interface ProfileTestView {
  name: string;
  passed: boolean;
  differences: string[];
  error?: string;
}

export interface ValidationSummaryView {
  rows: number;
  valid: number;
  invalid: number;
  errors: number;
  warnings: number;
  /** People who would be sent. */
  operations: number;
  requests: number;
}

export interface ValidationStatus {
  jobId: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  rowsDone: number;
  summary?: ValidationSummaryView;
  error?: BridgeErrorData;
}

/** `retry`: unchanged in the file, sent again only because their last upload failed (see `DiffRecordView.retry`). */
export type DiffKindView = 'new' | 'changed' | 'unchanged' | 'missing' | 'returning' | 'retry';

export interface DiffView {
  diffId: string;
  /** `changed` leaves out the retries (counted in `retries`). */
  counts: { new: number; changed: number; unchanged: number; missing: number; returning: number; alreadyDisabled: number };
  /** People sent again only because their last upload failed (records of kind `retry`). */
  retries: number;
  /** People who failed for want of a manager still not in Entra: not sent until the manager is (kind `retry`). */
  waiting: number;
  /** Rows of the file with errors: not sent, never taken for leavers ("641 rows are held back — see Check"). */
  heldBack: number;
  leaverPolicy: 'ignore' | 'disable';
  /** The safety limits in force (the profile's, or the defaults where it sets none). */
  thresholds: { maxDisablePercent: number; maxDisableCount: number; maxChangePercent: number; maxChangeCount: number };
  gate: { tripped: boolean; reasons: string[] };
  /** Operations to send for new, changed and returning people. */
  operations: number;
  /** Leavers to disable. */
  disables: number;
  calls: number;
  targetLabel: string;
  /**
   * The feed (HR source) this file uploads as, when several files share one job: only its own people can be its
   * leavers, and the safety limits are percentages of them (`base`). `derived`: named from the profile's name.
   */
  feed: FeedView;
  /** People this file takes over from another feed (an intern hired as an employee), and people it hands over. */
  movedIn: FeedMoveView[];
  movedOut: FeedMoveView[];
  /** People this file and another feed both list: only `winner` sends them. */
  conflicts: FeedConflictView[];
  /** The sentences about the feed, from the catalogue: derived name, adoption, the second-feed note, moves, conflicts. */
  notes: string[];
}

export interface FeedView {
  name: string;
  derived: boolean;
  adopted: boolean;
  adoptedCount: number;
  /** The feed's own people the last uploads left active: what the safety limits' percentages are of. */
  base: number;
  /** People other feeds own and this file does not list (never its leavers). */
  others: number;
  otherFeeds: string[];
  secondFeed: boolean;
}

export interface FeedMoveView {
  externalId: string;
  /** The feed they leave (absent: nobody's, from before feeds) and the one they join. */
  from?: string;
  to: string;
  row?: number;
}

export interface FeedConflictView {
  externalId: string;
  feed: string;
  row?: number;
  other: string;
  winner: string;
  decidedBy: 'precedence' | 'incumbent';
}

export interface DiffRecordView {
  externalId: string;
  kind: DiffKindView;
  row?: number;
  displayName?: string;
  changes?: { path: string; before: unknown; after: unknown }[];
  /** Their last upload failed, so they are sent again; `reason` in HR words ("Their manager (employee id 1684) is not in Entra yet: …"). */
  /** `waitingFor`: not sent this time — their manager (this employee id) is still not in Entra. */
  retry?: { reason?: string; waitingFor?: string };
}

export interface BudgetView {
  callsNeeded: number;
  limit: number;
  used: number;
  remaining: number;
  targetLabel: string;
}

export interface PreflightView {
  ok: boolean;
  /** The target did not answer at all (offline): an upload started now waits in the outbox until it does. */
  unreachable?: boolean;
  checks: { id: string; status: 'pass' | 'warn' | 'fail'; title: string; detail: string }[];
  /**
   * For the one line shown when every check passes (`ok`, reachable; only from `upload:preflight`): "Ready to send
   * 359 people to {targetName} — 8 of today's 2,000 calls".
   */
  summary?: PreflightSummary;
}

export interface PreflightSummary {
  /** People the upload sends (new, changed, returning, retries and leavers to disable). */
  people: number;
  /** Rows of the file with errors, not sent. */
  heldBack: number;
  /** Short name of the target: "the sandbox", or the tenant. */
  targetName: string;
  targetLabel: string;
  callsNeeded: number;
  /** Calls left today before this upload. */
  callsLeftToday: number;
  limit: number;
}

/** A provisioning job's state code, as the transport reads it. */
export type JobCode = 'active' | 'paused' | 'notRun' | 'quarantine' | 'notConfigured' | 'unknown';

/** The provisioning job behind a target, for the job panel. */
export interface JobView {
  jobId: string;
  code: JobCode;
  /** Only API-driven jobs (API2AAD, API2AD) accept uploads. */
  isApiDriven: boolean;
  templateId: string | null;
  /** What this state means for an upload and what to do. */
  sentence: string;
  lastRun?: { began: string | null; ended: string | null; state: string | null; error?: string };
  quarantine?: { reason: string; since: string | null; nextAttempt: string | null };
  /** When the job last caught up with everything it was sent (ISO), or null. */
  steadyStateAt: string | null;
  targetLabel: string;
}

export interface UploadProgressView {
  chunksTotal: number;
  chunksDone: number;
  chunksFailed: number;
  calls: number;
  throttles: number;
  retries: number;
  elapsedMs: number;
  etaMs?: number;
  /** Set while the whole upload waits for the job's queue to drain ("bucket full"): until when (ms since epoch). */
  pausedUntil?: number;
}

/** What happened to a person, for grouping the results. */
export type ResultOutcome = 'created' | 'updated' | 'disabled' | 'failed' | 'skipped' | 'waiting';

export interface ResultRowView {
  externalId: string;
  row: number | null;
  /** Entra's provisioning action (create, update, disable, …); `none` while waiting for a result. */
  action: string;
  /** success, failure, skipped, warning; `pending` while waiting for a result. */
  status: string;
  outcome: ResultOutcome;
  displayName?: string;
  employeeId?: string;
  errorCode?: string;
  reason?: string;
  recommendedAction?: string;
  /** A failure said in HR words (a manager reference names the manager and what to do). */
  explanation?: string;
}

export interface UploadStatus {
  uploadId: string;
  runId: string;
  targetLabel: string;
  /** `queued`: in the outbox, waiting for the target to answer. */
  state: 'sending' | 'queued' | 'paused' | 'waiting-for-results' | 'done' | 'failed' | 'cancelled';
  /** True when only the first person was sent ("send one row first") and the rest waits for `upload:sendRest`. */
  firstOnly: boolean;
  /** People in this run, and people of the plan still to send after it. */
  people: number;
  remaining: number;
  progress: UploadProgressView;
  /**
   * `rows`: every person of the run in the file's row order, those without a result yet as `waiting`; `groups`: the
   * count of each outcome, always all six in this order: created, updated, disabled, failed, skipped, waiting.
   */
  results?: {
    complete: boolean;
    pending: number;
    /** When the people still waiting should have their result (ISO): Entra logs 5–10 minutes after processing. */
    expectedBy?: string;
    /** They are still waiting after that (a job to check; still not failed). */
    late?: boolean;
    note?: string;
    summary: Record<string, Record<string, number>>;
    rows: ResultRowView[];
    groups: { outcome: ResultOutcome; count: number }[];
  };
  /**
   * Once the upload has ended (done, cancelled, failed): its comparison recomputed against the updated snapshot —
   * what the next upload would send (zero when everything was accepted), with a new diffId for `upload:start`.
   * The comparison the upload came from is refused by `upload:start` from the moment it starts.
   */
  nextDiff?: DiffView;
  /** The sandbox's clock runs this many times faster than real time (shown as "Sandbox: time runs ×N"). */
  sandboxTimeScale?: number;
  /** The feed the upload sends as (absent for uploads from before feeds, restored from the outbox). */
  feed?: string;
  /** A sentence for the status line. */
  message: string;
  error?: BridgeErrorData;
}

export interface HistoryView {
  runId: string;
  startedAt: string;
  finishedAt: string;
  user: string;
  file?: { name: string; sha256: string };
  profile: { name: string; version: number };
  feed?: string;
  target?: { tenantId?: string; jobId?: string };
  operations?: number;
  disables?: number;
  calls: number;
  outcome: string;
  message?: string;
  /** The run this one undid. */
  undoOf?: string;
  /** Its undo record is kept: "Undo this upload" is offered. */
  undoable?: boolean;
}

/** What undoing an upload would send, before anything is sent. */
export interface UndoPreviewView {
  undoId: string;
  runId: string;
  /** When the upload being undone started, and its file. */
  startedAt: string;
  fileName?: string;
  targetLabel: string;
  /** People the upload changed: their previous record is sent again. */
  restore: number;
  /** People it disabled: re-enabled with their previous record. */
  reenable: number;
  /** People it created: disabled (bulkUpload cannot delete). */
  disable: number;
  /** People already as they were before it. */
  unchanged: number;
  /** People a later upload changed again: left alone unless included. */
  conflicts: { externalId: string; reason: 'changed' | 'gone'; changedBy?: string }[];
  conflictsIncluded: boolean;
  /** People sent in all, and the requests (calls) that takes. */
  people: number;
  callsNeeded: number;
  callsLeftToday: number;
  limit: number;
  /** The checks before an upload (absent when there is nothing to send). */
  preflight?: PreflightView;
  /** This upload was undone before (an undo again sends only what differs now). */
  undoneBefore: boolean;
}

export interface AppInfo {
  mode: 'electron' | 'web';
  version: string;
  dataDir: string;
  helpers: { name: string; signature: string; description: string }[];
  /** Whether secrets survive a restart (Electron's keychain) or live only in memory (the browser bridge). */
  secretsPersist: boolean;
}

/** A checked copy of the person's file (`validate:annotated`, `upload:annotated`): save `dataBase64` as `fileName`. */
export interface AnnotatedFileView {
  /** `<file>-checked.xlsx` or `<file>-results.xlsx`. */
  fileName: string;
  /** The .xlsx bytes, base64. */
  dataBase64: string;
}

export interface RecentView {
  files: { path: string; name: string; openedAt: string }[];
  profiles: { path: string; name: string; version: number; savedAt: string }[];
}
