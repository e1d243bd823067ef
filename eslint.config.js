// Lint: typescript-eslint recommended plus the layer rule of ARCHITECTURE.md
// (analysis/ never imports electron or React; renderer/ imports analysis/ for types only).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'test-results/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Plain Node scripts (test runner, bin entry).
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron', 'electron/*'], message: 'analysis/ runs in plain Node: never import electron.' },
        { group: ['react', 'react-dom', 'react/*', 'zustand'], message: 'analysis/ never imports React.' },
      ] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^(node:.*|fs|path|child_process|@duckdb/.*|electron(/.*)?)$', message: 'renderer/ never touches Node, DuckDB or Electron.' },
        { group: ['../electron/*', '../../electron/*'], message: 'renderer/ may import the shell\'s types only (import type).', allowTypeImports: true },
        { group: ['../analysis/*', '../../analysis/*', '../../../analysis/*'], message: 'renderer/ imports analysis/ for types only (import type) or the shared contract module.', allowTypeImports: true },
      ] }],
    },
  },
);
