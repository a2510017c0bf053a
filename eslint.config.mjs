// Lint for every package, including the module boundaries from docs/ARCHITECTURE.md:
// apps import libs; libs/inference and libs/filter import libs/shared; libs/shared imports no
// project code; the studio imports only itself and libs/shared (never the server, inference or
// the filter engine). The studio's .svelte files go through the same rules as its .ts files.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './apps/studio/svelte.config.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/build/**', '**/.svelte-kit/**', '**/node_modules/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.svelte'],
    plugins: { boundaries },
    settings: {
      // Patterns are relative to the repository, also when a package's own `eslint src` runs
      // from its folder (nx run-many -t lint); with the default (the working directory) they
      // matched nothing there and the boundaries went unchecked.
      'boundaries/root-path': import.meta.dirname,
      'boundaries/include': ['apps/**/*', 'libs/**/*'],
      'boundaries/elements': [
        { type: 'server', pattern: 'apps/server' },
        { type: 'studio', pattern: 'apps/studio' },
        { type: 'inference', pattern: 'libs/inference' },
        { type: 'filter', pattern: 'libs/filter' },
        { type: 'shared', pattern: 'libs/shared' },
      ],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.svelte'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            { from: { element: { type: 'server' } }, allow: [{ to: { element: { type: ['server', 'inference', 'filter', 'shared'] } } }] },
            { from: { element: { type: 'studio' } }, allow: [{ to: { element: { type: ['studio', 'shared'] } } }] },
            { from: { element: { type: 'inference' } }, allow: [{ to: { element: { type: ['inference', 'shared'] } } }] },
            { from: { element: { type: 'filter' } }, allow: [{ to: { element: { type: ['filter', 'shared'] } } }] },
            { from: { element: { type: 'shared' } }, allow: [{ to: { element: { type: 'shared' } } }] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['scripts/**/*.mjs', 'test/**/*.ts'], languageOptions: { globals: globals.node } },
  // Package imports resolve through node_modules symlinks, which the boundaries plugin may see as
  // external; name the forbidden packages as well.
  { files: ['libs/shared/**'], rules: { 'no-restricted-imports': ['error', { patterns: ['@reelcraft/*'] }] } },
  { files: ['libs/inference/**'], rules: { 'no-restricted-imports': ['error', { patterns: ['@reelcraft/server', '@reelcraft/studio', '@reelcraft/filter'] }] } },
  { files: ['libs/filter/**'], rules: { 'no-restricted-imports': ['error', { patterns: ['@reelcraft/server', '@reelcraft/studio', '@reelcraft/inference'] }] } },
  { files: ['apps/studio/**'], rules: { 'no-restricted-imports': ['error', { patterns: ['@reelcraft/server', '@reelcraft/inference', '@reelcraft/filter'] }] } },
);
