import { compileGlob } from './glob';
import type { PolicySet } from './policy-set';
import type { RuleRef } from './types';

/**
 * The files that govern agents: the policy and its overrides, the state folder (audit log,
 * bypasses, approvals, the approval service's token), and every runtime's hook configuration.
 * An agent may read them but never write, delete or rename them, so that it cannot switch its own
 * governance off, unless the policy explicitly allows that file: a `filesystem.allow` entry that
 * is exactly the protected pattern (a wildcard that happens to cover it is not enough). Bypasses
 * cannot open them.
 */
export const GOVERNANCE_PATTERNS: readonly { pattern: string; what: string }[] = [
  { pattern: '.agent-policy.yml', what: 'the agent policy' },
  { pattern: '**/.agent-policy.override.yml', what: 'an agent policy override' },
  { pattern: '.agent-policy/**', what: "Agent Policy's state (audit log, bypasses, approvals)" },
  { pattern: '.claude/settings.json', what: "Claude Code's hook and permission settings" },
  { pattern: '.claude/settings.local.json', what: "Claude Code's local hook and permission settings" },
  { pattern: '.cursor/hooks.json', what: "Cursor's hook configuration" },
  { pattern: '.gemini/settings.json', what: "Gemini CLI's hook settings" },
  { pattern: '.gemini/policies/**', what: "Gemini CLI's policy files" },
  { pattern: '.github/hooks/**', what: "GitHub Copilot CLI's hook configuration" },
  { pattern: '.codex/hooks.json', what: "Codex's hook configuration" },
  { pattern: '.codex/config.toml', what: "Codex's configuration" },
  { pattern: '.codex/rules/**', what: "Codex's exec-policy rules" },
  { pattern: '.vscode/settings.json', what: "VS Code's workspace settings (its agent auto-approval)" },
];

const compiled = GOVERNANCE_PATTERNS.map((p) => {
  const glob = compileGlob(p.pattern, false);
  if (!glob.ok) throw new Error(`built-in governance pattern ${p.pattern}: ${glob.message}`);
  const rule: RuleRef = Object.freeze({ file: 'builtin', line: 0, column: 0, list: 'builtin', pattern: p.pattern });
  return { ...p, regex: glob.glob.regex, rule };
});

/** Every protected path has a segment starting with a dot: other paths skip the regexes. */
const MAY_BE_PROTECTED = /(^|\/)\./;

/** The protection a change to this root-relative path runs into, if any. */
export function governanceProtection(set: PolicySet, path: string): { what: string; rule: RuleRef } | undefined {
  if (!MAY_BE_PROTECTED.test(path)) return undefined;
  const candidate = set.caseInsensitive ? path.toLowerCase() : path;
  for (const p of compiled) {
    if (!p.regex.test(candidate)) continue;
    if (explicitlyAllowed(set, p.pattern)) return undefined;
    return { what: p.what, rule: p.rule };
  }
  return undefined;
}

function explicitlyAllowed(set: PolicySet, pattern: string): boolean {
  return set.files.some((f) => f.source.dir === '' && f.fileAllow.some((e) => e.pattern === pattern));
}
