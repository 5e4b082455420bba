import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluate, type DecisionResult, type PolicySet } from '#core';
import { policy } from '../helpers';

// Builtins that change the shell for the commands after them (server/src/core/shell/builtins.ts),
// and a program word that is a glob. Under allow "*" with a deny of rm, each of these lines was
// allowed: `read PATH <<< /tmp; ls` runs /tmp/ls, `/bin/r? -rf x` runs /bin/rm.

let set: PolicySet;
before(async () => {
  set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
});

const run = (line: string): DecisionResult => evaluate(set, { action: 'command.exec', command: line });

describe('builtins that assign variables by name', () => {
  const cases: [string, string][] = [
    ['printf -v PATH /tmp; ls', 'PATH'],
    ['printf -vPATH /tmp', 'PATH'],
    ['read PATH <<< /tmp; ls', 'PATH'],
    ['read -p "x" -r PATH', 'PATH'],
    ['read -ra LD_PRELOAD <<< /tmp/x.so', 'LD_PRELOAD'],
    ['read -a LD_PRELOAD', 'LD_PRELOAD'],
    ['read -r a PATH', 'PATH'],
    ['read -- BASH_ENV', 'BASH_ENV'],
    ['mapfile -t PATH < src/f', 'PATH'],
    ['readarray -n 1 PATH < src/f', 'PATH'],
    ['getopts ab PATH', 'PATH'],
    ['let PATH=1', 'PATH'],
    ['let "GIT_DIR+=1"', 'GIT_DIR'],
  ];
  for (const [line, variable] of cases) {
    it(`${line}: sets ${variable}, which changes what later commands run`, () => {
      const r = run(line);
      assert.equal(r.decision, 'ask', r.reason);
      assert.deepEqual(
        r.causes?.map((c) => [c.kind, c.word, c.table]),
        [['variable', variable, 'risky-variables']],
      );
    });
  }

  it('ordinary names, option values and the printed text are not assignments of risky variables', () => {
    for (const line of [
      'read -r line',
      'read -p PATH x',
      'read -d PATH x',
      'printf "%s" PATH',
      'mapfile -t lines < src/f',
      'mapfile -u 3 lines',
      'getopts PATH opt',
      'let x=PATH',
    ]) {
      const r = run(line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
    }
  });

  it('a name the shell computes asks', () => {
    const r = run('read $V');
    assert.equal(r.decision, 'ask');
    assert.match(r.reason, /read assigns a variable whose name the shell computes/);
  });
});

describe('builtins whose effect the analysis does not follow', () => {
  for (const [line, why] of [
    ['hash -p /bin/rm ls; ls -rf x', /hash -p makes a command name run another program/],
    ['hash -dp /bin/rm ls', /hash -p makes a command name run another program/],
    ['enable -f ./evil.so evil', /enable -f loads a shared object into the shell as a builtin/],
    ['coproc rm x', /coproc runs a command in the background that the analysis does not parse/],
  ] as const) {
    it(`${line}: asks`, () => {
      const r = run(line);
      assert.equal(r.decision, 'ask', r.reason);
      assert.match(r.reason, why);
    });
  }

  it('their harmless forms need no person', () => {
    for (const line of ['hash -r', 'hash ls', 'enable -n echo']) assert.equal(run(line).decision, 'allow', line);
  });
});

describe('a program word that is a glob', () => {
  for (const line of ['/bin/r? -rf x', '/usr/bin/r[m] -rf x', 'r* x', 'sudo /bin/r? x']) {
    it(`${line}: asks, since bash runs what it expands to`, () => {
      const r = run(line);
      assert.equal(r.decision, 'ask', r.reason);
      assert.ok(
        r.causes?.some((c) => c.kind === 'program' && /is a glob the shell expands/.test(c.detail)),
        r.reason,
      );
    });
  }

  it('a quoted or escaped glob character is a literal name, and globs in arguments are decided as arguments', () => {
    assert.doesNotMatch(run("'r?' x").reason, /is a glob/);
    assert.doesNotMatch(run('r\\? x').reason, /is a glob/);
    assert.equal(run('ls src/*').decision, 'allow');
  });
});
