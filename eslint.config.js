// Lint: typescript-eslint with type information, so floating promises are errors, and a rule
// that keeps contexts talking through each other's index.ts face (eslint-rules/context-boundaries.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import contextBoundaries from './eslint-rules/context-boundaries.js';
import prettierOff from 'eslint-config-prettier/flat';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-*/**',
      'node_modules/**',
      '.iris/**',
      'bin/**',
      'eslint.config.js',
      'eslint-rules/**',
      'console/vite.config.ts',
      'console-shots/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { iris: contextBoundaries },
    rules: { 'iris/context-boundaries': 'error' },
  },
  // Formatting is Prettier's (npm run format); rules that would fight it are off.
  prettierOff,
);
