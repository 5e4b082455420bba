import type { CompiledGlob } from '../globs/glob';
import type { RuleEntry } from './policy-file';
import { isUnder } from '../base/paths';

export interface PathRule {
  entry: RuleEntry;
  glob: CompiledGlob;
  /** The override's directory ('' for the root policy): the rule applies only under it. */
  scope: string;
  /** Position in policy order, to report the first rule deterministically. */
  ordinal: number;
}

/**
 * Path rules indexed by their literal base (the leading segments without wildcards): a rule with
 * base `a/b` can only match `a/b` or paths under it, so a decision looks up the path's own
 * prefixes and tests only the rules filed under them, instead of every pattern of the policy.
 */
export class PathRuleIndex {
  /** Rules by base ('' or '/' for rules whose first segment has a wildcard), each bucket in policy order. */
  private readonly byBase = new Map<string, PathRule[]>();
  /** The most segments any base has: prefixes longer than this have no bucket. */
  private depth_ = 0;
  /** Bit d is set when some base has d segments (bit 31: 31 or more). */
  private depths = 0;
  /** Distinct literal bases, sorted, built on first use by `withBaseAtOrBelow`. */
  private sortedBases: string[] | undefined;
  readonly all: PathRule[] = [];

  constructor(private readonly caseInsensitive: boolean) {}

  add(rule: PathRule): void {
    this.all.push(rule);
    const base = rule.glob.base;
    const bucket = this.byBase.get(base);
    if (bucket) bucket.push(rule);
    else this.byBase.set(base, [rule]);
    const segments = base === '' || base === '/' ? 0 : base.split('/').length - (base.startsWith('/') ? 1 : 0);
    this.depth_ = Math.max(this.depth_, segments);
    this.depths |= 1 << Math.min(segments, 31);
    this.sortedBases = undefined;
  }

  /**
   * Rules whose literal base is `dir` or lies below it (`dir` normalised; '' is the root), in
   * policy order: the rules that could match something inside directory `dir`, apart from the
   * wildcard-led ones.
   */
  withBaseAtOrBelow(dir: string): PathRule[] {
    const key = this.caseInsensitive ? dir.toLowerCase() : dir;
    const bases = (this.sortedBases ??= [...this.byBase.keys()].filter((b) => b !== '' && b !== '/').sort());
    const out: PathRule[] = [...(key === '' ? [] : (this.byBase.get(key) ?? []))];
    const prefix = key === '' ? '' : `${key}/`;
    // Bases that start with `prefix` are contiguous in sorted order.
    let lo = 0;
    let hi = bases.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((bases[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < bases.length && (bases[i] as string).startsWith(prefix); i++) out.push(...(this.byBase.get(bases[i] as string) ?? []));
    return out.sort((a, b) => a.ordinal - b.ordinal);
  }

  /** The most segments any rule's literal base has. */
  get depth(): number {
    return this.depth_;
  }

  /** Bit d set: some base has d segments (bit 31: 31 or more). */
  get depthMask(): number {
    return this.depths;
  }

  /**
   * The first rule (in policy order) whose glob matches `path` (normalised) and whose scope
   * contains it. `keys` are the path's lookup keys (see `lookupKeys`), computed once when several
   * indexes decide the same path.
   */
  first(path: string, keys: readonly (string | undefined)[] = lookupKeys(path, this.caseInsensitive, this.depth_, this.depths)): PathRule | undefined {
    let best: PathRule | undefined;
    const n = Math.min(keys.length, this.depth_ + 1);
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (key !== undefined) best = this.scan(this.byBase.get(key), path, best);
    }
    return best;
  }

  /** The first matching rule of a bucket, when it comes before `best` in policy order. */
  private scan(rules: PathRule[] | undefined, path: string, best: PathRule | undefined): PathRule | undefined {
    if (!rules) return best;
    for (const rule of rules) {
      if (best && rule.ordinal > best.ordinal) return best;
      if (rule.scope !== '' && !isUnder(path, rule.scope, this.caseInsensitive)) continue;
      if (rule.glob.matcher.test(path)) return rule;
    }
    return best;
  }
}

/**
 * The keys under which rules that could match `path` are filed: '' (or '/' for an absolute path),
 * then the path's first segment, its first two segments, ... up to `depth` segments. Depths whose
 * bit is clear in `mask` (no base has that many segments) are left undefined, saving the slice.
 */
export function lookupKeys(path: string, caseInsensitive: boolean, depth: number, mask: number): (string | undefined)[] {
  const key = caseInsensitive ? path.toLowerCase() : path;
  const absolute = key.charCodeAt(0) === 47; /* '/' */
  const keys: (string | undefined)[] = [absolute ? '/' : ''];
  let from = absolute ? 1 : 0;
  for (let d = 1; d <= depth; d++) {
    const slash = key.indexOf('/', from);
    const wanted = (mask & (1 << Math.min(d, 31))) !== 0;
    keys.push(!wanted ? undefined : slash < 0 ? key : key.slice(0, slash));
    if (slash < 0) break;
    from = slash + 1;
  }
  return keys;
}
