/** Builds the renderer with Vite (used by the build, `dev:web` and the browser tests). */
import { stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_DIR = join(root, 'dist', 'renderer');

export async function buildRenderer(): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return RENDERER_DIR;
}

async function newest(dir: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? await newest(path) : (await stat(path)).mtimeMs);
  }
  return latest;
}

/** The built renderer, rebuilt first when a source (renderer or shared contract) is newer than the build. */
export async function ensureRenderer(): Promise<string> {
  const built = await stat(join(RENDERER_DIR, 'index.html')).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(await newest(join(root, 'src', 'renderer')), await newest(join(root, 'src', 'shared')));
  if (built === 0 || sources > built) await buildRenderer();
  return RENDERER_DIR;
}
