import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isCoreError } from '@scimport/core';
import { CliError, EXIT, isCliError } from './errors';
import type { CliIo } from './io';
import { transformCommand, validateCommand } from './commands/transform';
import { profileImportPsd1Command, profileInitCommand, profileTestCommand } from './commands/profile';
import { registerJobCommands } from './commands/job';
import { registerUploadCommand } from './commands/upload';
import { registerResumeCommand } from './commands/resume';
import { registerStatusCommand } from './commands/status';
import { registerRunsCommand } from './commands/runs';
import { registerSchemaCommands } from './commands/schema';
import { registerLoginCommands } from './commands/login';
import { registerDiffCommands } from './commands/diff';
import { registerHistoryCommands } from './commands/history';
import { registerUndoCommand } from './commands/undo';
import { registerEmulatorCommand } from './commands/emulator';
import { SKIP_PROFILE_TESTS } from './commands/profile-gate';
import { versionText } from './version';

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return Number(value);
}

/**
 * Runs one `scimport` command line and returns its exit status: 0 clean, 1 findings of severity error,
 * 2 bad usage or unreadable input/profile (with a one-line reason, never a stack trace).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let status: number = EXIT.OK;
  const program = new Command('scimport')
    .description('Turn HR spreadsheets into SCIM users for Microsoft Entra ID inbound provisioning.')
    .version(versionText(), '-V, --version', 'print the version and the profile format version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true);

  const inputOptions = (command: Command) =>
    command
      .requiredOption('-p, --profile <file>', 'mapping profile (JSON)')
      .option('--sheet <name|index>', 'worksheet name, or zero-based index (xlsx)')
      .option('--header-row <n>', 'header row number as Excel shows it', positiveInteger)
      .option('--json', 'print one JSON document instead of text');

  inputOptions(
    program
      .command('transform')
      .description('map and validate a file, write bulk-0001.json … and errors.csv')
      .argument('<input>', '.xlsx, .csv or .txt file')
      .requiredOption('-o, --out <dir>', 'folder for the bulk request files')
      .option('--annotated <file.xlsx>', 'also write a checked .xlsx copy of the input: a Status and a What to do column per row, problem cells filled and commented, a Summary sheet')
      .option(...SKIP_PROFILE_TESTS),
  ).action(async (input: string, opts) => {
    status = await transformCommand(io, { input, ...opts });
  });

  inputOptions(
    program.command('validate').description('list every finding of a file mapped through a profile').argument('<input>', '.xlsx, .csv or .txt file'),
  ).action(async (input: string, opts) => {
    status = await validateCommand(io, { input, ...opts });
  });

  const profile = program.command('profile').description('create, migrate and test mapping profiles');
  profile
    .command('init')
    .description('propose a profile from a file\'s headers (auto-map)')
    .argument('<input>', '.xlsx, .csv or .txt file')
    .requiredOption('-o, --out <file>', 'where to write the profile')
    .option('--sheet <name|index>', 'worksheet name, or zero-based index (xlsx)')
    .option('--header-row <n>', 'header row number as Excel shows it', positiveInteger)
    .option('--json', 'print JSON')
    .action(async (input: string, opts) => {
      status = await profileInitCommand(io, { input, ...opts });
    });
  profile
    .command('import-psd1')
    .description('migrate a CSV2SCIM AttributeMapping.psd1 into a profile')
    .argument('<file>', '.psd1 file')
    .requiredOption('-o, --out <file>', 'where to write the profile')
    .option('--name <name>', 'profile name')
    .option('--json', 'print JSON')
    .action(async (file: string, opts) => {
      status = await profileImportPsd1Command(io, { file, ...opts });
    });
  profile
    .command('test')
    .description("run a profile's own tests (sample rows and expected SCIM)")
    .argument('<profile>', 'profile file')
    .option('--json', 'print JSON')
    .action(async (file: string, opts) => {
      status = await profileTestCommand(io, { profile: file, ...opts });
    });

  const setStatus = (code: number) => {
    status = code;
  };
  // The one list of the remaining commands, in the order `scimport --help` shows them.
  for (const register of [
    registerUploadCommand,
    registerResumeCommand,
    registerStatusCommand,
    registerRunsCommand,
    registerSchemaCommands,
    registerLoginCommands,
    registerDiffCommands,
    registerHistoryCommands,
    registerUndoCommand,
    registerEmulatorCommand,
    registerJobCommands,
  ]) {
    register(program, io, setStatus);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message; help and version are not failures.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.OK;
    return EXIT.USAGE;
  }
  if (isCliError(error)) {
    io.err(`scimport: ${error.message}\n`);
    return error.exitCode;
  }
  if (isCoreError(error)) {
    io.err(`scimport: ${error.message}\n`);
    return EXIT.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`scimport: unexpected problem: ${message}\n`);
  if (io.env.SCIMPORT_DEBUG && error instanceof Error && error.stack) io.err(error.stack + '\n');
  return EXIT.USAGE;
}

export { CliError };
