import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Cause, DecisionResult, FileSystemView, PolicySet } from '#core';
import { command, decide, policy } from '../helpers';

// Where a command line runs, and what that decides (evaluate-command.ts: decideCommand,
// decideLine, changedDirectory, placeVerdicts, and the scope of an override's command rules).
// Each test names the mechanism in the causes: a fail-closed engine denies for any reason.
const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["secrets/**"]
  commands:
    allow: ["ls", "cat", "echo", "env", "go", "sh"]
    deny: ["rm -rf"]
`;
// backend's override: an allow, a deny and an approval that only apply where commands run under backend/.
const BACKEND = `permissions:
  commands:
    allow: ["make"]
    deny: ["go generate"]
`;

let set: PolicySet;
before(async () => {
  set = await policy({ '': POLICY, backend: BACKEND });
});

const run = (line: string, cwd?: string): DecisionResult => command(set, line, cwd);
const causes = (result: DecisionResult): Cause[] => result.causes ?? [];
const subject = (line: string): string => `command.exec ${JSON.stringify(line)}`;
/** The cause a command run in a directory a run-time choice made gets. */
const chosen = (line: string, by: string): Cause => ({ kind: 'place', subject: subject(line), detail: `runs in a directory that "${by}" chose at run time` });
const deniedPlace = (result: DecisionResult): Cause | undefined => causes(result).find((c) => c.kind === 'place' && c.rule?.pattern === 'secrets/**');
const placeCauses = (result: DecisionResult): Cause[] => causes(result).filter((c) => c.kind === 'place');

function expect(result: DecisionResult, decision: string, line: string): void {
  assert.equal(result.decision, decision, `${line}: ${result.reason}`);
}

/** The line ran in secrets/: denied for the place, by the folder's deny rule. */
function runsInSecrets(line: string, cwd?: string): void {
  const result = run(line, cwd);
  expect(result, 'deny', line);
  const cause = deniedPlace(result);
  assert.ok(cause, `${line}: ${JSON.stringify(result.causes)}`);
  assert.equal(cause.subject, subject(line));
  assert.match(cause.detail, /^runs in secrets(\/deep)?, a folder denied by "secrets\/\*\*" \(\.agent-policy\.yml:5:\d+\)$/);
  assert.equal(cause.rule?.list, 'filesystem.deny');
}

/** The line was decided with every directory known and none denied: `ls` is allowed by its rule. */
function runsKnown(line: string, cwd?: string): void {
  const result = run(line, cwd);
  expect(result, 'allow', line);
  assert.deepEqual(placeCauses(result), [], line);
  assert.ok(
    causes(result).some((c) => c.kind === 'rule' && c.rule?.pattern === 'ls'),
    `${line}: ${JSON.stringify(result.causes)}`,
  );
}

/** The line's later commands run where `by` chose at run time: a person decides. */
function runsChosen(line: string, by: string): void {
  const result = run(line);
  expect(result, 'ask', line);
  assert.deepEqual(causes(result), [chosen(line, by)]);
}

describe('decideCommand: the action itself', () => {
  it('a missing, non-string, empty or blank command is an input error', () => {
    const missing: Cause = { kind: 'input', subject: 'command.exec', detail: 'the command is missing or empty' };
    for (const value of [undefined, 42, '', ' \t  ']) {
      const result = decide(set, { action: 'command.exec', command: value });
      expect(result, 'deny', String(value));
      assert.deepEqual(result.causes, [missing], JSON.stringify(value));
      assert.equal(result.reason, 'command.exec: the command is missing or empty');
    }
  });

  it('a cwd that is not a string is an input error, not a directory', () => {
    for (const cwd of [42, null, ['src']]) {
      const result = decide(set, { action: 'command.exec', command: 'ls', cwd });
      expect(result, 'deny', JSON.stringify(cwd));
      assert.deepEqual(result.causes, [{ kind: 'input', subject: 'command.exec', detail: 'cwd must be a string' }]);
    }
  });

  it('a working directory that cannot be normalised is an input error naming why', () => {
    const refused = (cwd: string): Cause[] | undefined => decide(set, { action: 'command.exec', command: 'ls', cwd }).causes;
    assert.deepEqual(refused('a\nb'), [
      { kind: 'input', subject: 'command.exec', detail: 'the working directory the path contains control or line-separator characters' },
    ]);
    assert.deepEqual(refused(''), [{ kind: 'input', subject: 'command.exec', detail: 'the working directory the path is empty' }]);
    assert.deepEqual(refused('/proc/12/cwd'), [
      { kind: 'input', subject: 'command.exec', detail: "the working directory names /proc/12/cwd, another process's folder, which could be any file" },
    ]);
  });

  it('a working directory outside the root asks; one in a denied folder denies; both are place causes', () => {
    const outside = run('ls', '/tmp');
    expect(outside, 'ask', 'ls in /tmp');
    assert.deepEqual(outside.causes, [
      { kind: 'place', subject: 'command.exec "ls"', detail: "runs in /tmp, outside the repository root, where the policy's rules do not reach" },
    ]);
    runsInSecrets('ls', 'secrets');
    runsInSecrets('ls', '/repo/secrets/deep');
    runsKnown('ls', 'src');
    runsKnown('ls');
  });

  it("the working directory is resolved through the host's links; an unresolvable one is kept as written", () => {
    const links: FileSystemView = { realPath: (p) => (p === '/repo/link' ? '/repo/secrets' : p) };
    const inLink = decide(set, { action: 'command.exec', command: 'ls', cwd: 'link' }, links);
    expect(inLink, 'deny', 'ls in link');
    assert.match(deniedPlace(inLink)?.detail ?? '', /^runs in secrets, a folder denied/);
    const viaCd = decide(set, { action: 'command.exec', command: 'cd link && ls' }, links);
    assert.match(deniedPlace(viaCd)?.detail ?? '', /^runs in secrets, a folder denied/);
    // realPath cannot tell (undefined): the directory is the path as written, and is decided as such.
    const unknown: FileSystemView = { realPath: () => undefined };
    for (const action of [
      { action: 'command.exec', command: 'ls', cwd: 'src' },
      { action: 'command.exec', command: 'cd src && ls' },
    ]) {
      const result = decide(set, action, unknown);
      expect(result, 'allow', action.command);
      assert.ok(
        result.causes?.some((c) => c.kind === 'rule' && c.rule?.pattern === 'ls'),
        JSON.stringify(result.causes),
      );
    }
  });

  it('a host whose link resolution throws while the line is walked denies as unparseable, with the message', () => {
    const throwing = (thrown: unknown): FileSystemView => ({
      realPath: (p) => {
        if (p === '/repo/boom') throw thrown;
        return p;
      },
    });
    const line = 'cd boom && ls';
    const error = decide(set, { action: 'command.exec', command: line }, throwing(new Error('disk gone')));
    assert.deepEqual(error.causes, [{ kind: 'parse', subject: subject(line), detail: 'the command cannot be parsed (disk gone)' }]);
    assert.equal(error.decision, 'deny');
    const text = decide(set, { action: 'command.exec', command: line }, throwing('plain text'));
    assert.deepEqual(text.causes, [{ kind: 'parse', subject: subject(line), detail: 'the command cannot be parsed (plain text)' }]);
  });
});

describe('decideLine: the subject, the limits, and lines that run nothing', () => {
  it('the subject quotes the line, cut at 200 characters with an ellipsis', () => {
    const reason = (line: string): string | undefined => run(line, '/tmp').causes?.find((c) => c.kind === 'place')?.subject;
    assert.equal(reason('ls'), 'command.exec "ls"');
    const exactly = 'echo ' + 'a'.repeat(195);
    assert.equal(exactly.length, 200);
    assert.equal(reason(exactly), `command.exec "${exactly}"`, 'a line of exactly 200 characters is shown whole');
    const longer = exactly + 'bc';
    assert.equal(reason(longer), `command.exec "${exactly}…"`, 'a longer line is cut after 200 characters');
  });

  it('a line longer than 64 KiB is refused before parsing; one of exactly 64 KiB is decided', () => {
    const limit = 64 * 1024;
    const atLimit = 'echo ' + 'a'.repeat(limit - 5);
    assert.equal(atLimit.length, limit);
    const decided = run(atLimit, '/tmp');
    expect(decided, 'ask', 'the 64 KiB line');
    assert.deepEqual(
      decided.causes?.map((c) => c.kind),
      ['place'],
    );
    const tooLong = atLimit + 'a';
    const refused = run(tooLong, '/tmp');
    expect(refused, 'deny', 'the longer line');
    assert.deepEqual(refused.causes, [
      { kind: 'input', subject: `command.exec "${tooLong.slice(0, 200)}…"`, detail: 'the command is longer than 65536 characters' },
    ]);
  });

  it('re-entered lines nest at most 8 deep: the ninth is refused, where it is', () => {
    const eight = 'eval '.repeat(8) + 'ls';
    runsKnown(eight);
    const nine = run('eval '.repeat(9) + 'ls');
    expect(nine, 'deny', 'nine evals');
    assert.deepEqual(nine.causes, [{ kind: 'input', subject: 'command.exec "ls"', detail: 'shells are nested more than 8 deep' }]);
  });

  it('a line that runs no command (assignments, a bare trap, a comment) is allowed as such, wherever it is', () => {
    for (const [line, cwd] of [
      ['X=1', '/tmp'],
      ['X=1', 'secrets'],
      ['trap', undefined],
      ['trap - EXIT', undefined],
      ['# only a comment', undefined],
    ] as const) {
      const result = run(line, cwd);
      expect(result, 'allow', line);
      assert.deepEqual(result.causes, [{ kind: 'builtin', subject: subject(line), detail: 'runs no command' }], `${line} in ${cwd ?? 'the root'}`);
      assert.equal(result.reason, `${subject(line)}: runs no command`);
    }
  });

  it('what cannot be analysed names its kind: parse errors deny, hidden commands and dynamic arguments ask', () => {
    const broken = run('ls )');
    expect(broken, 'deny', 'ls )');
    assert.deepEqual(broken.causes, [{ kind: 'parse', subject: subject('ls )'), detail: 'the command cannot be parsed near column 4 (")")' }]);
    const backquoted = 'echo ${x:-`ls`}';
    const hidden = run(backquoted);
    expect(hidden, 'ask', backquoted);
    assert.deepEqual(hidden.causes?.[0], { kind: 'parse', subject: subject(backquoted), detail: 'the backquoted command in `ls` cannot be analysed' });
    const wrapped = run('env $X ls');
    expect(wrapped, 'ask', 'env $X ls');
    assert.deepEqual(wrapped.causes?.[0], {
      kind: 'expansion',
      subject: subject('env $X ls'),
      detail: 'the arguments of env include $X, which cannot be resolved statically',
    });
    const script = run('sh -c "$X"');
    assert.deepEqual(script.causes, [{ kind: 'expansion', subject: subject('sh -c "$X"'), detail: 'sh -c runs "$X", which cannot be resolved statically' }]);
  });

  it('a risky variable set before a command asks, as a variable cause from the reviewed table', () => {
    const result = run('PATH=/x ls');
    expect(result, 'ask', 'PATH=/x ls');
    assert.deepEqual(result.causes, [
      { kind: 'variable', subject: 'the command', detail: 'sets PATH, which changes what later commands run', word: 'PATH', table: 'risky-variables' },
    ]);
  });
});

describe('changedDirectory: what moves the shell, and where to', () => {
  it('cd and pushd move later commands; other programs and child shells do not', () => {
    runsInSecrets('cd secrets && ls');
    runsInSecrets('pushd secrets && ls');
    runsInSecrets('cd /repo/secrets && ls');
    // echo's argument is text: were echo taken for a cd, ls would run outside the root.
    runsKnown('echo /tmp && ls');
    runsKnown('cat src/a && ls');
    // A child shell's cd moves the child only.
    runsKnown('sh -c "cd secrets" && ls');
  });

  it('an eval moves the shell only when its line changes directory', () => {
    runsKnown('eval "echo hi" && ls');
    runsKnown('eval ls && ls');
    runsChosen('eval "cd secrets" && ls', 'eval, which changes directory');
    runsChosen('eval "popd" && ls', 'eval, which changes directory');
  });

  it('cd options are skipped, in any combination, before the target', () => {
    runsInSecrets('cd -P secrets && ls');
    runsInSecrets('cd -L secrets && ls');
    runsInSecrets('cd -LP secrets && ls');
    runsInSecrets('cd -e -P secrets && ls');
    runsInSecrets('pushd -P secrets && ls');
    // Only whole option words are options: these are the target, and secrets is a stray operand.
    runsKnown('cd a-P secrets && ls');
    runsKnown('cd -Px secrets && ls');
    // The first operand is the target, not the last.
    runsKnown('cd src secrets && ls');
    runsInSecrets('cd secrets src && ls');
  });

  it('-- ends the options: the word after it is the target', () => {
    runsInSecrets('cd -- secrets && ls');
    runsInSecrets('cd -P -- secrets && ls');
  });

  it('cd alone, cd -, stack entries (+N, -N) and popd leave the directory to run time, named by what chose it', () => {
    runsChosen('cd && ls', 'cd (the home folder)');
    runsChosen('cd - && ls', 'cd -');
    runsChosen('cd +1 && ls', 'cd +1');
    runsChosen('cd -12 && ls', 'cd -12');
    runsChosen('pushd +12 && ls', 'pushd +12');
    runsChosen('cd "$D" && ls', 'cd "$D"');
    runsChosen('popd && ls', 'popd');
    runsChosen('popd +1 && ls', 'popd');
    // Names that only contain a sign and digits are folders.
    runsKnown('cd v-2 && ls');
    runsKnown('cd +1x && ls');
    runsKnown('cd -- -1a && ls');
  });

  it('after a run-time choice the directory is unknown, not some folder: relative arguments ask', () => {
    for (const [line, by] of [
      ['cd "$D" && cat ../secrets/x', 'cd "$D"'],
      ['popd && cat ../secrets/x', 'popd'],
      ['cd && cat ../secrets/x', 'cd (the home folder)'],
    ] as const) {
      const result = run(line);
      expect(result, 'ask', line);
      assert.deepEqual(causes(result), [
        chosen(line, by),
        {
          kind: 'place',
          subject: 'command "cat ../secrets/x"',
          detail: `argument "../secrets/x" is relative to a directory that "${by}" chose at run time`,
          word: '../secrets/x',
        },
      ]);
    }
  });

  it('a relative cd keeps the run-time choice; an absolute one replaces it', () => {
    for (const step of ['cd backend', 'cd backend/', 'cd ./src']) {
      const line = `cd "$D" && ${step} && cat ../secrets/x`;
      const result = run(line);
      expect(result, 'ask', line);
      assert.ok(
        causes(result).some((c) => c.subject === 'command "cat ../secrets/x"' && /relative to a directory that "cd "\$D"" chose/.test(c.detail)),
        `${line}: ${JSON.stringify(result.causes)}`,
      );
    }
    // Only the absolute cd itself runs where "$D" chose; ls runs in src, known.
    const line = 'cd "$D" && cd /repo/src && ls';
    const result = run(line);
    expect(result, 'ask', line);
    assert.deepEqual(causes(result), [chosen(line, 'cd "$D"')]);
  });

  it('each directory a line may be in is decided once, however many ways lead there', () => {
    const line = 'cd src || cd docs && cd /repo/secrets && ls';
    const result = run(line);
    expect(result, 'deny', line);
    assert.equal(causes(result).length, 1, JSON.stringify(result.causes));
    assert.ok(deniedPlace(result));
    // Two known directories, both decided.
    const both = run('cd src || cd secrets; ls');
    expect(both, 'deny', 'both');
    assert.equal(placeCauses(both).length, 1);
  });

  it('cd with options only is a bare cd: the home folder, never a folder named after the option', () => {
    // bash: `cd -P` goes to $HOME; taken as a folder "-P" in the repository, .ssh/id_rsa would be a repository path.
    for (const line of ['cd -P && cat .ssh/id_rsa', 'cd -L; cat .aws/credentials', 'pushd -P && cat .ssh/id_rsa']) {
      const result = run(line);
      expect(result, 'ask', line);
      const by = `${line.split(' ')[0]} (the home folder)`;
      assert.ok(
        causes(result).some((c) => c.subject.startsWith('command "cat') && c.detail.includes(`relative to a directory that "${by}" chose at run time`)),
        `${line}: ${JSON.stringify(result.causes)}`,
      );
    }
  });

  it('a cd into a directory the policy cannot name leaves the directory unknown', () => {
    // Another process's cwd, an inherited descriptor, a newline: the later commands' place is not known.
    for (const [line, by] of [
      ['cd /proc/12/cwd && cat etc/shadow', 'cd /proc/12/cwd'],
      ['cd /dev/fd/5 && cat x', 'cd /dev/fd/5'],
      ["cd 'a\nb' && cat ../secrets/k", "cd 'a\nb'"],
    ] as const) {
      const result = run(line);
      expect(result, 'ask', line);
      assert.ok(
        causes(result).some((c) => c.detail === `runs in a directory that "${by}" chose at run time`),
        `${line}: ${JSON.stringify(result.causes)}`,
      );
    }
  });

  it("an absolute cd after a run-time choice is known again: its folder's rules decide", () => {
    // The deny of secrets/ applies to what runs there, and backend's allow of make applies in backend.
    const denied = run('cd "$D" && cd /repo/secrets && cat key');
    expect(denied, 'deny', 'secrets');
    assert.ok(deniedPlace(denied), JSON.stringify(denied.causes));
    const line = 'cd "$D" && cd /repo/backend && make';
    const allowed = run(line);
    expect(allowed, 'ask', line);
    // Only the cd "$D" itself asks; make, known to run in backend, is allowed there (not "no rule allows make").
    assert.deepEqual(causes(allowed), [chosen(line, 'cd "$D"')]);
  });

  it('a trap line is decided where the shell may be when it runs', () => {
    const result = run('trap "ls" EXIT');
    expect(result, 'ask', 'trap');
    assert.deepEqual(causes(result), [
      { kind: 'place', subject: subject('ls'), detail: 'runs in a directory that "wherever the shell is when the trap runs" chose at run time' },
    ]);
  });
});

describe("the scope of an override's command rules", () => {
  const overrideDeny = (result: DecisionResult): Cause | undefined => causes(result).find((c) => c.kind === 'rule' && c.rule?.pattern === 'go generate');
  const overrideAllow = (result: DecisionResult): Cause | undefined =>
    causes(result).find((c) => c.kind === 'rule' && c.rule?.pattern === 'make' && result.decision === 'allow');

  it("an override's deny applies in its folder and below, nowhere else", () => {
    for (const cwd of ['backend', 'backend/api', '/repo/backend/api/v1']) {
      const result = run('go generate', cwd);
      expect(result, 'deny', `go generate in ${cwd}`);
      const cause = overrideDeny(result);
      assert.equal(cause?.rule?.file, 'backend/.agent-policy.override.yml', cwd);
      assert.match(cause?.detail ?? '', /^go is denied by "go generate" \(backend\/\.agent-policy\.override\.yml:4:\d+\)$/);
    }
    for (const cwd of [undefined, 'src', 'frontend', 'backendx', 'backendx/api', 'src/backend', '/tmp/backend']) {
      const result = run('go generate', cwd);
      assert.equal(overrideDeny(result), undefined, `go generate in ${cwd ?? 'the root'}: ${result.reason}`);
      if (cwd !== '/tmp/backend') {
        expect(result, 'allow', `go generate in ${cwd ?? 'the root'}`);
        assert.equal(result.causes?.[0]?.rule?.pattern, 'go');
      }
    }
    // Reached by cd, too, from the root.
    assert.ok(overrideDeny(run('cd backend/api && go generate')));
    assert.equal(overrideDeny(run('cd backendx && go generate')), undefined);
  });

  it("an override's deny applies when any directory the command may run in is under it", () => {
    const line = 'cd src || cd backend && go generate';
    const result = run(line);
    expect(result, 'deny', line);
    assert.ok(overrideDeny(result), JSON.stringify(result.causes));
    assert.equal(overrideDeny(run('cd src || cd frontend && go generate')), undefined);
  });

  it("an override's deny applies when the directory is chosen at run time", () => {
    for (const line of ['cd "$D" && go generate', 'popd && go generate', 'eval "cd x" && go generate']) {
      const result = run(line);
      expect(result, 'deny', line);
      assert.ok(overrideDeny(result), `${line}: ${JSON.stringify(result.causes)}`);
    }
  });

  it("the root's deny applies wherever the command runs, the directory unknown or unresolvable included", () => {
    for (const [line, cwd] of [
      ['rm -rf x', undefined],
      ['rm -rf x', 'backend'],
      ['rm -rf x', '/tmp'],
      ['cd "$D" && rm -rf x', undefined],
      ['popd && rm -rf x', undefined],
      ['cd /proc/12/cwd && rm -rf x', undefined],
    ] as const) {
      const result = run(line, cwd);
      expect(result, 'deny', line);
      const cause = causes(result).find((c) => c.kind === 'rule');
      assert.equal(cause?.rule?.pattern, 'rm -rf', `${line}: ${JSON.stringify(result.causes)}`);
      assert.equal(cause?.rule?.file, '.agent-policy.yml');
    }
  });

  it("an override's allow applies only when every directory the command may run in is under it", () => {
    for (const cwd of ['backend', 'backend/api', '/repo/backend']) {
      const result = run('make', cwd);
      expect(result, 'allow', `make in ${cwd}`);
      assert.equal(overrideAllow(result)?.rule?.file, 'backend/.agent-policy.override.yml');
    }
    assert.ok(overrideAllow(run('cd backend && make')));
    assert.ok(overrideAllow(run('cd backend/a || cd backend/b && make')));
    const noAllow = (line: string, cwd?: string): void => {
      const result = run(line, cwd);
      expect(result, 'deny', `${line} in ${cwd ?? 'the root'}`);
      assert.deepEqual(
        causes(result).find((c) => c.kind === 'no-allow'),
        { kind: 'no-allow', subject: 'command "make"', detail: 'make matches no allow pattern', program: 'make' },
        `${line}: ${JSON.stringify(result.causes)}`,
      );
    };
    noAllow('make');
    noAllow('make', 'backendx');
    noAllow('make', 'src/backend');
    noAllow('cd src || cd backend && make');
  });

  it("an override's allow does not apply where the directory is unknown, even if the known ones are under it", () => {
    const noAllow = (line: string, cwd?: string): void => {
      const result = run(line, cwd);
      expect(result, 'deny', `${line} in ${cwd ?? 'the root'}`);
      assert.ok(
        causes(result).some((c) => c.kind === 'no-allow' && c.program === 'make'),
        `${line}: ${JSON.stringify(result.causes)}`,
      );
    };
    // Directories known (backend) but the shell may be elsewhere by then.
    noAllow('trap make EXIT', 'backend');
    noAllow('eval "cd sub" && make', 'backend');
    // No directory known at all.
    noAllow('cd "$D" && make');
    noAllow('popd && make', 'backend');
    // A directory that cannot be resolved (another process's): not known to be under backend.
    noAllow('cd /proc/12/cwd && make', 'backend');
  });
});
