import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PathRuleIndex, compileGlob, type PathRule, type RuleEntry } from '#core';

const PATTERNS = ['a/**', 'a/b/**', 'a/b/c', '**/c', 'a/*/c', '/etc/**', '/**', 'b/{a,b}/**', 'a/b/c/**', '*', 'B/a', '**'];
const SEGMENTS = ['a', 'b', 'c', 'B'];

function paths(): string[] {
  const out: string[] = [];
  let layer = [''];
  for (let depth = 1; depth <= 4; depth++) {
    layer = layer.flatMap((p) => SEGMENTS.map((s) => (p ? `${p}/${s}` : s)));
    out.push(...layer, ...layer.map((p) => `/etc/${p}`));
  }
  return out;
}

function rules(order: string[], scope: (i: number) => string, caseInsensitive: boolean): PathRule[] {
  return order.map((pattern, ordinal) => {
    const compiled = compileGlob(pattern, caseInsensitive);
    assert.ok(compiled.ok, pattern);
    return { entry: { pattern } as RuleEntry, glob: compiled.glob, scope: scope(ordinal), ordinal };
  });
}

/** The reference: every rule in policy order; root-relative patterns never name absolute paths (README). */
function linearFirst(all: PathRule[], path: string, caseInsensitive: boolean): PathRule | undefined {
  const p = caseInsensitive ? path.toLowerCase() : path;
  return all.find(
    (r) =>
      r.glob.absolute === path.startsWith('/') &&
      (r.scope === '' || p === r.scope.toLowerCase() || p.startsWith(`${caseInsensitive ? r.scope.toLowerCase() : r.scope}/`)) &&
      r.glob.matcher.test(path),
  );
}

describe('the path rule index returns what a linear scan in policy order returns', () => {
  for (const caseInsensitive of [false, true]) {
    it(`for every rotation of ${PATTERNS.length} patterns over ${paths().length} paths (caseInsensitive: ${caseInsensitive})`, () => {
      for (let shift = 0; shift < PATTERNS.length; shift++) {
        const order = [...PATTERNS.slice(shift), ...PATTERNS.slice(0, shift)];
        const all = rules(order, (i) => (i % 3 === 2 ? 'a' : ''), caseInsensitive);
        const index = new PathRuleIndex(caseInsensitive);
        for (const r of all) index.add(r);
        for (const path of paths()) {
          assert.equal(index.first(path)?.glob.pattern, linearFirst(all, path, caseInsensitive)?.glob.pattern, `${path} with ${order.join(' ')}`);
        }
      }
    });
  }
});

describe('rules with a base at or below a directory', () => {
  const order = ['a/**', 'a-b/**', 'a/b/**', 'a/b', 'ab/**', '**/c', '/etc/**', '/etc-x/y', 'b/a/**', 'A/c/**'];
  for (const caseInsensitive of [false, true]) {
    it(`match a linear filter on every directory (caseInsensitive: ${caseInsensitive})`, () => {
      const all = rules(order, () => '', caseInsensitive);
      const index = new PathRuleIndex(caseInsensitive);
      for (const r of all) index.add(r);
      for (const dir of ['', 'a', 'a/b', 'a-b', 'b', 'A', 'c', '/etc', '/etc-x', 'a/b/c']) {
        const d = caseInsensitive ? dir.toLowerCase() : dir;
        const expected = all.filter((r) => r.glob.base !== '' && r.glob.base !== '/' && (d === '' || r.glob.base === d || r.glob.base.startsWith(`${d}/`)));
        assert.deepEqual(
          index.withBaseAtOrBelow(dir).map((r) => r.glob.pattern),
          expected.map((r) => r.glob.pattern),
          dir,
        );
      }
    });
  }
});
