/**
 * `pnpm --filter @scimport/desktop build`: the renderer with Vite, the main process and the preload with
 * esbuild (CommonJS: a sandboxed preload cannot be an ES module). Everything but electron is bundled, so the
 * packaged app does not depend on the workspace's TypeScript sources.
 */
import { build as esbuild, type BuildOptions } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRenderer } from './renderer';

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const started = Date.now();
  await buildRenderer();
  const common: BuildOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node22', external: ['electron'], logLevel: 'warning', sourcemap: false, absWorkingDir: root };
  // The core maps large files on worker threads started from `new URL('./map-worker-entry.mjs', import.meta.url)`,
  // and reads large workbooks on one started from `new URL('./xlsx-worker-entry.mjs', import.meta.url)`: give the
  // CommonJS bundle a real import.meta.url and put the workers, bundled too, beside it.
  await esbuild({
    ...common,
    entryPoints: ['src/main/index.ts'],
    outfile: 'dist/main/index.cjs',
    define: { 'import.meta.url': '__scimportModuleUrl' },
    banner: { js: "var __scimportModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // The services' worker thread, beside the main bundle (so the core's map workers are found next to it too).
  await esbuild({
    ...common,
    entryPoints: ['src/main/services/worker.ts'],
    outfile: 'dist/main/services-worker.cjs',
    define: { 'import.meta.url': '__scimportModuleUrl' },
    banner: { js: "var __scimportModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // The core's own worker threads (mapping, reading a large workbook), under the names it starts them by.
  const core = dirname(createRequire(import.meta.url).resolve('@scimport/core'));
  await esbuild({
    ...common,
    format: 'esm',
    entryPoints: { 'map-worker-entry': join(core, 'pipeline', 'map-worker.ts'), 'xlsx-worker-entry': join(core, 'read', 'xlsx-worker.ts') },
    outdir: 'dist/main',
    outExtension: { '.js': '.mjs' },
    banner: { js: "import { createRequire as __scimportRequire } from 'node:module'; const require = __scimportRequire(import.meta.url);" },
  });
  await esbuild({ ...common, entryPoints: ['src/preload/index.ts'], outfile: 'dist/preload/index.cjs' });
  process.stdout.write(`Built renderer, main and preload into ${root}dist in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
