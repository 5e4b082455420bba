import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_DIR_VARIABLE, type HookRuntime } from '#core/runtimes';

/** A tool no runtime has, sent with AGENT_POLICY_PROBE=1: a working hook loads its policy and denies it, recording nothing. */
function probePayload(runtime: HookRuntime, root: string): Record<string, unknown> {
  if (runtime === 'copilot-cli') return { sessionId: 'agent-policy-probe', timestamp: 0, cwd: root, toolName: 'agent_policy_probe', toolArgs: {} };
  if (runtime === 'cursor') return { hook_event_name: 'agentPolicyProbe', conversation_id: 'agent-policy-probe', workspace_roots: [root] };
  return {
    session_id: 'agent-policy-probe',
    cwd: root,
    hook_event_name: runtime === 'gemini-cli' ? 'BeforeTool' : 'PreToolUse',
    tool_name: 'AgentPolicyProbe',
    tool_input: {},
  };
}

/**
 * Runs the command as the runtime would, in `root`, with a probe call. Governed (a policy at or
 * above `root`): the answer must be a denial in the runtime's format. A user-level hook in a folder
 * no policy governs must pass the call through (exit 0, no answer).
 */
export function probeHook(
  runtime: HookRuntime,
  command: string,
  root: string,
  scope: 'project' | 'user',
  baseEnv: NodeJS.ProcessEnv,
): { ok: true; what: string } | { ok: false; why: string } {
  const variable = PROJECT_DIR_VARIABLE[runtime];
  const env = { ...baseEnv, AGENT_POLICY_PROBE: '1', ...(variable ? { [variable]: root } : {}) };
  const r = spawnSync('/bin/sh', ['-c', command], { cwd: root, env, input: JSON.stringify(probePayload(runtime, root)), encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, why: r.error.message };
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const firstLine = (lines.find((l) => /\berror\b/i.test(l) && !l.startsWith('Agent Policy:')) ?? lines[0] ?? '').slice(0, 300);
  if (r.status !== 0) return { ok: false, why: `it exited ${String(r.status)}${firstLine ? `: ${firstLine}` : ''}` };
  if (r.stdout.trim() === '')
    return scope === 'user' && !governed(root)
      ? { ok: true, what: `no policy governs ${root}, so it passed the call through` }
      : { ok: false, why: 'it answered nothing' };
  const decision = decisionOf(r.stdout);
  if (decision !== 'deny')
    return { ok: false, why: `it answered ${decision ?? 'something unreadable'} to a tool that does not exist: ${r.stdout.trim().slice(0, 200)}` };
  const broken = /probe: (the policy at .* does not load: [^"]*)/.exec(r.stdout);
  // The hook works and fails closed: every call is denied until the policy loads.
  if (broken) return { ok: true, what: `it works, but ${broken[1] ?? ''}, so every call is denied until it is fixed` };
  if (!/probe: the policy at .* governs this call/.test(r.stdout))
    return { ok: false, why: `it denied, but not as a working hook does: ${r.stdout.trim().slice(0, 300)}` };
  return { ok: true, what: 'it found the policy and denied the probe call, as it must' };
}

function governed(root: string): boolean {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.agent-policy.yml'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

function decisionOf(stdout: string): string | undefined {
  try {
    const body = JSON.parse(stdout) as Record<string, unknown>;
    const specific = body.hookSpecificOutput as Record<string, unknown> | undefined;
    const value = specific?.permissionDecision ?? body.permissionDecision ?? body.decision ?? body.permission;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
