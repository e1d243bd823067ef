// Lint: typescript-eslint recommended plus the layer rule of ARCHITECTURE.md
// (analysis/ never imports electron or React; renderer/ imports analysis/ for types only).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
        { group: ['node:*', 'fs', 'path', 'child_process', '@duckdb/*', 'electron'], message: 'renderer/ never touches Node, DuckDB or Electron.' },
        { group: ['../analysis/*', '../../analysis/*', '../../../analysis/*'], message: 'renderer/ imports analysis/ for types only (import type) or the shared contract module.', allowTypeImports: true },
      ] }],
    },
  },
);
