import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, renderCause, type Cause, type FileSystemView } from '#core';
import { command, decide, policy } from '../helpers';

// Each case names the decision and a piece of the reason that says *why*: a fail-closed engine
// denies for any reason, so the reason is what shows the right mechanism caught it.
const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**", "scratch/**"]
    deny: ["**/.env*", "secrets/**"]
  commands:
    allow: ["cat", "ls", "echo", "git status", "git log", "npm test", "make", "go test", "time", "env", "find", "grep", "cd", "ssh", "tar", "rsync", "/usr/bin/time", "/opt/bin/tool"]
    deny: ["rm -rf", "git push --force"]
`;

async function check(line: string, decision: string, why: RegExp, cwd?: string): Promise<void> {
  const set = await policy({ '': POLICY });
  const result = command(set, line, cwd);
  assert.equal(result.decision, decision, `${line}: ${result.reason}`);
  assert.match(result.reason, why, line);
}

/** The decision's causes, as data: the one whose kind is given must carry the fields given. */
async function cause(line: string, expected: Partial<Cause> & { kind: Cause['kind'] }): Promise<void> {
  const set = await policy({ '': POLICY });
  const result = command(set, line);
  const causes = result.causes ?? [];
  const found = causes.find((c) =>
    Object.entries(expected).every(([k, v]) => (k === 'rule' ? c.rule?.pattern === (v as { pattern: string }).pattern : c[k as keyof Cause] === v)),
  );
  assert.ok(found, `${line}: no cause like ${JSON.stringify(expected)} in ${JSON.stringify(causes)}`);
  // The reason is the causes rendered, in one place.
  assert.equal(result.reason, [...new Set(causes.map(renderCause))].join('; '), line);
}

test('every decision carries its causes as data: the rule, word, option or table entry behind it', async () => {
  await cause('rm -rf build', { kind: 'rule', program: 'rm', rule: { pattern: 'rm -rf' } as Cause['rule'] });
  await cause('git -c core.fsmonitor=/tmp/x status', { kind: 'option', program: 'git', option: '-c', table: 'program-options' });
  await cause('env LD_PRELOAD=/tmp/x.so ls', { kind: 'variable', word: 'LD_PRELOAD', table: 'risky-variables' });
  await cause('cat /etc/shadow', { kind: 'argument', word: '/etc/shadow', table: 'outside-secrets' });
  await cause('cat .env', { kind: 'argument', word: '.env', rule: { pattern: '**/.env*' } as Cause['rule'] });
  await cause('cat .agent-pol*', { kind: 'glob', word: '.agent-pol*', table: 'governance' });
  await cause('cat {.e,}nv', { kind: 'expansion', word: 'the brace expansion {.e,}nv' });
  await cause('./cat src/a.ts', { kind: 'program', program: './cat' });
  await cause('sed "s/x/id/e" src/a.ts', { kind: 'no-allow', program: 'sed' });
  await cause('echo x > .env', { kind: 'path', word: '.env', rule: { pattern: '**/.env*' } as Cause['rule'] });
  await cause('X=secrets; cd "$X" && ls', { kind: 'place' });
  await cause('cat src/a.ts', { kind: 'rule', program: 'cat', rule: { pattern: 'cat' } as Cause['rule'] });
});

test('brace expansion whose braces and commas span quoted or split fragments is not a literal word', async () => {
  await check('cat {.e,}nv', 'ask', /brace expansion/);
  await check("cat {'.e',}nv", 'ask', /brace expansion/);
  await check('cat src/{a.ts,../.env}', 'ask', /brace expansion/);
  await check('cat src/{a.ts}', 'allow', /allowed by "cat"/);
});

test('backslash-newline joins two fragments into one word, as bash does', async () => {
  await check('cat .e\\\nnv', 'deny', /names \.env, denied by "\*\*\/\.env\*"/);
  // Not in a comment: there the newline still ends it, and the next line is a command of its own.
  await check('ls # note \\\nrm -rf build', 'deny', /denied by "rm -rf"/);
});

test('assignments through env get the risky-variable check of a VAR=… prefix', async () => {
  await check('env LD_PRELOAD=/tmp/x.so ls', 'ask', /sets LD_PRELOAD/);
  await check('env GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0=x git status', 'ask', /sets GIT_CONFIG_COUNT/);
  await check('PAGER=/tmp/x git log', 'ask', /sets PAGER/);
  await check('npm_config_script_shell=/tmp/x npm test', 'ask', /sets npm_config_script_shell/);
  await check('GOFLAGS=-toolexec=/tmp/x go test', 'ask', /sets GOFLAGS/);
  await check("PS4='$(id)' bash -x -c ls", 'ask', /sets PS4/);
  await check('NODE_ENV=test npm test', 'allow', /allowed by "npm test"/);
});

test('options of allowed programs that run code or write files are decided from the program table', async () => {
  await check('git -c core.fsmonitor=/tmp/x status', 'ask', /git -c .*runs/);
  await check('npm test --script-shell=/tmp/x', 'ask', /--script-shell .*runs/);
  await check("make --eval='$(shell id)'", 'ask', /--eval .*runs/);
  await check('go test -exec=/tmp/x ./...', 'ask', /-exec .*runs/);
  await check('go test -toolexec /tmp/x ./...', 'ask', /-toolexec .*runs/);
  await check('/usr/bin/time -o .agent-policy.yml ls', 'deny', /-o writes .*protected/);
  await check('time -o src/out.txt ls', 'allow', /-o writes "src\/out.txt": .*allowed by "src\/\*\*"/);
  await check('env -C secrets ls', 'deny', /argument "secrets" names secrets, denied by "secrets\/\*\*"/);
  await check('env -C scratch ls', 'ask', /-C changes the directory .* to "scratch"/);
  await check('find scratch -delete', 'ask', /-delete deletes what it finds/);
  await check('find src -fprint .env', 'deny', /-fprint writes/);
  await check('tar --to-command=/tmp/x -xf a.tar', 'ask', /--to-command .*runs/);
});

test('GNU abbreviated long options are the options they abbreviate', async () => {
  await check('rm --recur --forc build', 'deny', /denied by "rm -rf"/);
  await check('git push --forc origin main', 'deny', /denied by "git push --force"/);
  // A prefix of one option is that option (`--f` is --force); an ambiguous one keeps every candidate.
  await check('rm --recursive --f build', 'deny', /denied by "rm -rf"/);
  await check('rm --rec build', 'deny', /rm matches no allow pattern/);
});

test('a program named by a path is not the program of the same base name', async () => {
  await check('./cat src/a.ts', 'deny', /\.\/cat matches no allow pattern \("cat" allows the cat found on PATH or in a system folder, not \.\/cat\)/);
  await check('/tmp/x/cat src/a.ts', 'deny', /matches no allow pattern/);
  await check('/opt/bin/tool x', 'allow', /allowed by "\/opt\/bin\/tool"/);
  await check('/opt/bin/../bin/tool x', 'allow', /allowed by "\/opt\/bin\/tool"/);
  await check('tool x', 'deny', /tool matches no allow pattern \("\/opt\/bin\/tool" allows the tool found at \/opt\/bin\/tool, not tool\)/);
  await check('/usr/bin/tool x', 'deny', /\/usr\/bin\/tool matches no allow pattern/);
  await check('/bin/cat src/a.ts', 'allow', /allowed by "cat"/);
  // A deny still applies to anything called rm.
  await check('./rm -rf build', 'deny', /denied by "rm -rf"/);
});

test('special paths in arguments are the paths they stand for', async () => {
  await check('cat /proc/self/cwd/.env', 'deny', /denied by "\*\*\/\.env\*"/);
  await check('cat /proc/self/root/repo/.env', 'deny', /denied by "\*\*\/\.env\*"/);
  await check('cat /proc/self/cwd/../secrets/k', 'deny', /names secrets\/k, denied by "secrets\/\*\*"/, 'src');
  await check('cat /proc/self/cwd/secrets/k', 'allow', /allowed by "cat"/, 'src');
  await check('cat /proc/1/root/repo/.env', 'ask', /\/proc\/1\/root, another process's folder/);
  await check('cat /dev/fd/3', 'ask', /names \/dev\/fd\/3, a file descriptor/);
});

test('secrets outside the project are denied by a built-in list; other outside paths ask', async () => {
  await check('cat /home/u/.ssh/id_rsa', 'deny', /built-in secret/);
  await check('cat /etc/shadow', 'deny', /built-in secret/);
  await check('cat /proc/self/environ', 'deny', /built-in secret/);
  await check('cat /home/u/.aws/credentials', 'deny', /built-in secret/);
  // The audit seal holds the keys that sign the log: no agent may read or change it, by any path or glob.
  await check('cat /home/u/.local/state/.agent-policy-seal/0f3a.seal', 'deny', /built-in secret \(Agent Policy's audit seals/);
  await check('cp /dev/null /home/u/.local/state/.agent-policy-seal/0f3a.seal', 'deny', /built-in secret \(Agent Policy's audit seals/);
  await check('mv /home/u/.local/state/.agent-policy-seal /tmp/x', 'deny', /built-in secret \(Agent Policy's audit seals/);
  await check('cat /home/u/.local/state/.agent-policy-*/*', 'deny', /can expand to .*\.agent-policy-seal.*a built-in secret \(Agent Policy's audit seals/);
  await check('cat /etc/hostname', 'ask', /outside the repository root/);
  await check('cat src/a.ts > /dev/null', 'allow', /allowed by "cat"/);
});

test('an unquoted glob that can reach a governance file is not decided as harmless', async () => {
  await check('cat .agent-pol*', 'ask', /the glob "\.agent-pol\*" can expand to a path like \*\*\/\.agent-policy\.yml, an agent policy/);
  await check('cat .agent-polic?.yml', 'ask', /can expand to a path like \*\*\/\.agent-policy\.yml, an agent policy/);
  await check('ls src/*/.agent-policy.override.yml', 'ask', /can expand to a path like \*\*\/\.agent-policy\.override\.yml, an agent policy override/);
  await check('cat .agent-policy/audit/a*', 'ask', /can expand to a path like \.agent-policy\/\*\*, Agent Policy's state/);
  await check('cat .claude/s*.json', 'ask', /can expand to a path like \.claude\/settings\.json/);
  await check('cat src/*/a*.ts', 'allow', /allowed by "cat"/);
  // Hostile globs cost no more than plain ones: no automaton is built for the governance check.
  await check('cat src/*src/*src/*src/*.yml', 'ask', /more wildcards than can be checked .* in bounded time/);
  await check('cat src/*/.agent-policy*', 'ask', /can expand to a path like \*\*\/\.agent-policy\.yml/);
  await check('cat src/a*.ts', 'allow', /allowed by "cat"/);
});

// Lets rm -r run anywhere, so only the governance check stands between it and the policy.
const RM_POLICY = POLICY.replace('"rm -rf", ', '').replace(', "secrets/**"]', ']').replace('"cat", ', '"cat", "rm -r", "git clean", "tar -x", ');

async function rm(line: string, decision: string, why: RegExp, cwd?: string): Promise<void> {
  const set = await policy({ '': RM_POLICY, backend: 'version: "2.1"\n' });
  const result = command(set, line, cwd);
  assert.equal(result.decision, decision, `${line}: ${result.reason}`);
  assert.match(result.reason, why, line);
}

test('a folder above governance files, deleted or overwritten, reaches them', async () => {
  await rm('rm -r .', 'ask', /argument "\." names the root, which is the repository root, which holds the agent policy/);
  await rm('rm -r backend', 'ask', /names backend, which is a folder holding the agent policy override backend\/\.agent-policy\.override\.yml/);
  await rm('rm -r b*', 'ask', /the glob "b\*" can expand to backend/);
  await rm('rm -r .cl*', 'ask', /the glob "\.cl\*" can expand to \.claude/);
  await rm('git clean -fdx', 'ask', /its working directory \(the root\) is the repository root/);
  await rm('git clean -fdx src', 'allow', /allowed by "git clean"/);
  await rm('tar -xf a.tar', 'ask', /its working directory \(the root\)/);
  await rm('tar -xf a.tar', 'allow', /allowed by "tar -x"/, 'src');
  await rm('rm -r src/old', 'allow', /allowed by "rm -r"/);
});

test('a command run in a denied folder reads it', async () => {
  await check('ls', 'deny', /runs in secrets, a folder denied/, 'secrets');
});

test('cd needs no allow of its own, and entering a folder is not reading what lies below it', async () => {
  const set = await policy({ '': POLICY.replace('"cd", ', '') + '' });
  const result = command(set, 'cd src && ls');
  assert.equal(result.decision, 'allow', result.reason);
  await check('cd scratch && ls', 'allow', /allowed by "ls"/);
  await check('cd secrets && ls', 'deny', /runs in secrets, a folder denied by "secrets\/\*\*"/);
  const below = await policy({ '': POLICY.replace('"secrets/**"]', '"secrets/**", "src/keys/**"]') });
  assert.equal(command(below, 'cd src && go test ./...').decision, 'allow', 'a denied folder below src is not read by entering src');
  assert.match(command(below, 'cd src && cat keys/k').reason, /names src\/keys\/k, denied by "src\/keys\/\*\*"/);
});

test('an argument that is a symlink to a denied file is that file', async () => {
  const set = await policy({ '': POLICY });
  const fs: FileSystemView = { realPath: (p) => (p === '/repo/src/link' ? '/repo/.env' : p) };
  const result = evaluate(set, { action: 'command.exec', command: 'cat src/link' }, { fs });
  assert.equal(result.decision, 'deny', result.reason);
  assert.match(result.reason, /names src\/link, a link to \.env, denied by "\*\*\/\.env\*"/);
});

test('every field of an action that names a target is decided; malformed ones deny', async () => {
  const set = await policy({ '': POLICY });
  const both = decide(set, { action: 'filesystem.read', path: '.env', paths: ['src/a.ts'] });
  assert.equal(both.decision, 'deny');
  assert.match(both.reason, /\.env.*denied by "\*\*\/\.env\*"/);
  const badCwd = decide(set, { action: 'filesystem.read', path: 'a.ts', cwd: 7 });
  assert.equal(badCwd.decision, 'deny');
  assert.match(badCwd.reason, /cwd must be a string/);
  const search = decide(set, { action: 'filesystem.search', path: 'src', cwd: ['x'] });
  assert.match(search.reason, /cwd must be a string/);
  const rename = decide(set, { action: 'filesystem.rename', path: 'src/a.ts', paths: ['src/b.ts'], new_path: 'src/c.ts' });
  assert.equal(rename.decision, 'allow', 'a rename names three paths here, all allowed');
  const endpoint = decide(set, { action: 'network.request', url: 'https://registry.npmjs.org/x', host: 'evil.example' });
  assert.equal(endpoint.decision, 'deny');
  assert.match(endpoint.reason, /evil\.example/);
  const badHost = decide(set, { action: 'network.request', url: 'https://registry.npmjs.org/x', host: 7 });
  assert.equal(badHost.decision, 'deny');
});

// An override that lets `rm -r` run in scratch/ only.
const SCRATCH_OVERRIDE = `version: "2.1"
permissions:
  commands:
    allow: ["rm -r"]
`;

async function scoped(line: string, decision: string, why: RegExp, cwd?: string, fs?: FileSystemView): Promise<void> {
  const set = await policy({ '': POLICY, scratch: SCRATCH_OVERRIDE });
  const action = cwd === undefined ? { action: 'command.exec', command: line } : { action: 'command.exec', command: line, cwd };
  const result = evaluate(set, action, fs ? { fs } : {});
  assert.equal(result.decision, decision, `${line}: ${result.reason}`);
  assert.match(result.reason, why, line);
}

test("an override's command rule applies to the directory each simple command runs in", async () => {
  await scoped('cd scratch && rm -r old', 'allow', /allowed by "rm -r" \(scratch\//);
  // The subshell's cd does not move the rm after it.
  await scoped('(cd scratch); rm -r src', 'deny', /rm matches no allow pattern/);
  await scoped('cd scratch && cd ../src && rm a.ts', 'deny', /rm matches no allow pattern/);
  // A pipeline's parts run in subshells of their own.
  await scoped('cd scratch | rm -r src', 'deny', /rm matches no allow pattern/);
  // `;` runs the next command whether or not cd succeeded; `||` only when it failed.
  await scoped('cd scratch; rm -r old', 'deny', /rm matches no allow pattern/);
  await scoped('cd scratch || rm -r old', 'deny', /rm matches no allow pattern/);
  await scoped('rm -r old', 'allow', /allowed by "rm -r"/, 'scratch');
  // A cwd reached through a symlink is the folder it leads to.
  const fs: FileSystemView = { realPath: (p) => (p === '/repo/scratch/link' ? '/repo/src' : p) };
  await scoped('rm -r a', 'deny', /rm matches no allow pattern/, 'scratch/link', fs);
  await scoped('cd scratch/link && rm -r a', 'deny', /rm matches no allow pattern/, undefined, fs);
});

test('a cd inside a loop or an eval leaves the directory unknown after it; a function moves it where it is called', async () => {
  await scoped('for d in a; do cd scratch; done; rm -r old', 'deny', /rm matches no allow pattern/);
  await check('for d in a b; do cd "$d"; done; cat x', 'ask', /directory that "a directory change inside a loop" chose/);
  // A call runs the function's body where the call is, and moves the shell as the body does.
  await check('ls() { cd secrets; }; ls; cat k', 'deny', /command "cat k": argument "k" names secrets\/k, denied/);
  await check('f() { cat k; }; cd secrets && f', 'deny', /command "cat k": argument "k" names secrets\/k, denied/);
  await check('eval "cd secrets"; cat k', 'ask', /eval, which changes directory/);
});

test('a redirection belongs to its own command and opens where that command runs', async () => {
  await check('cd scratch && echo x > notes.txt', 'allow', /scratch\/notes\.txt.*allowed by "scratch\/\*\*"/);
  await check('cd scratch; echo x > notes.txt', 'deny', /notes\.txt"?: matches no allow pattern/);
  // tree-sitter hangs `> f` on the whole list; bash gives it to the last command only.
  await check('cd src && ls | cat > .env', 'deny', /src\/\.env.*denied by "\*\*\/\.env\*"/);
  // A redirection of cd itself opens before cd moves the shell.
  await check('cd scratch > notes.txt', 'deny', /notes\.txt"?: matches no allow pattern/);
});

test('max_files_per_action of an override counts files after normalisation, each once', async () => {
  const set = await policy({
    '': POLICY.replace('"scratch/**"]', '"scratch/**", "backend/**"]'),
    backend: 'version: "2.1"\nconstraints:\n  max_files_per_action: 2\n',
  });
  const spelled = decide(set, { action: 'filesystem.write', paths: ['./backend/a', '/repo/backend/b', 'src/../backend/c'] });
  assert.equal(spelled.decision, 'deny');
  assert.match(spelled.reason, /touches 3 files; max_files_per_action is 2 \(backend\//);
  const relative = decide(set, { action: 'filesystem.write', paths: ['a', 'b', 'c'], cwd: 'backend' });
  assert.match(relative.reason, /touches 3 files; max_files_per_action is 2/);
  const same = decide(set, { action: 'filesystem.write', paths: ['backend/a', './backend/a', 'backend/b'] });
  assert.equal(same.decision, 'allow', `one file named twice is one file: ${same.reason}`);
});

test("an allowed interpreter's inline code and sed/awk scripts that run commands or reach files ask", async () => {
  const set = await policy({ '': POLICY.replace('"cat", ', '"cat", "python3", "node", "sed", "awk", "perl -e", ') });
  const expect = (line: string, decision: string, why: RegExp): void => {
    const result = command(set, line);
    assert.equal(result.decision, decision, `${line}: ${result.reason}`);
    assert.match(result.reason, why, line);
  };
  expect('python3 tools/gen.py', 'allow', /allowed by "python3"/);
  expect('python3 -c "import os; os.remove(\'.agent-policy.yml\')"', 'ask', /its option -c runs code the policy cannot see/);
  expect("node -e \"require('fs').rmSync('.agent-policy', {recursive: true})\"", 'ask', /its option -e runs code/);
  expect('node --eval=1', 'ask', /its option --eval runs code/);
  // The allow names the inline flag: the author chose to let it run.
  expect('perl -e "print 1"', 'allow', /allowed by "perl -e"/);
  expect("sed -n 's/a/b/p' src/a.ts", 'allow', /allowed by "sed"/);
  expect("sed -i 's/a/b/' .agent-policy.yml", 'deny', /-i rewrites "\.agent-policy\.yml".*protected/);
  expect("sed -Ei 's/a/b/' src/a.ts", 'allow', /-i rewrites "src\/a\.ts".*allowed by "src\/\*\*"/);
  expect("sed 's/x/id/e' src/a.ts", 'ask', /its script .* can run commands or reach files/);
  expect("sed -e '1w .env' src/a.ts", 'ask', /its script .* can run commands/);
  expect('awk \'{ system("id") }\' src/a.ts', 'ask', /its script .* can run commands/);
  expect("awk '{ print $1 }' src/a.ts", 'allow', /allowed by "awk"/);
});

test('ordinary commands are not blocked for the wrong reason', async () => {
  // A grep pattern that looks like an absolute path is text, not a file outside the root.
  await check('grep -rn "/api/v1" src', 'allow', /allowed by "grep"/);
  await check('grep -e /api/v1 /etc/hostname', 'ask', /"\/etc\/hostname" names \/etc\/hostname, outside the repository root/);
  // A glob with a trailing slash is the folders it matches, decided like the glob without it.
  await check('ls -d src/a*/', 'allow', /allowed by "ls"/);
  await check('ls -d secrets/*/', 'deny', /the glob "secrets\/\*" can expand to secrets\/.*denied by/);
  await check('echo x > /dev/null', 'allow', /allowed by "echo"/);
});

test('what tree-sitter parses differently from bash is followed as bash runs it, or refused', async () => {
  // Fragments with nothing between them are one word, however the parser split them.
  await check("cat '.e'\\nv", 'deny', /names \.env, denied by/);
  await check('cat ".en"\\v', 'deny', /names \.env, denied by/);
  // Text no node covers: the words are not known.
  await check('cat "x"\\ y', 'ask', /the parser skipped/);
  // `a && b 2>x | c` is `a && (b 2>x | c)` to bash: c runs in src.
  await check('cd src && ls 2>/dev/null | cat .env', 'deny', /names src\/\.env, denied by/);
  // Backquoted commands tree-sitter leaves as text still run.
  await check('x=${X:-`rm -rf /`}', 'ask', /backquoted command/);
  await check('cat <<EOF\n`cat .env`\nEOF', 'ask', /here-document EOF runs a backquoted command/);
  await check("cat <<'EOF'\n`cat .env`\nEOF", 'allow', /allowed by "cat"/);
  // trap's command line runs later, wherever the shell is then; alias renames what later names run.
  await check("trap 'cat k' EXIT; cd secrets", 'ask', /wherever the shell is when the trap runs/);
  const withAlias = await policy({ '': POLICY.replace('"cat", ', '"cat", "alias", ') });
  assert.match(command(withAlias, 'alias ls=rm; ls -rf src').reason, /alias changes what later command names mean/);
  // bash expands a tilde after an assignment-shaped word's `=`; $'\351' is a byte, not é.
  await check('cat if=~/.ssh/id_rsa', 'ask', /the tilde in if=~\/\.ssh\/id_rsa/);
  await check('X=secrets; cd "$X" && ls', 'ask', /runs in a directory that "cd "\$X"" chose at run time/);
});

test('nested function calls and loops that multiply the walk are bounded, and refused', async () => {
  const calls = ['f0() { ls; }', ...Array.from({ length: 30 }, (_, i) => `f${i + 1}() { f${i}; f${i}; }`), 'f30'].join('; ');
  await check(calls, 'deny', /loops and function calls take more than 20000 steps \(or 5000 simple commands\)/);
  // Nested loops of cd: the candidate directories are capped, and the directory is then unknown.
  const loops = `${'for a in 1; do '.repeat(40)}cd src; ls${'; done'.repeat(40)}`;
  await check(loops, 'ask', /a directory change inside a loop|one of too many directories/);
  // A call of a defined function needs no allow: its body is what runs, and it is decided.
  await check('f() { ls src; }; f', 'allow', /allowed by "ls"/);
  await check('f() { ls src; }; LD_PRELOAD=/tmp/x.so f', 'ask', /sets LD_PRELOAD/);
  // Defined only maybe: the call may run the real program, which is decided as such.
  await check('if false; then rm() { ls; }; fi; rm -rf build', 'deny', /denied by "rm -rf"/);
  await check('(rm() { ls; }); rm -rf build', 'deny', /denied by "rm -rf"/);
  await check('rm() { ls; }; rm -rf build', 'allow', /allowed by "ls"/);
});
