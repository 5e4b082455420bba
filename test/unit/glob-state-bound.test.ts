import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob } from '#core/globs/glob';
import { analysisStates, globLanguage, MAX_STATES } from '#core/globs/glob-language';
import { analysisStateBound } from '#core/globs/glob-state-bound';
import { prng } from '../helpers';

// Pieces the covered shape is made of, weighted towards what blows automata up (`*` then `?`s).
const SEGMENT_PARTS = ['a', 'b', '.', '-', 'x1', '*', '?', '??', '{a,b}', '{ts,tsx,js}', '.env', 'a?', '*a?'];

function generated(random: () => number): string {
  const segments: string[] = [];
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    if (random() < 0.25) {
      segments.push('**');
      continue;
    }
    let segment = '';
    const parts = 1 + Math.floor(random() * 4);
    for (let j = 0; j < parts; j++) segment += SEGMENT_PARTS[Math.floor(random() * SEGMENT_PARTS.length)];
    segments.push(segment);
  }
  return (random() < 0.1 ? '/' : '') + segments.join('/');
}

describe('the analysis state bound (enforcement skips building automata it proves small)', () => {
  it('is never below the states the analysis really builds, on generated globs of the covered shape', () => {
    const random = prng(1717);
    let checked = 0;
    let provedSmall = 0;
    for (let i = 0; i < 1500; i++) {
      const pattern = generated(random);
      if (!compileGlob(pattern, false).ok) continue;
      const bound = analysisStateBound(pattern);
      // `x/**/*` is the one shape left to the analysis (which refuses it: an assertion stays).
      if (/(^|\/)\*\*\/\*+$/.test(pattern)) {
        assert.equal(bound, undefined, pattern);
        continue;
      }
      assert.notEqual(bound, undefined, `${pattern} is of the covered shape`);
      const caseInsensitive = random() < 0.3;
      // A bound too large to check cheaply proves nothing and is not used (the automaton is built).
      if ((bound as number) > 50_000) continue;
      const built = analysisStates(pattern, caseInsensitive, (bound as number) + 1);
      assert.ok(built <= (bound as number), `${pattern}: built ${built} states, bound ${bound}`);
      checked++;
      if ((bound as number) <= MAX_STATES) {
        provedSmall++;
        assert.doesNotThrow(() => globLanguage(pattern, caseInsensitive), `${pattern}: proved analysable, so its analysis must succeed`);
      }
    }
    assert.ok(checked > 800 && provedSmall > 600, `enough cases (${checked} checked, ${provedSmall} proved small)`);
  });

  it('covers the globs policies are made of, with bounds far below the limit', () => {
    for (const pattern of [
      'src/**',
      '**/*.ts',
      'src/components/**/*.tsx',
      '.env*',
      '**/.env*',
      '**/*.{ts,js,tsx,jsx}',
      '**/node_modules/**',
      'secrets/**',
      '/etc/**',
      '**/*secret*',
      'packages/frontend/src/components/legacy/**/*.tsx',
    ]) {
      const bound = analysisStateBound(pattern);
      assert.ok(bound !== undefined && bound <= MAX_STATES / 4, `${pattern}: ${bound}`);
    }
  });

  it('leaves the shapes it cannot bound to the automaton (classes, escapes, nested or starred braces)', () => {
    for (const pattern of ['src/**/*', 'src/[a-z]*.ts', 'a\\*b', '{a,{b,c}}', '{a*,b}', 'a+b', '{a}', 'a{b,c'])
      assert.equal(analysisStateBound(pattern), undefined, pattern);
  });

  it('gives a blow-up glob a bound over the limit, so its automaton is still built and AP2004 still blocks it', () => {
    const pattern = '**/*a?????????????????';
    assert.ok((analysisStateBound(pattern) as number) > MAX_STATES);
    assert.throws(() => globLanguage(pattern, false), /states/);
  });
});
