import type { Invocation } from './shell/invocations';
import type { Word } from './shell/words';

/**
 * Commands that make a decision only a person may make: approving or denying an approval request,
 * granting a bypass, enrolling an approver; by Agent Policy's CLI (`agent-policy`, through `npx`
 * and the like) or, in VS Code, through the agent's command tool (`vscode-command agentPolicy.approve`).
 * No policy allows them to an agent: an agent that could run them would approve its own requests.
 * (Revoking a bypass and listing are not here: they take nothing away from a person.)
 */
const VSCODE_COMMANDS = new Set(['agentPolicy.approve', 'agentPolicy.deny', 'agentPolicy.grantBypass']);
const RUNNERS = new Set(['npx', 'pnpx', 'bunx']);
const CLI_NAMES = new Set(['agent-policy', 'agent-policy-lint']);

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
    const at = rest.findIndex((w) => w.dynamic !== undefined || (w.value !== undefined && CLI_NAMES.has(packageName(w.value))));
    if (at >= 0 && rest[at]?.dynamic !== undefined) return { unknown: `${program} runs a package chosen at run time; it could be Agent Policy's CLI approving a request` };
    if (at < 0) return undefined;
    rest = rest.slice(at + 1);
  } else if (!CLI_NAMES.has(program)) return undefined;
  const [first, second] = rest;
  if (first?.dynamic || (first?.value === 'approvals' && second?.dynamic)) return { unknown: `the Agent Policy command ${inv.text} has a subcommand chosen at run time; it could approve a request` };
  if (first?.value === 'approvals' && (second?.value === 'approve' || second?.value === 'deny')) return { what: `agent-policy approvals ${second.value}` };
  if (first?.value === 'approver') return { what: 'agent-policy approver' };
  if (first?.value === 'bypass' && second?.value !== 'list' && second?.value !== 'revoke') return { what: 'agent-policy bypass (a grant)' };
  return undefined;
}

/** `agent-policy@1.2.0` and `@scope/agent-policy` name the package `agent-policy`. */
function packageName(spec: string): string {
  const bare = spec.startsWith('@') ? spec.slice(spec.indexOf('/') + 1) : spec;
  const version = bare.indexOf('@');
  return version > 0 ? bare.slice(0, version) : bare;
}
