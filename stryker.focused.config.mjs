// Focused mutation runs: one group of decision files, with only the test files that reach them
// (a full-suite run costs up to 12 s per mutant, every test file that runs a curl line).
//   MUTATION_FOCUS=fetchers npx stryker run stryker.focused.config.mjs
// Reports: reports/mutation/<focus>.json and .html. Scores are lower bounds: a test file left out
// may kill more.
import base from './stryker.config.mjs';

const FOCUS = {
  invocations: { mutate: ['server/src/core/shell/invocations.ts'], tests: 'evaluate,command-wrappers,command-invocations,command-programs,command-versions' },
  fetchers: {
    mutate: ['server/src/core/shell/fetchers.ts', 'server/src/core/shell/program-options.ts'],
    tests: 'evaluate,command-fetchers,command-fetcher-edges,command-option-edges,command-programs,command-writes,command-wrappers,command-versions',
  },
  'shell-tables': {
    mutate: ['command-pattern', 'flags', 'continuations', 'risky-variables', 'builtins', 'program-family'].map((f) => `server/src/core/shell/${f}.ts`),
    tests: 'evaluate,command-words,command-builtins,command-versions,command-programs,command-wrappers,command-shell-tables',
  },
  paths: {
    mutate: ['server/src/core/policy/evaluate-path.ts', 'server/src/core/base/paths.ts'],
    tests: 'evaluate,decision-edges,fs-view,bypass-approvals,command-directories,red-team',
  },
};

const name = process.env.MUTATION_FOCUS ?? '';
const focus = FOCUS[name];
if (!focus) throw new Error(`MUTATION_FOCUS must be one of: ${Object.keys(FOCUS).join(', ')}`);

export default {
  ...base,
  mutate: focus.mutate,
  tap: { ...base.tap, testFiles: [`test/unit/{${focus.tests}}.test.ts`] },
  tempDirName: `.tsbuild/stryker-${name}`,
  reporters: ['json', 'html', 'clear-text', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
};
