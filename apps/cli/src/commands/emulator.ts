import type { Command } from 'commander';
import { FEDERATED_AUDIENCE } from '@scimport/emulator';
import { FEDERATED_ENV, MANAGED_IDENTITY_ENV } from '@scimport/transport';
import type { CliIo } from '../io';
import { SANDBOX_ISSUER, SANDBOX_SUBJECT } from './emulator-signin';
import { port } from './options';
import { type EmulatorArgs, emulatorCommand } from './upload-sandbox';

const SIGN_IN_HELP = `
Rehearsing a scheduler's sign-in without a secret (docs/scheduling.md, "Rehearse it on this computer"):
with --federated or --federated-key it prints the ${FEDERATED_ENV.tokenFile} to set and the profile's "auth": "federated";
with --managed-identity, the ${MANAGED_IDENTITY_ENV.endpoint} and ${MANAGED_IDENTITY_ENV.header} to set and "auth": "managedIdentity".
`;

/** Adds `emulator` to the program; `setStatus` receives its exit status once Ctrl+C stops the server. */
export function registerEmulatorCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {

  program
    .command('emulator')
    .description('run the sandbox tenant as a server until Ctrl+C, and print how to reach it')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', port)
    .option('--state-dir <dir>', 'folder of the sandbox state (default: <data folder>/sandbox)')
    .option('--federated', 'rehearse a federated sign-in (GitHub Actions, Kubernetes): trust an issuer the sandbox plays, with a token file it keeps fresh')
    .option('--federated-key <file>', "trust your own issuer instead: its public signing key as PEM, or its JWKS (Kubernetes: `kubectl get --raw /openid/v1/jwks`)")
    .option('--federated-issuer <url>', `the trusted issuer, as in its tokens' "iss" (default with --federated: ${SANDBOX_ISSUER})`)
    .option('--federated-subject <sub>', `the trusted subject, as in its tokens' "sub" (default with --federated: ${SANDBOX_SUBJECT})`)
    .option('--federated-audience <aud>', `the audience the tokens must carry (default: ${FEDERATED_AUDIENCE})`)
    .option('--managed-identity', 'rehearse a managed-identity sign-in (Azure Automation, Functions, App Service): also serve the identity endpoint')
    .addHelpText('after', SIGN_IN_HELP)
    .action(async (opts: EmulatorArgs) => {
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
