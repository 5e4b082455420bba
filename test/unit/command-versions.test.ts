import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluate, type DecisionResult, type PolicySet } from '#core';
import { programFamily } from '#core/shell/program-family';
import { policy } from '../helpers';

// A versioned name is the program it is a version of (server/src/core/shell/program-family.ts):
// `python3.11 -c` escaped a deny of `python3 -c` and the interpreter table's inline-code ask.

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
  commands:
    allow: ["*"]
    deny: ["python3 -c", "gcc"]
constraints:
  require_human_approval:
    - command_pattern: "node --inspect"
`;

let set: PolicySet;
before(async () => {
  set = await policy({ '': POLICY });
});

const run = (line: string): DecisionResult => evaluate(set, { action: 'command.exec', command: line });

describe('versioned program names', () => {
  it('a name is each version it strips to, down to the bare name', () => {
    assert.deepEqual(programFamily('python3.11'), ['python3.11', 'python3', 'python']);
    assert.deepEqual(programFamily('gcc-12'), ['gcc-12', 'gcc']);
    assert.deepEqual(programFamily('perl5.36'), ['perl5.36', 'perl5', 'perl']);
    assert.deepEqual(programFamily('rm'), ['rm']);
    // Digits alone are not a program with a version.
    assert.deepEqual(programFamily('7z'), ['7z']);
  });

  it('a deny catches the program under a versioned name (each was allowed by "*")', () => {
    for (const [line, pattern] of [
      ['python3.11 -c "print(1)"', 'python3 -c'],
      ['/usr/bin/python3.12 -c x', 'python3 -c'],
      ['gcc-12 a.c', 'gcc'],
      ['gcc12 a.c', 'gcc'],
    ] as const) {
      const r = run(line);
      assert.equal(r.decision, 'deny', `${line}: ${r.reason}`);
      assert.match(r.reason, new RegExp(`is denied by "${pattern}"`), line);
    }
  });

  it('an approval does too', () => {
    const r = run('node22 --inspect app.js');
    assert.equal(r.decision, 'ask');
    assert.match(r.reason, /needs human approval by "node --inspect"/);
  });

  it('the reviewed tables do too: inline code of a versioned interpreter asks, a versioned writer writes', () => {
    const code = run('python3.11 -c "import os"');
    assert.equal(code.decision, 'deny', code.reason);
    const perl = run('perl5.36 -e "unlink q(x)"');
    assert.equal(perl.decision, 'ask', perl.reason);
    assert.match(perl.reason, /its option -e runs code the policy cannot see/);
  });

  it('allows do not see through versions: "python3" does not admit python3.11', async () => {
    const narrow = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["python3"]\n' });
    assert.equal(evaluate(narrow, { action: 'command.exec', command: 'python3 x.py' }).decision, 'allow');
    const r = evaluate(narrow, { action: 'command.exec', command: 'python3.11 x.py' });
    assert.equal(r.decision, 'deny');
    assert.match(r.reason, /python3\.11 matches no allow pattern/);
  });
});

describe('git push refspecs', () => {
  it('a refspec with an empty source deletes the branch: a deny of git push --delete catches git push origin :main', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["git push --delete"]\n' });
    for (const line of ['git push origin :main', 'git push origin +:main', 'git push --delete origin main', 'git push -d origin main']) {
      const r = evaluate(set, { action: 'command.exec', command: line });
      assert.equal(r.decision, 'deny', `${line}: ${r.reason}`);
      assert.match(r.reason, /is denied by "git push --delete"/);
    }
    // `:` alone pushes the matching branches; `a:b` updates b.
    for (const line of ['git push origin :', 'git push origin a:b'])
      assert.doesNotMatch(evaluate(set, { action: 'command.exec', command: line }).reason, /git push --delete/, line);
  });
});
