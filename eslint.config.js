// Layers are enforced here, not by convention (after VS Code's `code-layering` rule):
// - @scimport/core opens no network and never touches electron;
// - no package reaches into another package's internals (only `@scimport/<name>` itself is importable);
// - transport and emulator never touch electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const deepImports = {
  group: ['@scimport/*/*', '**/packages/*/src/**', '**/apps/*/src/**'],
  message: 'Import a package through its public entry (`@scimport/<name>`), never its internals.',
};
const electron = { group: ['electron', 'electron/*'], message: 'Only apps/desktop may import electron.' };
const network = {
  group: ['http', 'https', 'net', 'tls', 'dgram', 'http2', 'undici', '@azure/*', '@scimport/transport', '@scimport/emulator']
    .flatMap((name) => [name, `node:${name}`])
    .filter((name) => !name.startsWith('node:@')),
  message: '@scimport/core has no network: move this to @scimport/transport.',
};

export default tseslint.config(
  { ignores: ['**/.scratch/**', '**/node_modules/**', '**/dist/**', 'out/**', '**/.turbo/**', 'bench/.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', structuredClone: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-imports': ['error', { patterns: [deepImports, electron] }],
    },
  },
  {
    files: ['packages/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepImports, electron, network] }] },
  },
  // The Electron entry points are the one place electron may be imported.
  {
    files: ['apps/desktop/src/main/**/*.ts', 'apps/desktop/src/preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepImports] }] },
  },
  // The renderer sees only the bridge: no Node, no electron, no scimport package but the message catalogue (it
  // talks to the services through src/shared's contract).
  {
    files: ['apps/desktop/src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            electron,
            { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'http', 'https', 'net'], message: 'The renderer has no Node: ask the services through the bridge.' },
            // The one exception is the message catalogue: plain data and a formatter, so every word on a screen
            // comes from it.
            { group: ['@scimport/*', '!@scimport/messages'], message: 'The renderer only sees the bridge (src/shared/contract.ts) and the message catalogue (@scimport/messages), never another package.' },
          ],
        },
      ],
    },
  },
);
