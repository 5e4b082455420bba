import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluate, type Cause, type DecisionResult, type PolicySet } from '#core';
import { policy } from '../helpers';

// The edges of the reviewed program tables (server/src/core/shell/program-options.ts): how an
// option's value is found (attached, in a cluster, after `--`), which words of sed and awk are their
// script, which operands of a writer are the files it writes, when tar and unzip extract where they
// run, and which git config forms change the configuration. Each test names the cause it expects:
// an option, a script, a written file, a folder, or the allow of "*" when nothing is risky.

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**", "out/**"]
    deny: ["**/.env*", "secrets/**"]
  commands:
    allow: ["*"]
`;

const BACKEND = `permissions:
  commands:
    deny: ["ls -l"]
`;

let set: PolicySet;
before(async () => {
  set = await policy({ '': POLICY, backend: BACKEND });
  assert.equal(set.refusal, undefined);
});

const run = (line: string, cwd?: string): DecisionResult =>
  evaluate(set, cwd === undefined ? { action: 'command.exec', command: line } : { action: 'command.exec', command: line, cwd });

const causes = (r: DecisionResult): Cause[] => r.causes ?? [];

/** The one cause of a kind (fails when there is none, or more than one). */
function only(r: DecisionResult, kind: Cause['kind']): Cause {
  const found = causes(r).filter((c) => c.kind === kind);
  assert.equal(found.length, 1, `one ${kind} cause in ${JSON.stringify(r)}`);
  return found[0] as Cause;
}

/** Allowed by "*" and by nothing else: no option, script, written file or folder was found. */
function allowedAsIs(line: string, cwd?: string): void {
  const r = run(line, cwd);
  assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
  assert.deepEqual(
    causes(r).map((c) => [c.kind, c.rule?.pattern, c.table]),
    [['rule', '*', undefined]],
    `${line}: ${JSON.stringify(r.causes)}`,
  );
}

/** The words of the files a writer or a writing option writes, as decided (denials, or all allows). */
function written(r: DecisionResult): string[] {
  return causes(r)
    .filter((c) => c.kind === 'path' && c.table === 'program-options')
    .map((c) => c.word ?? '?');
}

const CONFIG = "git config changes git's configuration, which can name programs that later git commands run";

describe('an option is found where the program reads one', () => {
  it('after -- every word is an operand: sort -- -o README.md sorts a file named -o', () => {
    allowedAsIs('sort -- -o README.md');
    // Before the --, the same words write README.md.
    assert.equal(run('sort -o README.md --').decision, 'deny');
  });

  it('a short option with its value attached writes that value (sort -oFILE)', () => {
    const r = run('sort -oREADME.md src/a');
    assert.equal(r.decision, 'deny');
    assert.deepEqual(only(r, 'path'), {
      kind: 'path',
      subject: 'command "sort -oREADME.md src/a"',
      program: 'sort',
      option: '-o',
      table: 'program-options',
      detail: 'its option -o writes "README.md": filesystem.write "README.md": matches no allow pattern',
      word: 'README.md',
    });
    const allowed = run('sort -osrc/sorted src/a');
    assert.equal(allowed.decision, 'allow', allowed.reason);
    assert.deepEqual(written(allowed), ['src/sorted']);
    assert.match(only(allowed, 'path').detail, /^its option -o writes "src\/sorted": filesystem.write "src\/sorted": allowed by "src\/\*\*"/);
  });

  it('in a cluster, the letter that takes a value takes the next word when nothing follows it (sort -uo FILE)', () => {
    const r = run('sort -uo README.md src/a');
    assert.equal(r.decision, 'deny');
    assert.equal(only(r, 'path').option, '-o');
    assert.deepEqual(written(r), ['README.md']);
    const allowed = run('sort -uo src/sorted README.md');
    assert.equal(allowed.decision, 'allow', allowed.reason);
    assert.deepEqual(written(allowed), ['src/sorted']);
  });

  it('a clustered option that takes no value names none (git grep -nO runs the pager it was given, not the next word)', () => {
    const r = run('git grep -nO pattern');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(only(r, 'option'), {
      kind: 'option',
      subject: 'command "git grep -nO pattern"',
      program: 'git',
      option: '-O',
      table: 'program-options',
      detail: 'its option -O runs code the policy cannot see',
    });
  });
});

describe('archives extract into the directory they run in', () => {
  const held = 'its working directory backend is a folder holding the agent policy override backend/.agent-policy.override.yml';

  it('every way of asking tar, unzip or cpio to extract reaches the working directory', () => {
    const lines: [string, string][] = [
      ['tar -xf a.tar', 'tar'],
      ['tar -zxf a.tgz', 'tar'],
      // Old-style options: the first word is the letters, with no dash.
      ['tar xf a.tar', 'tar'],
      ['tar zxf a.tgz', 'tar'],
      ['tar --extract -f a.tar', 'tar'],
      ['tar --get -f a.tar', 'tar'],
      ['unzip a.zip', 'unzip'],
      ['cpio -id', 'cpio'],
    ];
    for (const [line, program] of lines) {
      const r = run(line, 'backend');
      assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
      const folder = only(r, 'folder');
      assert.equal(folder.detail, `${held}; ${program} changes what it holds`, line);
      assert.equal(folder.rule?.pattern, '**/.agent-policy.override.yml', line);
      assert.equal(folder.table, 'governance', line);
    }
  });

  it('tar that creates or lists an archive changes nothing where it runs, whatever letters its words hold', () => {
    for (const line of ['tar -cf a.tar src', 'tar -tvf a.tar', 'tar czf a.tgz src', 'tar --exclude=build -cf a.tar src', 'tar -cf backup-x.tar src', 'tar']) {
      allowedAsIs(line, 'backend');
    }
  });
});

describe('git clean and git stash given paths change those paths, not their working directory', () => {
  it('a path the shell computes is the dynamic part that asks; the working directory is not reached', () => {
    const r = run('git clean -f $D', 'backend');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [{ kind: 'expansion', subject: 'command "git clean -f $D"', detail: '$D cannot be resolved statically', word: '$D' }]);
  });
});

describe('which word of sed and awk is their script', () => {
  const script = (line: string, text: string, program = line.split(' ')[0]): void => {
    const r = run(line);
    assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
    assert.deepEqual(only(r, 'script'), {
      kind: 'script',
      subject: `command ${JSON.stringify(line)}`,
      detail: `its script ${JSON.stringify(text)} can run commands or reach files the policy cannot see`,
      word: text,
      program,
      table: 'scripts',
    });
  };

  it("sed's e, w and r commands at the start of a script, alone, or after an address", () => {
    script("sed -n 'w out.txt' src/a", 'w out.txt');
    script("sed -n 'r /etc/hosts' src/a", 'r /etc/hosts');
    script('sed e src/a', 'e');
    script("sed -n '1w out.txt' src/a", '1w out.txt');
    script("sed '$e date' src/a", '$e date');
  });

  it("s///'s e and w flags, before, after or among the other flags", () => {
    script("sed 's/x/y/ge' src/a", 's/x/y/ge');
    script("sed 's/x/y/eg' src/a", 's/x/y/eg');
    script("sed 's/x/y/e;p' src/a", 's/x/y/e;p');
    script("sed 's/x/y/gw out.txt' src/a", 's/x/y/gw out.txt');
  });

  it('the letters e, w and r inside the text a script replaces are not commands', () => {
    allowedAsIs("sed 's/one two/x/' src/a");
    allowedAsIs("sed 's/a/ewok/' src/a");
    allowedAsIs("sed 's/a/b/g' src/a");
  });

  it("awk's system(), with or without a space before its parenthesis, in awk, gawk and mawk", () => {
    for (const awk of ['awk', 'gawk', 'mawk']) {
      script(`${awk} 'BEGIN { system("id") }'`, 'BEGIN { system("id") }');
      script(`${awk} 'BEGIN { system ("id") }'`, 'BEGIN { system ("id") }');
    }
  });

  it('options are not the script: the first operand is', () => {
    script("sed -n 'w out.txt'", 'w out.txt');
    script("sed -n -s 'w out.txt' src/a", 'w out.txt');
  });

  it('each -e or --expression is a script, and then the operands are files', () => {
    script("sed -n -e p -e 'w out.txt' src/a", 'w out.txt');
    script("sed -n -e 'w out.txt' src/a", 'w out.txt');
    script("sed -n --expression p --expression 'w out.txt' src/a", 'w out.txt');
    script("sed --expression='w out.txt' src/a", 'w out.txt');
    // With the script given by -e, src/r is a file to read, not the command r.
    allowedAsIs('sed -n -e p src/r');
    allowedAsIs('sed -n --expression=p src/r');
    // An -e with nothing after it has no script.
    allowedAsIs('sed -e');
  });

  it('a script in a file (-f, --file) is not seen: the word after it is the file name, not a script', () => {
    allowedAsIs('awk -f getline.awk data.txt');
    allowedAsIs('gawk --file getline.awk data.txt');
    allowedAsIs('sed -f e src/a');
  });
});

describe('which files sed -i rewrites: its operands after the script', () => {
  const rewrites = (r: DecisionResult): string[] =>
    causes(r)
      .filter((c) => c.kind === 'path' && c.table === 'program-options')
      .map((c) => c.word ?? '?');

  it('with the script given by -e, the first operand is a file too', () => {
    const r = run('sed -i -e s/a/b/ README.md');
    assert.equal(r.decision, 'deny');
    assert.deepEqual(only(r, 'path'), {
      kind: 'path',
      subject: 'command "sed -i -e s/a/b/ README.md"',
      detail: 'its option -i rewrites "README.md": filesystem.write "README.md": matches no allow pattern',
      word: 'README.md',
      table: 'program-options',
    });
  });

  it('the word after each -e, --expression, -f or --file is a script, not a file it rewrites', () => {
    for (const line of [
      'sed -i -e s/a/b/ -e s/c/d/ src/a.ts',
      'sed -i --expression s/a/b/ --expression s/c/d/ src/a.ts',
      'sed -i -f a.sed -f b.sed src/a.ts',
      'sed -i --file a.sed --file b.sed src/a.ts',
      'sed -i -f a.sed -e s/c/d/ src/a.ts',
    ]) {
      const r = run(line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
      assert.deepEqual(rewrites(r), ['src/a.ts'], line);
      assert.match(only(r, 'path').detail, /^its option -i rewrites "src\/a\.ts": filesystem\.write "src\/a\.ts": allowed by "src\/\*\*"/, line);
    }
  });
});

describe('git subcommands that run or change what later git commands run', () => {
  it('foreach and run are risky only as verbs of submodule and bisect (a branch or file may be named so)', () => {
    allowedAsIs('git checkout foreach');
    allowedAsIs('git add run');
    allowedAsIs('git submodule status');
  });

  it('get and list read the configuration, with any operands', () => {
    allowedAsIs('git config get core.editor');
    allowedAsIs('git config get --all remote.origin.url');
    allowedAsIs('git config list --global');
  });

  it('a changing flag or verb asks even with a single operand', () => {
    for (const line of [
      'git config --unset core.pager',
      'git config --unset-all core.pager',
      'git config edit',
      'git config set',
      'git config unset',
      'git config rename-section',
      'git config remove-section',
    ]) {
      const r = run(line);
      assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
      assert.deepEqual(
        only(r, 'option'),
        { kind: 'option', subject: `command ${JSON.stringify(line)}`, detail: CONFIG, program: 'git', option: 'config', table: 'program-options' },
        line,
      );
    }
  });
});

describe('which operands a writer writes', () => {
  it('patch with a file operand writes that file and nothing it cannot know', () => {
    const r = run('patch src/a.ts src/fix.diff');
    assert.equal(r.decision, 'allow', r.reason);
    assert.deepEqual(written(r), ['src/a.ts']);
    assert.deepEqual(
      causes(r).map((c) => c.kind),
      ['path', 'rule'],
    );
  });

  it('patch -o or --output names the file it writes, so the files of the patch are not asked about', () => {
    for (const [line, option] of [
      ['patch -osrc/out.ts -i src/fix.diff', '-o'],
      ['patch -i src/fix.diff --output=src/out.ts', '--output'],
      ['patch -i src/fix.diff --output src/out.ts', '--output'],
    ] as const) {
      const r = run(line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
      assert.deepEqual(
        causes(r).map((c) => [c.kind, c.option, c.word]),
        [
          ['path', option, 'src/out.ts'],
          ['rule', undefined, undefined],
        ],
        line,
      );
    }
  });

  it('cp or mv with a single operand writes nothing (it is a usage error)', () => {
    allowedAsIs('cp README.md');
    allowedAsIs('mv README.md');
    // A -t that is missing its folder names no destination either.
    allowedAsIs('cp src/a.ts -t');
  });

  it('with no file system view, a destination that is not visibly a folder is written both as a file and as a folder', () => {
    const r = run('cp src/a.ts out/b.ts');
    assert.equal(r.decision, 'allow', r.reason);
    assert.deepEqual(written(r), ['out/b.ts', 'out/b.ts/a.ts']);
  });

  it('- is an operand (standard input), so uniq - FILE writes FILE', () => {
    const r = run('uniq - README.md');
    assert.equal(r.decision, 'deny');
    assert.deepEqual(written(r), ['README.md']);
    assert.match(r.reason, /uniq writes "README.md": filesystem.write "README.md": matches no allow pattern/);
  });

  it('the target folder, given clustered, attached, or as the word after the long option', () => {
    for (const line of ['cp -rt out src/a.ts', 'cp -tout src/a.ts', 'cp --target-directory out src/a.ts', 'cp --force src/a.ts out/']) {
      const r = run(line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
      assert.deepEqual(written(r), ['out/a.ts'], line);
    }
    // Into a target folder README.md is a source, not the destination: out/README.md is written.
    assert.deepEqual(written(run('cp --target-directory out README.md')), ['out/README.md']);
  });

  it('--no-target-directory, spelt in full, says the destination is a file', () => {
    assert.deepEqual(written(run('mv --no-target-directory src/a src/lib')), ['src/a', 'src/lib']);
  });

  it('a target folder that is a glob asks, naming the folder without its option', () => {
    const r = run('cp --target-directory=out/? src/a.ts');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(only(r, 'path'), {
      kind: 'path',
      subject: 'command "cp --target-directory=out/? src/a.ts"',
      detail: 'cp writes out/?, which cannot be resolved statically',
      word: 'out/?',
      program: 'cp',
      table: 'program-options',
    });
  });
});

describe("dd's of= and if=", () => {
  it('a computed of= is a file that cannot be known, said once with its word', () => {
    const r = run('dd of=$F');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [
      {
        kind: 'path',
        subject: 'command "dd of=$F"',
        detail: 'dd of=$F names a file that cannot be resolved statically',
        program: 'dd',
        table: 'program-options',
      },
      { kind: 'expansion', subject: 'command "dd of=$F"', detail: '$F cannot be resolved statically', word: '$F' },
    ]);
  });

  it('a computed operand that is not of= or if= names no file', () => {
    const r = run('dd bs=$N of=src/x');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [{ kind: 'expansion', subject: 'command "dd bs=$N of=src/x"', detail: '$N cannot be resolved statically', word: '$N' }]);
  });

  it('a glob of= asks, naming the file without of=', () => {
    const r = run('dd of=out/?.bin');
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.causes, [
      {
        kind: 'path',
        subject: 'command "dd of=out/?.bin"',
        detail: 'dd writes out/?.bin, which cannot be resolved statically',
        word: 'out/?.bin',
        program: 'dd',
        table: 'program-options',
      },
    ]);
  });
});

describe('a writer reads only the files it names', () => {
  // Where the directory is unknown, every relative file read asks; an absolute write does not.
  it('tee and dd writing an absolute file read nothing else', () => {
    const tee = run('cd $D && tee /repo/src/a.ts');
    assert.equal(tee.decision, 'ask');
    assert.deepEqual(
      causes(tee).map((c) => [c.kind, c.detail]),
      [['place', 'runs in a directory that "cd $D" chose at run time']],
    );
    // dd's operands are arguments too (bs=1M, of=…); what follows if= alone is a file it reads.
    for (const line of ['dd of=/repo/src/a.ts', 'dd bs=1M of=/repo/src/a.ts']) {
      const r = run(`cd $D && ${line}`);
      assert.equal(r.decision, 'ask');
      const words = line.split(' ');
      assert.deepEqual(
        causes(r).map((c) => c.word),
        [undefined, ...words.slice(1)],
        line,
      );
    }
  });
});

describe('holes found beside the mutation review of program-options.ts (each was allowed by "*")', () => {
  for (const [line, script] of [
    ["sed -e '1e id' -f fix.sed src/a.ts", '1e id'],
    ['gawk -f lib.awk -e \'BEGIN { system("id") }\' src/a', 'BEGIN { system("id") }'],
    ["sed -e'1e id' src/a", '1e id'],
    ["sed --expr='1e id' src/a", '1e id'],
    ["sed -ne '1e id' src/a", '1e id'],
    ['awk -v n=1 \'BEGIN { system("id") }\'', 'BEGIN { system("id") }'],
    ["awk -F : '{ system($1) }' src/a", '{ system($1) }'],
    ['gawk -l ./evil.so src/a', '-l ./evil.so'],
  ] as const) {
    it(`${line}: the script that runs is ${JSON.stringify(script)} (every -e counts beside -f, values are not the program)`, () => {
      const r = run(line);
      assert.equal(r.decision, 'ask', r.reason);
      const cause = only(r, 'script');
      assert.equal(cause.word, script);
    });
  }

  it('sed -i with an attached, = or abbreviated script option rewrites the first operand', () => {
    for (const line of [
      'sed -i --expression=s/a/b/ README.md',
      'sed -i -es/a/b/ README.md',
      'sed -i --file=fix.sed README.md',
      'sed -i --expr s/a/b/ README.md',
    ]) {
      const r = run(line);
      assert.equal(r.decision, 'deny', `${line}: ${r.reason}`);
      assert.deepEqual(
        causes(r)
          .filter((c) => c.kind === 'path')
          .map((c) => c.word),
        ['README.md'],
        `${line}: ${JSON.stringify(r.causes)}`,
      );
    }
    // -i's letters take the rest of the word as a suffix: -ie is -i with the suffix "e", so the next word is the script.
    const suffix = run('sed -ie s/a/b/ src/a.ts');
    assert.equal(suffix.decision, 'allow', suffix.reason);
  });

  it('tar --extr is --extract: it extracts into backend, which holds an override', () => {
    const r = run('tar --extr -f a.tar', 'backend');
    assert.equal(r.decision, 'ask', r.reason);
    assert.ok(r.reason.includes('its working directory backend is a folder holding'), r.reason);
  });

  for (const [line, file] of [
    ['cp --target=docs src/evil.sh', 'docs/evil.sh'],
    ['cp --target docs src/evil.sh', 'docs/evil.sh'],
    ['mv --target=docs src/a', 'docs/a'],
    ['install --targ=docs src/a', 'docs/a'],
    ['uniq --skip-f 1 src/in README.md', 'README.md'],
  ] as const) {
    it(`${line}: GNU getopt reads the abbreviated option, so it writes ${file}`, () => {
      const r = run(line);
      assert.equal(r.decision, 'deny', r.reason);
      assert.ok(written(r).includes(file), `${line}: ${JSON.stringify(r.causes)}`);
    });
  }
});

describe('a value attached to a short option is checked as the path it may be (no table says which letter takes one)', () => {
  for (const [line, word, why] of [
    ['grep -f.env src/a', '.env', 'denied by "**/.env*"'],
    ['grep -rf.env src', '.env', 'denied by "**/.env*"'],
    ['less -Osecrets/log src/a', 'secrets/log', 'denied by "secrets/**"'],
    ['grep -f/etc/shadow src/a', '/etc/shadow', 'a built-in secret'],
  ] as const) {
    it(`${line}: the suffix ${word} may be the value, and it is ${why} (it was allowed)`, () => {
      const r = run(line);
      assert.equal(r.decision, 'deny', r.reason);
      const cause = only(r, 'argument');
      assert.equal(cause.word, word);
      assert.ok(cause.detail?.includes(why), cause.detail);
    });
  }

  it('ordinary clusters and attached folders stay allowed: outside the root, the root itself and "-" are not asked about', () => {
    for (const line of ['ls -la src', 'gcc -I/usr/include src/a.c', 'ls -I. src', 'grep -rn x src', 'git commit -m"fix the .env loader"']) allowedAsIs(line);
  });

  it('a cluster longer than 32 letters asks: the values it may carry are too many to check', () => {
    const r = run(`grep -${'v'.repeat(40)} x src/a`);
    assert.equal(r.decision, 'ask', r.reason);
    assert.ok(only(r, 'argument').detail?.includes('is too long to check the values it may carry'));
  });
});
