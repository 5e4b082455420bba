import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { compileLinear, globOptions, UnsupportedRegexError, withoutVacuousAssertions } from '#core';
import { prng as random } from '../helpers';

// The linear-time glob matcher (server/src/core/globs/glob-matcher.ts) must say what the regular
// expression it is compiled from says, on every input: it replaces the backtracking engine at
// every gate. Compared here with V8 on generated globs and inputs short enough for V8 to finish.

const PIECES = ['a', 'b', '.', '-', 'A', '*', '*', '**', '?', '[ab]', '[^a]', '[a-c]', '[.]', '{a,b}', '{a,.b}', '{,a}', '\\*', 'é', '[[:alpha:]]', '{1..3}'];
const CHARS = ['a', 'b', 'A', 'B', '.', '/', '-', '1', '2', '*', 'é', 'É', '\n'];

function glob(next: () => number): string {
  const segments = 1 + Math.floor(next() * 3);
  const out: string[] = [];
  for (let i = 0; i < segments; i++) {
    const pieces = 1 + Math.floor(next() * 3);
    let segment = '';
    for (let j = 0; j < pieces; j++) segment += PIECES[Math.floor(next() * PIECES.length)];
    out.push(segment);
  }
  return (next() < 0.2 ? '/' : '') + out.join('/');
}

function input(next: () => number): string {
  const length = Math.floor(next() * 9);
  let out = '';
  for (let i = 0; i < length; i++) out += CHARS[Math.floor(next() * CHARS.length)];
  return out;
}

/** V8's regex for a glob, as compileGlob makes it, and the linear matcher compiled from the same source. */
function both(pattern: string, caseInsensitive: boolean): { regex: RegExp; linear: ReturnType<typeof compileLinear> } | undefined {
  let raw: RegExp;
  try {
    raw = picomatch.makeRe(pattern, globOptions(caseInsensitive));
  } catch {
    return undefined;
  }
  const regex = new RegExp(withoutVacuousAssertions(raw.source), raw.flags);
  return { regex, linear: compileLinear(regex.source, caseInsensitive) };
}

describe('the linear matcher agrees with V8 on the regular expressions picomatch writes', () => {
  for (const caseInsensitive of [false, true]) {
    it(`3,000 generated globs × 40 inputs each, ${caseInsensitive ? 'case-insensitive' : 'case-sensitive'} (any input, not only normalised paths)`, () => {
      const next = random(caseInsensitive ? 2 : 1);
      let compared = 0;
      for (let g = 0; g < 3000; g++) {
        const pattern = glob(next);
        const pair = both(pattern, caseInsensitive);
        if (!pair) continue;
        for (let k = 0; k < 40; k++) {
          const text = input(next);
          assert.equal(
            pair.linear.test(text),
            pair.regex.test(text),
            `glob ${JSON.stringify(pattern)} (/${pair.regex.source}/${pair.regex.flags}) on ${JSON.stringify(text)}`,
          );
          compared++;
        }
      }
      assert.ok(compared > 100_000, `${compared} comparisons`);
    });
  }

  it('the globs policies use, on paths that match and paths that almost do', () => {
    const cases: [string, string[], string[]][] = [
      ['secrets/**', ['secrets/a', 'secrets/a/b/c', 'secrets/.k'], ['secrets', 'secret/a', 'a/secrets/b']],
      ['**/.env*', ['.env', 'a/.env', 'a/b/.env.local', '/.env'], ['env', 'a/x.env', '.en']],
      ['**/*.{pem,key}', ['a.pem', 'x/y/b.key'], ['a.pe', 'a.pem/x']],
      ['src/**/*.ts', ['src/a.ts', 'src/x/y/a.ts'], ['src/a.js', 'lib/a.ts']],
      ['/etc/shadow*', ['/etc/shadow', '/etc/shadow-'], ['etc/shadow', '/etc/shadowx/y']],
      ['a/**/b', ['a/b', 'a/x/b', 'a/x/y/b'], ['ab', 'a/xb']],
      ['**', ['a', 'a/b/c', '.x', ''], []],
    ];
    for (const [pattern, yes, no] of cases) {
      const pair = both(pattern, false);
      assert.ok(pair, pattern);
      for (const text of [...yes, ...no]) assert.equal(pair.linear.test(text), yes.includes(text), `${pattern} on ${text}`);
      for (const text of [...yes, ...no]) assert.equal(pair.linear.test(text), pair.regex.test(text), `${pattern} on ${text} (V8)`);
    }
  });
});

describe('a glob that backtracks in V8 is matched by reading the input once', () => {
  it('**/*a*a*a*a*b against a 4,096-character name of a (no b): false, as the glob says', () => {
    const pair = both('**/*a*a*a*a*b', false);
    assert.ok(pair);
    // V8 takes seconds here (it is not run); the answer follows from the glob: the name has no b.
    assert.equal(pair.linear.test('a'.repeat(4096)), false);
    assert.equal(pair.linear.test(`${'a'.repeat(4095)}b`), true);
    assert.equal(pair.linear.test(`x/${'a'.repeat(2000)}/${'a'.repeat(2000)}b`), true);
  });

  it('many states: a glob whose DFA would grow past the cache still answers right (the cache is flushed, not the run)', () => {
    const pair = both('**/a??????????', false);
    assert.ok(pair);
    const next = random(7);
    for (let k = 0; k < 300; k++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += next() < 0.5 ? 'a' : 'b';
      assert.equal(pair.linear.test(text), pair.regex.test(text), text);
    }
  });
});

describe('what the matcher refuses', () => {
  for (const source of ['(?=a)b', '(?!a)b', 'a\\1', '\\bword', 'a{1,99}', '(a', '[ab']) {
    it(`/${source}/: not what picomatch writes, refused with a reason`, () => {
      assert.throws(() => compileLinear(source, false), UnsupportedRegexError);
    });
  }
});
