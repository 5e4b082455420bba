import picomatch from 'picomatch';
import { compileGlob } from '../globs/glob';
import type { PolicySet } from './policy-set';
import type { RuleRef } from '../base/types';

/**
 * The files that govern agents: the policy and its overrides, the state folder (audit log,
 * bypasses, approvals, the approval service's token), and every runtime's hook configuration.
 * An agent may read them but never write, delete or rename them, so that it cannot switch its own
 * governance off, unless the policy explicitly allows that file: a `filesystem.allow` entry that
 * is exactly the protected pattern (a wildcard that happens to cover it is not enough). Bypasses
 * cannot open them.
 */
export const GOVERNANCE_PATTERNS: readonly { pattern: string; what: string }[] = [
  // At any depth: the hook takes the nearest root policy above its working directory, so a new one in a subfolder would replace the real one there.
  { pattern: '**/.agent-policy.yml', what: 'an agent policy' },
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
  return { ...p, matcher: glob.glob.matcher, rule };
});

/**
 * Folders that hold governance files by name (`.claude`, `.github`, `.github/hooks`, ...): a
 * command argument naming one of them (`rm -rf .claude`) reaches what is inside.
 */
const FOLDERS = new Map<string, (typeof compiled)[number]>();
for (const p of compiled) {
  const segments = p.pattern.split('/');
  for (let i = 1; i < segments.length && !/[*?[{]/.test(segments[i - 1] as string); i++) FOLDERS.set(segments.slice(0, i).join('/'), p);
}

/** Every protected path has a segment starting with a dot: other paths skip the regexes. */
const MAY_BE_PROTECTED = /(^|\/)\./;

export interface Protection {
  what: string;
  rule: RuleRef;
}

/** The protection a change to this root-relative path runs into, if any. */
export function governanceProtection(set: PolicySet, path: string): Protection | undefined {
  if (!MAY_BE_PROTECTED.test(path)) return undefined;
  const candidate = set.environment.caseInsensitive ? path.toLowerCase() : path;
  for (const p of compiled) {
    if (!p.matcher.test(candidate)) continue;
    if (explicitlyAllowed(set, p.pattern)) return undefined;
    return { what: p.what, rule: p.rule };
  }
  return undefined;
}

/**
 * For a command argument, whose operation is unknown (`cat` reads, `rm` deletes): the protection
 * of the governance file it names, or of the governance folder it names.
 */
export function governanceArgument(set: PolicySet, path: string): Protection | undefined {
  const direct = governanceProtection(set, path);
  if (direct) return direct;
  const folder = FOLDERS.get(set.environment.caseInsensitive ? path.toLowerCase() : path);
  return folder && !explicitlyAllowed(set, folder.pattern) ? { what: `a folder holding ${folder.what}`, rule: folder.rule } : undefined;
}

function explicitlyAllowed(set: PolicySet, pattern: string): boolean {
  return set.files.some((f) => f.source.dir === '' && f.entries.some((e) => e.in === 'filesystem.allow' && e.pattern === pattern));
}

/** The state folder (absolute POSIX paths from the host) that an absolute path is in, if any. */
export function stateFolderOf(stateDirs: readonly string[], absolute: string): string | undefined {
  return stateDirs.find((dir) => absolute === dir || absolute.startsWith(`${dir}/`));
}

/**
 * A folder that holds a governance file (the root holds the policy and the state folder, an
 * override's folder and every folder above it hold the override): a program that changes what a
 * folder holds (`rm -r`, `git clean`, an archive extracted into it) reaches them.
 */
export function holdsGovernance(set: PolicySet, path: string): Protection | undefined {
  if (path.startsWith('/')) return undefined;
  if (path === '') return { what: 'the repository root, which holds the agent policy and its state', rule: ROOT_POLICY_RULE };
  const prefix = set.environment.caseInsensitive ? `${path.toLowerCase()}/` : `${path}/`;
  const override = set.files.find(
    (f) => f.source.dir !== '' && (set.environment.caseInsensitive ? `${f.source.dir.toLowerCase()}/` : `${f.source.dir}/`).startsWith(prefix),
  );
  return override ? { what: `a folder holding the agent policy override ${override.source.uri}`, rule: OVERRIDE_RULE } : undefined;
}

/**
 * The governance pattern a glob argument can expand into, if any (one the policy does not
 * explicitly allow). Governance patterns are literal segments and `**`, so this is decided segment
 * by segment in time linear in the two lengths, with no automaton: a glob the agent chose cannot
 * make it slow.
 */
export function governanceGlobReach(set: PolicySet, glob: string): { pattern: string; what: string; rule: RuleRef } | undefined {
  const segments = glob.split('/').filter((s) => s !== '');
  const matchers = segments.map((s) => segmentMatcher(s, set.environment.caseInsensitive));
  for (const p of compiled) {
    if (explicitlyAllowed(set, p.pattern)) continue;
    if (segmentsMayMeet(segments, matchers, p.pattern.split('/'))) return { pattern: p.pattern, what: p.what, rule: p.rule };
  }
  return undefined;
}

// As bash expands by default: a wildcard does not match a name's leading dot (`src/*` is not `src/.agent-policy.yml`).
function segmentMatcher(segment: string, caseInsensitive: boolean): (name: string) => boolean {
  if (segment === '**') return () => true;
  try {
    const re = picomatch.makeRe(segment, { dot: false, nocase: caseInsensitive, nonegate: true, noextglob: true });
    return (name) => re.test(name);
  } catch {
    return () => true;
  }
}

/** Every folder that holds a governance file by name or by the policy set, for matching globs against. */
export function governanceFolders(set: PolicySet): string[] {
  const folders = new Set<string>(FOLDERS.keys());
  for (const f of set.files) {
    const segments = f.source.dir.split('/').filter(Boolean);
    for (let i = 1; i <= segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  return [...folders];
}

/** Whether some path matches both the glob's segments and the governance pattern's (literals and `**`). */
function segmentsMayMeet(glob: string[], matchers: ((name: string) => boolean)[], target: string[]): boolean {
  const memo = new Map<number, boolean>();
  const meet = (i: number, j: number): boolean => {
    const key = i * (target.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === glob.length && j === target.length) result = true;
    else if (i < glob.length && glob[i] === '**') result = meet(i + 1, j) || (j < target.length && meet(i, j + 1));
    else if (j < target.length && target[j] === '**') result = meet(i, j + 1) || (i < glob.length && meet(i + 1, j));
    else result = i < glob.length && j < target.length && (matchers[i] as (name: string) => boolean)(target[j] as string) && meet(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return meet(0, 0);
}

const ROOT_POLICY_RULE = compiled[0]?.rule as RuleRef;
const OVERRIDE_RULE = compiled[1]?.rule as RuleRef;
