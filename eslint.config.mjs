import tseslint from 'typescript-eslint';

const HOST_APIS = ['node:*', 'fs', 'path', 'vscode', 'vscode-languageserver*', 'web-tree-sitter'];
// A relative import that leaves its layer's folder (or reaches server/src from client/ or the tests' harness).
const LEAVES_LAYER = '^(\\.\\./)+(core|protocol|service|host|cli|lsp|hook-client|vscode-hook|server|client)(/|$)';
// Outside the core, its three barrels only: #core (policy decisions), #core/audit, #core/runtimes.
const CORE_INTERNALS = '^#core/(?!(audit|runtimes)$)';
// (ESLint's `group` patterns are gitignore lines, where `#` starts a comment: aliases go through `regex`.)
function layer(files, aliases, apis, why) {
  const patterns = [
    { regex: LEAVES_LAYER, message: `import another layer by its alias (#core, #protocol/…, #host/…, #service/…): ${why}` },
    ...(files.some((f) => f.startsWith('server/src/core/'))
      ? []
      : [{ regex: CORE_INTERNALS, message: 'import the core through #core, #core/audit or #core/runtimes' }]),
    ...(aliases.length ? [{ regex: `^(${aliases.join('|')})(/|$)`, message: `not from this layer: ${why}` }] : []),
    ...(apis.length ? [{ group: apis, message: `not from this layer: ${why}` }] : []),
  ];
  return [{ files, rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

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
      'server/src/core/policy/schema-validators.generated.ts',
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
  // Layers, lowest first: core < protocol < service | host < the entry points (cli, lsp, the hook
  // clients, the extension in client/). A layer imports the ones below it by alias (#core,
  // #protocol/…, #host/…); a relative import never leaves its layer, and nothing imports upward.
  ...layer(
    ['server/src/core/**/*.ts'],
    ['#core', '#protocol', '#service', '#host'],
    HOST_APIS,
    'the core is pure: no host APIs, and its own parts by relative path',
  ),
  ...layer(['server/src/protocol/**/*.ts'], ['#service', '#host'], HOST_APIS, 'the protocol is types shared by both sides: no host APIs'),
  ...layer(['server/src/service/**/*.ts'], ['#host'], HOST_APIS, 'the language service is pure: hosts give it what it reads'),
  ...layer(
    ['server/src/host/**/*.ts'],
    ['#service'],
    ['vscode', 'vscode-languageserver*'],
    'the host layer serves the editor and the CLI alike: no language service, no editor API',
  ),
  ...layer(
    ['server/src/cli/**/*.ts', 'server/src/lsp/**/*.ts', 'server/src/hook-client/**/*.ts', 'server/src/vscode-hook/**/*.ts', 'client/src/**/*.ts'],
    [],
    [],
    'an entry point',
  ),
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
