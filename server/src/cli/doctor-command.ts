import { commandTimeoutSeconds, HOOK_RUNTIMES, installedHooks, type HookRuntime, type InstalledHook } from '#core/runtimes';
import { codexHooks } from '#host/workspace/codex-trust';
import { findProgram, geminiTrusts, hookFile, readJsonObject, RUNTIME_PROGRAMS, type HomeEnv } from '#host/workspace/runtime-homes';
import { findRoot } from './hook-command';
import { probeHook } from './hook-probe';
import { EXIT, type CliIo } from './io';

/** What `doctor` found for one runtime, in this folder, now. */
export interface RuntimeCheck {
  runtime: HookRuntime;
  /** on: a hook of ours runs before every tool call started here; off: none would (the reasons say why). */
  status: 'on' | 'off' | 'not found';
  program: string | undefined;
  /** Where the hook that would run is installed, and what each candidate lacks. */
  reasons: string[];
}

interface Candidate {
  scope: 'project' | 'user';
  file: string;
  hook: InstalledHook;
}

/**
 * `agent-policy doctor`: for each runtime found here (on PATH, or with a hook of ours installed),
 * whether a hook would run right now for a session started in this folder, and why not: the
 * runtime reads that configuration from here, trusts it, the timeouts leave the hook time to
 * answer, and the command really answers (probed). Exit 1 when protection is off for any.
 */
export async function runDoctor(cwd: string, where: HomeEnv, io: CliIo, json: boolean): Promise<number> {
  const root = findRoot(cwd);
  if (!root) {
    io.stdout(
      json
        ? `${JSON.stringify({ root: null, runtimes: [] })}\n`
        : `no .agent-policy.yml at or above ${cwd}: no policy governs this folder, so there is nothing to enforce here\n`,
    );
    return EXIT.ok;
  }
  const checks: RuntimeCheck[] = [];
  for (const runtime of HOOK_RUNTIMES) checks.push(await check(runtime, cwd, root, where));
  if (json) io.stdout(`${JSON.stringify({ root, cwd, runtimes: checks })}\n`);
  else {
    io.stdout(`policy: ${root}/.agent-policy.yml; a session started in ${cwd}:\n`);
    for (const c of checks) io.stdout(`  ${c.runtime.padEnd(12)} ${c.status.toUpperCase().padEnd(9)} ${c.reasons.join('; ')}\n`);
  }
  return checks.some((c) => c.status === 'off') ? EXIT.violation : EXIT.ok;
}

async function check(runtime: HookRuntime, cwd: string, root: string, where: HomeEnv): Promise<RuntimeCheck> {
  const program = findProgram(RUNTIME_PROGRAMS[runtime], where.env);
  const candidates = (['user', 'project'] as const).flatMap((scope) => {
    const file = hookFile(runtime, scope, root, where);
    const read = readJsonObject(file);
    return read.ok ? installedHooks(runtime, read.value).map((hook) => ({ scope, file, hook })) : [];
  });
  if (!program && candidates.length === 0)
    return { runtime, status: 'not found', program, reasons: [`${RUNTIME_PROGRAMS[runtime]} is not on PATH and no hook of ours is installed for it`] };
  if (candidates.length === 0)
    return { runtime, status: 'off', program, reasons: [`no Agent Policy hook is installed: run agent-policy init --runtime ${runtime} --scope user`] };
  const reasons: string[] = [];
  const codexSees = runtime === 'codex' && program ? await codexView(program, cwd, where) : undefined;
  for (const candidate of candidates) {
    const why = notRunning(runtime, candidate, cwd, root, where, codexSees);
    if (why) {
      reasons.push(`${candidate.scope} hook (${candidate.file}): ${why}`);
      continue;
    }
    const probe = probeHook(runtime, candidate.hook.command, candidate.scope === 'project' ? root : cwd, candidate.scope, where.env);
    if (!probe.ok) {
      reasons.push(`${candidate.scope} hook (${candidate.file}): the command does not work (${probe.why})`);
      continue;
    }
    return { runtime, status: 'on', program, reasons: [`${candidate.scope} hook (${candidate.file}) runs here; probe: ${probe.what}`, ...reasons] };
  }
  return { runtime, status: 'off', program, reasons };
}

/** Runtimes that read a project's hooks only from the folder they start in (seen with the real runtimes; Codex finds them from a subfolder). */
const START_FOLDER_ONLY = new Set<HookRuntime>(['claude-code', 'copilot-cli', 'gemini-cli']);

/** Why a runtime started in `cwd` would not run this hook, or undefined when it would. */
function notRunning(
  runtime: HookRuntime,
  candidate: Candidate,
  cwd: string,
  root: string,
  where: HomeEnv,
  codexSees: Map<string, string> | { error: string } | undefined,
): string | undefined {
  const { hook, scope } = candidate;
  const carried = commandTimeoutSeconds(hook.command);
  if (hook.timeoutSeconds !== undefined && (carried === undefined || carried > hook.timeoutSeconds)) {
    return `the runtime kills it after ${hook.timeoutSeconds} s but the command keeps its deadline inside ${carried === undefined ? 'an assumed 30' : carried} s: a late answer would be ignored and the call run (install it again)`;
  }
  if (scope === 'project' && START_FOLDER_ONLY.has(runtime) && cwd !== root)
    return `${runtime} reads project hooks only from the folder it starts in (${root}), not from ${cwd}: install with --scope user`;
  if (scope === 'project' && runtime === 'copilot-cli')
    return 'in -p mode Copilot CLI loads project hooks only with --trust-folder, and nothing says so when it does not: install with --scope user';
  if (runtime === 'gemini-cli' && !geminiTrusts(cwd, where))
    return `Gemini CLI does not trust ${cwd} (headless it refuses to start; interactively it runs no project settings): agent-policy init --runtime gemini-cli --trust`;
  if (runtime === 'codex') {
    if (!codexSees) return 'codex is not on PATH, so its hook trust cannot be checked';
    if ('error' in codexSees) return `its trust cannot be read: ${codexSees.error}`;
    const status = [...codexSees.entries()].find(([key]) => key.startsWith(`${candidate.file}:`))?.[1];
    if (status === undefined)
      return scope === 'project'
        ? `Codex does not load it: the project ${root} is not trusted in its config (agent-policy init --runtime codex --trust)`
        : 'Codex does not load it';
    if (status !== 'trusted') return `Codex skips it silently: the hook is ${status} (agent-policy init --runtime codex --scope ${scope} --trust)`;
  }
  return undefined;
}

/** Codex's own view of the hooks for a folder: key → trust status. */
async function codexView(codex: string, cwd: string, where: HomeEnv): Promise<Map<string, string> | { error: string }> {
  try {
    const hooks = await codexHooks(codex, cwd, where.env);
    return new Map(hooks.filter((h) => h.command.includes(' hook codex ') && h.enabled).map((h) => [h.key, h.trustStatus]));
  } catch (error) {
    return { error: (error as Error).message };
  }
}
