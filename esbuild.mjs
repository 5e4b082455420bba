// Builds the three bundles: the VS Code client, the language server and the CLI.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeValidators } from './scripts/schema-validators.mjs';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
// refa (the glob automata, about two thirds of a bundle) is its own file, loaded the first time an
// automaton is built: a process that only decides (a hook call) neither compiles nor runs it.
const REFA_EXPORTS = ['DFA', 'JS', 'NFA', 'TooManyNodesError', 'Transformers', 'transform', 'visitAst'];
const lazyRefa = {
  name: 'lazy-refa',
  setup(b) {
    b.onResolve({ filter: /^refa$/ }, () => ({ path: 'refa', namespace: 'lazy-refa' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-refa' }, () => ({
      loader: 'js',
      contents: [
        "let real; const load = () => (real ??= require(require('node:path').join(__dirname, 'refa.js')));",
        "Object.defineProperty(exports, '__esModule', { value: true });",
        `for (const name of ${JSON.stringify(REFA_EXPORTS)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
      ].join('\n'),
    }));
  },
};
// web-tree-sitter loads two Node modules with `import()`, which a script compiled from V8's code
// cache cannot run (server/src/cli/load.ts): they become the bundle's own `require`s.
const WEB_TREE_SITTER_IMPORTS = { 'await import("module")': '__nodeModule', 'await import("fs/promises")': '__nodeFsPromises' };
const requireNodeImports = {
  name: 'require-node-imports',
  setup(b) {
    b.onLoad({ filter: /web-tree-sitter[\\/]web-tree-sitter\.js$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      for (const [from, to] of Object.entries(WEB_TREE_SITTER_IMPORTS)) {
        if (!contents.includes(from)) throw new Error(`web-tree-sitter no longer holds ${from}: revisit esbuild.mjs`);
        contents = contents.split(from).join(to);
      }
      return { contents, loader: 'js' };
    });
  },
};

// web-tree-sitter's module code reads import.meta.url; in a CommonJS bundle it is this file's URL.
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { 'import.meta.url': '__bundleUrl' },
  banner: {
    js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href; const __nodeModule = require('node:module'); const __nodeFsPromises = require('node:fs/promises');",
  },
  plugins: [lazyRefa, requireNodeImports],
};

const refaBundle = (dir) =>
  build({ ...common, entryPoints: [require.resolve('refa')], outfile: join(dir, 'refa.js'), sourcemap: false, define: {}, banner: {} });

// `--bench`: the benchmarks, bundled exactly like the shipped code (so they measure what ships).
const bench = process.argv.includes('--bench')
  ? [
      build({
        ...common,
        entryPoints: [
          'bench/evaluate.bench.ts',
          'bench/audit-lint.bench.ts',
          'bench/language-server.bench.ts',
          'bench/audit-view.bench.ts',
          'bench/vscode-hook-service.ts',
          'bench/append-writer.ts',
        ],
        outdir: 'bench/out',
        sourcemap: false,
      }),
      build({ ...common, entryPoints: ['bench/vscode/index.ts'], outfile: 'bench/out/vscode/index.js', external: ['vscode'], sourcemap: false }),
    ]
  : [];

// The schemas' validators are compiled here, not when a process starts.
writeValidators();

await Promise.all([
  ...bench,
  refaBundle('server/out'),
  refaBundle('client/out'),
  ...(process.argv.includes('--bench') ? [refaBundle('bench/out'), refaBundle('bench/out/vscode')] : []),
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'client/out/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'server/out/server.js' }),
  build({ ...common, entryPoints: ['server/src/cli/main.ts'], outfile: 'server/out/cli-main.js' }),
  // The CLI's entry: loads cli-main.js through V8's code cache (server/src/cli/load.ts).
  build({ ...common, entryPoints: ['server/src/cli/load.ts'], outfile: 'server/out/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // VS Code's built-in agent runs this on every tool call (agent-plugin/hooks/pre-tool-use.sh): Node's own modules only.
  build({ ...common, entryPoints: ['server/src/vscode-hook/main.ts'], outfile: 'server/out/vscode-hook.js' }),
  // Agent runtimes run this on every tool call (init installs it): it hands the call to the resident decider. Node's own modules only.
  build({ ...common, entryPoints: ['server/src/hook-client/main.ts'], outfile: 'server/out/hook.js' }),
]);

// The shell parser's WebAssembly files live beside the bundles that parse commands (the client's gate too).
for (const dir of ['server/out', 'client/out']) {
  mkdirSync(dir, { recursive: true });
  for (const spec of ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-bash/tree-sitter-bash.wasm']) {
    copyFileSync(require.resolve(spec), join(dir, spec.split('/')[1]));
  }
}
chmodSync('server/out/cli.js', 0o755);

// The native hook client (native/hook-client.c), where this machine has a C compiler: a call the
// resident decider answers costs a few milliseconds instead of a Node start. Without one, `init`
// installs the Node client (server/out/hook.js), which speaks the same protocol.
const nativeClient = 'server/out/agent-policy-hook';
if (process.platform !== 'win32') {
  const cc = process.env.CC ?? 'cc';
  const compiled = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', nativeClient, 'native/hook-client.c'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (compiled.status !== 0) {
    rmSync(nativeClient, { force: true });
    console.warn(`esbuild.mjs: no native hook client (${cc} ${compiled.error ? 'is not installed' : 'failed'}); hooks use server/out/hook.js`);
  }
}
