import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  compileGlob,
  describeLine,
  evaluate,
  parseCommandPattern,
  type ActiveBypass,
  type Cause,
  type DecisionResult,
  type EvaluationContext,
  type FileSystemView,
  type PolicySet,
  type RuleRef,
} from '#core';
import { loadPolicySet, type RuleEntry } from '#core';
import { loadShellParser } from '#host/workspace/shell-parser';
import { policy } from '../helpers';

// How a command's program, options, arguments, globs, network targets and redirections are
// decided (server/src/core/policy/evaluate-command.ts, from decideInvocation down). Each test names the
// cause it expects, not only the decision: a fail-closed engine denies for any reason.

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**", "/tmp/**", "/opt/**", ".claude/settings.local.json"]
    deny: ["secrets/**", "**/.env*", "tool", "lib/private/**", "/opt/private/**"]
  commands:
    allow: ["cat", "echo", "printf", "rm", "git", "grep", "sed", "awk", "ls", "find", "curl", "tar", "unzip", "make", "tool", "trap"]
    deny: ["rm -rf"]
  network:
    allow_outbound: false
    exceptions: ["example.com"]
constraints:
  require_human_approval:
    - command_pattern: "git commit"
    - command_pattern: "npm publish"
`;

const BACKEND = `permissions:
  commands:
    deny: ["ls -l"]
`;

let set: PolicySet;
before(async () => {
  set = await policy({ '': POLICY, backend: BACKEND, 'pkg/sub': BACKEND, 'old-': BACKEND });
  assert.equal(set.refusal, undefined);
});

const at = (rule: RuleRef | undefined): string => `${rule?.file}:${rule?.line}:${rule?.column}`;

function run(line: string, cwd?: string, context: EvaluationContext = {}): DecisionResult {
  const action = cwd === undefined ? { action: 'command.exec', command: line } : { action: 'command.exec', command: line, cwd };
  return evaluate(set, action, context);
}

function causes(result: DecisionResult): Cause[] {
  return result.causes ?? [];
}

/** The one cause of the given kind (fails when there is none, or more than one). */
function only(result: DecisionResult, kind: Cause['kind']): Cause {
  const found = causes(result).filter((c) => c.kind === kind);
  assert.equal(found.length, 1, `one ${kind} cause in ${JSON.stringify(result)}`);
  return found[0] as Cause;
}

function kinds(result: DecisionResult): string[] {
  return causes(result).map((c) => c.kind);
}

/** The first rule of a list whose pattern is given. */
function rule(list: string, pattern: string): RuleRef {
  for (const file of set.files) {
    // Any other list name stands for the approval rules.
    const inList = (e: RuleEntry): boolean =>
      ['commands.allow', 'commands.deny', 'filesystem.deny', 'filesystem.allow'].includes(list) ? e.in === list : e.in.startsWith('require_human_approval');
    const entry = file.entries.find((e) => inList(e) && e.pattern === pattern);
    if (entry) return entry.ref;
  }
  throw new Error(`no ${list} rule ${pattern}`);
}

const allowed = (line: string, program: string, pattern = program): Cause => ({
  kind: 'rule',
  subject: `command ${JSON.stringify(line)}`,
  detail: `allowed by "${pattern}" (${at(rule('commands.allow', pattern))})`,
  rule: rule('commands.allow', pattern),
  program,
});

function commandBypass(pattern: string, expiresAt = 1000, id = 'b1'): ActiveBypass {
  const parsed = parseCommandPattern(pattern, set.environment.shell);
  assert.ok(parsed.ok);
  return { id, expiresAt, command: parsed.pattern };
}

function pathBypass(pattern: string, expiresAt = 1000, id = 'p1'): ActiveBypass {
  const glob = compileGlob(pattern, false);
  assert.ok(glob.ok);
  return { id, expiresAt, glob: glob.glob };
}

const until = (id: string, expiresAt: number): string => `, but bypass ${id} allows it until ${new Date(expiresAt).toISOString()}`;

describe('the program: unresolved, denied, bypassed, allowed', () => {
  it('a program the shell computes asks, naming the dynamic part, not the whole word', () => {
    const r = run('x$CMD a');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [
      {
        kind: 'program',
        subject: 'command "x$CMD a"',
        detail: 'the program $CMD cannot be resolved statically, so it could be anything, a denied command included',
        word: 'x$CMD',
      },
    ]);
  });

  it('a denied program stops there: one cause naming the rule and the program by its base name', () => {
    const deny = rule('commands.deny', 'rm -rf');
    for (const line of ['rm -rf build', './rm -rf build', "'rm' -rf build"]) {
      const r = run(line);
      assert.equal(r.decision, 'deny', line);
      assert.deepEqual(
        r.causes,
        [{ kind: 'rule', subject: `command ${JSON.stringify(line)}`, detail: `rm is denied by "rm -rf" (${at(deny)})`, rule: deny, program: 'rm' }],
        line,
      );
      assert.deepEqual(r.rules, [deny]);
    }
  });

  it("an override's deny applies only where the command runs in its folder", () => {
    assert.deepEqual(run('ls -l').causes, [allowed('ls -l', 'ls')]);
    const r = run('ls -l', 'backend');
    assert.equal(r.decision, 'deny');
    assert.match(only(r, 'rule').detail, /^ls is denied by "ls -l" \(backend\/\.agent-policy\.override\.yml:/);
  });

  it('a deny that could match once a dynamic word expands asks, naming the deny rule', () => {
    const r = run('rm $F build');
    assert.equal(r.decision, 'ask');
    const deny = rule('commands.deny', 'rm -rf');
    const c = causes(r).find((x) => x.rule?.pattern === 'rm -rf');
    assert.deepEqual(c, {
      kind: 'expansion',
      subject: 'command "rm $F build"',
      detail: `could be "rm -rf", which is denied (${at(deny)}), once its dynamic parts expand`,
      rule: deny,
    });
  });

  it('cd is a builtin that only moves the shell', () => {
    const r = run('cd src');
    assert.equal(r.decision, 'allow');
    assert.deepEqual(r.causes, [
      { kind: 'builtin', subject: 'command "cd src"', detail: 'cd only moves the shell; the commands run there are decided there', program: 'cd' },
    ]);
  });

  it('a wrapper with nothing to wrap runs no command (trap alone)', () => {
    const r = run('trap');
    assert.equal(r.decision, 'allow');
    assert.deepEqual(r.causes, [{ kind: 'builtin', subject: 'command.exec "trap"', detail: 'runs no command' }]);
  });

  it('an allowed program names its rule; an unknown one matches nothing, with no explanation appended', () => {
    assert.deepEqual(run('cat src/a.ts').causes, [allowed('cat src/a.ts', 'cat')]);
    const r = run('foo');
    assert.deepEqual(r.causes, [{ kind: 'no-allow', subject: 'command "foo"', detail: 'foo matches no allow pattern', program: 'foo' }]);
    const path = run('./cat x');
    assert.deepEqual(path.causes, [
      {
        kind: 'program',
        subject: 'command "./cat x"',
        detail: './cat matches no allow pattern ("cat" allows the cat found on PATH or in a system folder, not ./cat)',
        program: './cat',
      },
    ]);
  });

  it('an approval rule asks with its rule and the allow that would admit the command', () => {
    const approval = rule('commands.approval', 'git commit');
    const r = run('git commit -m x');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [
      { kind: 'rule', subject: 'command "git commit -m x"', detail: `needs human approval by "git commit" (${at(approval)})`, rule: approval },
    ]);
    assert.deepEqual(r.rules, [approval, rule('commands.allow', 'git')]);
    // Without an allow, only the approval rule.
    const publish = run('npm publish');
    assert.equal(publish.decision, 'ask');
    assert.deepEqual(publish.rules, [rule('commands.approval', 'npm publish')]);
  });

  it('an allowed program with a dynamic word asks about that word, with the allow as its rule', () => {
    const r = run('cat $X');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [{ kind: 'expansion', subject: 'command "cat $X"', detail: '$X cannot be resolved statically', word: '$X' }]);
    assert.deepEqual(r.rules, [rule('commands.allow', 'cat')]);
  });

  it('arguments a wrapper appends at run time are the dynamic part (xargs)', () => {
    const r = run('xargs cat');
    assert.equal(r.decision, 'ask');
    const c = only(r, 'expansion');
    assert.equal(c.subject, 'command "xargs cat"');
    assert.match(c.detail, /^the arguments .+ cannot be resolved statically$/);
  });

  it('a long command is shown cut at 120 characters; one of exactly 120 is shown whole', () => {
    const long = `foo ${'a'.repeat(200)}`;
    assert.equal(only(run(long), 'no-allow').subject, `command ${JSON.stringify(long.slice(0, 120) + '…')}`);
    const exact = `foo ${'a'.repeat(116)}`;
    assert.equal(exact.length, 120);
    assert.equal(only(run(exact), 'no-allow').subject, `command ${JSON.stringify(exact)}`);
  });
});

describe('command bypasses', () => {
  const now = 500;
  const exec = (line: string, bypasses: ActiveBypass[], at = now): DecisionResult => run(line, undefined, { bypasses, now: at });

  it('an active bypass opens the denial, and says which bypass until when', () => {
    const r = exec('rm -rf build', [commandBypass('rm -rf')]);
    assert.equal(r.decision, 'allow');
    assert.equal(r.bypass_id, 'b1');
    const deny = rule('commands.deny', 'rm -rf');
    assert.deepEqual(causes(r)[0], {
      kind: 'rule',
      subject: 'command "rm -rf build"',
      detail: `rm is denied by "rm -rf" (${at(deny)})${until('b1', 1000)}`,
      rule: deny,
      program: 'rm',
    });
  });

  it('the arguments of a bypassed command are still decided', () => {
    const r = exec('rm -rf secrets', [commandBypass('rm -rf')]);
    assert.equal(r.decision, 'deny');
    assert.match(only(r, 'argument').detail, /argument "secrets" names secrets, denied by "secrets\/\*\*"/);
  });

  it('no bypass at or after its expiry, nor one for another command, program or kind', () => {
    for (const [bypasses, time, why] of [
      [[commandBypass('rm -rf')], 1000, 'expired at its expiry instant'],
      [[commandBypass('rm -rf')], 2000, 'expired'],
      [[commandBypass('rm -rf dist')], now, 'another command of the same program'],
      [[pathBypass('**')], now, 'a path bypass'],
    ] as const) {
      const r = exec('rm -rf build', [...bypasses], time);
      assert.equal(r.decision, 'deny', why);
      assert.equal(r.bypass_id, undefined, why);
      assert.deepEqual(kinds(r), ['rule'], why);
    }
    // A bare-name bypass is the program on PATH, not ./rm.
    const local = exec('./rm -rf build', [commandBypass('rm -rf')]);
    assert.equal(local.decision, 'deny');
    assert.deepEqual(kinds(local), ['rule']);
  });

  it('a path bypass opens a redirection, and the decision names it', () => {
    const r = exec('echo x > secrets/a', [pathBypass('secrets/**')]);
    assert.equal(r.decision, 'allow');
    assert.equal(r.bypass_id, 'p1');
  });
});

describe('options from the program table', () => {
  it('an option that runs code names its value when it has one, and nothing when it takes none', () => {
    const entry = { kind: 'option', program: 'git', table: 'program-options' };
    const withValue = run('git -c core.x=y status');
    assert.deepEqual(only(withValue, 'option'), {
      ...entry,
      subject: 'command "git -c core.x=y status"',
      option: '-c',
      detail: 'its option -c runs code the policy cannot see ("core.x=y")',
    });
    const without = run('git log --ext-diff');
    assert.deepEqual(only(without, 'option'), {
      ...entry,
      subject: 'command "git log --ext-diff"',
      option: '--ext-diff',
      detail: 'its option --ext-diff runs code the policy cannot see',
    });
  });

  it('a directory change without a static value says only that', () => {
    const r = run('make -C $D');
    assert.equal(only(r, 'option').detail, 'its option -C changes the directory the program works in');
    assert.equal(only(run('make -C docs'), 'option').detail, 'its option -C changes the directory the program works in to "docs"');
  });

  it('an option that writes is a write decision on its file, or asks when the file is dynamic', () => {
    const r = run('find docs -fprint src/out.txt');
    assert.equal(r.decision, 'allow');
    const path = only(r, 'path');
    assert.deepEqual(path, {
      kind: 'path',
      subject: 'command "find docs -fprint src/out.txt"',
      program: 'find',
      option: '-fprint',
      table: 'program-options',
      detail: `its option -fprint writes "src/out.txt": filesystem.write "src/out.txt": allowed by "src/**" (${at(rule('filesystem.allow', 'src/**'))})`,
      word: 'src/out.txt',
      rule: rule('filesystem.allow', 'src/**'),
    });
    const dynamic = run('find docs -fprint $F');
    assert.equal(dynamic.decision, 'ask');
    assert.deepEqual(only(dynamic, 'option'), {
      kind: 'option',
      subject: 'command "find docs -fprint $F"',
      program: 'find',
      option: '-fprint',
      table: 'program-options',
      detail: 'its option -fprint writes a file that cannot be resolved statically',
    });
  });

  it('sed -i rewrites its files: a write decision each, or an ask for a dynamic one', () => {
    const r = run("sed -i 's/a/b/' src/a.ts");
    assert.equal(r.decision, 'allow');
    assert.deepEqual(only(r, 'path'), {
      kind: 'path',
      subject: `command ${JSON.stringify("sed -i 's/a/b/' src/a.ts")}`,
      detail: `its option -i rewrites "src/a.ts": filesystem.write "src/a.ts": allowed by "src/**" (${at(rule('filesystem.allow', 'src/**'))})`,
      word: 'src/a.ts',
      table: 'program-options',
      rule: rule('filesystem.allow', 'src/**'),
    });
    const dynamic = run("sed -i 's/a/b/' $F");
    assert.equal(dynamic.decision, 'ask');
    assert.deepEqual(only(dynamic, 'option'), {
      kind: 'option',
      subject: `command ${JSON.stringify("sed -i 's/a/b/' $F")}`,
      detail: 'its option -i rewrites a file that cannot be resolved statically',
      table: 'program-options',
    });
  });

  it('a sed script that runs commands asks, shown in full up to 60 characters and cut after', () => {
    const line = "sed 's/x/y/e' src/a.ts";
    assert.deepEqual(only(run(line), 'script'), {
      kind: 'script',
      subject: `command ${JSON.stringify(line)}`,
      detail: 'its script "s/x/y/e" can run commands or reach files the policy cannot see',
      word: 's/x/y/e',
      program: 'sed',
      table: 'scripts',
    });
    const sixty = `s/${'x'.repeat(54)}/y/e`;
    assert.equal(sixty.length, 60);
    assert.match(only(run(`sed '${sixty}' src/a.ts`), 'script').detail, new RegExp(`^its script "${sixty}" can run`));
    const long = `s/${'x'.repeat(55)}/y/e`;
    const cut = only(run(`sed '${long}' src/a.ts`), 'script');
    assert.equal(cut.detail, `its script ${JSON.stringify(long.slice(0, 60) + '…')} can run commands or reach files the policy cannot see`);
    assert.equal(cut.word, long);
  });
});

describe('programs that change what a folder holds', () => {
  const held = 'a folder holding the agent policy override backend/.agent-policy.override.yml';

  it('an argument naming a folder that holds an override asks, naming the folder and the program', () => {
    const r = run('rm -r backend');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [
      {
        kind: 'folder',
        subject: 'command "rm -r backend"',
        detail: `argument "backend" names backend, which is ${held}; rm changes what it holds`,
        rule: { file: 'builtin', line: 0, column: 0, list: 'builtin', pattern: '**/.agent-policy.override.yml' },
        table: 'governance',
      },
    ]);
  });

  it('git clean without a path changes its working directory, named as it is', () => {
    assert.equal(only(run('git clean -fdx', 'backend'), 'folder').detail, `its working directory backend is ${held}; git changes what it holds`);
    assert.match(only(run('git clean -fdx'), 'folder').detail, /^its working directory \(the root\) is the repository root/);
    // After the subcommand, its own paths.
    assert.equal(only(run('git clean -fdx backend'), 'folder').detail, `argument "backend" names backend, which is ${held}; git changes what it holds`);
  });

  it("git's words before the subcommand are not the paths it changes", () => {
    const r = run('git -C backend clean -f');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(kinds(r), ['option'], 'the -C asks; backend is not a path git clean is given');
  });

  it('an archive extracted in a plain folder reaches only its working directory, not its operands', () => {
    const r = run('unzip a.zip /repo/backend', 'src');
    assert.deepEqual(r.causes, [allowed('unzip a.zip /repo/backend', 'unzip')]);
  });

  it('dynamic words and options are not folders; a glob that reaches nothing is fine', () => {
    // A folder whose name ends with a dash is a folder, not an option.
    assert.match(only(run('rm -r old-'), 'folder').detail, /^argument "old-" names old-, which is a folder holding the agent policy override old-\//);
    const dynamic = run('rm -r $X');
    assert.equal(dynamic.decision, 'ask');
    assert.ok(
      kinds(dynamic).every((k) => k === 'expansion'),
      dynamic.reason,
    );
    assert.deepEqual(run('rm -r src/a*').causes, [allowed('rm -r src/a*', 'rm')]);
  });

  it('a glob reaches a folder holding an override as it expands where the command runs', () => {
    const r = run('rm -r back*');
    assert.equal(only(r, 'folder').detail, `the glob "back*" can expand to backend, which is ${held}; rm changes what it holds`);
    // From docs, `b*` is docs/b*, which holds nothing.
    assert.deepEqual(run('rm -r b*', 'docs').causes, [allowed('rm -r b*', 'rm')]);
    assert.deepEqual(run('rm -r back*/', 'docs').causes, [allowed('rm -r back*/', 'rm')]);
    // From pkg, `s*` is pkg/s*, which reaches pkg/sub.
    assert.match(
      only(run('rm -r s*', 'pkg'), 'folder').detail,
      /^the glob "s\*" can expand to pkg\/sub, which is a folder holding the agent policy override pkg\/sub\//,
    );
    assert.match(only(run('rm -r pkg/s*'), 'folder').detail, /can expand to pkg\/sub, which/);
  });

  it('trailing slashes on a glob are the glob without them', () => {
    assert.match(only(run('rm -r back*/'), 'folder').detail, /^the glob "back\*\/" can expand to backend, which/);
    assert.match(only(run('rm -r back*//'), 'folder').detail, /^the glob "back\*\/\/" can expand to backend, which/);
  });

  it('a glob that cannot be compiled is a folder that cannot be checked', () => {
    const r = run('rm -r [!a]*');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(only(r, 'folder'), {
      kind: 'folder',
      subject: 'command "rm -r [!a]*"',
      detail: 'the glob "[!a]*" can expand to [!a]*, which is a glob that cannot be checked; rm changes what it holds',
      rule: { file: 'builtin', line: 0, column: 0, list: 'builtin', pattern: '[!a]*' },
      table: 'governance',
    });
  });

  it('a governance folder the policy explicitly allows is not held', () => {
    assert.deepEqual(run('rm -r .cl*').causes, [allowed('rm -r .cl*', 'rm')]);
  });
});

describe('arguments', () => {
  it('a program named by a path is checked like an argument', () => {
    const r = run('./secrets/run');
    assert.equal(r.decision, 'deny');
    const deny = rule('filesystem.deny', 'secrets/**');
    assert.deepEqual(only(r, 'argument'), {
      kind: 'argument',
      subject: 'command "./secrets/run"',
      word: './secrets/run',
      detail: `the program "./secrets/run" names secrets/run, denied by "secrets/**" (${at(deny)})`,
      rule: deny,
    });
    // A bare name is looked up on PATH: a file of that name at the root is not it.
    assert.deepEqual(run('tool x').causes, [allowed('tool x', 'tool')]);
  });

  it('process substitutions are pipes, not /dev/fd paths to decide', () => {
    assert.deepEqual(run('cat <(ls)').causes, [allowed('cat <(ls)', 'cat'), allowed('ls', 'ls')]);
    assert.deepEqual(run('cat >(ls)').causes, [allowed('cat >(ls)', 'cat'), allowed('ls', 'ls')]);
  });

  it('an option is a path only after its =, and an empty value or a URL is none', () => {
    const deny = rule('filesystem.deny', 'secrets/**');
    assert.equal(only(run('cat --file=secrets/k'), 'argument').rule?.pattern, deny.pattern);
    assert.deepEqual(run('cat secrets://k').causes, [allowed('cat secrets://k', 'cat')]);
    // With the directory unknown, a relative path asks: an option, '' and a URL are not paths.
    const r = run('trap "cat -n \'\' secrets://k src/a.ts" EXIT');
    const args = causes(r).filter((c) => c.kind === 'place' && c.word !== undefined);
    assert.deepEqual(args, [
      {
        kind: 'place',
        subject: 'command "cat -n \'\' secrets://k src/a.ts"',
        detail: 'argument "src/a.ts" is relative to a directory that "wherever the shell is when the trap runs" chose at run time',
        word: 'src/a.ts',
      },
    ]);
  });

  it('with the directory unknown, an absolute argument is not relative; a relative one with a slash is', () => {
    const r = run("trap 'cat /tmp/x src/' EXIT");
    assert.deepEqual(
      causes(r)
        .filter((c) => c.word !== undefined)
        .map((c) => c.word),
      ['src/'],
    );
  });

  it("echo's and printf's words are text: not asked about as paths outside the root", () => {
    assert.deepEqual(run('echo /etc/hosts').causes, [allowed('echo /etc/hosts', 'echo')]);
    assert.deepEqual(run('printf /etc/hosts').causes, [allowed('printf /etc/hosts', 'printf')]);
    assert.equal(run('echo secrets/k').decision, 'deny', 'deny rules still apply to text');
  });

  it("grep's first operand is its pattern, unless -e or -f gives it", () => {
    assert.deepEqual(run('grep /usr/pat src/a.ts').causes, [allowed('grep /usr/pat src/a.ts', 'grep')]);
    assert.deepEqual(run('grep -i /usr/pat src/a.ts').causes, [allowed('grep -i /usr/pat src/a.ts', 'grep')]);
    const e = run('grep -e /usr/pat src/a.ts');
    assert.equal(e.decision, 'ask');
    assert.equal(only(e, 'argument').word, '/usr/pat');
    // A dynamic pattern is the pattern.
    assert.deepEqual(kinds(run('grep $P src/a.ts')), ['expansion']);
  });

  it('a descriptor above 2 asks; the harmless devices and allowed outside paths do not', () => {
    assert.deepEqual(only(run('cat /dev/fd/3'), 'argument'), {
      kind: 'argument',
      subject: 'command "cat /dev/fd/3"',
      detail: 'argument "/dev/fd/3" names /dev/fd/3, a file descriptor that could be any file the shell has open',
      word: '/dev/fd/3',
    });
    assert.deepEqual(run('cat /dev/null').causes, [allowed('cat /dev/null', 'cat')]);
    assert.deepEqual(run('cat /tmp/x').causes, [allowed('cat /tmp/x', 'cat')]);
    assert.match(only(run('cat /etc/hosts'), 'argument').detail, /^argument "\/etc\/hosts" names \/etc\/hosts, outside the repository root/);
  });

  it('the root itself is named as the repository root', () => {
    assert.match(only(run('cat .'), 'argument').detail, /^argument "\." names the repository root, denied by "secrets\/\*\*"/);
  });

  it('governance files ask as arguments, with the built-in rule; outside the root they are plain paths', () => {
    const r = run('cat .agent-policy.yml');
    assert.equal(r.decision, 'ask');
    const builtin = { file: 'builtin', line: 0, column: 0, list: 'builtin', pattern: '**/.agent-policy.yml' };
    assert.deepEqual(r.causes, [
      {
        kind: 'argument',
        subject: 'command "cat .agent-policy.yml"',
        word: '.agent-policy.yml',
        detail:
          'argument ".agent-policy.yml" names .agent-policy.yml, an agent policy, which agents may not change; a person decides whether this command only reads it',
        rule: builtin,
        table: 'governance',
      },
    ]);
    assert.deepEqual(r.rules, [builtin]);
    assert.deepEqual(run('cat /opt/x/.agent-policy.yml').causes, [allowed('cat /opt/x/.agent-policy.yml', 'cat')]);
  });

  it("the host's state folder asks as an argument, inside or outside the root, with no rule", () => {
    const outside = run('cat /tmp/state/audit.jsonl', undefined, { stateDirs: ['/tmp/state'] });
    assert.equal(outside.decision, 'ask');
    assert.deepEqual(outside.causes, [
      {
        kind: 'argument',
        subject: 'command "cat /tmp/state/audit.jsonl"',
        word: '/tmp/state/audit.jsonl',
        detail:
          'argument "/tmp/state/audit.jsonl" names /tmp/state/audit.jsonl, Agent Policy\'s state folder /tmp/state, which agents may not change; a person decides whether this command only reads it',
        table: 'governance',
      },
    ]);
    assert.deepEqual(outside.rules, []);
    const inside = run('cat var/ap/audit.jsonl', undefined, { stateDirs: ['/repo/var/ap'] });
    assert.equal(inside.decision, 'ask');
    assert.match(only(inside, 'argument').detail, /Agent Policy's state folder \/repo\/var\/ap/);
  });
});

describe('arguments through symlinks', () => {
  const links: Record<string, string> = {
    '/repo/src/env': '/repo/.env',
    '/repo/src/root': '/repo',
    '/repo/src/hosts': '/etc/hosts',
    '/repo/src/ok': '/repo/src/a.ts',
  };
  const fs: FileSystemView = { realPath: (p) => links[p] ?? (p.startsWith('/repo/src/') ? p : undefined) };
  const viaFs = (line: string): DecisionResult => run(line, undefined, { fs });

  it('a link is the file it leads to, named both ways', () => {
    const deny = rule('filesystem.deny', '**/.env*');
    assert.deepEqual(only(viaFs('cat src/env'), 'argument'), {
      kind: 'argument',
      subject: 'command "cat src/env"',
      word: 'src/env',
      detail: `argument "src/env" names src/env, a link to .env, denied by "**/.env*" (${at(deny)})`,
      rule: deny,
    });
    assert.match(only(viaFs('cat src/root'), 'argument').detail, /^argument "src\/root" names src\/root, a link to the repository root, denied by/);
  });

  it('a link out of the root asks for a file argument, not for text', () => {
    assert.match(
      only(viaFs('cat src/hosts'), 'argument').detail,
      /^argument "src\/hosts" names src\/hosts, a link to \/etc\/hosts, outside the repository root/,
    );
    assert.deepEqual(viaFs('echo src/hosts').causes, [allowed('echo src/hosts', 'echo')]);
  });

  it('a path the file system cannot resolve is decided as written', () => {
    assert.deepEqual(viaFs('cat docs/a').causes, [allowed('cat docs/a', 'cat')]);
  });

  it('a harmless link still leaves a relative argument relative to an unknown directory', () => {
    const r = run("trap 'cat src/ok' EXIT", undefined, { fs });
    assert.equal(causes(r).filter((c) => c.word === 'src/ok').length, 1);
  });
});

describe('globs', () => {
  it('a glob that can expand to a denied path denies, with an example', () => {
    const denyEnv = rule('filesystem.deny', '**/.env*');
    const r = run('cat .env*');
    assert.deepEqual(r.causes, [
      {
        kind: 'glob',
        subject: 'command "cat .env*"',
        detail: `the glob ".env*" can expand to .env, denied by "**/.env*" (${at(denyEnv)})`,
        rule: denyEnv,
        word: '.env*',
      },
    ]);
    assert.match(only(run('cat .env*//'), 'glob').detail, /^the glob "\.env\*" can expand to \.env, denied/);
  });

  it('an absolute glob inside the root is the root-relative glob, from any directory', () => {
    const denyEnv = rule('filesystem.deny', '**/.env*');
    const denySecrets = rule('filesystem.deny', 'secrets/**');
    assert.match(only(run('cat /repo/secrets/*'), 'glob').detail, /^the glob "\/repo\/secrets\/\*" can expand to secrets\/[^ ]+, denied by "secrets\/\*\*"/);
    assert.equal(only(run('cat /repo/secrets/*'), 'glob').rule?.pattern, denySecrets.pattern);
    assert.equal(only(run('cat /repo/.env*', 'src'), 'glob').rule?.pattern, denyEnv.pattern);
    // A sibling of the root is not inside it.
    assert.ok(!causes(run('cat /repo-secrets/*')).some((c) => c.rule?.pattern === 'secrets/**'));
  });

  it('a relative glob expands where the command runs', () => {
    const r = run('cat priv*/k*', 'lib');
    assert.equal(r.decision, 'deny');
    assert.equal(only(r, 'glob').rule?.pattern, 'lib/private/**');
    assert.deepEqual(run('cat secrets/k*', 'src').causes, [allowed('cat secrets/k*', 'cat')]);
  });

  it('absolute globs meet absolute denies, relative ones relative denies', () => {
    assert.equal(only(run('cat /opt/private/*'), 'glob').rule?.pattern, '/opt/private/**');
    // /opt/** is allowed; ? keeps these from expanding to a built-in secret (`/opt/.env_history`).
    assert.deepEqual(run('cat /opt/.env?').causes, [allowed('cat /opt/.env?', 'cat')]);
    assert.deepEqual(run('cat /opt/.agent-pol?cy.yml').causes, [allowed('cat /opt/.agent-pol?cy.yml', 'cat')]);
  });

  it('a glob that can expand to a governance file asks, naming it', () => {
    assert.deepEqual(only(run('cat .agent-pol*'), 'glob'), {
      kind: 'glob',
      subject: 'command "cat .agent-pol*"',
      detail:
        'the glob ".agent-pol*" can expand to a path like **/.agent-policy.yml, an agent policy, which agents may not change; a person decides whether this command only reads it',
      rule: { file: 'builtin', line: 0, column: 0, list: 'builtin', pattern: '**/.agent-policy.yml' },
      word: '.agent-pol*',
      table: 'governance',
    });
  });

  it('a glob the checker cannot read or analyse asks', () => {
    assert.deepEqual(run('cat [!a]*').causes, [
      { kind: 'glob', subject: 'command "cat [!a]*"', detail: 'the glob "[!a]*" cannot be checked against the deny rules', word: '[!a]*' },
    ]);
  });

  it('a dot that starts a folder before * is analysed ("not . or .." is vacuous on a normalised path): src/.** can expand to src/.env', () => {
    const r = run('cat src/.**');
    assert.equal(r.decision, 'deny', r.reason);
    assert.equal(only(r, 'glob').detail, 'the glob "src/.**" can expand to src/.env, denied by "**/.env*" (.agent-policy.yml:5:26)');
  });

  it('more than 3 wildcard folders or more than 8 wildcards asks; up to them is checked', () => {
    const complex = (line: string): boolean => causes(run(line)).some((c) => c.kind === 'glob' && /more wildcards than can be checked/.test(c.detail));
    assert.deepEqual(only(run('cat */*/*/*.ts'), 'glob'), {
      kind: 'glob',
      subject: 'command "cat */*/*/*.ts"',
      detail: 'the glob "*/*/*/*.ts" has more wildcards than can be checked against the deny rules in bounded time',
      word: '*/*/*/*.ts',
    });
    assert.equal(complex('cat */*/*.ts'), false, 'three wildcard folders');
    assert.equal(complex('cat src/a/b/c/d/*.ts'), false, 'plain folders do not count');
    assert.equal(complex('cat src/a*b*c*d*'), false, 'four wildcards in one folder');
    assert.equal(complex('cat src/a*b*c*d*e*f*g*h*'), false, 'eight wildcards');
    assert.equal(complex('cat src/a*b*c*d*e*f*g*h*i*'), true, 'nine wildcards');
  });
});

describe('network targets', () => {
  it('each target is a network decision naming it', () => {
    const r = run('curl https://evil.example/x');
    assert.equal(r.decision, 'deny');
    const c = only(r, 'network');
    assert.equal(c.subject, 'command "curl https://evil.example/x"');
    assert.match(c.word ?? '', /evil\.example/);
    assert.match(c.detail, /evil\.example/);
    assert.equal(run('curl https://example.com/x').decision, 'allow');
  });

  it('a target that cannot be resolved asks', () => {
    const r = run('curl $URL');
    assert.equal(r.decision, 'ask');
    assert.equal(only(r, 'network').subject, 'command "curl $URL"');
  });
});

describe('redirections', () => {
  it('a dynamic or glob target asks, naming the dynamic part', () => {
    assert.deepEqual(run('echo x > x$F').causes, [
      { kind: 'expansion', subject: 'redirection "> x$F"', detail: 'the target $F cannot be resolved statically', word: 'x$F' },
    ]);
    assert.deepEqual(run('echo x > src/*.txt').causes, [
      { kind: 'expansion', subject: 'redirection "> src/*.txt"', detail: 'the target src/*.txt cannot be resolved statically', word: 'src/*.txt' },
    ]);
  });

  it('only the exact harmless sinks are skipped', () => {
    for (const sink of ['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty', '/dev/fd/0', '/dev/fd/1', '/dev/fd/2']) {
      assert.deepEqual(run(`echo x > ${sink}`).causes, [allowed(`echo x`, 'echo')], sink);
    }
    assert.deepEqual(run('> /dev/null').causes, [{ kind: 'builtin', subject: 'command.exec "> /dev/null"', detail: 'runs no command' }]);
    assert.notEqual(run('echo x > /dev/fd/3').decision, 'allow');
    assert.match(only(run('echo x > /dev/fd/3'), 'path').detail, /\/dev\/fd\/3/);
    assert.equal(only(run('echo x > secrets/dev/null'), 'path').rule?.pattern, 'secrets/**');
    assert.equal(only(run('echo x > /dev/null/../../repo/.env'), 'path').rule?.pattern, '**/.env*');
  });

  it('a write is a write decision, a read a read decision', () => {
    const allow = rule('filesystem.allow', 'src/**');
    assert.deepEqual(only(run('echo x > src/out.txt'), 'path'), {
      kind: 'path',
      subject: 'redirection "> src/out.txt"',
      detail: `filesystem.write "src/out.txt": allowed by "src/**" (${at(allow)})`,
      word: 'src/out.txt',
      rule: allow,
    });
    assert.match(only(run('echo x > src/.agent-policy.override.yml'), 'path').detail, /^filesystem\.write .*protected/);
    const read = run('cat < src/.agent-policy.override.yml');
    assert.equal(read.decision, 'allow');
    assert.match(only(read, 'path').detail, /^filesystem\.read "src\/\.agent-policy\.override\.yml": allowed by "src\/\*\*"/);
  });

  it('with the directory unknown, a relative target asks; an absolute one is decided', () => {
    const r = run("trap 'echo x > out.txt' EXIT");
    assert.deepEqual(
      causes(r).find((c) => c.subject === 'redirection "> out.txt"'),
      {
        kind: 'place',
        subject: 'redirection "> out.txt"',
        detail: 'the target is relative to a directory that "wherever the shell is when the trap runs" chose at run time',
        word: 'out.txt',
      },
    );
    const abs = run("trap 'echo x > /repo/secrets/a' EXIT");
    assert.equal(abs.decision, 'deny');
    assert.deepEqual(
      causes(abs).map((c) => [c.kind, c.subject, c.rule?.pattern]),
      [['path', 'redirection "> /repo/secrets/a"', 'secrets/**']],
    );
  });
});

describe('describeLine', () => {
  it('returns the words, directories and redirections the analysis believes', () => {
    assert.deepEqual(describeLine(set, 'cd src && cat a > out.txt 2>/dev/null'), {
      errors: [],
      unresolved: [],
      commands: [
        { words: ['cd', 'src'], assignments: [], dirs: [''], unknownCwd: undefined },
        { words: ['cat', 'a'], assignments: [], dirs: ['src'], unknownCwd: undefined },
      ],
      redirects: [
        { mode: 'write', target: 'out.txt', dirs: ['src'], unknownCwd: undefined },
        { mode: 'write', target: '/dev/null', dirs: ['src'], unknownCwd: undefined },
      ],
    });
    const from = describeLine(set, 'X=1 cat $F < in', 'docs');
    assert.deepEqual(from.commands, [{ words: ['cat', undefined], assignments: ['X'], dirs: ['docs'], unknownCwd: undefined }]);
    assert.deepEqual(from.redirects, [{ mode: 'read', target: 'in', dirs: ['docs'], unknownCwd: undefined }]);
    assert.deepEqual(describeLine(set, 'cd "$D" && ls').commands[1], { words: ['ls'], assignments: [], dirs: [], unknownCwd: 'cd "$D"' });
  });
});

// Holes a review of the surviving mutants found (each was allowed before the fix).
describe('absolute globs, absolute words where the directory is unknown, and names that cannot be checked', () => {
  it('an absolute glob outside the root is denied when it can reach a built-in secret, and asks otherwise', () => {
    for (const [line, what] of [
      ['cat /etc/sha*', 'password hashes'],
      ['cat /home/u/.ssh/id*', 'SSH keys and configuration'],
    ] as const) {
      const r = run(line);
      assert.equal(r.decision, 'deny', line);
      const cause = only(r, 'glob');
      assert.equal(cause.table, 'outside-secrets', line);
      assert.match(cause.detail, new RegExp(`a built-in secret \\(${what}`), line);
    }
    const other = run('cat /usr/share/doc/*');
    assert.equal(other.decision, 'ask');
    assert.match(only(other, 'glob').detail, /expands outside the repository root, where the policy's rules do not reach/);
    // An absolute allow that covers all the glob can expand to admits it, as it admits a path there.
    assert.deepEqual(run('cat /tmp/build/*.log').causes, [allowed('cat /tmp/build/*.log', 'cat')]);
    // Secrets are mostly dotfiles, and bash's * does not match a leading dot: /tmp/* is not /tmp/.netrc.
    assert.deepEqual(run('ls /tmp/*').causes, [allowed('ls /tmp/*', 'ls')]);
    assert.match(only(run('cat /home/u/*'), 'glob').detail, /expands outside the repository root/);
    assert.equal(only(run('cat /home/u/.n*'), 'glob').table, 'outside-secrets', '.netrc, .npmrc');
    // `.*` is analysed (picomatch's guard against . and .. is vacuous on normalised paths): it can reach ~/.netrc.
    assert.equal(
      only(run('cat /home/u/.*'), 'glob').detail,
      'the glob "/home/u/.*" can expand to /home/u/.netrc, a built-in secret (netrc passwords, "**/.netrc")',
    );
    assert.equal(only(run('cat /home/u/*/id_rsa'), 'glob').table, undefined, 'one level, no dot: not ~/.ssh');
    // Agent Policy's state folder is not opened by an allow of the folder around it.
    const state = run('rm /tmp/agent-pol*/audit/*', undefined, { stateDirs: ['/tmp/agent-policy-0'] });
    assert.equal(state.decision, 'ask');
    assert.match(only(state, 'glob').detail, /can expand into Agent Policy's state folder \/tmp\/agent-policy-0/);
    // echo prints the names; it opens nothing.
    assert.deepEqual(run('echo /etc/sha*').causes, [allowed('echo /etc/sha*', 'echo')]);
  });

  it('an absolute argument or redirect is decided even where the directory is unknown', () => {
    const read = run('cd "$D" && cat /repo/.env');
    assert.equal(read.decision, 'deny');
    assert.equal(only(read, 'argument').rule?.pattern, '**/.env*');
    const write = run('cd "$D" && echo x > /repo/.env');
    assert.equal(write.decision, 'deny');
    assert.equal(only(write, 'path').rule?.pattern, '**/.env*');
    // /proc/self/cwd is where the shell is: not known, so not decided as if it were the root.
    const here = run('cd "$D" && cat /proc/self/cwd/x');
    assert.equal(here.decision, 'ask');
    assert.deepEqual(kinds(here), ['place']);
  });

  it('an absolute glob under the root reaches governance folders as a relative one does', () => {
    const r = run('rm -r /repo/back*');
    assert.equal(r.decision, 'ask');
    assert.match(only(r, 'folder').detail, /^the glob "\/repo\/back\*" can expand to backend, which is/);
  });

  it('an argument the policy cannot check (a newline in it) asks; the same text given to echo is text', () => {
    const r = run("cat $'.env\\nx'");
    assert.equal(r.decision, 'ask');
    assert.match(only(r, 'argument').detail, /^argument ".env\\nx" cannot be checked: the path contains control or line-separator characters$/);
    assert.deepEqual(run("echo $'a\\nb'").causes, [allowed("echo $'a\\nb'", 'echo')]);
  });

  it('with the root at /, an absolute glob meets the relative deny rules', async () => {
    const shell = await loadShellParser();
    const rootSet = loadPolicySet(
      [{ dir: '', text: 'version: "2.1"\npermissions:\n  filesystem:\n    deny: ["etc/**"]\n  commands:\n    allow: ["cat"]\n', uri: '.agent-policy.yml' }],
      { root: '/', shell, caseInsensitive: false },
    );
    const r = evaluate(rootSet, { action: 'command.exec', command: 'cat /etc/pass*' });
    assert.equal(r.decision, 'deny');
    assert.equal(causes(r).find((c) => c.kind === 'glob')?.rule?.pattern, 'etc/**');
  });
});

describe('operands after --', () => {
  it('a word after -- is a path even when it starts with a dash', () => {
    // With a folder named `--` (mkdir -- --), this reads secrets/k.
    const r = run('cat -- --/../secrets/k');
    assert.equal(r.decision, 'deny');
    assert.equal(only(r, 'argument').rule?.pattern, 'secrets/**');
    // A folder changer's operands too: `rm -r -- -x/../backend` removes backend, which holds an override.
    assert.match(only(run('rm -r -- -x/../backend'), 'folder').detail, /names backend, which is a folder holding the agent policy override/);
    // Before --, a dash word is an option, as the program reads it.
    assert.equal(run('cat -n src/a.ts').decision, 'allow');
  });
});
