// Packs the CLI as the npm package a user installs: `agent-policy` and `agent-policy-lint`, the
// bundles they run and nothing else (no sources, no dependencies: the bundles carry them). Run
// after `node esbuild.mjs`; `node scripts/pack-cli.mjs DIR` writes agent-policy-VERSION.tgz into DIR
// and prints its path. The native hook client is left out (it is built for this machine only);
// `init` then installs the Node hook client, which speaks the same protocol.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const destination = resolve(process.argv[2] ?? '.');
const RUNS = ['cli.js', 'cli-main.js', 'refa.js', 'hook.js', 'web-tree-sitter.wasm', 'tree-sitter-bash.wasm'];

const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'agent-policy-cli-'));
try {
  mkdirSync(join(stage, 'out'));
  for (const file of RUNS) {
    const from = join(repo, 'server', 'out', file);
    if (!existsSync(from)) throw new Error(`${from} is missing: run "node esbuild.mjs" first`);
    copyFileSync(from, join(stage, 'out', file));
  }
  const manifest = {
    name: 'agent-policy',
    version: root.version,
    description:
      'Governance as code for AI coding agents: the CLI (validate and lint policies, answer agent runtimes\u2019 hooks, audit, bypasses, approvals).',
    license: root.license,
    engines: { node: root.engines.node },
    bin: { 'agent-policy': 'out/cli.js', 'agent-policy-lint': 'out/cli.js' },
    files: ['out/', 'README.md', 'LICENSE'],
    keywords: ['ai', 'agents', 'policy', 'governance', 'security', 'audit', 'claude-code', 'codex', 'gemini-cli', 'copilot'],
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(repo, 'LICENSE'), join(stage, 'LICENSE'));
  copyFileSync(join(repo, 'docs', 'cli-package.md'), join(stage, 'README.md'));
  mkdirSync(destination, { recursive: true });
  // A clean npm environment: under `npm test` the outer npm's settings would leak into this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: stage, env, encoding: 'utf8' }).trim().split('\n').pop();
  process.stdout.write(`${join(destination, name)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
