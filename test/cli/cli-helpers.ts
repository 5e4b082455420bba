import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built CLI bundle (npm test builds before it runs the tests). */
export const CLI = join(__dirname, '..', '..', 'server', 'out', 'cli.js');

/** Runs the CLI as a real process. */
export function run(args: string[], input?: string, bin = CLI, env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI as a real process in `dir` (as a person runs it from their project's folder). */
export function runIn(dir: string, args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary workspace holding `files` (path → text). */
export function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * An environment with a private, empty home (and no runtime home variables, no runtimes on PATH):
 * what `init` and `doctor` write or read for the user stays in the test.
 */
export function privateHome(): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), 'agent-policy-home-'));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PATH: '/usr/bin:/bin' };
  for (const name of ['CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'GEMINI_CLI_TRUST_WORKSPACE', 'CLAUDE_PROJECT_DIR', 'GEMINI_PROJECT_DIR']) delete env[name];
  return { home, env };
}

const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI at a terminal of its own (a pty made by util-linux `script`), typing `typed` into
 * it: how a person runs it. Its output is what the terminal showed.
 */
export function atTerminal(args: string[], typed: string, env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const line = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { input: typed, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI with no controlling terminal (a new session, as `setsid` makes): how an agent's tool call runs it. */
export function withoutTerminal(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setsid', ['-w', process.execPath, CLI, ...args], { input: '', encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const APPROVER = { name: 'alice@example.com', passphrase: 'correct horse battery staple' };

/** Enrols APPROVER in this test run's seal folder (once). */
export function enrolApprover(): void {
  if (run(['approver', 'list']).stdout.includes(APPROVER.name)) return;
  const r = atTerminal(['approver', 'enroll', '--name', APPROVER.name], `${APPROVER.passphrase}\n${APPROVER.passphrase}\n`);
  if (r.code !== 0) throw new Error(`enrolling failed: ${r.stdout}${r.stderr}`);
}

/**
 * `approvals request --wait` for a write of package.json in `root`, running: its request id once
 * it printed it, what it printed so far, and its exit code when it ends.
 */
export async function waitingRequest(root: string, extra: string[] = []): Promise<{ id: string; output: () => string; exited: Promise<number | null> }> {
  const waiter = spawn(
    process.execPath,
    [CLI, 'approvals', 'request', '--root', root, '--json', '{"action":"filesystem.write","path":"package.json"}', '--wait', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  waiter.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => waiter.once('exit', resolve));
  const id = await new Promise<string>((resolve) => {
    const poll = (): void => {
      const m = /Approval requested: (apr_[0-9a-z]+)/.exec(out);
      if (m) resolve(m[1] as string);
      else setTimeout(poll, 20);
    };
    poll();
  });
  return { id, output: () => out, exited };
}
