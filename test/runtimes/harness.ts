// Shared by the runtime end-to-end tests: a temporary project with the test policy and files, the
// hook installed by the real CLI, the audit log read back, and the knobs the hang and timeout
// scenarios turn (the installed command and timeout, a held audit lock).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot, runRuntime, type RunOptions, type RunResult, type Runtime } from './drivers';

/** The CLI under test: the repository's build (`node esbuild.mjs`), or AGENT_POLICY_CLI. */
export const CLI = process.env.AGENT_POLICY_CLI ?? join(repoRoot, 'server', 'out', 'cli.js');
export const CLI_COMMAND = `node ${CLI}`;

export const POLICY = `version: "2.1"
agent_id: "runtime-e2e"
default_permissions:
  filesystem:
    deny: ["**/.env*", "secrets/**"]
permissions:
  filesystem:
    allow: ["src/**", "notes/**"]
  commands:
    allow: ["ls", "cat", "echo *", "touch *", "git status", "git commit *"]
    deny: ["rm -rf"]
  network:
    allow_outbound: false
constraints:
  require_human_approval:
    - command_pattern: "git commit *"
audit:
  log_all_actions: true
`;

/** Texts that must never reach the model (the denied files' contents). */
export const SECRET_KEY = 'TOPSECRET_KEY_7f3a9c';
export const ENV_SECRET = 'ENV_SECRET_b41e02';

/** The project file each runtime's hook is installed in (project scope). */
export const HOOK_FILES: Record<Runtime, string> = {
  'claude-code': '.claude/settings.json',
  codex: '.codex/hooks.json',
  'gemini-cli': '.gemini/settings.json',
  'copilot-cli': '.github/hooks/agent-policy.json',
};

export interface Project {
  /** Holds dir, home and payloads; removed by cleanup(). */
  base: string;
  /** The project root. */
  dir: string;
  /** The private HOME of the runtime. */
  home: string;
  /** Where the hook's stdin (the runtime's payloads) is copied, one file per call. */
  payloads: string;
  runtime: Runtime;
}

export function requireCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it first (node esbuild.mjs)`);
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { code: number; stdout: string; stderr: string } {
  return run(process.execPath, [CLI, ...args], options);
}

/**
 * A fresh project: git repository (one commit, then `src/a.ts` changed and staged, so a
 * `git commit` would create a second commit), the policy, `secrets/key.txt`, `.env`, `src/a.ts`,
 * and the hook installed for `runtime` with `agent-policy init`, its stdin teed to `payloads/`.
 */
export function makeProject(runtime: Runtime, name: string, options: { install?: boolean; nativeRules?: boolean } = {}): Project {
  requireCli();
  const base = mkdtempSync(join(tmpdir(), `ap-rt-${runtime}-${name}-`));
  const dir = join(base, 'project');
  const home = join(base, 'home');
  const payloads = join(base, 'payloads');
  for (const d of [dir, home, payloads]) mkdirSync(d, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'e2e@example.invalid');
  git('config', 'user.name', 'e2e');
  git('config', 'commit.gpgsign', 'false');
  writeFileSync(join(dir, '.agent-policy.yml'), POLICY);
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'key.txt'), `${SECRET_KEY}\n`);
  writeFileSync(join(dir, '.env'), `API_TOKEN=${ENV_SECRET}\n`);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, '.gitignore'), '.agent-policy/\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 2;\n');
  git('add', 'src/a.ts');
  const validated = cli(['validate', '--root', dir]);
  if (validated.code !== 0) throw new Error(`the test policy does not validate:\n${validated.stdout}${validated.stderr}`);
  const project = { base, dir, home, payloads, runtime };
  if (options.install !== false) install(project);
  if (options.nativeRules !== true) removeNativeRules(project);
  return project;
}

/**
 * Removes the runtime's own deny/ask rules `init` writes as a second layer (Claude Code's
 * `permissions` in .claude/settings.json, Codex's .codex/rules/agent-policy.rules, Gemini CLI's
 * ~/.gemini/policies/agent-policy-*.toml), so a scenario exercises the hook alone.
 */
export function removeNativeRules(project: Project): void {
  const claude = join(project.dir, '.claude', 'settings.json');
  if (project.runtime === 'claude-code' && existsSync(claude)) {
    const { permissions: _permissions, ...rest } = JSON.parse(readFileSync(claude, 'utf8')) as Json;
    writeFileSync(claude, `${JSON.stringify(rest, null, 2)}\n`);
  }
  if (project.runtime === 'codex') rmSync(join(project.dir, '.codex', 'rules', 'agent-policy.rules'), { force: true });
  const policies = join(project.home, '.gemini', 'policies');
  if (project.runtime === 'gemini-cli' && existsSync(policies))
    for (const f of readdirSync(policies)) if (/^agent-policy.*\.toml$/.test(f)) rmSync(join(policies, f));
}

/** `agent-policy init --runtime` (project scope, or `--scope user` with HOME = the private home), then tees payloads. */
export function install(project: Project, options: { scope?: 'project' | 'user' } = {}): string {
  const args = ['init', '--runtime', project.runtime, '--root', project.dir, '--cli', CLI_COMMAND];
  if (options.scope === 'user') args.push('--scope', 'user');
  const r = cli(args, { cwd: project.dir, env: { ...process.env, HOME: project.home } });
  if (r.code !== 0) throw new Error(`init failed (${r.code}):\n${r.stdout}${r.stderr}`);
  for (const file of hookFiles(project)) rewriteHook(file, project.runtime, { command: (c) => `tee "${project.payloads}/$(date +%s%N).json" | ${c}` });
  return `${r.stdout}${r.stderr}`;
}

/** The configuration files that hold our hook: the project's, and the user-level ones under HOME. */
export function hookFiles(project: Project): string[] {
  const candidates = [
    join(project.dir, HOOK_FILES[project.runtime]),
    ...{
      'claude-code': [join(project.home, '.claude', 'settings.json')],
      codex: [join(project.home, '.codex', 'hooks.json')],
      'gemini-cli': [join(project.home, '.gemini', 'settings.json')],
      'copilot-cli': existsSync(join(project.home, '.copilot', 'hooks'))
        ? readdirSync(join(project.home, '.copilot', 'hooks')).map((f) => join(project.home, '.copilot', 'hooks', f))
        : [],
    }[project.runtime],
  ];
  return candidates.filter((file) => existsSync(file) && readFileSync(file, 'utf8').includes(`hook ${project.runtime}`));
}

type Json = Record<string, unknown>;

/**
 * Rewrites our installed hook entry in `file`: its command (`command` / Copilot's `bash`) and, with
 * `timeoutSeconds`, both the runtime's timeout field (seconds; Gemini's in ms) and the command's
 * `--timeout N` (what the hook's own deadline is computed from).
 */
export function rewriteHook(file: string, runtime: Runtime, change: { command?: (command: string) => string; timeoutSeconds?: number }): void {
  const config = JSON.parse(readFileSync(file, 'utf8')) as Json;
  let found = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const entry = node as Json;
    for (const key of ['command', 'bash']) {
      const value = entry[key];
      if (typeof value !== 'string' || !value.includes(`hook ${runtime}`)) continue;
      found++;
      let command = value;
      if (change.timeoutSeconds !== undefined) {
        command = command.replace(/--timeout \d+/, `--timeout ${change.timeoutSeconds}`);
        if ('timeoutSec' in entry) entry.timeoutSec = change.timeoutSeconds;
        else entry.timeout = runtime === 'gemini-cli' ? change.timeoutSeconds * 1000 : change.timeoutSeconds;
      }
      if (change.command) command = change.command(command);
      entry[key] = command;
    }
    Object.values(entry).forEach(visit);
  };
  visit(config);
  if (found === 0) throw new Error(`no ${runtime} hook entry in ${file}`);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

export interface AuditEntry {
  kind: string;
  decision?: string;
  reason?: string;
  action?: string;
  path?: string;
  command?: string;
  cwd?: string;
  tool?: string;
  runtime?: string;
  [key: string]: unknown;
}

/** The decision entries of the project's audit log, oldest first. */
export function auditEntries(dir: string): AuditEntry[] {
  const folder = join(dir, '.agent-policy', 'audit');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /^audit-.*\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => readFileSync(join(folder, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as AuditEntry)
    .filter((e) => e.kind === 'decision');
}

/** Describes the audit log for an assertion message. */
export function describeAudit(entries: AuditEntry[]): string {
  return entries.map((e) => `  ${e.decision} ${e.action} ${e.path ?? e.command ?? e.tool ?? ''}: ${e.reason}`).join('\n') || '  (no entries)';
}

/**
 * Holds the project's audit lock the way a live writer does (a lock file naming a live pid,
 * fresh, so not stale), so every hook call blocks in its lock wait. Returns the release.
 */
export function holdAuditLock(dir: string): () => void {
  const folder = join(dir, '.agent-policy', 'audit');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const holder: ChildProcess = spawn('sleep', ['600'], { stdio: 'ignore' });
  writeFileSync(join(folder, '.lock'), `${holder.pid} heldbythetest ${Date.now()}`, { mode: 0o600 });
  return () => {
    holder.kill('SIGKILL');
    rmSync(join(folder, '.lock'), { force: true });
  };
}

/** The payloads the hook received (parsed), in order. */
export function payloads(project: Project): unknown[] {
  return readdirSync(project.payloads)
    .sort()
    .map((f) => readFileSync(join(project.payloads, f), 'utf8'))
    .filter(Boolean)
    .map((text) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    });
}

/** With RUNTIME_E2E_OBSERVED=1, copies the payloads the hook received into observed/<runtime>/<scenario>/. */
export function keepObserved(project: Project, scenario: string): void {
  if (process.env.RUNTIME_E2E_OBSERVED !== '1') return;
  const target = join(dirname(__filename), 'observed', project.runtime, scenario);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  payloads(project).forEach((p, i) => writeFileSync(join(target, `${String(i + 1).padStart(2, '0')}.json`), `${JSON.stringify(p, null, 2)}\n`));
}

/** Whether the staged change was committed (the project starts with exactly one commit). */
export function commitCount(dir: string): number {
  const r = run('git', ['rev-list', '--count', 'HEAD'], { cwd: dir });
  return Number(r.stdout.trim());
}

/** Removes the project unless RUNTIME_E2E_KEEP=1 (then says where it is). */
export function cleanup(project: Project): void {
  if (process.env.RUNTIME_E2E_KEEP === '1') {
    process.stderr.write(`[runtimes] kept ${project.base}\n`);
    return;
  }
  rmSync(project.base, { recursive: true, force: true });
}

/** Runs the project's runtime (HOME = the project's private home) and keeps its output beside the project (`<label>.stdout` …). */
/** A run, with the audit entries it added. */
export type Session = RunResult & { audit: AuditEntry[] };

export async function session(project: Project, label: string, options: Omit<RunOptions, 'project' | 'home'>): Promise<Session> {
  // Entries already there (init's probe call) are not the run's.
  const before = auditEntries(project.dir).length;
  const r = { ...(await runRuntime(project.runtime, { project: project.dir, home: project.home, ...options })), audit: [] as AuditEntry[] };
  r.audit = auditEntries(project.dir).slice(before);
  writeFileSync(join(project.base, `${label}.stdout`), r.stdout);
  writeFileSync(join(project.base, `${label}.stderr`), r.stderr);
  writeFileSync(
    join(project.base, `${label}.requests.json`),
    JSON.stringify(
      r.requests.map(({ text: _text, ...rest }) => rest),
      null,
      1,
    ),
  );
  return r;
}
