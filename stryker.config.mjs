// Mutation testing of the command and path decision code (StrykerJS): `npm run mutation`.
// Not part of `npm test`: it runs the unit tests once per mutant and takes a long while.
//
// The tap runner runs each test file as its own `node --import tsx` process (node:test prints TAP),
// and its per-test coverage is per file: a mutant runs only the test files that reached it.
// Reports: reports/mutation/mutation.html and .json. The sandbox lives under .tsbuild/, which
// git, eslint and tsc already leave alone.

/** Whether an expression is plain data: literals, arrays, objects, `new Set([...])`, calls of a local entry helper. */
function isData(node) {
  if (!node) return true;
  switch (node.type) {
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'Identifier':
      return true;
    case 'TemplateLiteral':
      return node.expressions.length === 0;
    case 'UnaryExpression':
      return isData(node.argument);
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
      return isData(node.expression);
    case 'ArrayExpression':
      return node.elements.every(isData);
    case 'ObjectExpression':
      return node.properties.every((p) => p.type === 'ObjectProperty' && (!p.computed || isData(p.key)) && isData(p.value));
    case 'NewExpression':
    case 'CallExpression':
      return node.callee.type === 'Identifier' && node.arguments.every(isData);
    default:
      return false;
  }
}

/**
 * Ignores mutants inside module-level constant tables of plain data (option lists, known node
 * types, wrapper specs): mutating their entries one by one measures the tables' review, not the
 * tests, and each such mutant runs at load time, so under every test file. Regular expressions and
 * anything holding a function are still mutated.
 */
const dataTables = {
  shouldIgnore(path) {
    if (!path.isVariableDeclarator()) return undefined;
    const declaration = path.parentPath;
    const owner = declaration?.parentPath;
    const topLevel = owner?.isProgram() || (owner?.isExportNamedDeclaration() && owner.parentPath?.isProgram());
    if (!topLevel || declaration.node.kind !== 'const') return undefined;
    const init = path.node.init;
    if (!init || !['ArrayExpression', 'ObjectExpression', 'NewExpression', 'TSAsExpression', 'TSSatisfiesExpression'].includes(init.type)) return undefined;
    return isData(init) ? 'module-level table of plain data' : undefined;
  },
};

export const strykerPlugins = [{ kind: 'Ignore', name: 'data-tables', value: dataTables }];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'tap',
  tap: {
    // The unit tests that reach the decision code (the others test the audit log, file views,
    // globs and the rule index, and would only add their start-up time to load-time mutants; the
    // bash oracle runs real bash for 20 s a time and is left to npm test).
    testFiles: [
      'test/unit/{bypass-approvals,command-builtins,command-directories,command-fetchers,command-programs,command-versions,command-walk,command-words,command-writes,command-wrappers,decision-edges,editor-support,evaluate,findings,fs-view,policy-file,red-team,tool-catalogues}.test.ts',
    ],
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'server/src/core/policy/evaluate-command.ts',
    'server/src/core/policy/evaluate-path.ts',
    'server/src/core/shell/*.ts',
    'server/src/core/base/paths.ts',
    'server/src/core/policy/verdict.ts',
  ],
  appendPlugins: ['./stryker.config.mjs'],
  ignorers: ['data-tables'],
  ignorePatterns: ['.tsbuild', '.test-artifacts', '.vscode-test', 'bench/results', '**/out', '*.vsix'],
  tempDirName: '.tsbuild/stryker-tmp',
  concurrency: 2,
  timeoutMS: 5000,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 80, low: 60, break: null },
};
