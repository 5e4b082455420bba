// Drivers for the real agent runtimes: each runs one headless session of its runtime in a project
// folder, with a private HOME (and the runtime's own config-home variables), against a scripted
// model server on 127.0.0.1, under a hard wall-clock kill. See README.md.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startModelServer, type RecordedRequest, type Script } from './model-server';

// (dirname of __filename: tsx gives an ESM importer of this file a wrong __dirname.)
const here = dirname(__filename);
export const repoRoot = resolve(here, '..', '..');
export const cacheDir = process.env.AGENT_POLICY_VSCODE_CACHE ?? join(repoRoot, '.vscode-test');

export interface RuntimeBinaries {
  claude: string;
  copilot: string;
  codex: string;
  /** Gemini CLI's JavaScript entry point: run it with node. */
  gemini: string;
}

let installed: RuntimeBinaries | undefined;

/** The runtimes' binaries, installed on first use by install-runtimes.mjs (which prints their paths). */
export function bins(): RuntimeBinaries {
  installed ??= JSON.parse(
    execFileSync(process.execPath, [join(here, 'install-runtimes.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  ) as RuntimeBinaries;
  return installed;
}

export type Runtime = 'claude-code' | 'codex' | 'gemini-cli' | 'copilot-cli';
/** `default`: the runtime's own headless default; `most-permissive`: its "approve everything" switch. */
export type Mode = 'default' | 'most-permissive';

export interface RunOptions {
  /** The project root (where the policy and the installed hook live). */
  project: string;
  /** The folder the runtime is started in (default: the project). */
  cwd?: string;
  /** A private HOME for this run (created if missing). */
  home: string;
  script: Script;
  mode: Mode;
  /** Hard wall-clock limit: the whole process group is killed after it (default 90 s). */
  timeoutMs?: number;
  prompt?: string;
  /** More command-line arguments for the runtime. */
  args?: string[];
  env?: Record<string, string>;
  /** Codex and Gemini CLI: more folders to mark trusted. */
  trustedProjects?: string[];
  /** Codex: how its hooks are trusted (default `persisted`: the hashes from `codex app-server` hooks/list, as Codex's own review writes them). */
  codexHookTrust?: 'persisted' | 'bypass' | 'none';
  /** Gemini CLI: more user settings (~/.gemini/settings.json). */
  geminiSettings?: Record<string, unknown>;
  /** Copilot CLI: pass --trust-folder (default true). */
  copilotTrustFolder?: boolean;
  /** Print the model server's request log and the runtime's output as it comes. */
  verbose?: boolean;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by our wall-clock limit. */
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  requests: RecordedRequest[];
  /** Every agent-loop request the model received, joined (what the model was shown). */
  shown: string;
}

/** Copilot unpacks ~235 MB on first start; one cache folder is shared by every run (it is keyed by version). */
export const copilotCache = join(cacheDir, 'runtimes-copilot-cache');

const QUIET = {
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  NO_UPDATE_NOTIFIER: '1',
  NO_COLOR: '1',
  CI: '1',
};

/** A minimal environment: nothing of the outer session's credentials or settings leaks in. */
function baseEnv(home: string): Record<string, string> {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL'];
  const env: Record<string, string> = {};
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key];
  env.HOME = home;
  env.XDG_CONFIG_HOME = join(home, '.config');
  env.XDG_CACHE_HOME = join(home, '.cache');
  env.XDG_DATA_HOME = join(home, '.local', 'share');
  env.XDG_STATE_HOME = join(home, '.local', 'state');
  // The hook's resident decider (one per home here) exits soon after its project's test.
  env.AGENT_POLICY_DECIDER_IDLE = '30s';
  return { ...env, ...QUIET };
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

function claudeLaunch(o: RunOptions, url: string, prompt: string): Launch {
  const bin = bins().claude;
  const configDir = join(o.home, '.claude');
  mkdirSync(configDir, { recursive: true });
  const env: Record<string, string> = {
    ...baseEnv(o.home),
    CLAUDE_CONFIG_DIR: configDir,
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: 'dummy',
    ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    ANTHROPIC_SMALL_FAST_MODEL: 'claude-haiku-4-5',
  };
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose'];
  if (o.mode === 'most-permissive') {
    args.push('--dangerously-skip-permissions');
    if (isRoot) env.IS_SANDBOX = '1';
  }
  return { command: bin, args, env };
}

/** The model Codex is told it runs: a slug from its bundled catalog, or it offers no apply_patch. */
export const CODEX_MODEL = 'gpt-5.5';

/**
 * Codex: a custom Responses-API provider in $CODEX_HOME/config.toml, the project trusted there,
 * and the hooks trusted the way Codex's own review does it: the hash `codex app-server` reports for
 * each hook in `hooks/list`, written as `[hooks.state."<key>"] trusted_hash` (Codex skips an
 * untrusted hook silently). `codexHookTrust: 'bypass'` uses --dangerously-bypass-hook-trust
 * instead; `'none'` trusts nothing.
 */
async function codexLaunch(o: RunOptions, url: string, prompt: string): Promise<Launch> {
  const codexHome = join(o.home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const projects = [o.project, ...(o.trustedProjects ?? [])];
  const config = [
    `model = "${CODEX_MODEL}"`,
    'model_provider = "scripted"',
    '',
    '[model_providers.scripted]',
    'name = "scripted"',
    `base_url = "${url}/v1"`,
    'wire_api = "responses"',
    'env_key = "SCRIPTED_API_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    ...projects.flatMap((dir) => [`[projects.${JSON.stringify(dir)}]`, 'trust_level = "trusted"', '']),
  ];
  const file = join(codexHome, 'config.toml');
  // Keep what is there (a user-scope install may have written to it): our top-level keys first, our tables last.
  const MARK = '# scripted-model config (test/runtimes/drivers.ts)';
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const existing = before.startsWith(MARK) ? '' : before;
  const tables = config.findIndex((line) => line.startsWith('['));
  writeFileSync(file, `${[MARK, ...config.slice(0, tables), existing, ...config.slice(tables)].join('\n')}\n`);
  const env: Record<string, string> = { ...baseEnv(o.home), CODEX_HOME: codexHome, SCRIPTED_API_KEY: 'dummy' };
  const trust = o.codexHookTrust ?? 'persisted';
  if (trust === 'persisted') {
    const hooks = await codexHooks(env, [o.cwd ?? o.project]);
    const lines = hooks
      .filter((h) => h.trustStatus !== 'trusted' && h.trustStatus !== 'managed')
      .flatMap((h) => ['', `[hooks.state.${JSON.stringify(h.key)}]`, `trusted_hash = ${JSON.stringify(h.currentHash)}`]);
    appendFileSync(file, `${lines.join('\n')}\n`);
  }
  const args = ['exec', '--json', '--skip-git-repo-check', '--color', 'never'];
  if (o.mode === 'most-permissive') args.push('--dangerously-bypass-approvals-and-sandbox');
  if (trust === 'bypass') args.push('--dangerously-bypass-hook-trust');
  args.push(prompt);
  return { command: bins().codex, args, env };
}

export interface CodexHook {
  key: string;
  currentHash: string;
  trustStatus: string;
  source: string;
  command?: string;
}

/** The hooks Codex sees for these folders (`codex app-server`, JSON-RPC `hooks/list` over stdio). */
export async function codexHooks(env: Record<string, string>, cwds: string[]): Promise<CodexHook[]> {
  const child = spawn(bins().codex, ['app-server'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    return await new Promise<CodexHook[]>((resolve, reject) => {
      let buffer = '';
      child.on('error', reject);
      child.on('close', () => reject(new Error('codex app-server ended before answering hooks/list')));
      child.stdout.on('data', (c: Buffer) => {
        buffer += c.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          let message: { id?: number; result?: { data?: { hooks?: CodexHook[] }[] }; error?: unknown };
          try {
            message = JSON.parse(line) as typeof message;
          } catch {
            continue;
          }
          if (message.id === 1) {
            child.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
            child.stdin.write(`${JSON.stringify({ id: 2, method: 'hooks/list', params: { cwds } })}\n`);
          } else if (message.id === 2) {
            if (message.error) reject(new Error(`hooks/list: ${JSON.stringify(message.error)}`));
            else resolve((message.result?.data ?? []).flatMap((entry) => entry.hooks ?? []));
          }
        }
      });
      child.stdin.write(`${JSON.stringify({ id: 1, method: 'initialize', params: { clientInfo: { name: 'agent-policy-e2e', version: '1' } } })}\n`);
    });
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}

/**
 * Gemini CLI (plain JavaScript, run with this Node): GOOGLE_GEMINI_BASE_URL at the fake, the API-key
 * auth chosen in ~/.gemini/settings.json (else it exits 41), the project trusted in
 * ~/.gemini/trustedFolders.json (else a headless start exits 55).
 */
function geminiLaunch(o: RunOptions, url: string, prompt: string): Launch {
  const dir = join(o.home, '.gemini');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'settings.json');
  // Merged into what is there (a user-scope install writes its hook to this file).
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const settings = {
    ...existing,
    security: { auth: { selectedType: 'gemini-api-key' } },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    ...o.geminiSettings,
  };
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  writeFileSync(
    join(dir, 'trustedFolders.json'),
    `${JSON.stringify(Object.fromEntries([o.project, ...(o.trustedProjects ?? [])].map((d) => [d, 'TRUST_FOLDER'])), null, 2)}\n`,
  );
  const env: Record<string, string> = { ...baseEnv(o.home), GOOGLE_GEMINI_BASE_URL: url, GEMINI_API_KEY: 'dummy', GEMINI_CLI_NO_RELAUNCH: 'true' };
  const args = [bins().gemini, '-p', prompt, '--output-format', 'stream-json', '-m', GEMINI_MODEL];
  if (o.mode === 'most-permissive') args.push('--yolo');
  return { command: process.execPath, args, env };
}

export const GEMINI_MODEL = 'gemini-2.5-flash';

/**
 * Copilot CLI in its bring-your-own-key `anthropic` mode (no sign-in): the same Messages-API fake
 * as Claude Code. `--trust-folder`, or -p mode loads no project hooks. Its ~235 MB unpack goes to
 * one shared COPILOT_CACHE_HOME (keyed by version inside, written once).
 */
function copilotLaunch(o: RunOptions, url: string, prompt: string): Launch {
  mkdirSync(copilotCache, { recursive: true });
  // Unpack once, synchronously (~1 s), so concurrent first starts do not race on the shared cache.
  const unpacked = join(copilotCache, 'pkg', `linux-${process.arch}`);
  if (!existsSync(unpacked) || readdirSync(unpacked).length === 0) {
    execFileSync(bins().copilot, ['--version'], { env: { ...baseEnv(o.home), COPILOT_CACHE_HOME: copilotCache }, stdio: 'ignore', timeout: 120_000 });
  }
  const env: Record<string, string> = {
    ...baseEnv(o.home),
    COPILOT_CACHE_HOME: copilotCache,
    COPILOT_PROVIDER_TYPE: 'anthropic',
    COPILOT_PROVIDER_BASE_URL: url,
    COPILOT_PROVIDER_API_KEY: 'dummy',
    COPILOT_MODEL: 'claude-sonnet-4.5',
    COPILOT_OFFLINE: 'true',
  };
  const args = ['-p', prompt, '--output-format', 'json', '--no-auto-update', '--no-color', '--disable-client-telemetry', '--no-ask-user'];
  if (o.copilotTrustFolder !== false) args.push('--trust-folder');
  args.push(...(o.mode === 'most-permissive' ? ['--yolo'] : COPILOT_DEFAULT_ARGS));
  return { command: bins().copilot, args, env };
}

/** Copilot's -p mode needs --allow-all-tools to run any tool (see README); "default" adds nothing. */
export const COPILOT_DEFAULT_ARGS: string[] = [];

const LAUNCH: Record<Runtime, (o: RunOptions, url: string, prompt: string) => Launch | Promise<Launch>> = {
  'claude-code': claudeLaunch,
  codex: codexLaunch,
  'gemini-cli': geminiLaunch,
  'copilot-cli': copilotLaunch,
};

export async function runRuntime(runtime: Runtime, o: RunOptions): Promise<RunResult> {
  mkdirSync(o.home, { recursive: true });
  const log = o.verbose ? (line: string) => process.stderr.write(`[model] ${line}\n`) : undefined;
  const server = await startModelServer(o.script, log ? { log } : {});
  try {
    const prompt = o.prompt ?? 'Run the steps of this test.';
    const launch = await LAUNCH[runtime](o, server.url, prompt);
    const started = Date.now();
    const child = spawn(launch.command, [...launch.args, ...(o.args ?? [])], {
      cwd: o.cwd ?? o.project,
      env: { ...launch.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (o.verbose) process.stderr.write(`[out] ${c.toString('utf8')}`);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (o.verbose) process.stderr.write(`[err] ${c.toString('utf8')}`);
    });
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, o.timeoutMs ?? 90_000);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    clearTimeout(timer);
    // Hooks or shells the runtime left behind in its group.
    killGroup();
    return { exitCode: code, signal, timedOut, durationMs: Date.now() - started, stdout, stderr, requests: server.requests, shown: server.shown() };
  } finally {
    await server.close();
  }
}

/** Writes a file, creating its folder. */
export function put(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}
