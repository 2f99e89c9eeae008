import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProfile } from '@scimport/core';
import { EXIT } from '../errors';
import type { CliIo } from '../io';
import { ensureDataDir } from '../data-dir';
import { ENV_HELP } from './options';
import { describeTarget, openConnection, specFromProfile, toCliError } from './upload-connection';
import { extensionMeta } from './upload-send';

/** `scimport schema push`: add the profile's custom attributes to the provisioning job's schema. */
export async function schemaPushCommand(io: CliIo, options: { profile: string; json?: boolean }): Promise<number> {
  const profilePath = resolve(io.cwd, options.profile);
  const profile = await loadProfile(profilePath);
  const extension = extensionMeta(profile);
  if (!extension) {
    if (options.json) io.out(JSON.stringify({ added: [], existing: [], typeMismatches: [] }) + '\n');
    else io.out(`${profilePath} defines no custom extension attributes: nothing to add to the job schema.\n`);
    return EXIT.OK;
  }
  const spec = specFromProfile(profile, profilePath, io);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const connection = await openConnection(spec, io, dataDir, {}, profilePath).catch((error: unknown) => Promise.reject(toCliError(error)));
  let result;
  try {
    result = await connection.client.ensureCustomAttributes(
      extension.namespace,
      extension.attributes.map((a) => ({ name: a.name, type: a.type, ...(a.multiValued ? { multivalued: true } : {}) })),
    );
  } catch (error) {
    throw toCliError(error);
  } finally {
    await connection.close();
  }
  if (options.json) io.out(JSON.stringify(result) + '\n');
  else {
    io.out(`Job schema of ${describeTarget(spec)}:\n`);
    for (const name of result.added) io.out(`added     ${name}\n`);
    for (const name of result.existing) io.out(`existing  ${name}\n`);
    for (const m of result.typeMismatches) {
      io.out(`mismatch  ${m.name}: the schema has type ${m.schemaType}, the profile says ${m.wantedType}. Left unchanged; change the profile's type, or the attribute in the job's schema editor.\n`);
    }
  }
  return result.typeMismatches.length > 0 ? EXIT.FINDINGS : EXIT.OK;
}

/** Adds `schema push` to the program; `setStatus` receives its exit status. */
export function registerSchemaCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('schema')
    .description("the provisioning job's schema")
    .command('push')
    .description("add the profile's custom extension attributes to the job schema (needs Synchronization.ReadWrite.All)")
    .requiredOption('-p, --profile <file>', 'mapping profile (JSON)')
    .option('--json', 'print JSON')
    .addHelpText('after', ENV_HELP)
    .action(async (opts: { profile: string; json?: boolean }) => {
      setStatus(await schemaPushCommand(io, opts));
    });
}
