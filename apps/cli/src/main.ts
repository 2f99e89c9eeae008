import { runCli } from './cli';
import { endQuietlyOnClosedPipe, processIo } from './io';

endQuietlyOnClosedPipe();
const status = await runCli(process.argv.slice(2), processIo());
process.exitCode = status;
