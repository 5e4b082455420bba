import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { compileGlob, globLanguage, globOptions, intersectionExample, isSubset } from '#core';

// Every normalised path over a small alphabet, up to a length: the ground truth for exactness.
function normalisedPaths(alphabet: string[], maxLength: number): string[] {
  const out: string[] = [];
  let layer = [''];
  for (let length = 1; length <= maxLength; length++) {
    const next: string[] = [];
    for (const prefix of layer) for (const c of alphabet) next.push(prefix + c);
    layer = next;
    for (const p of layer) {
      const segments = p.split('/');
      if (segments.every((s) => s !== '' && s !== '.' && s !== '..')) out.push(p);
    }
  }
  return out;
}

const GLOBS = [
  'a/**',
  'a/b/**',
  'a/*',
  '*',
  '**',
  '**/b',
  '**/.a*',
  '.a*',
  'a/**/b',
  '*/b',
  'a?',
  '[ab]/b',
  'a/{b,.a}',
  'b/**/*.a',
  '**/a/**',
  'a.*',
  '?/?',
  '[^a]*',
  '.*',
  '**/.*',
  'a/.*b',
  '..*',
];
const PATHS = normalisedPaths(['a', 'b', '.', '/'], 6);

describe('glob languages agree with brute-force enumeration', () => {
  // Ground truth: picomatch's own regex, unmodified.
  const re = new Map(GLOBS.map((g) => [g, picomatch.makeRe(g, globOptions(false))]));

  it("the evaluator's matchers (vacuous assertions removed) accept exactly what picomatch accepts", () => {
    for (const g of GLOBS) {
      const c = compileGlob(g, false);
      assert.ok(c.ok, g);
      const disagreement = PATHS.find((p) => c.glob.matcher.test(p) !== re.get(g)?.test(p));
      assert.equal(disagreement, undefined, `${g}: the linear matcher disagrees with picomatch on ${String(disagreement)}`);
    }
  });

  it(`intersection emptiness and examples for ${GLOBS.length ** 2} pairs over ${PATHS.length} paths`, () => {
    for (const a of GLOBS) {
      for (const b of GLOBS) {
        const both = PATHS.filter((p) => re.get(a)?.test(p) && re.get(b)?.test(p));
        const example = intersectionExample(globLanguage(a, false), globLanguage(b, false));
        if (both.length > 0) {
          assert.notEqual(example, undefined, `${a} ∩ ${b} contains ${both[0]}`);
        }
        if (example !== undefined) {
          assert.ok(re.get(a)?.test(example) && re.get(b)?.test(example), `${a} ∩ ${b}: example ${example} must match both`);
        }
      }
    }
  });

  it('subset agrees with enumeration (no counter-example among short paths)', () => {
    for (const a of GLOBS) {
      for (const b of GLOBS) {
        const counter = PATHS.find((p) => re.get(a)?.test(p) && !re.get(b)?.test(p));
        const subset = isSubset(globLanguage(a, false), globLanguage(b, false));
        if (counter !== undefined) assert.equal(subset, false, `${a} ⊆ ${b} is refuted by ${counter}`);
        if (!subset) {
          // A counter-example exists; it may be longer than the enumeration, so find it exactly.
          const ex = intersectionExample(globLanguage(a, false), complement(b));
          assert.ok(ex !== undefined && re.get(a)?.test(ex) && !re.get(b)?.test(ex), `${a} ⊄ ${b} needs a witness, got ${String(ex)}`);
        }
      }
    }
  });

  it('case-insensitive languages', () => {
    assert.notEqual(intersectionExample(globLanguage('SRC/**', true), globLanguage('src/x', true)), undefined);
    assert.equal(intersectionExample(globLanguage('SRC/**', false), globLanguage('src/x', false)), undefined);
  });
});

function complement(glob: string) {
  const dfa = globLanguage(glob, false).copy();
  dfa.complement();
  return dfa;
}

describe('the analysis is bounded: a glob that needs too many states is reported, not run out of memory', () => {
  it('**/*a followed by 17 ? needs 2^17 states (every a among the last 18 characters): AP2004 blocks the policy, naming the rule', async () => {
    const { policy } = await import('../helpers');
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n    deny: ["**/*a?????????????????"]\n' });
    const found = set.findings.filter((f) => f.code === 'AP2004');
    assert.equal(found.length, 1, JSON.stringify(set.findings));
    assert.match(found[0]?.message ?? '', /"\*\*\/\*a\?{17}" cannot be analysed exactly for conflicts \(its automaton needs more than 10000 states\)/);
  });

  it('**/a followed by 20 ? is small (the a starts the name): analysed, and its example is spelled readably', () => {
    const example = intersectionExample(globLanguage('**', false), globLanguage('**/a????????????????????', false));
    assert.equal(example, 'a'.repeat(21));
  });
});
