import { runCli } from './cli';
import { processIo } from './io';

const status = await runCli(process.argv.slice(2), processIo());
process.exitCode = status;
