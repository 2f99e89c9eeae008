import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProfile } from '@scimport/core';
import { TokenCacheFile, createCredential } from '@scimport/transport';
import { CliError, EXIT } from '../errors';
import type { CliIo } from '../io';
import { ensureDataDir } from '../data-dir';
import { type AuthKind, type ConnectionSpec, credentialConfig, specFromProfile, toCliError, tokenCacheOptions } from './upload-connection';

/** The target of a profile that signs in to a real tenant (login and logout make no sense for the sandbox). */
async function delegatedTarget(io: CliIo, profileArg: string): Promise<{ profilePath: string; spec: Exclude<ConnectionSpec, { mode: 'sandbox' }> }> {
  const profilePath = resolve(io.cwd, profileArg);
  const spec = specFromProfile(await loadProfile(profilePath), profilePath, io);
  if (spec.mode === 'sandbox') {
    throw new CliError('USAGE', `${profilePath} has no target: the sandbox needs no sign-in. Add a target (tenantId, clientId, servicePrincipalId, jobId) to sign in to a real tenant.`);
  }
  return { profilePath, spec };
}

/**
 * `scimport login`: sign in with delegated permissions (system browser, or a device code) and keep the sign-in in
 * `<data dir>/msal-cache/<tenant>-<client>.json` (0600), so that later uploads, job commands and preflight with
 * this profile sign in silently — also from CI or cron — until the sign-in expires or `scimport logout`.
 */
export async function loginCommand(io: CliIo, options: { profile: string; deviceCode?: boolean }): Promise<number> {
  const { profilePath, spec } = await delegatedTarget(io, options.profile);
  const auth: AuthKind = options.deviceCode || spec.auth === 'deviceCode' ? 'deviceCode' : 'interactive';
  const dataDir = await ensureDataDir(io.env, io.cwd);
  // The person typed `login`: a browser or a device code is what they asked for, terminal or not.
  const config = await credentialConfig({ ...spec, auth }, io, { dataDir, prompt: true, profilePath });
  let who: string | undefined;
  try {
    const credential = await createCredential(config);
    try {
      await credential.getToken();
      who = credential.account?.()?.username;
    } finally {
      credential.close();
    }
  } catch (error) {
    throw toCliError(error);
  }
  const file = 'tokenCache' in config && config.tokenCache ? config.tokenCache.file : '';
  const encrypted = Boolean(io.env.SCIMPORT_SNAPSHOT_KEY?.trim());
  io.out(
    `Signed in to tenant ${spec.tenantId} (app ${spec.clientId}) as ${who ?? 'an unnamed account'}.
` +
      `The sign-in is kept in ${file} (readable only by you${encrypted ? ', encrypted with SCIMPORT_SNAPSHOT_KEY' : ''}); ` +
      `upload, job and preflight with this profile use it until it expires. \`scimport logout --profile ${options.profile}\` removes it.
`,
  );
  if (spec.auth !== 'interactive' && spec.auth !== 'deviceCode') {
    io.err(`Note: ${profilePath} has target.auth "${spec.auth}", so uploads sign in as the app, not as you. Set target.auth to "interactive" or "deviceCode" to upload with this sign-in.\n`);
  }
  return EXIT.OK;
}

/** `scimport logout`: delete the saved sign-in of the profile's tenant and app from this computer. */
export async function logoutCommand(io: CliIo, options: { profile: string }): Promise<number> {
  const { spec } = await delegatedTarget(io, options.profile);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const cache = new TokenCacheFile(await tokenCacheOptions(dataDir, spec, io));
  // Who it was is a courtesy: a cache that cannot be read (other key, damaged) is deleted all the same.
  const who = await cache.signedInAccount().catch(() => undefined);
  let removed: boolean;
  try {
    removed = await cache.remove();
  } catch (error) {
    throw toCliError(error);
  }
  io.out(
    removed
      ? `Signed out${who ? ` ${who.username}` : ''}: removed the saved sign-in for tenant ${spec.tenantId} (app ${spec.clientId}) from ${cache.file}.\n`
      : `No saved sign-in for tenant ${spec.tenantId} (app ${spec.clientId}) on this computer: nothing to remove.\n`,
  );
  return EXIT.OK;
}

/** Adds `login` and `logout` to the program; `setStatus` receives their exit status. */
export function registerLoginCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('login')
    .description("sign in with your own account (system browser, or a device code) and keep the sign-in for later commands")
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON) with a target')
    .option('--device-code', 'sign in on another device with a code instead of opening a browser')
    .action(async (opts: { profile: string; deviceCode?: boolean }) => {
      setStatus(await loginCommand(io, opts));
    });

  program
    .command('logout')
    .description("remove the profile's saved delegated sign-in (kept by `scimport login`) from this computer")
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON) with a target')
    .action(async (opts: { profile: string }) => {
      setStatus(await logoutCommand(io, opts));
    });
}
