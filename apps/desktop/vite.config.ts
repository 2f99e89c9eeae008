import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));

// Relative asset paths: the app loads the renderer from files (file://), the bridge from 127.0.0.1.
export default defineConfig({
  root: `${here}src/renderer`,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${here}dist/renderer`,
    emptyOutDir: true,
    // No source maps shipped; no inline scripts (the CSP forbids them).
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  logLevel: 'warn',
});
