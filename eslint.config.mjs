// Lint for every package, including the module boundaries from ARCHITECTURE.md:
// apps import libs; libs/inference imports libs/shared; libs/shared imports no project code;
// the studio never imports the server.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/build/**', '**/.svelte-kit/**', '**/node_modules/**', 'reports/**', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['apps/**/*', 'libs/**/*'],
      'boundaries/elements': [
        { type: 'server', pattern: 'apps/server' },
        { type: 'studio', pattern: 'apps/studio' },
        { type: 'inference', pattern: 'libs/inference' },
        { type: 'shared', pattern: 'libs/shared' },
      ],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            { from: { element: { type: 'server' } }, allow: [{ to: { element: { type: ['server', 'inference', 'shared'] } } }] },
            { from: { element: { type: 'studio' } }, allow: [{ to: { element: { type: ['studio', 'shared'] } } }] },
            { from: { element: { type: 'inference' } }, allow: [{ to: { element: { type: ['inference', 'shared'] } } }] },
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
  { files: ['libs/inference/**'], rules: { 'no-restricted-imports': ['error', { patterns: ['@reelcraft/server', '@reelcraft/studio'] }] } },
  { files: ['apps/studio/**'], rules: { 'no-restricted-imports': ['error', { patterns: ['@reelcraft/server'] }] } },
);
