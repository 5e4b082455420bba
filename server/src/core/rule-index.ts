import type { CompiledGlob } from './glob';
import type { RuleEntry } from './policy-file';
import { isUnder } from './paths';

export interface PathRule {
  entry: RuleEntry;
  glob: CompiledGlob;
  /** The override's directory ('' for the root policy): the rule applies only under it. */
  scope: string;
  /** Position in policy order, to report the first rule deterministically. */
  ordinal: number;
}

/**
 * Path rules indexed by their first literal segment, so a decision tests only the rules that
 * could match instead of every pattern of the policy.
 */
export class PathRuleIndex {
  private readonly byFirst = new Map<string, PathRule[]>();
  private readonly wildcard: PathRule[] = [];
  readonly all: PathRule[] = [];

  constructor(private readonly caseInsensitive: boolean) {}

  add(rule: PathRule): void {
    this.all.push(rule);
    const key = rule.glob.firstSegment === undefined ? undefined : (rule.glob.absolute ? '/' : '') + rule.glob.firstSegment;
    if (key === undefined) {
      this.wildcard.push(rule);
      return;
    }
    const bucket = this.byFirst.get(key);
    if (bucket) bucket.push(rule);
    else this.byFirst.set(key, [rule]);
  }

  /** The first rule (in policy order) whose glob matches `path` and whose scope contains it. */
  first(path: string): PathRule | undefined {
    const absolute = path.startsWith('/');
    const rest = absolute ? path.slice(1) : path;
    const slash = rest.indexOf('/');
    let key = (absolute ? '/' : '') + (slash < 0 ? rest : rest.slice(0, slash));
    if (this.caseInsensitive) key = key.toLowerCase();
    const a = this.scan(this.byFirst.get(key), path, absolute);
    const b = this.scan(this.wildcard, path, absolute);
    if (!a) return b;
    if (!b) return a;
    return a.ordinal < b.ordinal ? a : b;
  }

  private scan(rules: PathRule[] | undefined, path: string, absolute: boolean): PathRule | undefined {
    if (!rules) return undefined;
    for (const rule of rules) {
      if (rule.glob.absolute !== absolute) continue;
      if (rule.scope !== '' && !isUnder(path, rule.scope, this.caseInsensitive)) continue;
      if (rule.glob.regex.test(path)) return rule;
    }
    return undefined;
  }
}
