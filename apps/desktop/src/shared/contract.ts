/**
 * The one typed contract between the renderer and the services, whatever carries it (Electron IPC through the
 * preload, or the local HTTP bridge). Each channel has a request schema (checked on the services' side before
 * anything runs) and a response type. Errors cross as data — `{ ok: false, error: { code, message } }` — and are
 * rebuilt as a BridgeError on the other side, so the renderer never sees a stack trace or a class it cannot
 * reconstruct.
 */
import { z } from 'zod';
import { t } from '@scimport/messages';
import type { Channel } from './channels';
import { extensionSchema, mappingFormSchema, type MappingFormView, type MappingHintView } from './mapping-form';
import type { AnnotatedFileView, AppInfo, BudgetView, ColumnView, DiffRecordView, DiffView, FindingGroupView, FindingView, HistoryView, JobView, MappingSyntaxProblem, PreflightView, ProfileTestView, RecentView, RowView, TableInfo, TableStatus, UndoPreviewView, UploadStatus, ValidationStatus } from './views';

export { CHANNELS, isChannel, ipcName, type Channel } from './channels';

// ---------------------------------------------------------------------------------------------------------
// Errors as data

/** What went wrong, in categories the renderer can act on (the message says the rest, in plain words). */
export const BRIDGE_ERROR_CODES = {
  INVALID_INPUT: 'The request did not have the expected shape (a bug in the app, or a page that is not ours).',
  UNKNOWN_CHANNEL: 'The request named a channel that is not on the allow-list.',
  NOT_FOUND: 'The file, table, check or upload asked for is not open (any more).',
  FILE: 'The spreadsheet cannot be read as it is.',
  PROFILE: 'The mapping profile cannot be read, saved or used as it is.',
  MAPPING: 'The mapping has a mistake.',
  SNAPSHOT: 'The record of the last upload cannot be read.',
  CONNECTION: 'The target could not be reached or refused the sign-in.',
  REFUSED: 'The action was refused to protect the data (budget, safety check, a run already going).',
  CANCELLED: 'The work was cancelled.',
  UNSUPPORTED: 'The action is not available in this window (for example a file dialog in the browser).',
  INTERNAL: 'Something unexpected went wrong inside the app.',
} as const;

export type BridgeErrorCode = keyof typeof BRIDGE_ERROR_CODES;

export interface BridgeErrorData {
  code: BridgeErrorCode;
  /** One or two sentences for the person at the keyboard: what happened and what to do. */
  message: string;
  /** Where it applies, when known (row numbers as Excel shows them, JSONata offsets from 0). */
  location?: { file?: string; sheet?: string; row?: number; column?: string; field?: string; position?: number };
}

/** The envelope every bridge reply travels in. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: BridgeErrorData };

/** An error rebuilt from its data on the renderer's side of the bridge. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: BridgeErrorCode;
  readonly location: NonNullable<BridgeErrorData['location']>;

  constructor(data: BridgeErrorData) {
    super(data.message);
    this.code = data.code;
    this.location = data.location ?? {};
  }

  toData(): BridgeErrorData {
    return { code: this.code, message: this.message, ...(Object.keys(this.location).length ? { location: this.location } : {}) };
  }
}

export function isBridgeError(value: unknown): value is BridgeError {
  return value instanceof BridgeError || (value instanceof Error && value.name === 'BridgeError' && 'code' in value);
}

/** Unwraps an envelope: the result, or a thrown BridgeError. Anything not shaped like an envelope is an INTERNAL error. */
export function openEnvelope<T>(value: unknown): T {
  if (value && typeof value === 'object' && 'ok' in value) {
    const envelope = value as Envelope<T>;
    if (envelope.ok) return envelope.result;
    const error = envelope.error;
    if (error && typeof error.message === 'string' && typeof error.code === 'string' && error.code in BRIDGE_ERROR_CODES) throw new BridgeError(error);
  }
  throw new BridgeError({ code: 'INTERNAL', message: t('app.client.unreadable') });
}

// ---------------------------------------------------------------------------------------------------------
// Shared shapes

/** A profile as it travels: checked fully (schema and secrets) by the services when it is saved or used for a run. */
const profileSchema = z.looseObject({
  name: z.string().max(200),
  version: z.number().int().min(0),
  mapping: z.string().max(1_000_000),
});

/** The leavers policy and safety limits, as the Changes screen sets them. */
const leaversSchema = z
  .object({
    policy: z.enum(['ignore', 'disable']),
    maxDisablePercent: z.number().min(0).max(100).optional(),
    maxDisableCount: z.number().int().min(0).optional(),
    maxChangePercent: z.number().min(0).max(100).optional(),
    maxChangeCount: z.number().int().min(0).optional(),
  })
  .strict();

export type ProfileData = z.infer<typeof profileSchema> & {
  description?: string;
  input?: { sheet?: string | number; headerRow?: number; encoding?: string; delimiter?: string; dateFormat?: string };
  extension?: { namespace: string; attributes: { name: string; type: string; multiValued?: boolean; required?: boolean; description?: string }[] };
  lookups?: Record<string, Record<string, string>>;
  tests?: { name?: string; row: Record<string, string | number | boolean>; expect: Record<string, unknown> }[];
  output?: { chunkSize?: number; failOnErrors?: number };
  target?: TargetIds & { cloud?: CloudName; auth?: AuthKind; certificatePath?: string };
  leavers?: { policy: 'ignore' | 'disable'; maxDisablePercent?: number; maxDisableCount?: number; maxChangePercent?: number; maxChangeCount?: number };
  /** The HR source this profile uploads as, when several files share one job (passes the loose schema as is). */
  feed?: string;
  /** This feed's rank when two feeds list one person (1 wins over 2). */
  precedence?: number;
};

export type CloudName = 'global' | 'usgov' | 'dod' | 'china';
export type AuthKind = 'secret' | 'certificate' | 'interactive' | 'deviceCode';
export interface TargetIds {
  tenantId?: string;
  clientId?: string;
  servicePrincipalId?: string;
  jobId?: string;
}

const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'an id of letters, digits, _ and -');
const guidLike = z.string().trim().min(1).max(200).regex(/^[^\s/?#]+$/, 'an id without spaces, /, ? or #');
const path = z.string().min(1).max(4096);
const page = { start: z.number().int().min(0), count: z.number().int().min(1).max(5000) };

const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sandbox') }),
  z.object({
    kind: z.literal('tenant'),
    cloud: z.enum(['global', 'usgov', 'dod', 'china']).default('global'),
    tenantId: guidLike,
    clientId: guidLike,
    servicePrincipalId: guidLike,
    jobId: guidLike,
    auth: z.enum(['secret', 'certificate']),
    certificatePath: path.optional(),
  }),
]);

/** Where an upload goes: the built-in sandbox (the default, nothing leaves the computer) or a real tenant. */
export type TargetSpec = z.infer<typeof targetSchema>;

// The views (what the services answer with) live in views.ts; everything is reachable from this one file.
export * from './views';

// ---------------------------------------------------------------------------------------------------------
// Channels: request schemas and response types

const empty = z.object({}).strict();

/** Request schemas: every call's input is checked against these before a service sees it. */
export const REQUESTS = {
  'app:info': empty,
  'recent:list': empty,
  'dialog:openFile': z.object({ purpose: z.enum(['table', 'profile', 'psd1']) }).strict(),
  'file:upload': z.object({ name: z.string().min(1).max(255), dataBase64: z.string().max(400 * 1024 * 1024) }).strict(),
  /** A path the person typed in the start screen: recorded as chosen in the browser (development) only. */
  'file:choose': z.object({ path }).strict(),
  'file:open': z
    .object({
      path,
      sheet: z.union([z.string().max(255), z.number().int().min(0)]).optional(),
      headerRow: z.number().int().min(1).max(1_048_576).optional(),
      /** The profile's `input` (its sheet and header row), applied unless `sheet` / `headerRow` say otherwise. */
      profile: z
        .object({ sheet: z.union([z.string().max(255), z.number().int().min(0)]).optional(), headerRow: z.number().int().min(1).max(1_048_576).optional() })
        .strict()
        .optional(),
    })
    .strict(),
  'file:status': z.object({ tableId: id }).strict(),
  'file:rows': z.object({ tableId: id, ...page }).strict(),
  'file:rowAt': z.object({ tableId: id, row: z.number().int().min(1) }).strict(),
  'file:close': z.object({ tableId: id }).strict(),
  'profile:autoMap': z.object({ tableId: id, name: z.string().max(200).optional() }).strict(),
  'profile:importPsd1': z.object({ text: z.string().max(5_000_000), fileName: z.string().max(255).optional() }).strict(),
  'profile:parse': z.object({ text: z.string().max(5_000_000), fileName: z.string().max(255).optional() }).strict(),
  'profile:load': z.object({ path }).strict(),
  'profile:save': z.object({ profile: profileSchema, path: path.optional(), saveAs: z.boolean().optional() }).strict(),
  'profile:list': empty,
  'mapping:check': z.object({ mapping: z.string().max(1_000_000) }).strict(),
  'mapping:preview': z.object({ tableId: id, index: z.number().int().min(0), profile: profileSchema }).strict(),
  'mapping:tests': z.object({ profile: profileSchema }).strict(),
  'mapping:toForm': z.object({ mapping: z.string().max(1_000_000), extension: extensionSchema.optional() }).strict(),
  'mapping:fromForm': z.object({ form: mappingFormSchema, extension: extensionSchema.optional() }).strict(),
  'mapping:hints': z.object({ tableId: id, mapping: z.string().max(1_000_000) }).strict(),
  'mapping:fit': z.object({ tableId: id, mapping: z.string().max(1_000_000) }).strict(),
  'validate:start': z.object({ tableId: id, profile: profileSchema }).strict(),
  'validate:status': z.object({ jobId: id }).strict(),
  'validate:findings': z.object({ jobId: id, onlyErrors: z.boolean(), ...page }).strict(),
  'validate:cancel': z.object({ jobId: id }).strict(),
  'validate:report': z.object({ jobId: id }).strict(),
  'validate:groups': z.object({ jobId: id, onlyErrors: z.boolean() }).strict(),
  'validate:annotated': z.object({ jobId: id }).strict(),
  'diff:compute': z.object({ jobId: id, target: targetSchema, leavers: leaversSchema.optional() }).strict(),
  'diff:records': z.object({ diffId: id, kind: z.enum(['all', 'new', 'changed', 'unchanged', 'missing', 'returning', 'retry']), ...page }).strict(),
  'upload:budget': z.object({ diffId: id }).strict(),
  'upload:testConnection': z.object({ target: targetSchema, diffId: id.optional() }).strict(),
  'upload:preflight': z.object({ diffId: id }).strict(),
  'job:status': z.object({ target: targetSchema }).strict(),
  'job:start': z.object({ target: targetSchema }).strict(),
  'job:pause': z.object({ target: targetSchema }).strict(),
  'job:notify': z
    .object({
      target: targetSchema,
      email: z.string().trim().min(1, 'an email address').max(2000),
      /** Deletions in one cycle that stop the job; null switches the threshold off. */
      deleteThreshold: z.number().int().min(1).max(1_000_000).nullable(),
    })
    .strict(),
  'upload:start': z.object({ diffId: id, firstOnly: z.boolean().optional(), allowMassChanges: z.boolean().optional() }).strict(),
  'upload:status': z.object({ uploadId: id }).strict(),
  'upload:pause': z.object({ uploadId: id }).strict(),
  'upload:resume': z.object({ uploadId: id }).strict(),
  'upload:cancel': z.object({ uploadId: id }).strict(),
  'upload:sendRest': z.object({ uploadId: id }).strict(),
  'upload:resultsReport': z.object({ uploadId: id }).strict(),
  'upload:annotated': z.object({ uploadId: id }).strict(),
  'upload:outbox': empty,
  'upload:online': empty,
  'secrets:set': z.object({ tenantId: guidLike, clientId: guidLike, secret: z.string().min(1).max(4096) }).strict(),
  'secrets:has': z.object({ tenantId: guidLike, clientId: guidLike }).strict(),
  'secrets:delete': z.object({ tenantId: guidLike, clientId: guidLike }).strict(),
  'history:list': empty,
  'undo:preview': z.object({ runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/), includeConflicts: z.boolean().optional() }).strict(),
  'undo:start': z.object({ undoId: id }).strict(),
} satisfies Record<Channel, z.ZodType>;

/** Response types, one per channel. */
export interface Responses {
  'app:info': AppInfo;
  'recent:list': RecentView;
  'dialog:openFile': { path?: string };
  'file:upload': { path: string };
  'file:choose': { path: string };
  'file:open': TableInfo;
  'file:status': TableStatus;
  'file:rows': { rows: RowView[]; rowsRead: number; done: boolean };
  'file:rowAt': { row?: RowView; columns: ColumnView[] };
  'file:close': { closed: boolean };
  'profile:autoMap': { profile: ProfileData; notes: string[]; unplaced: string[]; missingRequired: string[]; placements: { header: string; path: string; confidence: string }[] };
  'profile:importPsd1': { profile: ProfileData; untranslated: { key: string; source: string; reason: string }[] };
  'profile:parse': { profile: ProfileData };
  'profile:load': { profile: ProfileData; path: string };
  'profile:save': { profile: ProfileData; path: string };
  'profile:list': { profiles: { path: string; name: string; version: number }[] };
  'mapping:check': { ok: true } | { ok: false; problem: MappingSyntaxProblem };
  'mapping:preview': { row: RowView; user?: unknown; findings: FindingView[]; syntax?: MappingSyntaxProblem };
  'mapping:tests': { results: ProfileTestView[] };
  /** The mapping as the form shows it, attribute by attribute. */
  'mapping:toForm': MappingFormView;
  /** The form written as JSONata; `extension` when the form needs a custom attribute the profile lacks (the hire date). */
  'mapping:fromForm': { mapping: string; extension?: NonNullable<ProfileData['extension']> };
  /** Mistakes in the mapping for the open file's columns, where they are and in words. */
  'mapping:hints': { hints: MappingHintView[] };
  /** Which columns the mapping reads that the open file has (`present`) and has not (`missing`); fits when none is missing. */
  'mapping:fit': { fits: boolean; missing: string[]; present: string[] };
  'validate:start': { jobId: string };
  'validate:status': ValidationStatus;
  'validate:findings': { total: number; findings: FindingView[] };
  'validate:cancel': { cancelled: boolean };
  'validate:report': { fileName: string; csv: string };
  /** `heldBack`: rows with errors, not sent (0 until the check is done). */
  'validate:groups': { groups: FindingGroupView[]; heldBack: number };
  /** The checked file as an .xlsx (findings in the cells, Status and What to do per row, a Summary sheet), base64. */
  'validate:annotated': AnnotatedFileView;
  'diff:compute': DiffView;
  'diff:records': { total: number; records: DiffRecordView[] };
  'upload:budget': BudgetView;
  'upload:testConnection': PreflightView;
  'upload:preflight': PreflightView;
  'job:status': JobView;
  'job:start': JobView;
  'job:pause': JobView;
  'job:notify': { recipients: string[]; deleteThreshold: number | null; job: JobView };
  'upload:start': { uploadId: string };
  'upload:status': UploadStatus;
  'upload:pause': UploadStatus;
  'upload:resume': UploadStatus;
  'upload:cancel': UploadStatus;
  'upload:sendRest': { uploadId: string };
  'upload:resultsReport': { fileName: string; csv: string };
  /** The uploaded file as an .xlsx with each person's outcome in its Status and What to do columns, base64. */
  'upload:annotated': AnnotatedFileView;
  'upload:outbox': { uploads: UploadStatus[] };
  'upload:online': { retried: number };
  'secrets:set': { stored: true; persistent: boolean };
  'secrets:has': { present: boolean };
  'secrets:delete': { deleted: boolean };
  'history:list': { entries: HistoryView[] };
  /** What undoing an upload would send (nothing is sent); `undoId` for `undo:start`. */
  'undo:preview': UndoPreviewView;
  /** The undo, started as an upload: follow it with `upload:status`. */
  'undo:start': { uploadId: string };
}

/** The input of a channel, as the caller writes it (defaults not yet applied). */
export type Request<C extends Channel> = z.input<(typeof REQUESTS)[C]>;
/** The input of a channel after its schema checked it (defaults applied). */
export type CheckedRequest<C extends Channel> = z.output<(typeof REQUESTS)[C]>;
export type Response<C extends Channel> = Responses[C];

/** What the renderer calls: one method, typed by channel. Both transports implement it. */
export interface Bridge {
  invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
}

/**
 * The object the preload puts on `window.scimport`. It speaks envelopes (structured-clone safe); the renderer's
 * client opens them, so errors are rebuilt in the renderer's own realm.
 */
export interface PreloadApi {
  invoke(channel: string, request: unknown): Promise<Envelope<unknown>>;
  /** The path of a file dropped on the window (Electron only; browsers hide paths). */
  pathForFile(file: File): string;
}
