/**
 * A sandbox in its own process, for tests that SIGKILL it: starts on `stateDir` (argv[2]), prints its connection
 * as one JSON line, and runs until killed. Options as JSON in argv[3].
 */
import { startEmulator } from '../index';

const [, , stateDir, options] = process.argv;
if (!stateDir) throw new Error('usage: sandbox-child.ts <stateDir> [options-json]');
const emu = await startEmulator({ stateDir, ...(options ? (JSON.parse(options) as object) : {}) });
process.stdout.write(
  `${JSON.stringify({
    baseUrl: emu.baseUrl,
    caCertPem: emu.caCertPem,
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    servicePrincipalId: emu.servicePrincipalId,
    jobId: emu.jobId,
  })}\n`,
);
