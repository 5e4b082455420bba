import { governanceProtection, stateFolderOf } from './governance-paths';
import { outsideSecret } from './outside-secrets';
import { absolutePath, classify, normalisePath, type NormalisedPath } from '../base/paths';
import type { PolicySet } from './policy-set';
import { lookupKeys } from './rule-index';
import { at, combine, quote, ref, type DecideEnv, type Verdict } from './verdict';

export type FileOperation = 'read' | 'write' | 'delete' | 'rename';

/** Decides one path: deny rules, then allow rules, then approval rules; unmatched is denied. */
export function decidePath(set: PolicySet, raw: unknown, cwd: string, operation: FileOperation, env: DecideEnv): Verdict {
  if (typeof raw !== 'string') return { decision: 'deny', reason: `filesystem.${operation}: the path is missing or not a string`, rules: [] };
  const normalised = normalisePath(raw, cwd, set.environment);
  if (!normalised.ok) return { decision: 'deny', reason: `filesystem.${operation} ${quote(raw)}: ${normalised.reason}`, rules: [] };
  const verdict = decideNormalised(set, normalised, operation, raw, undefined, env);
  const fs = env.fs;
  if (!fs) return verdict;
  const absolute = absolutePath(normalised, set.environment);
  const real = fs.realPath(absolute);
  if (real === undefined || real === absolute) return verdict;
  const target = classify(real, set.environment);
  if (!target.ok) return verdict;
  return combine([verdict, decideNormalised(set, target, operation, raw, `${raw} is a link to ${target.path}`, env)], 'no path to decide');
}

function decideNormalised(
  set: PolicySet,
  path: NormalisedPath & { ok: true },
  operation: FileOperation,
  raw: string,
  via: string | undefined,
  env: DecideEnv,
): Verdict {
  const shown = via ? `${quote(raw)} (${via})` : path.path === raw ? quote(raw) : `${quote(raw)} (${path.path})`;
  const what = `filesystem.${operation} ${shown}`;
  if (path.path === '')
    return { decision: 'deny', reason: `${what}: the repository root itself cannot be ${operation === 'read' ? 'read' : 'changed'} as a file`, rules: [] };
  const keys = lookupKeys(path.path, set.environment.caseInsensitive, set.rules.pathDepth, set.rules.pathDepthMask);
  const deny = set.rules.fileDeny.first(path.path, keys);
  if (deny)
    return bypassed(set, env, path.path, {
      decision: 'deny',
      reason: `${what}: denied by "${deny.entry.pattern}" (${deny.entry.at})`,
      rules: [deny.entry.ref],
    });
  if (!path.inside) {
    const secret = outsideSecret(path.path);
    if (secret)
      return bypassed(set, env, path.path, {
        decision: 'deny',
        reason: `${what}: a built-in secret (${secret.what}, "${secret.pattern}"), denied outside the repository whatever the policy allows`,
        rules: [],
      });
  }
  if (operation !== 'read' && env.stateDirs.length > 0) {
    const absolute = absolutePath(path, set.environment);
    const state = stateFolderOf(env.stateDirs, absolute);
    if (state)
      return {
        decision: 'deny',
        reason: `${what}: protected (Agent Policy's state folder ${state}: audit log, bypasses, approvals): agents cannot change the files that govern them`,
        rules: [],
      };
  }
  if (operation !== 'read' && path.inside) {
    const protection = governanceProtection(set, path.path);
    if (protection)
      return {
        decision: 'deny',
        reason: `${what}: protected (${protection.what}): agents cannot change the files that govern them; to permit it, allow exactly "${protection.rule.pattern}" in the root policy`,
        rules: [protection.rule],
      };
  }
  const allow = set.rules.fileAllow.first(path.path, keys);
  const approval = set.rules.fileApproval.first(path.path, keys);
  if (approval) {
    return {
      decision: 'ask',
      reason: `${what}: needs human approval by "${approval.entry.pattern}" (${approval.entry.at})`,
      rules: allow ? [approval.entry.ref, allow.entry.ref] : [approval.entry.ref],
    };
  }
  if (allow) return { decision: 'allow', reason: `${what}: allowed by "${allow.entry.pattern}" (${allow.entry.at})`, rules: [allow.entry.ref] };
  if (!path.inside)
    return bypassed(set, env, path.path, { decision: 'deny', reason: `${what}: the path is outside the repository root and no rule names it`, rules: [] });
  return bypassed(set, env, path.path, { decision: 'deny', reason: `${what}: matches no allow pattern`, rules: [] });
}

/** A rule denial that an active path bypass opens becomes an allow naming the bypass; `bypass.never` paths stay closed. */
function bypassed(set: PolicySet, env: DecideEnv, path: string, denial: Verdict): Verdict {
  if (env.bypasses.length === 0) return denial;
  const bypass = env.bypasses.find(
    (b) =>
      b.glob &&
      b.expiresAt > env.now &&
      b.glob.absolute === path.startsWith('/') &&
      b.glob.matcher.test(set.environment.caseInsensitive ? path.toLowerCase() : path),
  );
  if (!bypass) return denial;
  const never = set.rules.bypassNever.first(path);
  if (never)
    return {
      ...denial,
      reason: `${denial.reason}; bypass ${bypass.id} cannot open it: bypass.never "${never.entry.pattern}" (${never.entry.at})`,
      rules: [...denial.rules, never.entry.ref],
    };
  return {
    decision: 'allow',
    reason: `${denial.reason}, but bypass ${bypass.id} allows it until ${new Date(bypass.expiresAt).toISOString()}`,
    rules: denial.rules,
    bypass: bypass.id,
  };
}

/** `max_files_per_action`: the smallest limit that governs any of the paths. */
export function decideFileCount(set: PolicySet, paths: string[]): Verdict | undefined {
  if (paths.length <= set.rules.smallestMaxFiles) return undefined;
  let limit: PolicySet['rules']['maxFiles'][number] | undefined;
  for (const candidate of set.rules.maxFiles) {
    const governs = candidate.scope === '' || paths.some((p) => p === candidate.scope || p.startsWith(candidate.scope + '/'));
    if (governs && (!limit || candidate.value < limit.value)) limit = candidate;
  }
  if (!limit || paths.length <= limit.value) return undefined;
  return {
    decision: 'deny',
    reason: `the action touches ${paths.length} files; max_files_per_action is ${limit.value} (${at(limit.entry)})`,
    rules: [ref(limit.entry)],
  };
}
