import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { HOOK_TARGETS, USER_HOOK_TARGETS, type HookRuntime } from '#core/runtimes';

/** Where a runtime's configuration lives for this user: its home variable, else the default folder under HOME. */
export interface HomeEnv {
  home: string;
  env: NodeJS.ProcessEnv;
}

export function runtimeHome(runtime: HookRuntime, where: HomeEnv): string {
  const target = USER_HOOK_TARGETS[runtime];
  const own = target.homeVariable ? where.env[target.homeVariable] : undefined;
  return own ? own : join(where.home, target.homeDefault);
}

/** The hook configuration file of a scope: the project's, or the user's. */
export function hookFile(runtime: HookRuntime, scope: 'project' | 'user', root: string, where: HomeEnv): string {
  return scope === 'project' ? join(root, HOOK_TARGETS[runtime].file) : join(runtimeHome(runtime, where), USER_HOOK_TARGETS[runtime].file);
}

/** The runtimes' programs, as found on PATH. */
export const RUNTIME_PROGRAMS: Record<HookRuntime, string> = {
  'claude-code': 'claude',
  codex: 'codex',
  'gemini-cli': 'gemini',
  'copilot-cli': 'copilot',
  cursor: 'cursor-agent',
};

export function findProgram(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** A JSON object file, `{}` when absent; `undefined` with the reason when it is not a JSON object. */
export function readJsonObject(file: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  if (!existsSync(file)) return { ok: true, value: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'the top level is not an object' };
    return { ok: true, value: parsed as Record<string, unknown> };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Gemini CLI's trusted folders (`~/.gemini/trustedFolders.json`): whether `root` or a parent is trusted. */
export function geminiTrusts(root: string, where: HomeEnv): boolean {
  if (where.env.GEMINI_CLI_TRUST_WORKSPACE === 'true') return true;
  const read = readJsonObject(join(runtimeHome('gemini-cli', where), 'trustedFolders.json'));
  if (!read.ok) return false;
  const within = (dir: string): boolean => root === dir || root.startsWith(`${dir}/`);
  // TRUST_FOLDER trusts the folder and what is below it; TRUST_PARENT trusts the folder's parent.
  return Object.entries(read.value).some(
    ([folder, level]) => (level === 'TRUST_FOLDER' && within(folder)) || (level === 'TRUST_PARENT' && within(dirname(folder))),
  );
}
