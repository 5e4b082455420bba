import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  evaluate,
  flagSpellings,
  invocationShape,
  matchLoose,
  matchStrict,
  parseCommandPattern,
  type CommandPattern,
  type DecisionResult,
  type PolicySet,
  type ShellParser,
} from '#core';
import { joinContinuations } from '#core/shell/continuations';
import { programFamily } from '#core/shell/program-family';
import { loadShellParser } from '#host/workspace/shell-parser';
import { policy } from '../helpers';

// The small reviewed tables and matchers behind command rules (server/src/core/shell/:
// command-pattern.ts, flags.ts, continuations.ts, builtins.ts, program-family.ts). Each test names
// the cause it expects, so a decision reached for another reason fails.

const RULES = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["**/.env*"]
  commands:
    allow: ["rm", "git", "chmod", "make *", "diff * expected.txt", "/opt/tools/lint", "opt/tools/fmt", "cat", "echo", "xargs", "tool", "deploy", "timeout", "sudo"]
    deny: ["rm -rf", "git push --force", "git add -f", "git clean -d", "chmod --recur", "make --always-make", "git push * main", "tool 'a*(b)'", "tool !x*", "tool *rc", "deploy push -f", "deploy push -d", "deploy '(a)'"]
constraints:
  require_human_approval:
    - command_pattern: "git commit --amend"
    - command_pattern: "terra*"
`;

const BUILTINS = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
  commands:
    allow: ["*"]
    deny: ["rm"]
`;

let rules: PolicySet;
let builtins: PolicySet;
let shell: ShellParser;
before(async () => {
  rules = await policy({ '': RULES });
  builtins = await policy({ '': BUILTINS });
  shell = await loadShellParser();
  assert.deepEqual(rules.findings, []);
});

const run = (set: PolicySet, line: string): DecisionResult => evaluate(set, { action: 'command.exec', command: line });
/** Kind and detail (without the rule's position) of each cause. */
const causes = (r: DecisionResult): [string, string][] => (r.causes ?? []).map((c) => [c.kind, c.detail.replace(/ \(\.agent-policy\.yml:\d+:\d+\)/, '')]);

function deniedBy(line: string, pattern: string, program = line.split(' ')[0] as string): void {
  const r = run(rules, line);
  assert.equal(r.decision, 'deny', `${line}: ${r.reason}`);
  assert.deepEqual(causes(r), [['rule', `${program} is denied by "${pattern}"`]], line);
}
function allowedBy(line: string, pattern: string): void {
  const r = run(rules, line);
  assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
  assert.deepEqual(causes(r), [['rule', `allowed by "${pattern}"`]], line);
}
/** The line asks because a deny could match once the dynamic parts expand. */
function couldBe(line: string, pattern: string): void {
  const r = run(rules, line);
  assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
  assert.ok(
    causes(r).some(([k, d]) => k === 'expansion' && d === `could be "${pattern}", which is denied, once its dynamic parts expand`),
    `${line}: ${r.reason}`,
  );
  assert.ok(!causes(r).some(([k]) => k === 'rule' && r.decision === 'deny'));
}
const pattern = (raw: string): CommandPattern => {
  const parsed = parseCommandPattern(raw, shell);
  assert.ok(parsed.ok, raw);
  return parsed.pattern;
};

describe('flag spellings: clusters, aliases and long-option prefixes all name the same canonical flags', () => {
  it('a short cluster is each of its letters, in any order or split: rm -fr and rm -r -f are rm -rf', () => {
    deniedBy('rm -fr x', 'rm -rf');
    deniedBy('rm -r -f x', 'rm -rf');
    deniedBy('rm -Rf x', 'rm -rf');
  });

  it('a long option is any unambiguous prefix of a known one (getopt_long): rm --recur --forc and rm -r --f are rm -rf', () => {
    deniedBy('rm --recur --forc x', 'rm -rf');
    deniedBy('rm -r --f x', 'rm -rf');
    deniedBy('rm --recursive --force x', 'rm -rf');
  });

  it('a prefix of one option is not every option: rm --recur alone is only -r, which the deny does not name', () => {
    allowedBy('rm --recur x', 'rm');
  });

  it('a pattern may abbreviate too: a deny of chmod --recur is chmod -R', () => {
    deniedBy('chmod -R 777 src', 'chmod --recur');
    deniedBy('chmod --recursive 777 src', 'chmod --recur');
  });

  it("a command's ambiguous prefix keeps every candidate, so a deny of any of them matches (git push --forc)", () => {
    deniedBy('git push --forc origin main', 'git push --force');
  });

  it('--name=value is the option --name: --force-with-lease=REF still implies --force', () => {
    deniedBy('git push --force-with-lease=origin/feature origin feature', 'git push --force');
    deniedBy('git push --force-with-lease origin feature', 'git push --force');
  });

  it('`--=x` names no option, not every option of rm', () => {
    allowedBy('rm --=x', 'rm');
  });

  it('an option no table knows is itself: a deny of make --always-make denies only that option', () => {
    deniedBy('make --always-make', 'make --always-make');
    allowedBy('make all', 'make *');
  });

  it('after --, a word with a dash is an operand: rm -- -rf removes a file named -rf', () => {
    allowedBy('rm -- -rf', 'rm');
  });

  it("git's global options and their values come before the subcommand (git -C DIR push --force)", () => {
    deniedBy('git -C src push --force', 'git push --force');
    deniedBy('git -c user.name=x --git-dir=.git push --force', 'git push --force');
  });

  it('a dynamic word among git global options is a dynamic subcommand, asked about', () => {
    couldBe('git $X status', 'git push --force');
    couldBe('git $SUB --force', 'git push --force');
  });

  it('a + or :dst refspec is a force or a delete only for git push, not for other git subcommands or programs', () => {
    allowedBy('git add +notes.txt', 'git');
    allowedBy('git clean -n :/src', 'git');
    allowedBy('deploy push +x', 'deploy');
    allowedBy('deploy push :x', 'deploy');
  });

  it('an exact long option is itself, not every option it begins (git push --force is not --force-if-includes)', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["git"]\n    deny: ["git push --force-if-includes"]\n' });
    const r = run(set, 'git push --force origin main');
    assert.equal(r.decision, 'allow', r.reason);
    assert.deepEqual(causes(r), [['rule', 'allowed by "git"']]);
    assert.equal(run(set, 'git push --force-if-includes origin main').decision, 'deny');
  });

  it('an ambiguous prefix in an allow names no option, so it admits nothing', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["git push --for"]\n' });
    const r = run(set, 'git push --for origin main');
    assert.equal(r.decision, 'deny', r.reason);
    assert.deepEqual(causes(r), [['no-allow', 'git matches no allow pattern']]);
  });

  it('flagSpellings lists a flag, its exact aliases, and the words that imply it', () => {
    assert.deepEqual(flagSpellings('-f', 'git', 'push'), { spellings: ['-f', '--force'], implying: ['--force-with-lease', '--force-if-includes', '--mirror'] });
    assert.deepEqual(flagSpellings('-d', 'git', 'branch'), { spellings: ['-d', '--delete'], implying: ['-D'] });
    assert.deepEqual(flagSpellings('-r', 'rm', undefined), { spellings: ['-r', '-R', '--recursive'], implying: [] });
    assert.deepEqual(flagSpellings('-d', 'git', 'push'), { spellings: ['-d', '--delete'], implying: [] });
    assert.deepEqual(flagSpellings('-x', 'ls', undefined), { spellings: ['-x'], implying: [] });
  });
});

describe('long options of wrappers resolve by unambiguous prefix', () => {
  it('timeout --s VALUE is --signal VALUE, so the command after the duration is rm', () => {
    deniedBy('timeout --s KILL 5 rm -rf x', 'rm -rf', 'rm');
  });

  it('an ambiguous prefix (sudo --c) is no option: it takes no value, and rm is still the command', () => {
    deniedBy('sudo --c rm -rf x', 'rm -rf', 'rm');
  });
});

describe('pattern words: globs, *, literal words', () => {
  it('* is any one word, slashes included; a dynamic word may be it', () => {
    deniedBy('git push origin main', 'git push * main');
    deniedBy('git push https://example.com/r.git main', 'git push * main');
    couldBe('git push $REMOTE main', 'git push * main');
  });

  it('a glob word matches dot files, ! is a literal character and extglob is off', () => {
    deniedBy('tool .bashrc', 'tool *rc');
    deniedBy('tool ab', "tool 'a*(b)'");
    allowedBy('tool a', 'tool');
    allowedBy('tool y', 'tool');
  });

  it('a word without glob characters is matched exactly, never as a glob: (a) is not a', () => {
    deniedBy("deploy '(a)'", "deploy '(a)'");
    allowedBy('deploy a', 'deploy');
  });

  it('a trailing * is optional: make * admits a plain make', () => {
    allowedBy('make', 'make *');
  });

  it('* in an allow is any static word, a lone dash (stdin) included, but never a dynamic one', () => {
    allowedBy('diff - expected.txt', 'diff * expected.txt');
    allowedBy('diff src/a.txt expected.txt', 'diff * expected.txt');
    const r = run(rules, 'diff $X expected.txt');
    assert.equal(r.decision, 'deny', r.reason);
    assert.deepEqual(causes(r), [['no-allow', 'diff matches no allow pattern']]);
  });
});

describe('program paths in allow patterns', () => {
  it('a pattern path is that file only, not the name elsewhere or on PATH', () => {
    allowedBy('/opt/tools/lint x', '/opt/tools/lint');
    for (const line of ['/usr/bin/lint x', 'lint x']) {
      const r = run(rules, line);
      assert.equal(r.decision, 'deny', r.reason);
      assert.deepEqual(causes(r), [
        ['program', `${line.split(' ')[0]} matches no allow pattern ("/opt/tools/lint" allows the lint found at /opt/tools/lint, not ${line.split(' ')[0]})`],
      ]);
    }
  });

  it('a pattern path without its leading slash is still absolute', () => {
    allowedBy('/opt/tools/fmt x', 'opt/tools/fmt');
  });

  it('a relative program path is not the one in a system folder (bin/cat runs ./bin/cat)', () => {
    const r = run(rules, 'bin/cat x');
    assert.equal(r.decision, 'deny', r.reason);
    assert.deepEqual(causes(r), [['program', 'bin/cat matches no allow pattern ("cat" allows the cat found on PATH or in a system folder, not bin/cat)']]);
  });
});

describe('loose and strict matching', () => {
  it('arguments a wrapper adds at run time could be any flags and operands (xargs)', () => {
    couldBe('echo x | xargs rm', 'rm -rf');
    couldBe('echo x | xargs git', 'git push --force');
  });

  it('an approval needs its flags: git commit without --amend is allowed, with it asks', () => {
    allowedBy('git commit -m x', 'git');
    const r = run(rules, 'git commit --amend');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(causes(r), [['rule', 'needs human approval by "git commit --amend"']]);
  });

  it('an approval with a glob program applies to the programs it names and no other', () => {
    const r = run(rules, 'terraform apply');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(causes(r), [['rule', 'needs human approval by "terra*"']]);
    allowedBy('cat src/a', 'cat');
  });

  it('a command whose program is unknown may be any denied command, but no allow admits it', () => {
    const shape = { program: undefined, positionals: [], flags: new Set<string>(), openFlags: false, openPositionals: false };
    assert.equal(matchLoose(pattern('rm -rf'), shape), 'maybe');
    assert.equal(matchStrict(pattern('*'), shape), false);
  });

  it('strict matching checks the program name', () => {
    const shape = { program: 'rm', positionals: ['x'], flags: new Set<string>(), openFlags: false, openPositionals: false };
    assert.equal(matchStrict(pattern('cat'), shape), false);
    assert.equal(matchStrict(pattern('rm'), shape), true);
    assert.equal(matchLoose(pattern('cat'), shape), 'no');
  });

  it('invocationShape opens flags and positionals only for run-time arguments', () => {
    const shape = shell.withTree('x', () =>
      invocationShape({ program: 'rm', args: [], runtimeArgs: 'from stdin' } as unknown as Parameters<typeof invocationShape>[0]),
    );
    assert.deepEqual([shape.openFlags, shape.openPositionals], [true, true]);
  });
});

describe('pattern parsing: each refusal says why', () => {
  for (const [raw, message] of [
    ['', 'a command pattern may not be empty'],
    ['   ', 'a command pattern may not be empty'],
    ['rm (', 'the command cannot be parsed near column 4 ("(")'],
    ['a; b', 'a command pattern must be one simple command, without operators or redirections'],
    ['cat > x', 'a command pattern must be one simple command, without operators or redirections'],
    ['cat > x y', 'the words "y" after the redirection are arguments bash passes to the command; write the redirection after them'],
    ['X=1 cmd', 'a command pattern may not start with variable assignments'],
    ['cat $HOME', 'a command pattern must be made of literal words (no $ expansions)'],
  ] as const) {
    it(`${JSON.stringify(raw)}: ${message}`, () => {
      assert.deepEqual(parseCommandPattern(raw, shell), { ok: false, message });
    });
  }
});

describe('builtins: which words they assign, and what the analysis cannot follow', () => {
  const variable = (line: string, name: string): void => {
    const r = run(builtins, line);
    assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
    assert.deepEqual(causes(r), [['variable', `sets ${name}, which changes what later commands run`]], line);
  };
  const allowed = (line: string): void => {
    const r = run(builtins, line);
    assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
    assert.deepEqual(causes(r), [['rule', 'allowed by "*"']], line);
  };
  const computes = (line: string, program: string): void => {
    const r = run(builtins, line);
    assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
    assert.ok(
      causes(r).some(([k, d]) => k === 'expansion' && d === `${program} assigns a variable whose name the shell computes`),
      `${line}: ${r.reason}`,
    );
  };

  it('hash and enable with a dynamic word could be -p / -f: ask', () => {
    assert.ok(causes(run(builtins, 'hash $X ls')).some(([k, d]) => k === 'expansion' && /^hash -p makes a command name run another program/.test(d)));
    assert.ok(causes(run(builtins, 'enable $X')).some(([k, d]) => k === 'expansion' && /^enable -f loads a shared object/.test(d)));
  });

  it('-p and -f count only as options, in a cluster too, not inside a name', () => {
    allowed('hash x-p');
    allowed('enable my-f');
    const r = run(builtins, 'enable -nf ./x.so x');
    assert.equal(r.decision, 'ask');
    assert.match(r.reason, /enable -f loads a shared object into the shell as a builtin/);
  });

  it('after --, words are operands: printf -- -v PATH prints, getopts -- ab PATH assigns PATH', () => {
    allowed('printf -- -v PATH');
    variable('getopts -- ab PATH', 'PATH');
  });

  it('a lone - is an operand (getopts - PATH assigns PATH)', () => {
    variable('getopts - PATH', 'PATH');
  });

  it('let takes no options; an expression that does not start with a name asks', () => {
    computes('let -x', 'let');
    computes('let 2+y', 'let');
    computes('let $V', 'let');
  });

  it('read takes names as written: PATH=x is no variable name', () => {
    allowed('read PATH=x');
  });
});

describe('program families', () => {
  it('a name with a newline is no version of the name after it', () => {
    const r = run(builtins, "$'a\\nrm2' x");
    assert.equal(r.decision, 'allow', r.reason);
    assert.deepEqual(programFamily('a\nrm2'), ['a\nrm2']);
    assert.deepEqual(programFamily('python3.11'), ['python3.11', 'python3', 'python']);
  });
});

describe('line continuations are removed as bash removes them', () => {
  it('a backslash-newline outside quotes joins the word, so cat .e\\<newline>nv reads .env', () => {
    const r = run(rules, 'cat .e\\\nnv');
    assert.equal(r.decision, 'deny', r.reason);
    assert.ok(
      r.causes?.some((c) => c.kind === 'argument' || c.kind === 'path'),
      r.reason,
    );
    assert.match(r.reason, /\.env/);
  });

  const cases: [string, string, string][] = [
    ['a line without a continuation is unchanged', 'echo a\\ b', 'echo a\\ b'],
    ['unquoted, at any offset', 'cat .e\\\nnv', 'cat .env'],
    ['unquoted, odd offset', 'cat .en\\\nv', 'cat .env'],
    ['several', 'a\\\nb\\\nc', 'abc'],
    ['an escaped character stays escaped, and an escaped quote opens nothing', "echo \\' x\\\ny", "echo \\' xy"],
    ['a trailing backslash is kept', 'echo a\\\nb\\', 'echo ab\\'],
    ['inside double quotes it is removed too', 'echo "a\\\nb"', 'echo "ab"'],
    ['a single quote in double quotes opens nothing', `echo "it's" a\\\nb`, `echo "it's" ab`],
    ['a # in double quotes is no comment', 'echo "x #\\\ny"', 'echo "x #y"'],
    ['inside single quotes it stays', "echo 'ab\\\nc'", "echo 'ab\\\nc'"],
    ['after a closed single quote it is removed', "echo 'a' b\\\nc", "echo 'a' bc"],
    ['in single quotes a backslash escapes nothing', "echo 'a\\' x\\\ny", "echo 'a\\' xy"],
    ["inside $'…' it stays", "echo $'ab\\\nc'", "echo $'ab\\\nc'"],
    ["in $'…' a backslash escapes the quote", "echo $'a\\'b' x\\\ny", "echo $'a\\'b' xy"],
    ["after a closed $'…' it is removed", "echo $'a' b\\\nc", "echo $'a' bc"],
    ["a backslash at the end inside $'…' is kept", "echo a\\\nb $'c\\", "echo ab $'c\\"],
    ['a comment ends at the newline and joins nothing', 'echo a # c\\\nrm x', 'echo a # c\\\nrm x'],
    ['a comment at the start of the line', '# c\\\nrm x', '# c\\\nrm x'],
    ['a comment after ;', 'echo;# c\\\nrm x', 'echo;# c\\\nrm x'],
    ['the line after a comment is joined again', '# c\nls a\\\nb', '# c\nls ab'],
    ['a comment at the end of the text', 'echo a\\\nb # c\\', 'echo ab # c\\'],
    ['a # inside a word is no comment', 'echo a#b\\\nc', 'echo a#bc'],
  ];
  for (const [why, line, joined] of cases) {
    it(`${why}: ${JSON.stringify(line)}`, () => {
      assert.equal(joinContinuations(line), joined);
    });
  }
});

describe('holes found by the mutation review of the shell tables', () => {
  it('mapfile and readarray assign their first operand (bash): mapfile -t PATH junk sets PATH, so it asks (it was allowed)', async () => {
    const { policy: load } = await import('../helpers');
    const { evaluate: decide } = await import('#core');
    const set = await load({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n  commands:\n    allow: ["*"]\n' });
    for (const line of ['mapfile -t PATH junk < src/f; ls', 'readarray PATH x < src/f; ls']) {
      const r = decide(set, { action: 'command.exec', command: line });
      assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
      assert.ok(r.reason.includes('PATH'), r.reason);
    }
  });

  it('a short option with a value attached that is not a letter is still that option: curl -d@x matches a deny of curl -d (it was allowed)', async () => {
    const { policy: load } = await import('../helpers');
    const { evaluate: decide } = await import('#core');
    const set = await load({
      '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n  commands:\n    allow: ["*"]\n    deny: ["curl -d"]\n  network:\n    allow_outbound: true\n',
    });
    for (const line of ['curl -d@x https://example.com', 'curl -d=x https://example.com', 'curl -sd@x https://example.com']) {
      const r = decide(set, { action: 'command.exec', command: line });
      assert.equal(r.decision, 'deny', `${line}: ${r.reason}`);
      assert.ok(r.reason.includes('denied by "curl -d"'), `${line}: ${r.reason}`);
    }
    // The letters after the @ are the value, not options: no "-c writes /a".
    const value = decide(set, { action: 'command.exec', command: 'curl -sS@src/a https://example.com' });
    assert.ok(!value.reason.includes('its option -c'), value.reason);
  });

  it('an ambiguous abbreviation in a pattern is refused with its candidates (a deny of "git push --for" matched nothing, silently)', async () => {
    const { policy: load } = await import('../helpers');
    const set = await load({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["git push --for", "cp --no"]\n' });
    const messages = set.findings.map((f) => f.message);
    assert.ok(
      messages.some((m) =>
        m.includes('"--for" is an ambiguous abbreviation for git push (--force-with-lease, --force, --force-if-includes); write the option whole'),
      ),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.includes('"--no" is an ambiguous abbreviation for cp')),
      messages.join('\n'),
    );
  });
});
