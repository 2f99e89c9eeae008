import { join, resolve } from 'node:path';
import { EXIT } from '../errors';
import type { CliIo } from '../io';
import { ensureDataDir, writeFileAtomic } from '../data-dir';
import { ENV, sandboxTimeScale, startSandbox } from './upload-connection';
import { SANDBOX_TOKEN_FILE, type SignInRehearsalArgs, prepareSignInRehearsal, signInRehearsalLines, startTokenWriter } from './emulator-signin';

export interface EmulatorArgs extends SignInRehearsalArgs {
  port?: number;
  stateDir?: string;
}

/**
 * `scimport emulator`: the sandbox tenant as a server until `stop` fires. Prints its address, ids, the sandbox's
 * own client secret (printing it is the point: it only opens this local sandbox, and changes at every start)
 * and the CA file to trust; with the sign-in options, also how to sign in as a scheduler would, without a secret.
 */
export async function emulatorCommand(io: CliIo, options: EmulatorArgs, stop: AbortSignal): Promise<number> {
  const rehearsal = await prepareSignInRehearsal(io, options);
  const dataDir = await ensureDataDir(io.env, io.cwd);
  const stateDir = options.stateDir ? resolve(io.cwd, options.stateDir) : join(dataDir, 'sandbox');
  const emulator = await startSandbox(stateDir, options.port, sandboxTimeScale(io.env), rehearsal.emulatorOptions);
  let tokenWriter: { stop(): Promise<void> } | undefined;
  try {
    const caFile = join(dataDir, 'emulator-ca.pem');
    // A certificate is public: readable by anyone, unlike the other files here.
    await writeFileAtomic(caFile, emulator.caCertPem, 0o644);
    const tokenFile = rehearsal.privateKey && rehearsal.federated ? join(dataDir, SANDBOX_TOKEN_FILE) : undefined;
    if (tokenFile && rehearsal.privateKey && rehearsal.federated) tokenWriter = await startTokenWriter(io, tokenFile, rehearsal.privateKey, rehearsal.federated);
    const target = { tenantId: emulator.tenantId, clientId: emulator.clientId, servicePrincipalId: emulator.servicePrincipalId, jobId: emulator.jobId };
    io.out(
      [
        `Sandbox tenant running at ${emulator.baseUrl} (state in ${stateDir}).`,
        `  tenant id             ${emulator.tenantId}`,
        `  client id             ${emulator.clientId}`,
        `  service principal id  ${emulator.servicePrincipalId}`,
        `  job id                ${emulator.jobId}`,
        `  SANDBOX client secret ${emulator.clientSecret}   (opens only this local sandbox; a new one at every start)`,
        `  CA certificate        ${caFile}`,
        '',
        'To upload to it from another terminal:',
        `  export ${ENV.graph}=${emulator.baseUrl}`,
        `  export ${ENV.ca}=${caFile}`,
        `  export ${ENV.secret}=${emulator.clientSecret}`,
        'A profile without a target then uses the ids above; to name them, put this in the profile:',
        `  "target": ${JSON.stringify(target)}`,
        ...signInRehearsalLines(emulator, rehearsal, { ca: caFile, ...(tokenFile ? { token: tokenFile } : {}) }),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  } finally {
    await tokenWriter?.stop();
    await emulator.close();
  }
  io.out('Sandbox stopped.\n');
  return EXIT.OK;
}
