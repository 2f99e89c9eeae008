import { chmod, mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Profile, isCoreError, snapshotKeyFromEnv } from '@scimport/core';
import { SANDBOX_DEFAULTS, SANDBOX_TIME_SCALE, startEmulator, type Emulator, type EmulatorOptions } from '@scimport/emulator';
import {
  CLOUDS,
  FEDERATED_ENV,
  type CloudName,
  type CloudSelection,
  type Credential,
  type CredentialConfig,
  GraphClient,
  LOG_LAG_MS,
  type PacerOptions,
  type RunTarget,
  type TokenCacheOptions,
  TokenCacheFile,
  connect,
  createCredential,
  isTransportError,
  redact,
  localEndpointCredential,
  registerSecret,
} from '@scimport/transport';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { openInBrowser } from './upload-browser';

/** How a profile or a run signs in. */
export type AuthKind = 'secret' | 'certificate' | 'interactive' | 'deviceCode' | 'federated' | 'managedIdentity';

/**
 * Where uploads go and how to sign in — identifiers only, never a secret. Saved in each run's meta so that
 * `resume` and `status` reach exactly the tenant and job the run was prepared for.
 */
export type ConnectionSpec =
  | { mode: 'sandbox' }
  | {
      /** `custom`: endpoints from SCIMPORT_GRAPH_BASE_URL / SCIMPORT_AUTHORITY_HOST (an emulator); `cloud`: a Microsoft cloud. */
      mode: 'custom' | 'cloud';
      cloud?: CloudName;
      graphBaseUrl?: string;
      authorityHost?: string;
      caFile?: string;
      tenantId: string;
      clientId: string;
      servicePrincipalId: string;
      jobId: string;
      auth: AuthKind;
      certificatePath?: string;
      /** Federated: the token file named by the profile (else AZURE_FEDERATED_TOKEN_FILE at sign-in). */
      assertionFile?: string;
      /** Managed identity: a user-assigned identity (else the system-assigned one). */
      managedIdentityClientId?: string;
      managedIdentityResourceId?: string;
    };

/** Environment variables the upload commands read (documented in `scimport upload --help`). */
export const ENV = {
  secret: 'SCIMPORT_CLIENT_SECRET',
  certificate: 'SCIMPORT_CERTIFICATE_PATH',
  passphrase: 'SCIMPORT_CERTIFICATE_PASSPHRASE',
  graph: 'SCIMPORT_GRAPH_BASE_URL',
  authority: 'SCIMPORT_AUTHORITY_HOST',
  ca: 'SCIMPORT_CA_FILE',
  dataDir: 'SCIMPORT_DATA_DIR',
  sandboxTimeScale: 'SCIMPORT_SANDBOX_TIME_SCALE',
} as const;

const AUTH_KINDS: readonly AuthKind[] = ['secret', 'certificate', 'interactive', 'deviceCode', 'federated', 'managedIdentity'];

function envValue(env: CliIo['env'], name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The custom endpoint the environment asks for, if any. */
function customEndpointFromEnv(env: CliIo['env'], cwd: string): { graphBaseUrl: string; authorityHost: string; caFile?: string } | undefined {
  const graphBaseUrl = envValue(env, ENV.graph);
  const authorityHost = envValue(env, ENV.authority);
  const caFile = envValue(env, ENV.ca);
  if (!graphBaseUrl) {
    if (authorityHost || caFile) {
      throw new CliError('USAGE', `${authorityHost ? ENV.authority : ENV.ca} is set but ${ENV.graph} is not. Set ${ENV.graph} to the custom endpoint's address (e.g. https://127.0.0.1:8443), or unset both.`);
    }
    return undefined;
  }
  return { graphBaseUrl, authorityHost: authorityHost ?? graphBaseUrl, ...(caFile ? { caFile: resolve(cwd, caFile) } : {}) };
}

/**
 * The connection a profile asks for. With SCIMPORT_GRAPH_BASE_URL set: that custom endpoint, with the profile's
 * target ids (the sandbox's fixed ids where the profile has none). With a target in the profile: that tenant.
 * Without either: the built-in sandbox.
 */
export function specFromProfile(profile: Profile, profilePath: string, io: CliIo): ConnectionSpec {
  const target = profile.target ?? {};
  const custom = customEndpointFromEnv(io.env, io.cwd);
  const hasTarget = Boolean(target.tenantId || target.clientId || target.servicePrincipalId || target.jobId);
  if (!custom && !hasTarget) return { mode: 'sandbox' };

  const certificatePath = target.certificatePath ?? envValue(io.env, ENV.certificate);
  const auth: AuthKind = target.auth ?? (target.certificatePath ? 'certificate' : 'secret');
  if (!AUTH_KINDS.includes(auth)) {
    throw new CliError('INPUT', `${profilePath}: target.auth "${String(auth)}" is not known. Use secret, certificate, federated, managedIdentity, interactive or deviceCode.`);
  }
  const ids: { tenantId?: string; clientId?: string; servicePrincipalId?: string; jobId?: string } = custom
    ? {
        tenantId: target.tenantId ?? SANDBOX_DEFAULTS.tenantId,
        clientId: target.clientId ?? SANDBOX_DEFAULTS.clientId,
        servicePrincipalId: target.servicePrincipalId ?? SANDBOX_DEFAULTS.servicePrincipalId,
        jobId: target.jobId ?? SANDBOX_DEFAULTS.jobId,
      }
    : {
        ...target,
        // The workload-identity conventions: the Kubernetes webhook (and a workflow's env) name the app and tenant.
        ...(auth === 'federated' ? { tenantId: target.tenantId ?? envValue(io.env, FEDERATED_ENV.tenantId), clientId: target.clientId ?? envValue(io.env, FEDERATED_ENV.clientId) } : {}),
        // A managed identity is its own principal: no app registration, so no client id to name.
        ...(auth === 'managedIdentity' ? { clientId: target.clientId ?? 'managed-identity' } : {}),
      };
  const where: Record<'tenantId' | 'clientId' | 'servicePrincipalId' | 'jobId', string> = {
    tenantId: 'the Directory (tenant) ID of the app registration',
    clientId: 'the Application (client) ID of the app registration',
    servicePrincipalId: "the Object ID on the provisioning app's enterprise application overview",
    jobId: 'the Job ID shown on the provisioning page of the enterprise application',
  };
  for (const field of Object.keys(where) as (keyof typeof where)[]) {
    if (!ids[field]) throw new CliError('INPUT', `${profilePath}: target.${field} is missing. Set it to ${where[field]}, or remove the target to rehearse in the built-in sandbox.`);
  }
  return {
    mode: custom ? 'custom' : 'cloud',
    ...(custom ? custom : { cloud: target.cloud ?? 'global' }),
    tenantId: ids.tenantId as string,
    clientId: ids.clientId as string,
    servicePrincipalId: ids.servicePrincipalId as string,
    jobId: ids.jobId as string,
    auth,
    ...(certificatePath ? { certificatePath: isAbsolute(certificatePath) ? certificatePath : resolve(dirname(profilePath), certificatePath) } : {}),
    ...(target.assertionFile ? { assertionFile: isAbsolute(target.assertionFile) ? target.assertionFile : resolve(dirname(profilePath), target.assertionFile) } : {}),
    ...(target.managedIdentityClientId ? { managedIdentityClientId: target.managedIdentityClientId } : {}),
    ...(target.managedIdentityResourceId ? { managedIdentityResourceId: target.managedIdentityResourceId } : {}),
  };
}

/** The connection saved with a run; for a custom endpoint the environment's current address wins (ports change). */
export function specFromRun(meta: Record<string, unknown>, runId: string, io: CliIo): ConnectionSpec {
  const saved = meta.connection as ConnectionSpec | undefined;
  if (!saved || typeof saved !== 'object' || !('mode' in saved)) {
    throw new CliError('INPUT', `Run ${runId} was not created by scimport upload (it has no saved connection), so it cannot be resumed from here.`);
  }
  if (saved.mode !== 'custom') return saved;
  const custom = customEndpointFromEnv(io.env, io.cwd);
  return custom ? { ...saved, ...custom } : saved;
}

/** The run target of a connection (what uploadRun checks the client against). */
export function targetOf(spec: ConnectionSpec): RunTarget {
  if (spec.mode === 'sandbox') return { tenantId: SANDBOX_DEFAULTS.tenantId, servicePrincipalId: SANDBOX_DEFAULTS.servicePrincipalId, jobId: SANDBOX_DEFAULTS.jobId, cloud: 'sandbox' };
  return { tenantId: spec.tenantId, servicePrincipalId: spec.servicePrincipalId, jobId: spec.jobId, cloud: spec.mode === 'custom' ? 'custom' : (spec.cloud ?? 'global') };
}

/** One line naming where an upload goes. */
export function describeTarget(spec: ConnectionSpec): string {
  if (spec.mode === 'sandbox') return 'the built-in sandbox tenant on this computer (nothing leaves this computer)';
  const where = spec.mode === 'custom' ? `the custom endpoint ${spec.graphBaseUrl} (from ${ENV.graph})` : `Microsoft Entra ID (${spec.cloud ?? 'global'} cloud)`;
  return `${where}, tenant ${spec.tenantId}, job ${spec.jobId}, signing in by ${AUTH_WORDS[spec.auth] ?? spec.auth}`;
}

const AUTH_WORDS: Partial<Record<AuthKind, string>> = { deviceCode: 'device code', federated: 'federated token', managedIdentity: 'managed identity' };

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError('INPUT', `The CA certificate ${file} (${ENV.ca}) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). Point ${ENV.ca} at the PEM file the emulator wrote.`);
  }
}

/** The sign-in cache of a tenant and app: `<data dir>/msal-cache/<tenant>-<client>.json`. */
export function tokenCachePath(dataDir: string, spec: { tenantId: string; clientId: string }): string {
  // A tenant may be a domain name; anything outside a safe file-name alphabet becomes '_'.
  const safe = (value: string): string => value.trim().toLowerCase().replace(/[^a-z0-9._-]/g, '_');
  return join(dataDir, 'msal-cache', `${safe(spec.tenantId)}-${safe(spec.clientId)}.json`);
}

/**
 * Where the delegated sign-in of a connection is kept, encrypted with SCIMPORT_SNAPSHOT_KEY when that is set
 * (otherwise plaintext readable only by the user, as the Azure CLI keeps its tokens on Linux).
 */
export async function tokenCacheOptions(dataDir: string, spec: { tenantId: string; clientId: string }, io: CliIo): Promise<TokenCacheOptions> {
  let key: Buffer | undefined;
  try {
    key = snapshotKeyFromEnv(io.env);
  } catch (error) {
    if (isCoreError(error)) throw new CliError('INPUT', error.message);
    throw error;
  }
  const file = tokenCachePath(dataDir, spec);
  const dir = dirname(file);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The folder holds sign-ins: keep it private even when it existed with wider permissions.
    if (process.platform !== 'win32') await chmod(dir, 0o700);
  } catch (error) {
    throw new CliError('OUTPUT', `The sign-in folder ${dir} cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'}). Check the data folder's permissions or set ${ENV.dataDir}.`);
  }
  return { file, ...(key ? { key } : {}) };
}

/** What to do when a delegated sign-in is needed but nobody can answer a browser or a device code. */
export function loginFirstMessage(spec: { tenantId: string; clientId: string }, profilePath?: string): string {
  return (
    `No saved sign-in can be used for tenant ${spec.tenantId} (app ${spec.clientId}), and this terminal cannot show a sign-in (it is not interactive, e.g. CI or cron). ` +
    `Run \`scimport login --profile ${profilePath ?? '<profile.json>'}\` first, on a terminal, as the same user and with the same data folder.`
  );
}

/** How credentialConfig handles delegated sign-in. */
export interface CredentialOptions {
  /** Keep delegated sign-ins in this data folder's msal-cache (none: sign in again every time). */
  dataDir?: string;
  /** Whether a browser or device code may be shown. Default: when the terminal is interactive. */
  prompt?: boolean;
  /** Named in the "run scimport login first" message. */
  profilePath?: string;
}

/**
 * The credential settings of a connection, with the secret taken from the environment. Throws a one-line
 * CliError naming the variable to set when it is missing. Nothing here touches the network.
 */
export async function credentialConfig(spec: Exclude<ConnectionSpec, { mode: 'sandbox' }>, io: CliIo, options: CredentialOptions = {}): Promise<CredentialConfig> {
  let cloud: CloudSelection;
  if (spec.mode === 'custom') {
    if (!spec.graphBaseUrl) throw new CliError('INPUT', `This run was made against a custom endpoint; set ${ENV.graph} (and ${ENV.ca}) to reach it again.`);
    cloud = { custom: { graphBaseUrl: spec.graphBaseUrl, authorityHost: spec.authorityHost ?? spec.graphBaseUrl, ...(spec.caFile ? { caPem: await readCa(spec.caFile) } : {}) } };
  } else {
    cloud = spec.cloud ?? 'global';
    if (!(cloud in CLOUDS)) throw new CliError('INPUT', `The cloud "${String(cloud)}" is not known. Use one of: ${Object.keys(CLOUDS).join(', ')}.`);
  }
  const base = { tenantId: spec.tenantId, clientId: spec.clientId, cloud };
  switch (spec.auth) {
    case 'secret': {
      const secret = io.env[ENV.secret];
      if (!secret) {
        throw new CliError(
          'INPUT',
          `The target signs in with a client secret, but ${ENV.secret} is not set. Set the environment variable ${ENV.secret} to the secret's value (app registration → Certificates & secrets); scimport never reads secrets from the command line or the profile.`,
        );
      }
      registerSecret(secret);
      return { ...base, kind: 'secret', clientSecret: secret };
    }
    case 'certificate': {
      if (!spec.certificatePath) {
        throw new CliError('INPUT', `The target signs in with a certificate but names none. Set target.certificatePath in the profile or ${ENV.certificate} to a PEM file holding the private key and the certificate.`);
      }
      const passphrase = io.env[ENV.passphrase];
      if (passphrase) registerSecret(passphrase);
      return { ...base, kind: 'certificate', certificatePath: spec.certificatePath, ...(passphrase ? { passphrase } : {}) };
    }
    case 'federated': {
      // The token file is read at each sign-in (it rotates); a missing one is named then, with the variable to set.
      const tokenFile = spec.assertionFile ?? envValue(io.env, FEDERATED_ENV.tokenFile);
      return { ...base, kind: 'federated', ...(tokenFile ? { tokenFile: resolve(io.cwd, tokenFile) } : {}) };
    }
    case 'managedIdentity':
      return {
        kind: 'managedIdentity',
        tenantId: spec.tenantId,
        cloud,
        ...(spec.managedIdentityClientId ? { userAssignedClientId: spec.managedIdentityClientId } : {}),
        ...(spec.managedIdentityResourceId ? { userAssignedResourceId: spec.managedIdentityResourceId } : {}),
      };
    case 'interactive':
    case 'deviceCode': {
      const delegated = {
        ...base,
        ...(options.dataDir ? { tokenCache: await tokenCacheOptions(options.dataDir, spec, io) } : {}),
        ...((options.prompt ?? io.interactive) ? {} : { promptUnavailable: loginFirstMessage(spec, options.profilePath) }),
      };
      if (spec.auth === 'deviceCode') return { ...delegated, kind: 'deviceCode', onDeviceCode: (info) => io.err(`${info.message}\n`) };
      return {
        ...delegated,
        kind: 'interactive',
        openBrowser: async (url) => {
          io.err('Opening the browser to sign in…\n');
          await openInBrowser(url, io.env);
        },
      };
    }
  }
}

/**
 * When a delegated sign-in cannot prompt (not a terminal), refuse now — with the `scimport login` to run — unless
 * a saved sign-in exists, rather than fail at the first request or wait for a browser nobody sees.
 */
export async function requireSavedSignIn(config: CredentialConfig): Promise<void> {
  if (config.kind !== 'interactive' && config.kind !== 'deviceCode') return;
  if (!config.promptUnavailable || !config.tokenCache) return;
  const account = await new TokenCacheFile(config.tokenCache).signedInAccount().catch((error: unknown) => Promise.reject(toCliError(error)));
  if (!account) throw new CliError('REFUSED', config.promptUnavailable);
}

/** A signed-in, paced Graph client, plus the sandbox behind it when there is one. */
export interface Connection {
  spec: ConnectionSpec;
  client: GraphClient;
  target: RunTarget;
  sandbox?: Emulator;
  /** How long to wait for provisioning logs by default, and how often to read them. */
  waitMinutes: number;
  pollIntervalMs: number;
  /** How much faster than real time the target runs (a sandbox may say so; Entra is 1). */
  timeScale: number;
  /** The delay before results reach the logs, unscaled: Entra's documented 5–10 minutes, or what a sandbox says. */
  logLagMs: { min: number; max: number };
  close(): Promise<void>;
}

/** Start the sandbox if needed and build the Graph client (sign-in happens on the first call). */
export async function openConnection(spec: ConnectionSpec, io: CliIo, dataDir: string, pacer: PacerOptions = {}, profilePath?: string): Promise<Connection> {
  let sandbox: Emulator | undefined;
  let config: CredentialConfig;
  if (spec.mode === 'sandbox') {
    sandbox = await startSandbox(join(dataDir, 'sandbox'), undefined, sandboxTimeScale(io.env));
    config = localEndpointCredential(sandbox);
  } else {
    config = await credentialConfig(spec, io, { dataDir, ...(profilePath ? { profilePath } : {}) });
    await requireSavedSignIn(config);
  }
  const target = targetOf(spec);
  try {
    const credential = await createCredential(config);
    const real = spec.mode === 'cloud';
    // A sandbox says how fast its time runs and how late its logs come; Entra says nothing (real time, 5–10 min).
    const info = real ? undefined : sandbox ? sandbox.sandboxSettings() : await probeSandbox(credential, target);
    const timeScale = info?.timeScale ?? 1;
    const client = await connect({ credential, servicePrincipalId: target.servicePrincipalId, jobId: target.jobId, pacer: { timeScale, ...pacer }, dataDir });
    const logLagMs = info?.logDelayMs ?? LOG_LAG_MS;
    const lagMinutes = logLagMs.max / timeScale / 60_000;
    return {
      spec,
      client,
      target,
      ...(sandbox ? { sandbox } : {}),
      // Long enough to see the documented lag through, plus a margin; a sandbox without lag logs at once.
      waitMinutes: real ? 15 : lagMinutes > 0 ? Math.max(1, Math.ceil(lagMinutes * 1.5 * 10) / 10) : 1,
      pollIntervalMs: real ? 30_000 : spec.mode === 'sandbox' ? 100 : 1_000,
      timeScale,
      logLagMs,
      async close() {
        credential.close();
        await sandbox?.close();
      },
    };
  } catch (error) {
    await sandbox?.close();
    throw error;
  }
}

/** A one-line CliError for anything the transport throws (its messages are already redacted and actionable). */
export function toCliError(error: unknown): unknown {
  if (!isTransportError(error)) return error;
  const message = redact(error.message);
  switch (error.code) {
    case 'INVALID_CONFIG':
    case 'CERTIFICATE_INVALID':
    case 'RUN_NOT_FOUND':
    case 'RUN_CORRUPT':
    case 'INVALID_ARGUMENT':
      return new CliError('INPUT', message);
    case 'QUOTA_EXCEEDED':
    case 'RUN_LOCKED':
      return new CliError('REFUSED', message);
    case 'IO':
      return new CliError('OUTPUT', message);
    default:
      return new CliError('REMOTE', message);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the sandbox's state folder for this process. Two sandboxes on one state folder would overwrite each
 * other's users and logs, so a second one is refused with the way to reach the first.
 */
async function lockSandbox(stateDir: string): Promise<() => Promise<void>> {
  const file = join(stateDir, 'sandbox.lock');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid }));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let pid: number | undefined;
      try {
        pid = (JSON.parse(await readFile(file, 'utf8')) as { pid?: number }).pid;
      } catch {
        pid = undefined;
      }
      if (pid && pidAlive(pid)) {
        throw new CliError(
          'REFUSED',
          `The sandbox in ${stateDir} is already running (process ${pid}, probably \`scimport emulator\`). Upload to it through ${ENV.graph}, ${ENV.ca} and ${ENV.secret} as that command printed, or stop it first.`,
        );
      }
      await rm(file, { force: true }); // left by a process that is gone
    }
  }
  throw new CliError('REFUSED', `The sandbox in ${stateDir} could not be locked; remove ${file} if no scimport is running.`);
}

/**
 * The built-in sandbox behaves like Entra in time too (results reach the logs 5–10 minutes after processing), with
 * its clock running faster so a rehearsal does not take real minutes: ×20 unless `SCIMPORT_SANDBOX_TIME_SCALE=N`
 * says otherwise; `off` shows results at once (for scripts and tests that do not rehearse timing).
 */
export function sandboxTimeScale(env: CliIo['env']): number | undefined {
  const text = envValue(env, ENV.sandboxTimeScale);
  if (text === undefined) return SANDBOX_TIME_SCALE;
  if (text.trim().toLowerCase() === 'off') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 1) throw new CliError('USAGE', `${ENV.sandboxTimeScale} must be a number of 1 or more (how many times faster than real time the sandbox runs) or "off", not "${text}".`);
  return value;
}

/** What a custom endpoint says about itself when it is a sandbox (`scimport emulator`); undefined otherwise. */
async function probeSandbox(credential: Credential, target: RunTarget): Promise<{ timeScale: number; logDelayMs?: { min: number; max: number } } | undefined> {
  const probe = new GraphClient({ credential, servicePrincipalId: target.servicePrincipalId });
  const info = await probe.sandboxInfo();
  return info ? { timeScale: info.timeScale, ...(info.logDelayMs ? { logDelayMs: info.logDelayMs } : {}) } : undefined;
}

/**
 * Start the sandbox emulator on its state folder (locked for this process; the lock goes with close()). `signIn`
 * lets `scimport emulator` also trust a federated issuer and serve a managed-identity endpoint.
 */
export async function startSandbox(stateDir: string, port?: number, timeScale?: number, signIn: Pick<EmulatorOptions, 'federatedCredentials' | 'managedIdentity'> = {}): Promise<Emulator> {
  let release: () => Promise<void>;
  try {
    release = await lockSandbox(stateDir);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('OUTPUT', `The sandbox folder ${stateDir} cannot be used (${(error as NodeJS.ErrnoException).code ?? 'error'}). Check its permissions or set ${ENV.dataDir}.`);
  }
  let emulator: Emulator;
  try {
    emulator = await startEmulator({ stateDir, ...signIn, ...(port !== undefined ? { port } : {}), ...(timeScale !== undefined ? { timeScale, realisticTiming: true } : {}) });
  } catch (error) {
    await release();
    throw new CliError('OUTPUT', `The built-in sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  registerSecret(emulator.clientSecret);
  if (emulator.managedIdentity) registerSecret(emulator.managedIdentity.header);
  const close = emulator.close.bind(emulator);
  return Object.assign(emulator, {
    async close() {
      try {
        await close();
      } finally {
        await release();
      }
    },
  });
}
