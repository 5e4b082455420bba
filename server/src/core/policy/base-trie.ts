import type { PathRule } from './rule-index';

interface TrieNode {
  rules: PathRule[];
  children: Map<string, TrieNode>;
}

function node(): TrieNode {
  return { rules: [], children: new Map() };
}

/**
 * Path rules filed by the segments of their literal base. Two globs can only share a path when
 * their bases agree segment by segment up to the shorter one, so the rules that may overlap a
 * rule are those on its base's path (shorter bases) and those below it (longer ones). Pairwise
 * analyses use this instead of comparing every rule with every other.
 */
export class BaseTrie {
  private readonly roots = { relative: node(), absolute: node() };

  constructor(rules: Iterable<PathRule> = []) {
    for (const rule of rules) this.add(rule);
  }

  add(rule: PathRule): void {
    let current = rule.glob.absolute ? this.roots.absolute : this.roots.relative;
    for (const segment of segments(rule)) {
      let next = current.children.get(segment);
      if (!next) current.children.set(segment, (next = node()));
      current = next;
    }
    current.rules.push(rule);
  }

  /** Every rule whose base is compatible with `rule`'s (including `rule` itself when filed here). */
  compatible(rule: PathRule): PathRule[] {
    const out: PathRule[] = [];
    let current: TrieNode | undefined = rule.glob.absolute ? this.roots.absolute : this.roots.relative;
    for (const segment of segments(rule)) {
      out.push(...current.rules);
      current = current.children.get(segment);
      if (!current) return out;
    }
    const stack = [current];
    while (stack.length) {
      const n = stack.pop() as TrieNode;
      out.push(...n.rules);
      for (const child of n.children.values()) stack.push(child);
    }
    return out;
  }
}

const segmentCache = new WeakMap<PathRule, string[]>();

function segments(rule: PathRule): string[] {
  let s = segmentCache.get(rule);
  if (!s) segmentCache.set(rule, (s = rule.glob.base.split('/').filter(Boolean)));
  return s;
}
