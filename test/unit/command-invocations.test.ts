import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluate, type DecisionResult, type PolicySet } from '#core';
import { baseName, unwrap, type Invocation, type Unwrapped } from '#core/shell/invocations';
import type { Word } from '#core/shell/words';
import { policy } from '../helpers';

// How server/src/core/shell/invocations.ts finds the programs a command runs: behind wrappers
// (nice, env, su, watch, flock, xargs), in `find -exec`, and in the command lines handed to a shell
// again (`bash -c`, `eval`, `trap`). What it misses is a program no rule sees; what it cannot read
// must say so, because the decision asks with that explanation. Each test names the program or the
// line the analysis must find, and the real tool's behaviour it follows.

const word = (value: string): Word => ({ value, dynamic: undefined, glob: false, text: value });
/** A word with an expansion, as the parser builds it: `a$OPTS` is unknown because of `$OPTS`. */
const dynamic = (why: string, text = why): Word => ({ value: undefined, dynamic: why, glob: false, text });
/** `{a,b}` as the parser sees it: the explanation is longer than the word. */
const brace = (text: string): Word => dynamic(`the brace expansion ${text}`, text);

function unwrapped(...words: (string | Word)[]): Unwrapped {
  const ws = words.map((w) => (typeof w === 'string' ? word(w) : w));
  return unwrap({ words: ws, text: ws.map((w) => w.text).join(' ') });
}

/** The programs found, each with whether it is a transparent wrapper (no allow of its own). */
function programs(u: Unwrapped): string[] {
  return u.invocations.map((inv) => `${inv.program ?? '?'}${inv.wrapper ? ' (wrapper)' : ''}`);
}

function found(u: Unwrapped, program: string): Invocation {
  const inv = u.invocations.find((i) => i.program === program);
  assert.ok(inv, `${program} not found among ${programs(u).join(', ')}`);
  return inv;
}

const XARGS = 'xargs appends arguments read from its input';
const FIND = 'find passes the paths it finds';

describe('program names', () => {
  it('a path names its last part, however many slashes end it (cp secrets// out/ copies "secrets")', () => {
    assert.equal(baseName('/usr/bin/rm'), 'rm');
    assert.equal(baseName('secrets/'), 'secrets');
    assert.equal(baseName('secrets//'), 'secrets');
    assert.equal(baseName('/srv/data///'), 'data');
    assert.equal(unwrapped('/usr/local/bin//rm', 'x').invocations[0]?.program, 'rm');
  });

  it('a command of no words (only assignments or redirects) runs no program', () => {
    assert.deepEqual(unwrap({ words: [], text: 'A=1' }), { invocations: [], reentries: [], unresolved: [], assignments: [] });
  });
});

describe('how deep wrappers are followed', () => {
  const nohups = (n: number): string[] => Array.from({ length: n }, () => 'nohup');

  it('fifteen wrappers deep, the program behind them is still found', () => {
    const u = unwrapped(...nohups(15), 'rm', 'x');
    assert.equal(u.invocations.length, 16);
    assert.equal(u.invocations[15]?.program, 'rm');
    assert.deepEqual(u.unresolved, []);
  });

  it('sixteen wrappers deep the analysis stops and says so, rather than guess what runs', () => {
    const u = unwrapped(...nohups(16), 'rm', 'x');
    assert.deepEqual(u.unresolved, ['wrappers are nested more than 16 deep']);
    assert.ok(!u.invocations.some((i) => i.program === 'rm'), 'nothing past the limit is claimed as read');
  });

  it('so a deny that the limit hides is asked about, never allowed', async () => {
    const open = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
    const r = evaluate(open, { action: 'command.exec', command: `${nohups(20).join(' ')} rm -rf x` });
    assert.equal(r.decision, 'ask');
    assert.match(r.reason, /wrappers are nested more than 16 deep/);
  });
});

describe('alias', () => {
  it('printing an alias (alias ll) changes nothing: alias is the program, nothing is unresolved', () => {
    const u = unwrapped('alias', 'll');
    assert.deepEqual(programs(u), ['alias']);
    assert.deepEqual(u.unresolved, []);
  });

  it('defining one, even after a printed one (alias ll g=git), changes later names: unresolved', () => {
    for (const u of [unwrapped('alias', 'g=git'), unwrapped('alias', 'll', 'g=git'), unwrapped('alias', dynamic('$A'))]) {
      assert.deepEqual(u.unresolved, ['alias changes what later command names mean, which the analysis does not follow']);
      assert.deepEqual(programs(u), ['alias']);
    }
  });
});

describe('wrappers with nothing to run', () => {
  it('env alone prints the environment (tokens included): it is the program and needs an allow', () => {
    for (const words of [['env'], ['env', '-i'], ['nice', '-n', '10'], ['nohup'], ['timeout', '5']]) {
      const u = unwrapped(...words);
      assert.deepEqual(programs(u), [words[0] as string], words.join(' '));
      assert.deepEqual(u.reentries, [], words.join(' '));
    }
  });

  it('so under allow ["ls"] a bare env is denied, as env', async () => {
    const narrow = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["ls"]\n' });
    const r = evaluate(narrow, { action: 'command.exec', command: 'env' });
    assert.equal(r.decision, 'deny');
    assert.match(r.reason, /env matches no allow pattern/);
  });

  it('watch with no command hands no line to a shell and needs an allow itself', () => {
    for (const words of [['watch'], ['watch', '-n', '1']]) {
      const u = unwrapped(...words);
      assert.deepEqual(u.reentries, [], words.join(' '));
      assert.deepEqual(programs(u), ['watch'], words.join(' '));
    }
  });
});

describe('arguments a wrapper appends at run time', () => {
  it('xargs appends its input to the program behind a further wrapper too (xargs nice rm)', () => {
    assert.equal(found(unwrapped('xargs', 'nice', 'rm'), 'rm').runtimeArgs, XARGS);
    assert.equal(found(unwrapped('xargs', 'timeout', '5', 'rm'), 'rm').runtimeArgs, XARGS);
    assert.equal(found(unwrapped('nice', 'rm'), 'rm').runtimeArgs, undefined);
  });

  it('so a deny of "rm -rf" asks about xargs nice rm: its input may be -rf', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["rm -rf"]\n' });
    const r = evaluate(set, { action: 'command.exec', command: 'xargs nice rm' });
    assert.equal(r.decision, 'ask');
    assert.match(r.reason, /could be "rm -rf"/);
  });
});

describe("the end of a wrapper's options", () => {
  it('after env -- every word is an assignment or the command: env -- -i ls runs a program named -i (as GNU env does)', () => {
    const u = unwrapped('env', '--', '-i', 'ls');
    assert.deepEqual(programs(u), ['env (wrapper)', '-i']);
    assert.deepEqual(
      u.invocations[1]?.args.map((a) => a.value),
      ['ls'],
    );
  });

  it('a lone - is an operand, not an option: nice - ls runs a program named -, which must be allowed itself', async () => {
    assert.deepEqual(programs(unwrapped('nice', '-', 'ls')), ['nice (wrapper)', '-']);
    const narrow = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["ls"]\n' });
    assert.equal(evaluate(narrow, { action: 'command.exec', command: 'nice - ls' }).decision, 'deny');
  });

  it("an unknown word among a wrapper's arguments is explained by the expansion in it", () => {
    assert.deepEqual(unwrapped('sudo', dynamic('$OPTS', 'a$OPTS'), 'rm').unresolved, [
      'the arguments of sudo include $OPTS, which cannot be resolved statically',
    ]);
  });
});

describe('flock FILE -c LINE', () => {
  it('the line is handed on as flock -c or flock --command, as it was written', () => {
    assert.deepEqual(unwrapped('flock', '/tmp/l', '-c', 'rm x').reentries, [{ source: 'rm x', via: 'flock -c' }]);
    assert.deepEqual(unwrapped('flock', '/tmp/l', '--command', 'rm x').reentries, [{ source: 'rm x', via: 'flock --command' }]);
  });

  it('-c with no line after it (flock refuses it) is unresolved, not a crash', () => {
    const u = unwrapped('flock', '/tmp/l', '-c');
    assert.deepEqual(u.unresolved, ['flock -c takes a command line that cannot be resolved statically']);
    assert.deepEqual(u.reentries, []);
  });
});

describe('watch', () => {
  it('options end at the first operand: watch "ls; rm x" -x joins -x into the line sh -c runs', () => {
    const u = unwrapped('watch', 'ls; rm x', '-x');
    assert.deepEqual(u.reentries, [{ source: 'ls; rm x -x', via: 'watch' }]);
    assert.deepEqual(programs(u), ['watch (wrapper)']);
  });

  it('so a deny of rm catches it (procps watch runs `sh -c "ls; rm x -x"`)', async () => {
    const open = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
    assert.equal(evaluate(open, { action: 'command.exec', command: 'watch "ls; rm x" -x' }).decision, 'deny');
  });

  it('an unknown word in the joined line is explained by the expansion in it', () => {
    assert.deepEqual(unwrapped('watch', 'ls', brace('{a,b}')).unresolved, [
      'watch runs the brace expansion {a,b} through a shell, which cannot be resolved statically',
    ]);
  });
});

describe('su and runuser: -c anywhere among their words', () => {
  it('a user name is not an option cluster: su alice -c LINE runs LINE (alice has a c in it, and an s)', () => {
    for (const user of ['alice', 'chris', 'postgres']) {
      const u = unwrapped('su', user, '-c', 'rm x');
      assert.deepEqual(u.reentries, [{ source: 'rm x', via: 'su -c' }], user);
      assert.deepEqual(programs(u), ['su'], user);
    }
    assert.deepEqual(unwrapped('runuser', 'alice', '--command', 'rm x').reentries, [{ source: 'rm x', via: 'runuser --command' }]);
  });

  it('a user chosen at run time (su "$U" -c LINE) still leaves LINE found', () => {
    assert.deepEqual(unwrapped('su', dynamic('$U'), '-c', 'rm x').reentries, [{ source: 'rm x', via: 'su -c' }]);
  });

  it('an option before the user does not swallow the words after it (su -l root -c LINE, su -s /bin/sh root -c LINE)', () => {
    assert.deepEqual(unwrapped('su', '-l', 'root', '-c', 'rm x').reentries, [{ source: 'rm x', via: 'su -c' }]);
    assert.deepEqual(unwrapped('su', '-s', '/bin/sh', 'root', '-c', 'rm x').reentries, [{ source: 'rm x', via: 'su -c' }]);
  });

  it('a line chosen at run time, or none at all, is unresolved', () => {
    for (const u of [unwrapped('su', 'root', '-c', dynamic('$C')), unwrapped('su', 'root', '-c')]) {
      assert.deepEqual(u.unresolved, ['su -c takes a command line that cannot be resolved statically']);
      assert.deepEqual(u.reentries, []);
    }
    assert.deepEqual(unwrapped('env', '-S').unresolved, ['env -S takes a command line that cannot be resolved statically']);
  });

  it('without -c, runuser -u USER CMD runs CMD as its words', () => {
    const u = unwrapped('runuser', '-u', 'nobody', 'rm', 'x');
    assert.deepEqual(programs(u), ['runuser', 'rm']);
    assert.deepEqual(u.reentries, []);
  });
});

describe('explanations of lines that cannot be read', () => {
  it('bash -c, eval and trap name the expansion that hides the line', () => {
    assert.deepEqual(unwrapped('bash', '-c', brace('{a,b}')).unresolved, ['bash -c runs the brace expansion {a,b}, which cannot be resolved statically']);
    assert.deepEqual(unwrapped('eval', 'echo', brace('x{a,b}')).unresolved, ['eval runs the brace expansion x{a,b}, which cannot be resolved statically']);
    assert.deepEqual(unwrapped('trap', brace('{a,b}'), 'EXIT').unresolved, ['trap runs the brace expansion {a,b}, which cannot be resolved statically']);
  });

  it('a trap action chosen at run time is unresolved, and no line is handed on', () => {
    const u = unwrapped('trap', dynamic('$CMD'), 'EXIT');
    assert.deepEqual(u.unresolved, ['trap runs $CMD, which cannot be resolved statically']);
    assert.deepEqual(u.reentries, []);
  });
});

describe('trap', () => {
  it("trap -- LINE SIGNAL runs LINE when the signal comes (the -- ends trap's options)", () => {
    assert.deepEqual(unwrapped('trap', '--', 'rm x', 'EXIT').reentries, [{ source: 'rm x', via: 'trap' }]);
  });

  it('one operand resets that signal (trap INT); bash runs no line, so none is handed on', () => {
    for (const words of [
      ['trap', 'INT'],
      ['trap', 'rm x'],
    ]) {
      const u = unwrapped(...words);
      assert.deepEqual(u.reentries, [], words.join(' '));
      assert.deepEqual(u.unresolved, [], words.join(' '));
    }
  });

  it('options (trap -p EXIT, trap -l) print, and an empty action ignores the signal: no line either', () => {
    for (const words of [
      ['trap', '-p', 'EXIT'],
      ['trap', '-l', 'x'],
      ['trap', '', 'INT'],
      ['trap', '-', 'INT'],
    ]) {
      assert.deepEqual(unwrapped(...words).reentries, [], words.join(' '));
    }
  });
});

describe('find -exec', () => {
  it('find -exec CMD {} ; runs CMD with the paths it finds: {} is unknown, and so are the arguments', () => {
    const u = unwrapped('find', '.', '-name', '*.tmp', '-exec', 'rm', '-f', '{}', ';');
    assert.deepEqual([...programs(u)].sort(), ['find', 'rm']);
    const rm = found(u, 'rm');
    assert.deepEqual(
      rm.args.map((a) => a.value ?? `(${a.dynamic ?? '?'})`),
      ['-f', '({} (a path find found))'],
    );
    assert.equal(rm.args[1]?.text, '{}');
    assert.equal(rm.runtimeArgs, FIND);
    assert.equal(found(u, 'find').wrapper, false, 'find itself still needs an allow');
  });

  for (const exec of ['-execdir', '-ok', '-okdir']) {
    it(`find ${exec} runs its command the same way`, () => {
      assert.equal(found(unwrapped('find', '.', exec, 'rm', '{}', ';'), 'rm').runtimeArgs, FIND);
    });
  }

  it('each -exec ends at its ; and the next one is read too', () => {
    const u = unwrapped('find', '.', '-exec', 'grep', '-q', 'secret', '{}', ';', '-exec', 'rm', '{}', ';');
    assert.deepEqual([...programs(u)].sort(), ['find', 'grep', 'rm']);
    assert.deepEqual(
      found(u, 'grep').args.map((a) => a.text),
      ['-q', 'secret', '{}'],
    );
  });

  it('each -exec … {} + ends at its + and the next one is read too', () => {
    const u = unwrapped('find', '.', '-exec', 'grep', '-l', 'secret', '{}', '+', '-exec', 'rm', '{}', '+');
    assert.deepEqual([...programs(u)].sort(), ['find', 'grep', 'rm']);
    assert.deepEqual(
      found(u, 'rm').args.map((a) => a.text),
      ['{}'],
    );
  });

  it('the command is unwrapped like any other: a shell line or a wrapper behind -exec is followed', () => {
    const u = unwrapped('find', '.', '-execdir', 'sh', '-c', 'rm "$1"', 'sh', '{}', ';');
    assert.deepEqual(u.reentries, [{ source: 'rm "$1"', via: 'sh -c' }]);
    const e = unwrapped('find', '.', '-exec', 'env', 'LD_PRELOAD=/tmp/x.so', 'rm', '{}', ';');
    assert.deepEqual(e.assignments, ['LD_PRELOAD']);
    assert.equal(found(e, 'rm').runtimeArgs, FIND);
    const n = unwrapped('find', '.', '-exec', 'nice', brace('{a,b}'), ';');
    assert.deepEqual(n.unresolved, ['the arguments of nice include the brace expansion {a,b}, which cannot be resolved statically']);
  });

  it('an -exec with nothing before its ; runs nothing; find is the only program', () => {
    assert.deepEqual(programs(unwrapped('find', '.', '-exec', ';')), ['find']);
    assert.deepEqual(programs(unwrapped('find')), ['find']);
  });

  it("-exec is only find's: echo -exec rm -rf x ; prints words and runs no rm", () => {
    assert.deepEqual(programs(unwrapped('echo', '-exec', 'rm', '-rf', 'x', ';')), ['echo']);
    assert.deepEqual(programs(unwrapped('timeout', '5', 'find', '.', '-exec', 'rm', '{}', ';')), ['timeout (wrapper)', 'rm', 'find']);
  });

  describe('decisions', () => {
    let open: PolicySet;
    let files: PolicySet;
    before(async () => {
      open = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
      files = await policy({
        '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n    deny: ["secrets/**"]\n  commands:\n    allow: ["find", "cp"]\n',
      });
    });
    const run = (set: PolicySet, line: string): DecisionResult => evaluate(set, { action: 'command.exec', command: line });

    it('a deny of rm catches find -exec rm, while echo -exec rm is only words', () => {
      const r = run(open, 'find . -exec rm {} \\;');
      assert.equal(r.decision, 'deny');
      assert.equal(r.causes?.find((c) => c.kind === 'rule')?.program, 'rm');
      assert.equal(run(open, 'echo -exec rm -rf x \\;').decision, 'allow');
    });

    it('the ask about find -exec cp {} out names the path find passes as what cp copies', () => {
      const r = run(files, 'find src -exec cp {} out \\;');
      assert.equal(r.decision, 'ask');
      assert.match(r.reason, /\{\} \(a path find found\)/);
    });
  });
});
