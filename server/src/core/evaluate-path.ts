import { classify, normalisePath, type NormalisedPath } from './paths';
import type { PolicySet } from './policy-set';
import type { FileSystemView } from './types';
import { at, combine, ref, type Verdict } from './verdict';

export type FileOperation = 'read' | 'write' | 'delete' | 'rename';

/** Decides one path: deny rules, then allow rules, then approval rules; unmatched is denied. */
export function decidePath(set: PolicySet, raw: unknown, cwd: string, operation: FileOperation, fs: FileSystemView | undefined): Verdict {
  if (typeof raw !== 'string') return { decision: 'deny', reason: `filesystem.${operation}: the path is missing or not a string`, rules: [] };
  const normalised = normalisePath(raw, cwd, set);
  if (!normalised.ok) return { decision: 'deny', reason: `filesystem.${operation} ${JSON.stringify(raw)}: ${normalised.reason}`, rules: [] };
  const targets: { path: NormalisedPath & { ok: true }; via: string | undefined }[] = [{ path: normalised, via: undefined }];
  const real = fs?.realPath(normalised.absolute);
  if (real !== undefined && real !== normalised.absolute) {
    const target = classify(real, set);
    if (target.ok) targets.push({ path: target, via: `${raw} is a link to ${target.path}` });
  }
  return combine(
    targets.map((t) => decideNormalised(set, t.path, operation, raw, t.via)),
    'no path to decide',
  );
}

function decideNormalised(set: PolicySet, path: NormalisedPath & { ok: true }, operation: FileOperation, raw: string, via: string | undefined): Verdict {
  const shown = via ? `${JSON.stringify(raw)} (${via})` : path.path === raw ? JSON.stringify(raw) : `${JSON.stringify(raw)} (${path.path})`;
  const what = `filesystem.${operation} ${shown}`;
  if (path.path === '') return { decision: 'deny', reason: `${what}: the repository root itself cannot be ${operation === 'read' ? 'read' : 'changed'} as a file`, rules: [] };
  const deny = set.fileDeny.first(path.path);
  if (deny) return { decision: 'deny', reason: `${what}: denied by "${deny.entry.pattern}" (${at(deny.entry)})`, rules: [ref(deny.entry)] };
  const allow = set.fileAllow.first(path.path);
  const approval = set.fileApproval.first(path.path);
  if (approval) {
    return { decision: 'ask', reason: `${what}: needs human approval by "${approval.entry.pattern}" (${at(approval.entry)})`, rules: [ref(approval.entry), ...(allow ? [ref(allow.entry)] : [])] };
  }
  if (allow) return { decision: 'allow', reason: `${what}: allowed by "${allow.entry.pattern}" (${at(allow.entry)})`, rules: [ref(allow.entry)] };
  if (!path.inside) return { decision: 'deny', reason: `${what}: the path is outside the repository root and no rule names it`, rules: [] };
  return { decision: 'deny', reason: `${what}: matches no allow pattern`, rules: [] };
}

/** `max_files_per_action`: the smallest limit that governs any of the paths. */
export function decideFileCount(set: PolicySet, paths: string[]): Verdict | undefined {
  let limit: PolicySet['maxFiles'][number] | undefined;
  for (const candidate of set.maxFiles) {
    const governs = candidate.scope === '' || paths.some((p) => p === candidate.scope || p.startsWith(candidate.scope + '/'));
    if (governs && (!limit || candidate.value < limit.value)) limit = candidate;
  }
  if (!limit || paths.length <= limit.value) return undefined;
  return { decision: 'deny', reason: `the action touches ${paths.length} files; max_files_per_action is ${limit.value} (${at(limit.entry)})`, rules: [ref(limit.entry)] };
}
