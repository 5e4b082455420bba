import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ShellParser } from '#core';
import { analyse } from '#core/shell/walk';
import { patternWords } from '#core/shell/command-pattern';
import { loadShellParser } from '#host/workspace/shell-parser';
import { prng } from '../helpers';

// Plain patterns skip the shell parser; these tests hold the two to the same words.
const PIECES = ['a', 'rm', 'git', '-rf', '--force', '*', 'x.ts', './src/**/x', 'a=b', 'k:v', 'u@h', '+x', 'a,b', '_', '-', 'npm', 'mcp', 'github', '9'];
let shell: ShellParser;

describe('command pattern words without the shell parser', () => {
  before(async () => {
    shell = await loadShellParser();
  });

  it('a plain pattern gets exactly the words the shell parser finds, without the parser (generated patterns)', () => {
    const random = prng(2026);
    let plain = 0;
    for (let round = 0; round < 4000; round++) {
      const count = 1 + Math.floor(random() * 4);
      const words: string[] = [];
      for (let i = 0; i < count; i++) {
        let word = '';
        const parts = 1 + Math.floor(random() * 2);
        for (let j = 0; j < parts; j++) word += PIECES[Math.floor(random() * PIECES.length)];
        words.push(word);
      }
      const raw = words.join(' ');
      let asked = false;
      const watching: ShellParser = { withTree: (source, fn) => ((asked = true), shell.withTree(source, fn)) };
      const fast = patternWords(raw, watching);
      // Not plain: the parser's words are the answer, there is nothing to compare.
      if (asked) continue;
      plain++;
      const parsed = shell.withTree(raw, (root) => analyse(root));
      assert.deepEqual(parsed.errors, [], raw);
      assert.deepEqual(parsed.unresolved, [], raw);
      assert.equal(parsed.commands.length, 1, raw);
      assert.equal(parsed.commands[0]?.assignments.length, 0, raw);
      assert.deepEqual(
        fast,
        parsed.commands[0]?.words.map((w) => w.value),
        raw,
      );
    }
    assert.ok(plain > 1000, `enough plain patterns (${plain})`);
  });

  it('anything else goes to the parser: quotes, expansions, assignments first, operators, other punctuation', () => {
    let asked = 0;
    const counting: ShellParser = { withTree: (source, fn) => (asked++, shell.withTree(source, fn)) };
    for (const raw of [
      'git commit -m "x"',
      '50% x',
      'u@h x',
      '- x',
      'a=b x',
      'echo $HOME',
      'A=1 npm test',
      'a && b',
      'rm  -rf',
      'ls ~',
      'a?b',
      'x[1]',
      "it's",
    ]) {
      patternWords(raw, counting);
    }
    assert.equal(asked, 13);
  });
});
