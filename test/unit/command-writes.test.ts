import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluate, type DecisionResult, type FileSystemView, type PolicySet } from '#core';
import { policy, ROOT } from '../helpers';

// Operands that programs write (tee F, cp a F, dd of=F: server/src/core/shell/program-options.ts,
// WRITERS) are file writes, decided as a redirection to F is; and options or subcommands that run
// code (git submodule foreach, git config KEY VALUE, sort --compress-program). Under an allow of
// the program each of these wrote or ran where `echo x > F` is denied.

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**", "out/**/*.ts"]
    deny: ["**/.env*", "secrets/**"]
  commands:
    allow: ["*"]
    deny: ["rm"]
`;

let set: PolicySet;
before(async () => {
  set = await policy({ '': POLICY });
});

const run = (line: string, fs?: FileSystemView): DecisionResult => evaluate(set, { action: 'command.exec', command: line }, fs ? { fs } : {});

/** The written files whose decisions decided (a denial's causes are its denials; an allow's are all its allows). */
function writes(r: DecisionResult): string[] {
  return (r.causes ?? []).filter((c) => c.kind === 'path' && c.table === 'program-options').map((c) => c.word ?? '?');
}

describe('operands that are written', () => {
  const denied: [string, string[]][] = [
    ['echo x | tee README.md', ['README.md']],
    ['tee -a src/a.ts README.md', ['README.md']],
    ['touch README.md', ['README.md']],
    ['touch -d yesterday README.md', ['README.md']],
    ['truncate -s 0 README.md', ['README.md']],
    ['truncate -s0 README.md', ['README.md']],
    ['uniq src/a README.md', ['README.md']],
    ['patch README.md fix.diff', ['README.md']],
    ['dd if=src/a of=README.md', ['README.md']],
    // Without a file system view README.md may be a folder: both are decided.
    ['install -m 755 src/a.ts README.md', ['README.md', 'README.md/a.ts']],
    ['cp -- -x README.md', ['README.md', 'README.md/-x']],
  ];
  for (const [line, files] of denied) {
    it(`${line}: writes ${files.join(', ')}, and README.md matches no write allow`, () => {
      const r = run(line);
      assert.equal(r.decision, 'deny', r.reason);
      assert.deepEqual(writes(r), files);
      assert.match(r.reason, /writes "README.md": filesystem.write "README.md": matches no allow pattern/);
    });
  }

  it('what is not written is not decided as a write: uniq with one operand, dd if=, touch -r REF', () => {
    assert.deepEqual(writes(run('uniq README.md')), []);
    assert.equal(run('uniq README.md').decision, 'allow');
    assert.deepEqual(writes(run('dd if=README.md of=src/copy')), ['src/copy']);
    assert.equal(run('dd if=README.md of=src/copy').decision, 'allow');
    assert.deepEqual(writes(run('touch -r README.md src/x')), ['src/x']);
  });

  it('dd if= is a read: a denied file is denied', () => {
    const r = run('dd if=.env of=src/x');
    assert.equal(r.decision, 'deny');
    assert.match(r.reason, /argument "\.env" names \.env, denied by "\*\*\/\.env\*"/);
  });

  it('dd of= and tee reach governance files as writes (the policy is protected)', () => {
    for (const line of ['dd of=.agent-policy.yml', 'echo x | tee backend/.agent-policy.override.yml']) {
      const r = run(line);
      assert.notEqual(r.decision, 'allow', line);
      assert.match(r.reason, /agent policy/, line);
    }
  });

  it('a file the shell computes is not known: it asks', () => {
    for (const line of ['tee $F', 'cp src/a $D', 'dd of=$F']) {
      const r = run(line);
      assert.equal(r.decision, 'ask', `${line}: ${r.reason}`);
      assert.match(r.reason, /cannot be resolved statically/);
    }
  });

  it('patch with no file writes the files its patch names: it asks', () => {
    const r = run('patch -p1 -i src/fix.diff');
    assert.equal(r.decision, 'ask', r.reason);
    assert.match(r.reason, /patch writes the files its patch names/);
    assert.equal(run('patch -p1 -i src/fix.diff -o src/out').decision, 'allow');
  });
});

describe('copies, moves and links: the destination, or a file in it', () => {
  it('into a folder, each source keeps its name (cp a.ts out/ writes out/a.ts)', () => {
    assert.deepEqual(writes(run('cp src/a.ts out/')), ['out/a.ts']);
    assert.equal(run('cp src/a.ts out/').decision, 'allow');
    assert.deepEqual(writes(run('cp src/a.ts src/b.ts out')), ['out/a.ts', 'out/b.ts']);
    assert.deepEqual(writes(run('cp -t out src/a.ts src/b.ts')), ['out/a.ts', 'out/b.ts']);
    assert.deepEqual(writes(run('cp --target-directory=out src/a.ts')), ['out/a.ts']);
    assert.deepEqual(writes(run('cp src/a.ts .')), ['./a.ts']);
  });

  it('mv also writes its sources (they are removed)', () => {
    const r = run('mv README.md src/x');
    assert.equal(r.decision, 'deny');
    // src/x is allowed; the removal of README.md is what is denied.
    assert.deepEqual(writes(r), ['README.md']);
  });

  it('-T says the destination is the file', () => {
    assert.deepEqual(writes(run('mv -T src/a src/lib')), ['src/a', 'src/lib']);
  });

  it('with no file system view, a destination that may be a folder is decided both ways', () => {
    // out/x.ts is allowed (out/**/*.ts), but if out/x.ts is a folder the file written is out/x.ts/a.json.
    const r = run('cp src/a.json out/x.ts');
    assert.deepEqual(writes(r), ['out/x.ts/a.json']);
    assert.equal(r.decision, 'deny');
  });

  it("the file system says which: a folder gets the source's name, a file is written as named", () => {
    const folders = new Set([`${ROOT}/out/lib`]);
    const fs: FileSystemView = { realPath: (p) => p, isDirectory: (p) => folders.has(p) };
    assert.deepEqual(writes(run('cp src/a.ts out/lib', fs)), ['out/lib/a.ts']);
    assert.equal(run('cp src/a.ts out/lib', fs).decision, 'allow');
    assert.deepEqual(writes(run('cp src/a.ts out/b.ts', fs)), ['out/b.ts']);
    assert.equal(run('cp src/a.ts out/b.ts', fs).decision, 'allow');
  });

  it('ln -s TARGET makes a link named after it where it runs', () => {
    assert.deepEqual(writes(run('ln -s src/a.ts')), ['./a.ts']);
    assert.equal(run('ln -s src/a.ts').decision, 'deny');
    assert.deepEqual(writes(run('ln -sf src/a.ts src/b')), ['src/b', 'src/b/a.ts']);
  });
});

describe('subcommands and options that run code', () => {
  const asks: [string, RegExp][] = [
    ['git config core.fsmonitor "rm -rf x"', /git config changes git's configuration, which can name programs that later git commands run/],
    ['git config --global alias.st "!rm -rf x"', /git config changes git's configuration/],
    ['git config --add core.pager less', /git config changes git's configuration/],
    ['git config set core.pager less', /git config changes git's configuration/],
    ['git submodule foreach "rm -rf x"', /git submodule foreach runs its command line in every submodule/],
    ['git bisect run rm -rf x', /git bisect run runs its command at every step/],
    ['git filter-branch --tree-filter "rm x" HEAD', /its option --tree-filter runs code the policy cannot see/],
    ['git difftool -x "rm x"', /its option -x runs code the policy cannot see/],
    ['git send-email --to-cmd ./x', /its option --to-cmd runs code/],
    ['git init --template=t', /its option --template runs code/],
    ['sort --compress-program=sh src/a', /its option --compress-program runs code the policy cannot see \("sh"\)/],
    ['zip -TT "rm x" a.zip src/a', /its option -TT runs code/],
    ['vim -c "!rm x" src/a', /its option -c runs code/],
  ];
  for (const [line, why] of asks) {
    it(`${line}: asks`, () => {
      const r = run(line);
      assert.equal(r.decision, 'ask', r.reason);
      assert.match(r.reason, why);
    });
  }

  it('reading git configuration, and other submodule and bisect verbs, need no person', () => {
    for (const line of [
      'git config --get core.pager',
      'git config core.pager',
      'git config list',
      'git config get user.name',
      'git config -l',
      'git submodule update',
      'git bisect good',
    ]) {
      const r = run(line);
      assert.equal(r.decision, 'allow', `${line}: ${r.reason}`);
    }
  });

  it('sort -o writes its file', () => {
    const r = run('sort -o README.md src/a');
    assert.equal(r.decision, 'deny');
    assert.match(r.reason, /its option -o writes "README.md": filesystem.write "README.md": matches no allow pattern/);
  });
});
