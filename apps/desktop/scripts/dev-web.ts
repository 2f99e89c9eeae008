/**
 * `pnpm --filter @scimport/desktop dev:web`: the app in a normal browser. Builds the renderer when needed,
 * starts the services behind the local bridge on 127.0.0.1, and prints the address to open (it carries the
 * session token). Secrets typed here live only until it stops. Options: --port <n>, --data-dir <folder>.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemorySecretStore } from '../src/main/services';
import { startServiceWorker } from '../src/main/services/host';
import { startWebBridge } from '../src/main/web-bridge';
import { ensureRenderer } from './renderer';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const dataDir = resolve(option('--data-dir') ?? process.env.SCIMPORT_DATA_DIR ?? join(homedir(), '.scimport-desktop-web'));
  const port = option('--port');
  const rendererDir = await ensureRenderer();
  // The same worker thread as the app: the bridge's HTTP server stays responsive while files are read and checked.
  const services = await startServiceWorker({ mode: 'web', version: 'dev', dataDir, secrets: new MemorySecretStore() });
  const bridge = await startWebBridge({ dispatch: services.dispatch, rendererDir, ...(port ? { port: Number(port) } : {}) });
  process.stdout.write(`scimport is running for this browser session. Open:\n\n  ${bridge.url}\n\nData folder: ${dataDir}\nPress Ctrl+C to stop.\n`);
  const stop = () => {
    void bridge
      .close()
      .then(() => services.dispose())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
