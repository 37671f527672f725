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
      // Numbers and booleans read the same in any template; objects, undefined and unknowns are refused.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // noUncheckedIndexedAccess types every index as possibly missing; where the code has just
      // checked the length or built the map, `!` says so, and tsc keeps checking everything else.
      '@typescript-eslint/no-non-null-assertion': 'off',
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
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'writable', module: 'writable', URL: 'readonly', Buffer: 'readonly' } },
  },
);
