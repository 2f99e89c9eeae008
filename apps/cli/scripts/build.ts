/**
 * `pnpm --filter @scimport/cli build`: the release build of the command. esbuild bundles the CLI, the workspace
 * packages and every dependency into `dist/scimport.mjs`, with the core's worker threads bundled beside it as
 * `dist/map-worker-entry.mjs` (mapping) and `dist/xlsx-worker-entry.mjs` (reading a large workbook): the names
 * the core starts them by, relative to its own module URL, so the same
 * `new URL('./map-worker-entry.mjs', import.meta.url)` finds them in the bundle. `npm pack` then turns `dist/`
 * into `apps/cli/scimport-cli-<version>.tgz`, whose only runtime requirement is Node ≥ 20: every dependency is
 * pure JavaScript and bundles, so installing the tarball needs no registry at all.
 *
 *   --no-pack   build dist/ only (the bench uses the bundle straight from dist/)
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const cliPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; description: string };

// Bundled CommonJS dependencies (exceljs, ajv, node-forge, …) call `require` for Node's built-ins; an ES module
// has none, so give each bundle one.
const requireShim = "import { createRequire as __scimportRequire } from 'node:module'; const require = __scimportRequire(import.meta.url);";

/**
 * Dependencies whose module start-up is heavy (exceljs and its zip stack ≈ 40 ms, selfsigned's x509 stack ≈ 35 ms,
 * numfmt's locale tables ≈ 25 ms on the 2-core CI machine) but which only some commands use: the annotated copy,
 * the built-in sandbox, xlsx number formats. In the bundle each import of them becomes a stand-in that loads the
 * real package on first use, so `scimport --help` does not pay for them. Only the listed exports exist on the
 * stand-in: importing anything else fails the build ("No matching export") rather than the command at run time.
 */
const LAZY: Record<string, { functions?: string[]; defaultObject?: boolean }> = {
  exceljs: { defaultObject: true },
  selfsigned: { functions: ['generate'] },
  numfmt: { functions: ['format', 'getFormatInfo', 'isValidFormat', 'getFormatFromId'] },
};

const lazyDependencies: Plugin = {
  name: 'lazy-dependencies',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LAZY).join('|')})$`);
    build.onResolve({ filter }, (args) => (args.pluginData === 'real' ? undefined : { path: args.path, namespace: 'lazy', pluginData: args.resolveDir }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, async (args) => {
      // The real package by absolute path (no longer matching the filter above), as a `require`, which esbuild
      // bundles as a function run on first call rather than at start-up.
      const real = await build.resolve(args.path, { kind: 'import-statement', resolveDir: args.pluginData as string, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      const spec = LAZY[args.path]!;
      const lines = [`let real; const load = () => (real ??= require(${JSON.stringify(real.path)}));`];
      for (const name of spec.functions ?? []) lines.push(`export const ${name} = (...args) => load().${name}(...args);`);
      if (spec.defaultObject) {
        lines.push(
          'export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, key) => ({ ...Object.getOwnPropertyDescriptor(load(), key), configurable: true }) });',
        );
      }
      return { contents: lines.join('\n'), loader: 'js', resolveDir: dirname(real.path) };
    });
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  sourcemap: false,
  legalComments: 'linked',
  // Whitespace and syntax only: identifiers keep their names (error classes and stack traces stay readable).
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [lazyDependencies],
  absWorkingDir: root,
};

export async function buildCli(options: { pack: boolean }): Promise<{ dist: string; tarball?: string }> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await build({
    ...common,
    entryPoints: { scimport: 'src/main.ts' },
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    banner: { js: `#!/usr/bin/env node\n${requireShim}` },
  });
  const core = dirname(createRequire(import.meta.url).resolve('@scimport/core'));
  await build({
    ...common,
    entryPoints: { 'map-worker-entry': join(core, 'pipeline', 'map-worker.ts'), 'xlsx-worker-entry': join(core, 'read', 'xlsx-worker.ts') },
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    banner: { js: requireShim },
  });
  // The published manifest: no dependencies (all bundled), the engines floor the bundle was built for.
  const manifest = {
    name: '@scimport/cli',
    version: cliPackage.version,
    description: cliPackage.description,
    type: 'module',
    bin: { scimport: 'scimport.mjs' },
    files: ['scimport.mjs', 'map-worker-entry.mjs', 'xlsx-worker-entry.mjs', '*.LEGAL.txt'],
    engines: { node: '>=20' },
    license: 'UNLICENSED',
  };
  await writeFile(join(dist, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!options.pack) return { dist };
  // npm names the tarball after the scoped package: scimport-cli-<version>.tgz, beside apps/cli/package.json.
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', root], { cwd: dist, encoding: 'utf8' }).trim();
  return { dist, tarball: join(root, out.split('\n').pop()!) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  buildCli({ pack: !process.argv.includes('--no-pack') })
    .then(({ dist: where, tarball }) => {
      process.stdout.write(`Built ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s${tarball ? `; packed ${tarball}` : ''}.\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
