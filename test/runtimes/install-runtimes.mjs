// Installs the four real agent runtimes the hook end-to-end tests drive (Claude Code, Copilot CLI,
// Codex, Gemini CLI), from the npm registry with pinned/package-lock.json, into
// .vscode-test/runtimes (gitignored; reused while its copy of the lock matches, the way the e2e
// suite caches code-server). Run directly, it installs (npm's output on stderr) and prints the
// binaries' paths as JSON on stdout (drivers.ts reads them so); imported, `ensureRuntimes()`
// returns them.
//
// `npm ci --ignore-scripts`: the runtimes ship native binaries in per-platform optional packages, and
// we run those binaries directly, so no install script is needed (Claude Code's postinstall only
// copies its native binary over a placeholder; node-pty and keytar would try to compile).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const cacheDir = process.env.AGENT_POLICY_VSCODE_CACHE ?? join(repoRoot, '.vscode-test');
export const runtimesDir = join(cacheDir, 'runtimes');

const log = (line) => process.stderr.write(`[runtimes] ${line}\n`);

const ARCH = { x64: 'x64', arm64: 'arm64' }[process.arch];
const RUST_TRIPLE = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];

/** The binaries inside an installed tree (Linux only: that is where the tests run). */
export function binaries(dir = runtimesDir) {
  const nm = join(dir, 'node_modules');
  return {
    claude: join(nm, '@anthropic-ai', `claude-code-linux-${ARCH}`, 'claude'),
    copilot: join(nm, '@github', `copilot-linux-${ARCH}`, 'copilot'),
    codex: join(nm, '@openai', `codex-linux-${ARCH}`, 'vendor', RUST_TRIPLE, 'bin', 'codex'),
    // Gemini CLI is plain JavaScript: run it with this Node.
    gemini: join(nm, '@google', 'gemini-cli', 'bundle', 'gemini.js'),
  };
}

function missing(bins) {
  return Object.entries(bins)
    .filter(([, path]) => !existsSync(path))
    .map(([name, path]) => `${name}: ${path}`);
}

/** Installs (once per lockfile) and returns the binaries' paths. */
export function ensureRuntimes() {
  if (process.platform !== 'linux' || !ARCH) throw new Error(`the runtime e2e tests run on Linux x64/arm64, not ${process.platform}-${process.arch}`);
  const lock = readFileSync(join(here, 'pinned', 'package-lock.json'), 'utf8');
  const marker = join(runtimesDir, '.installed-lock');
  const bins = binaries();
  if (existsSync(marker) && readFileSync(marker, 'utf8') === lock && missing(bins).length === 0) return bins;
  rmSync(runtimesDir, { recursive: true, force: true });
  mkdirSync(runtimesDir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(here, 'pinned', file), join(runtimesDir, file));
  log('installing Claude Code, Copilot CLI, Codex and Gemini CLI from the npm registry (~1.3 GB, once)');
  const started = Date.now();
  // A clean npm environment: under `npm test` the outer npm's settings would leak into this install.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE' && key !== 'INIT_CWD'));
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: runtimesDir, env, stdio: ['ignore', 2, 2] });
  const absent = missing(bins);
  if (absent.length > 0) throw new Error(`npm ci finished but binaries are missing:\n${absent.join('\n')}`);
  writeFileSync(marker, lock);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return bins;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(ensureRuntimes(), null, 2)}\n`);
}
