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
);
