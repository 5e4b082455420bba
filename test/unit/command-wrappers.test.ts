import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluate, type Cause, type DecisionResult, type PolicySet } from '#core';
import { unwrap, type Unwrapped } from '#core/shell/invocations';
import type { Word } from '#core/shell/words';
import { policy } from '../helpers';

// Programs that run another program (server/src/core/shell/invocations.ts): how their options
// are read (getopt's clusters, `--`, options after operands), which command they run, and which
// command lines they hand to a shell. A wrapper read wrongly hides the program it runs, so a deny
// of that program no longer applies: each test says which program or line the analysis found.

const word = (value: string): Word => ({ value, dynamic: undefined, glob: false, text: value });
const dynamic = (text: string): Word => ({ value: undefined, dynamic: text, glob: false, text });

function unwrapped(...words: (string | Word)[]): Unwrapped {
  const ws = words.map((w) => (typeof w === 'string' ? word(w) : w));
  return unwrap({ words: ws, text: ws.map((w) => w.text).join(' ') });
}

/** The programs found, each with whether it is a transparent wrapper (no allow of its own). */
function programs(u: Unwrapped): string[] {
  return u.invocations.map((inv) => `${inv.program ?? '?'}${inv.wrapper ? ' (wrapper)' : ''}`);
}

describe('option clusters are read as getopt reads them', () => {
  it('the last letter of a cluster that takes a value takes the next word (sudo -iu root)', () => {
    // Read as one flag, `root` was the command and `rm` only its argument.
    assert.deepEqual(programs(unwrapped('sudo', '-iu', 'root', 'rm', '-rf', 'x')), ['sudo', 'rm']);
    assert.deepEqual(
      unwrapped('sudo', '-iu', 'root', 'rm', '-rf', 'x').invocations[1]?.args.map((a) => a.value),
      ['-rf', 'x'],
    );
  });

  it("a value attached to a letter inside a cluster is that letter's value (sudo -iuroot)", () => {
    assert.deepEqual(programs(unwrapped('sudo', '-iuroot', 'rm', 'x')), ['sudo', 'rm']);
    assert.deepEqual(programs(unwrapped('env', '-uHOME', 'rm', 'x')), ['env (wrapper)', 'rm']);
  });

  it('xargs -0I {} takes {} as the replacement, not as the command', () => {
    assert.deepEqual(programs(unwrapped('xargs', '-0I', '{}', 'rm', '{}')), ['xargs (wrapper)', 'rm']);
  });

  it('nice -10 is an adjustment, and nice -n10 one with its value attached', () => {
    assert.deepEqual(programs(unwrapped('nice', '-10', 'rm', 'x')), ['nice (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('nice', '-n10', 'rm', 'x')), ['nice (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('nice', '-n', '10', 'rm', 'x')), ['nice (wrapper)', 'rm']);
  });

  it('a long option takes the next word only when it takes a value and has none attached', () => {
    assert.deepEqual(programs(unwrapped('timeout', '--signal', 'KILL', '5', 'rm')), ['timeout (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('timeout', '--signal=KILL', '5', 'rm')), ['timeout (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('timeout', '--preserve-status', '5', 'rm')), ['timeout (wrapper)', 'rm']);
  });

  it('env -iS hands its value to a command line, the same as -S', () => {
    const u = unwrapped('env', '-iS', 'rm -rf x');
    assert.deepEqual(u.reentries, [{ source: 'rm -rf x', via: 'env -S' }]);
    assert.deepEqual(unwrapped('env', '-Srm x').reentries, [{ source: 'rm x', via: 'env -S' }]);
    assert.deepEqual(unwrapped('env', '--split-string=rm x').reentries, [{ source: 'rm x', via: 'env --split-string' }]);
    assert.deepEqual(unwrapped('env', '-S', dynamic('$L')).unresolved, ['env -S takes a command line that cannot be resolved statically']);
  });
});

describe('assignments and the end of options', () => {
  it('env -- A=b cmd still sets A (GNU env reads assignments after --)', () => {
    const u = unwrapped('env', '--', 'LD_PRELOAD=/tmp/x.so', 'cat', 'f');
    assert.deepEqual(u.assignments, ['LD_PRELOAD']);
    assert.deepEqual(programs(u), ['env (wrapper)', 'cat']);
  });

  it('after an assignment options have ended: env A=b -- ls runs a program named --', () => {
    assert.deepEqual(programs(unwrapped('env', 'A=b', '--', 'ls')), ['env (wrapper)', '--']);
    assert.deepEqual(programs(unwrapped('env', 'A=b', '-i', 'ls')), ['env (wrapper)', '-i']);
  });

  it('sudo VAR=value cmd sets the variable for cmd', () => {
    const u = unwrapped('sudo', 'LD_PRELOAD=/tmp/x.so', 'ls');
    assert.deepEqual(u.assignments, ['LD_PRELOAD']);
    assert.deepEqual(programs(u), ['sudo', 'ls']);
  });

  it('doas does not take assignments: the word is its command', () => {
    const u = unwrapped('doas', 'A=b', 'ls');
    assert.deepEqual(u.assignments, []);
    assert.deepEqual(programs(u), ['doas', 'A=b']);
  });
});

describe('shells: the command line is the first word after all options', () => {
  const line = 'rm -rf x';
  for (const options of [
    ['-c'],
    ['-o', 'posix', '-c'],
    ['-c', '-e'],
    ['-c', '-o', 'posix'],
    ['+x', '-c'],
    ['+O', 'extglob', '-c'],
    ['--rcfile', 'r', '-c'],
    ['--norc', '-c'],
    ['-eo', 'pipefail', '-c'],
    ['-xc'],
    ['-c', '--'],
  ]) {
    it(`bash ${options.join(' ')} LINE runs LINE`, () => {
      const u = unwrapped('bash', ...options, line);
      assert.deepEqual(u.reentries, [{ source: line, via: 'bash -c' }]);
      assert.deepEqual(programs(u), ['bash (wrapper)']);
    });
  }

  it('without -c the shell runs a script or its input, and needs an allow itself', () => {
    for (const words of [
      ['bash', 'script.sh', '-c', 'x'],
      ['bash', '--', '-c', 'x'],
      ['bash', '-', '-c'],
      ['bash', '-o', 'c', 'x'],
      ['bash', '+c', 'x'],
    ]) {
      const u = unwrapped(...words);
      assert.deepEqual(u.reentries, [], words.join(' '));
      assert.deepEqual(programs(u), ['bash'], words.join(' '));
    }
  });

  it('a dynamic word where the line should be is unresolved; no line at all is too', () => {
    assert.deepEqual(unwrapped('bash', '-c', dynamic('$OPT'), 'rm x').unresolved, ['bash -c runs $OPT, which cannot be resolved statically']);
    assert.deepEqual(unwrapped('sh', '-e', '-c').unresolved, ['sh -c has no command line']);
  });
});

describe('wrappers beyond the common ones', () => {
  it('busybox runs its applet, and needs an allow itself', () => {
    assert.deepEqual(programs(unwrapped('busybox', 'rm', '-rf', 'x')), ['busybox', 'rm']);
    const u = unwrapped('busybox', 'sh', '-c', 'rm x');
    assert.deepEqual(programs(u), ['busybox', 'sh (wrapper)']);
    assert.deepEqual(u.reentries, [{ source: 'rm x', via: 'sh -c' }]);
  });

  it('setsid, chrt PRIO, taskset MASK, faketime TIME, strace and ltrace run the words after them', () => {
    assert.deepEqual(programs(unwrapped('setsid', '-f', 'rm', 'x')), ['setsid (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('chrt', '5', 'rm', 'x')), ['chrt (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('taskset', '-c', '0', 'rm', 'x')), ['taskset (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('faketime', '2020-01-01', 'rm', 'x')), ['faketime (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('strace', '-f', '-o', 'out', 'rm', 'x')), ['strace (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('ltrace', '-o', 'out', 'rm', 'x')), ['ltrace (wrapper)', 'rm']);
  });

  it('flock FILE CMD runs CMD; flock FILE -c LINE runs LINE through a shell', () => {
    assert.deepEqual(programs(unwrapped('flock', '/tmp/l', 'rm', 'x')), ['flock (wrapper)', 'rm']);
    for (const words of [
      ['flock', '/tmp/l', '-c', 'rm x'],
      ['flock', '-w', '5', '/tmp/l', '-c', 'rm x'],
      ['flock', '-x', '/tmp/l', '--command', 'rm x'],
    ]) {
      const u = unwrapped(...words);
      assert.equal(u.reentries[0]?.source, 'rm x', words.join(' '));
      assert.deepEqual(programs(u), ['flock (wrapper)'], words.join(' '));
    }
    assert.deepEqual(unwrapped('flock', '/tmp/l', '-c', dynamic('$L')).unresolved, ['flock -c takes a command line that cannot be resolved statically']);
  });

  it('watch joins its words into one line for sh -c; watch -x runs them as they are', () => {
    const u = unwrapped('watch', '-n', '1', 'rm', '-rf', 'x');
    assert.deepEqual(u.reentries, [{ source: 'rm -rf x', via: 'watch' }]);
    assert.deepEqual(programs(u), ['watch (wrapper)']);
    assert.deepEqual(unwrapped('watch', 'rm x; ls').reentries, [{ source: 'rm x; ls', via: 'watch' }]);
    assert.deepEqual(programs(unwrapped('watch', '-x', 'rm', 'x')), ['watch (wrapper)', 'rm']);
    assert.deepEqual(unwrapped('watch', 'ls', dynamic('$X')).unresolved, ['watch runs $X through a shell, which cannot be resolved statically']);
  });

  it('su and runuser run the -c line wherever it is among their words (their options follow operands)', () => {
    for (const words of [
      ['su', '-c', 'rm x'],
      ['su', 'root', '-c', 'rm x'],
      ['su', '-', 'root', '-c', 'rm x'],
      ['su', '-l', '--command=rm x', 'root'],
      ['runuser', 'u', '-c', 'rm x'],
    ]) {
      const u = unwrapped(...words);
      assert.equal(u.reentries[0]?.source, 'rm x', words.join(' '));
      assert.deepEqual(programs(u), [words[0] as string], words.join(' '));
    }
    assert.deepEqual(programs(unwrapped('runuser', '-u', 'u', '--', 'rm', 'x')), ['runuser', 'rm']);
    assert.deepEqual(unwrapped('su', 'root', '--', '-c', 'rm x').reentries, []);
  });

  it('chroot, unshare and nsenter change where or as whom the command runs: they need an allow', () => {
    assert.deepEqual(programs(unwrapped('chroot', '/', 'rm', 'x')), ['chroot', 'rm']);
    assert.deepEqual(programs(unwrapped('unshare', '-r', '-w', '/', 'rm', 'x')), ['unshare', 'rm']);
    assert.deepEqual(programs(unwrapped('nsenter', '-t', '1', '-m', 'rm', 'x')), ['nsenter', 'rm']);
  });
});

describe('decisions through wrappers', () => {
  let open: PolicySet;
  let narrow: PolicySet;
  before(async () => {
    open = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
    narrow = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["/tmp/**"]\n  commands:\n    allow: ["ls"]\n' });
  });
  const run = (set: PolicySet, line: string): DecisionResult => evaluate(set, { action: 'command.exec', command: line });
  const ruleCause = (r: DecisionResult): Cause | undefined => r.causes?.find((c) => c.kind === 'rule');

  it('under allow "*", a deny of rm still catches rm behind every wrapper form (each was allowed)', () => {
    const deny = open.files[0]?.entries.find((e) => e.in === 'commands.deny')?.ref;
    for (const line of [
      'sudo -iu root rm -rf x',
      'env -iS "rm -rf x"',
      'env -- rm x',
      'bash -o posix -c "rm -rf x"',
      'bash -c -e "rm -rf x"',
      'bash +x -c "rm x"',
      'busybox rm -rf x',
      'setsid rm x',
      'flock /tmp/l -c "rm x"',
      'watch rm x',
      'watch -n1 "rm x"',
      'chrt 5 rm x',
      'taskset -c 0 rm x',
      'su root -c "rm x"',
      'xargs -0I {} rm {}',
      'strace -f rm x',
    ]) {
      const r = run(open, line);
      assert.equal(r.decision, 'deny', line);
      const cause = ruleCause(r);
      assert.equal(cause?.program, 'rm', `${line}: ${r.reason}`);
      assert.deepEqual(cause?.rule, deny, line);
    }
  });

  it('a transparent wrapper that runs a line needs no allow; one that changes the user does', () => {
    for (const line of ['watch ls', 'setsid ls', 'flock /tmp/l -c ls', 'env -S ls', 'timeout 5 ls']) {
      const r = run(narrow, line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
      assert.match(r.reason, /allowed by "ls"/, line);
    }
    for (const line of ['su -c ls', 'busybox ls', 'chroot / ls']) {
      const r = run(narrow, line);
      assert.equal(r.decision, 'deny', line);
      assert.ok(r.reason.includes(`command ${JSON.stringify(line)}: ${line.split(' ')[0] as string} matches no allow pattern`), `${line}: ${r.reason}`);
    }
  });

  it("strace -o writes its trace file, and strace -E sets the traced program's environment", () => {
    const w = run(narrow, 'strace -o out ls');
    assert.equal(w.decision, 'deny');
    assert.match(w.reason, /its option -o writes "out": filesystem.write "out": matches no allow pattern/);
    const e = run(narrow, 'strace -E LD_PRELOAD=/tmp/x.so ls');
    assert.equal(e.decision, 'ask');
    assert.deepEqual(
      e.causes?.map((c) => [c.program, c.option]),
      [['strace', '-E']],
    );
  });
});

describe('wrapper forms found by the mutation review of invocations.ts (each hid the program it runs)', () => {
  it('after --, the leading operands still come before the command (timeout -- 5 rm)', () => {
    assert.deepEqual(programs(unwrapped('timeout', '--', '5', 'rm', '-rf', 'x')), ['timeout (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('taskset', '--', '1', 'rm', 'x')), ['taskset (wrapper)', 'rm']);
    assert.deepEqual(unwrapped('flock', '--', '/tmp/l', '-c', 'rm x').reentries, [{ source: 'rm x', via: 'flock -c' }]);
    assert.deepEqual(programs(unwrapped('nice', '--', 'rm', 'x')), ['nice (wrapper)', 'rm']);
  });

  it('env - is env -i (GNU env), not a program named -', () => {
    assert.deepEqual(programs(unwrapped('env', '-', 'rm', '-rf', 'x')), ['env (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('timeout', '-', 'rm')), ['timeout (wrapper)', 'rm'], 'for timeout - is its DURATION operand');
  });

  it('watch -x inside a cluster or abbreviated runs the words as they are', () => {
    assert.deepEqual(programs(unwrapped('watch', '-tx', 'rm', '-rf', 'x')), ['watch (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('watch', '--exe', 'rm', '-rf', 'x')), ['watch (wrapper)', 'rm']);
    assert.deepEqual(unwrapped('watch', '-t', 'rm', '-rf', 'x').reentries, [{ source: 'rm -rf x', via: 'watch' }]);
  });

  it('abbreviated long options are the options they abbreviate (getopt_long)', () => {
    assert.deepEqual(programs(unwrapped('timeout', '--sig', 'KILL', '5', 'rm')), ['timeout (wrapper)', 'rm']);
    assert.deepEqual(unwrapped('env', '--spl', 'rm -rf x').reentries, [{ source: 'rm -rf x', via: 'env --split-string' }]);
    assert.deepEqual(unwrapped('su', '--comm', 'rm -rf x').reentries, [{ source: 'rm -rf x', via: 'su --command' }]);
  });

  it('find -exec ends at ; or at + right after {} (-exec env -u + rm x ; runs rm)', () => {
    // The programs -exec runs come first, then find itself.
    assert.deepEqual(programs(unwrapped('find', '.', '-exec', 'env', '-u', '+', 'rm', '-rf', 'x', ';')), ['env (wrapper)', 'rm', 'find']);
    assert.deepEqual(programs(unwrapped('find', '.', '-exec', 'rm', '{}', '+', '-exec', 'ls', ';')), ['rm', 'ls', 'find']);
  });

  it('strace and chrt options that take values (strace --trace execve rm, chrt -T/-P/-D)', () => {
    assert.deepEqual(programs(unwrapped('strace', '--trace', 'execve', 'rm', '-rf', 'x')), ['strace (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('strace', '--signal', 'none', 'rm', 'x')), ['strace (wrapper)', 'rm']);
    assert.deepEqual(programs(unwrapped('chrt', '-d', '-T', '1000000', '-P', '10000000', '-D', '10000000', '0', 'rm', 'x')), ['chrt (wrapper)', 'rm']);
  });

  it('a program named like an object member is not a wrapper or a table entry', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.deepEqual(programs(unwrapped(name, '-x', 'ls')), [name], name);
    }
  });

  it('a versioned shell is the shell (bash5.2 -c)', () => {
    assert.deepEqual(unwrapped('bash5.2', '-c', 'rm x').reentries, [{ source: 'rm x', via: 'bash5.2 -c' }]);
  });
});

describe('long options of option tables are abbreviated as the programs read them', () => {
  let set: PolicySet;
  before(async () => {
    set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
  });
  const run = (line: string): DecisionResult => evaluate(set, { action: 'command.exec', command: line });

  for (const [line, why] of [
    ['sort --compress=sh src/a', /its option --compress-program runs code/],
    ['time --out=README.md ls', /its option --output writes "README.md"/],
    ['wget --output-doc=README.md https://example.com', /its option --output-document writes "README.md"/],
    ['git log --outp=README.md', /its option --output writes "README.md"/],
  ] as const) {
    it(`${line}: not allowed, naming the full option`, () => {
      const r = run(line);
      assert.notEqual(r.decision, 'allow', r.reason);
      assert.match(r.reason, why);
    });
  }

  it('program names like object members decide as ordinary programs', () => {
    for (const line of ['constructor -x ls', 'toString x', '__proto__ y']) {
      const r = run(line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
      assert.match(r.reason, /allowed by "\*"/);
    }
  });
});
