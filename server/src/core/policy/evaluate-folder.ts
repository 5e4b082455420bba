import { deniedBelow } from './denied-below';
import { absolutePath, classify, normalisePath, type NormalisedPath } from '../base/paths';
import type { PolicySet } from './policy-set';
import type { PathRule } from './rule-index';
import { combine, quote, type DecideEnv, type Verdict } from './verdict';

/**
 * `filesystem.search {path, contents}`: a tool that lists or searches a folder (Copilot's `glob` and
 * `grep`, Gemini's `list_directory`, `glob` and `grep_search`). A folder that is itself denied is
 * not searched. A content search also reads every file below it, so it is denied when a denied
 * path lies below (name a folder without one); a names-only listing shows names, not contents.
 * Folders outside the repository root are not searched.
 */
// An entry name no rule names: a rule that matches it denies whatever the folder holds (`secrets/**`).
const ANY_ENTRY = 'agent-policy-any-entry';

export function decideFolder(set: PolicySet, raw: unknown, cwd: string, contents: boolean, env: DecideEnv): Verdict {
  if (typeof raw !== 'string') return { decision: 'deny', reason: 'filesystem.search: the folder is missing or not a string', rules: [] };
  const folder = normalisePath(raw, cwd, set.environment);
  if (!folder.ok) return { decision: 'deny', reason: `filesystem.search ${quote(raw)}: ${folder.reason}`, rules: [] };
  const verdict = decideNormalisedFolder(set, folder, contents, raw, undefined);
  const real = env.fs?.realPath(absolutePath(folder, set.environment));
  if (real === undefined || real === absolutePath(folder, set.environment)) return verdict;
  const target = classify(real, set.environment);
  return target.ok
    ? combine([verdict, decideNormalisedFolder(set, target, contents, raw, `a link to ${target.path || 'the root'}`)], 'no folder to decide')
    : verdict;
}

/** The deny rule that covers the folder itself (`secrets/**` covers `secrets`), if any; never the root. */
export function deniedFolder(set: PolicySet, path: string): PathRule | undefined {
  return path === '' || path.startsWith('/') ? undefined : (set.rules.fileDeny.first(path) ?? set.rules.fileDeny.first(`${path}/${ANY_ENTRY}`));
}

function decideNormalisedFolder(set: PolicySet, folder: NormalisedPath & { ok: true }, contents: boolean, raw: string, via: string | undefined): Verdict {
  const name = folder.path === '' ? 'the repository root' : folder.path;
  const what = `filesystem.search ${quote(raw)}${via ? ` (${via})` : folder.path === raw ? '' : ` (${name})`}`;
  if (!folder.inside) return { decision: 'deny', reason: `${what}: the folder is outside the repository root`, rules: [] };
  const denied = deniedFolder(set, folder.path);
  if (denied) return { decision: 'deny', reason: `${what}: the folder is denied by "${denied.entry.pattern}" (${denied.entry.at})`, rules: [denied.entry.ref] };
  if (!contents) return { decision: 'allow', reason: `${what}: lists names in ${name}, reads no file's content`, rules: [] };
  const below = deniedBelow(set, folder.path);
  if (below)
    return {
      decision: 'deny',
      reason: `${what}: searching file contents in ${name} would read files denied by "${below.entry.pattern}" (${below.entry.at}); search a folder that holds none`,
      rules: [below.entry.ref],
    };
  return { decision: 'allow', reason: `${what}: no denied file lies in ${name}`, rules: [] };
}
