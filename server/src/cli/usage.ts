/** The CLI's usage text, and the short forms a usage error and `COMMAND --help` print. */
export const USAGE = `agent-policy: governance as code for AI coding agents

Usage:
  agent-policy --version                                    this build's version
  agent-policy validate [--format text|json|sarif|github]   every finding in the root policy and its overrides
  agent-policy eval [--actions FILE]                        one decision JSON line per action JSON line (stdin by default)
  agent-policy check --json ACTION [--audit] [--format json]  decide one action now: exit 0 allow, 1 deny, 3 ask
  agent-policy audit verify [--format json]                 check the audit log's hash chain: exit 1 at the first problem
  agent-policy audit query [--since T] [--until T] [--agent ID] [--decision D] [--action KIND] [--path GLOB] [--limit N] [--format json]
  agent-policy audit flush                                  write the summary of folded repeated denials
  agent-policy bypass --reason TEXT (--allow GLOB | --allow-command PATTERN) --duration 30m [--approver EMAIL]
                                                            the approver types their passphrase at your terminal
  agent-policy bypass list [--format json] | bypass revoke ID
  agent-policy approvals [list [--all] [--format json] | approve ID [--by APPROVER] [--note TEXT] | deny ID [--note TEXT]]
                                                            approving asks for the approver's passphrase at your terminal
  agent-policy approver enroll --name EMAIL [--by APPROVER] | approver list  enrol yourself (a passphrase, at your terminal) to approve and grant bypasses
  agent-policy approvals request --json ACTION [--wait] [--timeout 1h]
  agent-policy hook claude-code|cursor|gemini-cli|copilot-cli|codex|vscode [--timeout SECONDS] [--scope user [--from DIR]] [--approval-timeout 10m]
                                                            answer the runtime's pre-tool hook (JSON on stdin) from the policy
  agent-policy serve [--idle 10m]                           the resident decider hook clients hand calls to (started by the first call; exits when idle)
  agent-policy init --runtime NAME [--scope project|user] [--trust] [--timeout SECONDS] [--uninstall] [--cli COMMAND]
                                                            install (or remove) the hook in that runtime's project (or user) settings,
                                                            probe it, and set up (--trust) or print the trust the runtime needs
  agent-policy doctor [--format json]                       per runtime found: would a hook run here now, and why not (exit 1 where not)
  agent-policy compile --target claude-code|codex|gemini-cli|vscode [--dry-run]
                                                            write the rules the runtime's own settings can express; list the rest
  agent-policy sandbox --emit compose                       the container boundary (docker compose) from the policy
  agent-policy-lint [--config FILE] [--check-conflicts] [--agent-log FILE] [--fix] [--format text|json|sarif|github]

Every command takes --root DIR (default: the current directory, or --config's folder) and
--state DIR (the audit log, bypasses and approvals; default ROOT/.agent-policy).
Every answer is text, or JSON with --format json (validate and lint also sarif and github).
Exit codes: 0 ok, 1 violations, errors or refusals, 2 usage error or unloadable policy, 3 ask.
`;

const COMMON_NOTE = USAGE.slice(USAGE.indexOf('\nEvery command takes') + 1);

/** The usage lines of one command (with their continuation lines), and what every command takes. */
export function commandUsage(command: string): string | undefined {
  const lines = USAGE.split('\n');
  const own: string[] = [];
  let inside = false;
  for (const line of lines) {
    const starts = /^ {2}agent-policy(-lint)? /.test(line);
    if (starts)
      inside = command === 'lint' ? line.startsWith('  agent-policy-lint') : line.startsWith(`  agent-policy ${command} `) || line.includes(` | ${command} `);
    else if (!/^ {20,}/.test(line)) inside = false;
    if (inside) own.push(line);
  }
  return own.length ? `Usage:\n${own.join('\n')}\n\n${COMMON_NOTE}` : undefined;
}

/** The one line that follows a usage error: where to read more. */
export function usageHint(command: string | undefined): string {
  return command !== undefined && commandUsage(command) ? `Run "agent-policy ${command} --help" for its usage.` : 'Run "agent-policy --help" for usage.';
}

/** The known word closest to a mistyped one (at most two edits away, or one it starts), if any. */
export function suggestion(word: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length] ?? 0;
}
