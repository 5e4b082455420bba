import type { Invocation } from '../shell/invocations';
import type { Word } from '../shell/words';

/**
 * Commands that make a decision only a person may make: approving or denying an approval request,
 * granting a bypass, enrolling an approver; by Agent Policy's CLI (`agent-policy`, through `npx`
 * and the like) or, in VS Code, through the agent's command tool (`vscode-command agentPolicy.approve`).
 * No policy allows them to an agent: an agent that could run them would approve its own requests.
 * (Revoking a bypass and listing are not here: they take nothing away from a person.)
 */
const VSCODE_COMMANDS = new Set(['agentPolicy.approve', 'agentPolicy.deny', 'agentPolicy.grantBypass']);
const RUNNERS = new Set(['npx', 'pnpx', 'bunx', 'bun']);
/** Runner options whose value is the next word (`npx -p agent-policy agent-policy …`). */
const RUNNER_VALUE_OPTIONS = new Set(['-p', '--package', '--registry', '--cache', '--userconfig', '-w', '--workspace', '--prefix']);
/** Runner options that run a command line (`npx -c "…"`). */
const RUNNER_LINE_OPTIONS = new Set(['-c', '--call']);

/** A name or package spec that is Agent Policy's CLI: `agent-policy`, `AGENT-POLICY` (a case-insensitive disk), `agent-policy.js`, `file:…/agent-policy-1.0.0.tgz`. */
function isCli(name: string): boolean {
  const last =
    name
      .replace(/^file:/, '')
      .split('/')
      .pop() ?? '';
  const bare = last.startsWith('@') ? last.slice(last.indexOf('/') + 1) : last;
  return bare.toLowerCase().startsWith('agent-policy');
}

export function personOnlyCommand(inv: Invocation): { what: string } | { unknown: string } | undefined {
  const program = inv.program;
  if (program === undefined) return undefined;
  const words = inv.args;
  if (program === 'vscode-command') {
    const id = words[0];
    if (id?.dynamic) return { unknown: `the VS Code command ${id.text} cannot be resolved statically; it could be one that approves requests` };
    return id?.value !== undefined && VSCODE_COMMANDS.has(id.value) ? { what: `the VS Code command ${id.value}` } : undefined;
  }
  // The CLI takes its command first and a subcommand right after it (`approvals approve ID`).
  let rest: readonly Word[] = words;
  if (RUNNERS.has(program) || program === 'npm' || program === 'pnpm' || program === 'yarn') {
    const at = runCommandIndex(rest);
    if (typeof at === 'object') return at;
    if (at < 0) return undefined;
    rest = rest.slice(at + 1);
  } else if (!isCli(program)) return undefined;
  const [first, second] = rest;
  if (first?.dynamic || (first?.value === 'approvals' && second?.dynamic))
    return { unknown: `the Agent Policy command ${inv.text} has a subcommand chosen at run time; it could approve a request` };
  if (first?.value === 'approvals' && (second?.value === 'approve' || second?.value === 'deny')) return { what: `agent-policy approvals ${second.value}` };
  if (first?.value === 'approver') return { what: 'agent-policy approver' };
  if (first?.value === 'bypass' && second?.value !== 'list' && second?.value !== 'revoke') return { what: 'agent-policy bypass (a grant)' };
  return undefined;
}

/**
 * Where a runner (`npx`, `bunx`, `npm exec`) names the program it runs: the index of the word that
 * is Agent Policy's CLI, -1 when it runs something else, or a finding when that cannot be known
 * or a command line it runs mentions the CLI.
 */
function runCommandIndex(words: readonly Word[]): number | { what: string } | { unknown: string } {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    if (w.dynamic !== undefined)
      return { unknown: `the runner runs a package chosen at run time (${w.text}); it could be Agent Policy's CLI approving a request` };
    const value = w.value ?? '';
    if (RUNNER_LINE_OPTIONS.has(value)) {
      const line = words[i + 1];
      if (line?.dynamic !== undefined) return { unknown: `the runner runs a command line chosen at run time (${line.text}); it could approve a request` };
      if (line?.value !== undefined && /agent-policy/i.test(line.value)) return { what: `a command line run by ${value} that runs Agent Policy's CLI` };
      i++;
      continue;
    }
    if (RUNNER_VALUE_OPTIONS.has(value)) {
      i++;
      continue;
    }
    if (value.startsWith('-') || value === 'exec' || value === 'x' || value === '--') continue;
    return isCli(value) ? i : -1;
  }
  return -1;
}
