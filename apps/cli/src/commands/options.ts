/**
 * Option parsers and help texts that several commands share, so that `--max-calls 0` or a bad port is refused
 * in the same words by every command.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { FEDERATED_ENV, MANAGED_IDENTITY_ENV } from '@scimport/transport';
import { ENV } from './upload-connection';

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return Number(value);
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError('must be a number of minutes greater than 0.');
  return n;
}

export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return Number(value);
}

const ENV_LINES: [string, string][] = [
  [ENV.secret, 'client secret for targets with auth "secret" (never on the command line or in the profile)'],
  [ENV.certificate, 'auth "certificate": PEM (key + certificate) when the profile\'s target names no certificatePath'],
  [ENV.passphrase, 'auth "certificate": passphrase of an encrypted certificate key'],
  [ENV.graph, "a custom endpoint (e.g. `scimport emulator`) instead of Microsoft's; ids default to the sandbox's"],
  [ENV.authority, `its sign-in host (default: ${ENV.graph})`],
  [ENV.ca, 'PEM of a CA to trust for that endpoint'],
  [ENV.dataDir, 'data folder for runs, snapshots, history, quota ledger and sandbox (default: the per-user data folder)'],
  [ENV.sandboxTimeScale, 'make the built-in sandbox log results 5–10 minutes late as Entra does, its clock running this many times faster (e.g. 20)'],
  ['SCIMPORT_SNAPSHOT_KEY', 'key that encrypts the snapshots of accepted uploads (32 bytes: 64 hex or 44 base64 characters)'],
  ['BROWSER', 'auth "interactive": the command that opens the sign-in page (default: the system browser)'],
  ['SCIMPORT_DEBUG', 'any value: also print the stack trace of an unexpected problem (for a bug report)'],
];
/**
 * Set by the platform that runs a scheduled sync, not by hand (the names are the platforms' own conventions, which
 * the Azure SDKs read too). Said here with the `auth` each belongs to, so an admin can tell which are missing.
 */
const PLATFORM_ENV_LINES: [string, string][] = [
  [FEDERATED_ENV.tokenFile, 'auth "federated": the file holding the platform\'s OIDC token (a GitHub Actions step writes it, Kubernetes workload identity mounts it); read at every sign-in, so it may rotate; target.assertionFile wins'],
  [FEDERATED_ENV.tenantId, 'auth "federated": the Directory (tenant) ID, when the target names none'],
  [FEDERATED_ENV.clientId, 'auth "federated": the Application (client) ID of the app with the federated credential, when the target names none'],
  [MANAGED_IDENTITY_ENV.endpoint, 'auth "managedIdentity": the platform\'s token endpoint, set by App Service, Functions and Automation; left unset on an Azure VM, whose metadata service answers'],
  [MANAGED_IDENTITY_ENV.header, `auth "managedIdentity": the secret that goes with ${MANAGED_IDENTITY_ENV.endpoint} (never printed)`],
];
export const DELTA_HELP = `
What is sent: only people new, changed or returning since the last accepted upload to the target (--full: everyone),
plus a disable for each person missing from the file when the profile's leavers policy is "disable". The safety gate
stops the upload before anything is sent when disables or changes exceed the profile's leavers thresholds
(--allow-mass-changes to send anyway). See \`scimport diff\` for the details and \`scimport history\` for past runs.
`;
export const ENV_HELP = `
Where uploads go:
  no "target" in the profile   the built-in sandbox tenant in the data folder (a rehearsal; nothing leaves this computer)
  a "target" in the profile    that Microsoft Entra tenant and provisioning job

Environment:
${ENV_LINES.map(([name, what]) => `  ${name.padEnd(32)} ${what}`).join('\n')}

Signing in without a secret (set by the scheduler's platform; \`scimport emulator --federated --managed-identity\` prints
local ones to rehearse with):
${PLATFORM_ENV_LINES.map(([name, what]) => `  ${name.padEnd(32)} ${what}`).join('\n')}
`;

/** The options of the commands that send (upload, resume): waiting for the logs and the call budget. */
export function waitOptions(command: Command): Command {
  return command
    .option('--no-wait', 'do not wait for the provisioning logs')
    .option('--wait-minutes <m>', 'how long to wait for the provisioning logs (default: 15 for Entra, 1 for the sandbox)', positiveNumber)
    .option('--max-calls <n>', 'refuse when the upload needs more bulkUpload calls than this', positiveInteger)
    .option('--daily-quota <n>', "the tenant's bulkUpload calls per 24 h: 2000 (Entra ID P1/P2) or 6000 (Governance)", positiveInteger)
    .option('--allow-over-quota', "send even when the tenant's daily quota (as counted here) will not last")
    .option('--json', 'print one JSON document');
}
