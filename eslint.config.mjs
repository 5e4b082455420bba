import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '**/out/**',
      '.tsbuild/**',
      'scratch/**',
      'examples/**',
      '.test-artifacts/**',
      '.vscode-test/**',
      'test/e2e/scripted-model/**',
      'server/src/core/schema-validators.generated.ts',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after'] }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // stdout carries the language-server protocol (and the CLI's output goes through its io object).
  { files: ['server/**/*.ts'], rules: { 'no-console': 'error' } },
  // The core is pure: no host APIs.
  {
    files: ['server/src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'path', 'vscode', 'vscode-languageserver*', 'web-tree-sitter'] }] },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
