import type { Command } from 'commander';
import type { CliIo } from '../io';
import { port } from './options';
import { emulatorCommand } from './upload-sandbox';

/** Adds `emulator` to the program; `setStatus` receives its exit status once Ctrl+C stops the server. */
export function registerEmulatorCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {

  program
    .command('emulator')
    .description('run the sandbox tenant as a server until Ctrl+C, and print how to reach it')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', port)
    .option('--state-dir <dir>', 'folder of the sandbox state (default: <data folder>/sandbox)')
    .action(async (opts: { port?: number; stateDir?: string }) => {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        setStatus(await emulatorCommand(io, opts, controller.signal));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
