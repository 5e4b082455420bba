import { spawnSync } from 'node:child_process';
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
