// Lint for the extension's TypeScript (extension/src, tests/extension).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// These files hold the logic that is unit-tested outside VS Code: they must not import it.
const pure = ['extension/src/status.ts', 'extension/src/config.ts', 'extension/src/interpreter.ts', 'extension/src/coalesce.ts'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'bundled/**', '.venv/**', 'server/**', '.e2e/**', '.tools/**', 'tests/e2e/**', 'tests/python/**'] },
  {
    files: ['extension/**/*.ts', 'tests/extension/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      eqeqeq: 'error',
    },
  },
  {
    files: [...pure, 'tests/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Keep this file free of the VS Code API so it can be unit-tested.' }] }],
    },
  },
  {
    // node:test's describe/it return promises the runner itself awaits.
    files: ['tests/extension/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
