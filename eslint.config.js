// ESLint: typescript-eslint's strict type-aware rules, and no import cycles (static or dynamic).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'state/**', 'test/vectors/**', 'oclif.manifest.json'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      // A module graph that points one way: no cycle, and a dynamic import() counts.
      'import-x/no-cycle': ['error', { allowUnsafeDynamicCyclicDependency: false }],
      // The layers: the core knows no edge (CLI, presenters, shell, commands); the shell and the
      // commands reach the state only through perform(), never the store itself.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/core', from: ['./src/api', './src/cli', './src/shell', './src/commands', './src/registry.ts'], message: 'the core has no terminal or presentation code, and knows none of its edges' },
            { target: './src/api', from: ['./src/cli', './src/shell', './src/commands', './src/registry.ts'], message: 'the Node API is an edge of its own over the core' },
            { target: ['./src/shell', './src/commands'], from: './src/core/store', message: 'read and change the state through perform() and an operation' },
          ],
        },
      ],
      // Numbers and booleans read the same in any template; objects, undefined and unknowns are refused.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // noUncheckedIndexedAccess types every index as possibly missing; where the code has just
      // checked the length or built the map, `!` says so, and tsc keeps checking everything else.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `(x) => list.push(x)` and `(err, key) => (err ? reject(err) : resolve(key))` read well.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // An async method that fulfils a Promise-returning interface (a prompter, a dialect's
      // banner) reads better than one wrapping its value in Promise.resolve.
      '@typescript-eslint/require-await': 'off',
      // `{ secret: _secret, ...rest }` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read the JSON a command printed as it comes: `any` there is the point.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'writable', module: 'writable', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' } },
  },
);
