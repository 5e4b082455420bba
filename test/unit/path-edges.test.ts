import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { compileGlob, evaluate, loadPolicySet, normalisePath, type ActiveBypass, type DecisionResult, type FileSystemView, type PolicySet } from '#core';
import { loadShellParser } from '#host/workspace/shell-parser';
import { policy, ROOT } from '../helpers';

// Path normalisation and file decisions at the edges the mutation run of paths.ts and
// evaluate-path.ts left open. Each test names the decision and its cause: the rule, the path as
// normalised, or the reason.

const context = { root: ROOT, caseInsensitive: false };
const at = (input: string, cwd = '', ctx = context): string => {
  const p = normalisePath(input, cwd, ctx);
  return p.ok ? `${p.inside ? 'in' : 'out'}:${p.path}` : `refused:${p.special ?? 'plain'}: ${p.reason}`;
};
const rules = (r: DecisionResult): string[] => r.rules.map((x) => `${x.list} ${x.pattern} ${x.file}:${x.line}`);
const read = (set: PolicySet, path: unknown, extra: Record<string, unknown> = {}) => evaluate(set, { action: 'filesystem.read', path, ...extra });

const OPEN =
  'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**", "/opt/**"]\n    deny: ["secrets/**", "/opt/private/**"]\nconstraints:\n  require_human_approval:\n    - file_pattern: "src/release/**"\nbypass:\n  never:\n    - "secrets/**"\n';

async function rootedAtSlash(text: string): Promise<PolicySet> {
  return loadPolicySet([{ dir: '', text, uri: '.agent-policy.yml' }], { root: '/', shell: await loadShellParser(), caseInsensitive: false });
}

describe('paths that cannot be normalised are refused with the reason, before any rule', () => {
  it('a path that is not a string is refused as such, not as an internal error', async () => {
    const set = await policy({ '': OPEN });
    for (const path of [7, null, { p: 'src/a' }]) {
      const r = evaluate(set, { action: 'filesystem.write', paths: [path] });
      assert.equal(r.decision, 'deny');
      assert.equal(r.reason, 'filesystem.write: the path is missing or not a string', JSON.stringify(path));
      assert.deepEqual(r.rules, []);
    }
  });

  it('an empty path is refused as empty: it is not the repository root', async () => {
    const set = await policy({ '': OPEN });
    const r = read(set, '');
    assert.deepEqual([r.decision, r.reason, r.rules], ['deny', 'filesystem.read "": the path is empty', []]);
  });

  it('a control or line-separator character is refused outright, from the path or from the cwd, whatever a rule allows', async () => {
    const set = await policy({ '': OPEN });
    const inPath = read(set, 'src/a\u2028b');
    assert.deepEqual(
      [inPath.decision, inPath.reason, inPath.rules],
      ['deny', 'filesystem.read "src/a\u2028b": the path contains control or line-separator characters', []],
    );
    const inCwd = read(set, 'a.ts', { cwd: 'src\n' });
    assert.equal(inCwd.reason, 'filesystem.read "a.ts": the path contains control or line-separator characters');
  });
});

describe('denials no rule made name no rule; denials a rule made name it', () => {
  it('the root itself, an outside path no rule names, an unmatched path and a built-in secret carry no rules', async () => {
    const set = await policy({ '': OPEN });
    for (const [path, reason] of [
      ['.', /the repository root itself cannot be read as a file/],
      ['/var/x', /the path is outside the repository root and no rule names it/],
      ['README.md', /matches no allow pattern/],
      ['/opt/u/.ssh/id_rsa', /a built-in secret \(SSH keys/],
    ] as const) {
      const r = read(set, path);
      assert.equal(r.decision, 'deny', path);
      assert.match(r.reason, reason);
      assert.deepEqual(r.rules, [], path);
    }
  });

  it('writing into the host state folder is denied (not merely explained), with no rule: it is built in', async () => {
    const set = await policy({ '': OPEN });
    const r = evaluate(set, { action: 'filesystem.write', path: '/opt/state/bypasses.jsonl' }, { stateDirs: ['/opt/state'] });
    assert.deepEqual([r.decision, r.allowed, r.rules], ['deny', false, []]);
    assert.match(r.reason, /protected \(Agent Policy's state folder \/opt\/state/);
  });

  it('writing the root policy, even where an allow covers it, is denied naming the built-in protection rule to allow exactly', async () => {
    const set = await policy({ '': OPEN.replace('"src/**"', '"src/**", "*.yml"') });
    const r = evaluate(set, { action: 'filesystem.write', path: '.agent-policy.yml' });
    assert.equal(r.decision, 'deny');
    assert.equal(r.rules.length, 1);
    assert.equal(r.rules[0]?.pattern, '**/.agent-policy.yml');
    assert.match(r.reason, /protected \(an agent policy\).*allow exactly "\*\*\/\.agent-policy\.yml" in the root policy/);
  });

  it('a path both allowed and needing approval asks, naming the approval pattern and then the allow that also matched', async () => {
    const set = await policy({ '': OPEN });
    const r = evaluate(set, { action: 'filesystem.write', path: 'src/release/notes.md' });
    assert.deepEqual([r.decision, r.requires_approval], ['ask', true]);
    assert.equal(r.reason, 'filesystem.write "src/release/notes.md": needs human approval by "src/release/**" (.agent-policy.yml:8:21)');
    assert.deepEqual(rules(r), ['require_human_approval src/release/** .agent-policy.yml:8', 'filesystem.allow src/** .agent-policy.yml:4']);
  });
});

describe('a file-system view only adds a decision when the path really is a link', () => {
  it('a view that resolves a path to itself, or cannot resolve it, leaves the decision exactly as without one', async () => {
    const set = await policy({ '': OPEN });
    const views: FileSystemView[] = [{ realPath: (p) => p }, { realPath: () => undefined }];
    for (const path of ['src/a.ts', 'secrets/k', '/var/x']) {
      const plain = read(set, path);
      for (const fs of views) assert.deepEqual(evaluate(set, { action: 'filesystem.read', path }, { fs }), plain, path);
    }
  });

  it('the root is looked up without a trailing slash, so a view that drops one does not report the root as a link to itself', async () => {
    const fs: FileSystemView = { realPath: (p) => posix.resolve('/', p) };
    const repo = await policy({ '': OPEN });
    assert.equal(
      evaluate(repo, { action: 'filesystem.read', path: '.' }, { fs }).reason,
      'filesystem.read "." (): the repository root itself cannot be read as a file',
    );
    const slash = await rootedAtSlash('version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n');
    assert.equal(
      evaluate(slash, { action: 'filesystem.read', path: '/' }, { fs }).reason,
      'filesystem.read "/" (): the repository root itself cannot be read as a file',
    );
  });
});

describe('bypasses open only the kind of path their glob names', () => {
  const bypass = (id: string, pattern: string, ci = false): ActiveBypass => {
    const glob = compileGlob(pattern, ci);
    assert.ok(glob.ok);
    return { id, expiresAt: 1000, glob: glob.glob };
  };

  it('a relative glob, even **, never opens an absolute path outside the root', async () => {
    const set = await policy({ '': OPEN });
    const r = evaluate(set, { action: 'filesystem.write', path: '/var/x' }, { bypasses: [bypass('b-rel', '**')], now: 1 });
    assert.equal(r.decision, 'deny');
    assert.equal(r.bypass_id, undefined);
    assert.match(r.reason, /outside the repository root and no rule names it$/);
  });

  it('an absolute glob opens the outside path it names, and the reason says which bypass and until when', async () => {
    const set = await policy({ '': OPEN });
    const r = evaluate(set, { action: 'filesystem.write', path: '/var/x' }, { bypasses: [bypass('b-abs', '/var/**')], now: 1 });
    assert.deepEqual([r.decision, r.bypass_id, r.rules], ['allow', 'b-abs', []]);
    assert.equal(
      r.reason,
      'filesystem.write "/var/x": the path is outside the repository root and no rule names it, but bypass b-abs allows it until 1970-01-01T00:00:01.000Z',
    );
  });

  it('a bypass for other paths leaves the denial exactly as it was', async () => {
    const set = await policy({ '': OPEN });
    const r = evaluate(set, { action: 'filesystem.write', path: 'README.md' }, { bypasses: [bypass('b-other', 'docs/**')], now: 1 });
    assert.deepEqual([r.decision, r.bypass_id, r.reason], ['deny', undefined, 'filesystem.write "README.md": matches no allow pattern']);
  });

  it('a bypass that bypass.never closes keeps the denial and names both the deny rule and the never rule', async () => {
    const set = await policy({ '': OPEN });
    const r = evaluate(set, { action: 'filesystem.write', path: 'secrets/k' }, { bypasses: [bypass('b-sec', 'secrets/**')], now: 1 });
    assert.deepEqual([r.decision, r.bypass_id], ['deny', undefined]);
    assert.match(r.reason, /denied by "secrets\/\*\*" .*; bypass b-sec cannot open it: bypass.never "secrets\/\*\*"/);
    assert.deepEqual(rules(r), ['filesystem.deny secrets/** .agent-policy.yml:5', 'filesystem.deny secrets/** .agent-policy.yml:11']);
  });
});

describe('max_files_per_action: the smallest limit among those whose folder the action touches', () => {
  const limit = (n: number) => `version: "2.1"\nconstraints:\n  max_files_per_action: ${n}\n`;
  const ALL = 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n';
  const write = (set: PolicySet, paths: string[]) => evaluate(set, { action: 'filesystem.write', paths });

  it("an override's limit governs only paths under its folder, the folder itself included, not a folder that merely starts with its name", async () => {
    const set = await policy({ '': `${ALL}constraints:\n  max_files_per_action: 2\n`, backend: limit(1) });
    for (const paths of [
      ['src/a', 'src/b'],
      ['backendx/a', 'backendx/b'],
    ]) {
      const r = write(set, paths);
      assert.equal(r.decision, 'allow', `${paths.join(' ')}: ${r.reason}`);
      assert.match(r.reason, /allowed by "\*\*"/);
    }
    for (const paths of [
      ['src/a', 'backend/a'],
      ['backend', 'src/a'],
    ]) {
      const r = write(set, paths);
      assert.equal(r.decision, 'deny', paths.join(' '));
      assert.equal(r.reason, 'the action touches 2 files; max_files_per_action is 1 (backend/.agent-policy.override.yml:3:25)');
      assert.deepEqual(rules(r), ['max_files_per_action 1 backend/.agent-policy.override.yml:3']);
    }
  });

  it('exactly the limit is allowed; one more is denied', async () => {
    const set = await policy({ '': `${ALL}constraints:\n  max_files_per_action: 2\n`, backend: limit(1) });
    assert.equal(write(set, ['src/a', 'src/b']).decision, 'allow');
    const over = write(set, ['src/a', 'src/b', 'src/c']);
    assert.equal(over.reason, 'the action touches 3 files; max_files_per_action is 2 (.agent-policy.yml:6:25)');
  });

  it('an override cannot raise the root limit: the smaller wins whichever policy is read first', async () => {
    const raised = await policy({ '': `${ALL}constraints:\n  max_files_per_action: 1\n`, backend: limit(5) });
    assert.equal(write(raised, ['backend/a', 'backend/b']).reason, 'the action touches 2 files; max_files_per_action is 1 (.agent-policy.yml:6:25)');
    const nested = await policy({ '': ALL, backend: limit(5), 'backend/sub': limit(1) });
    assert.equal(
      write(nested, ['backend/sub/a', 'backend/sub/b']).reason,
      'the action touches 2 files; max_files_per_action is 1 (backend/sub/.agent-policy.override.yml:3:25)',
    );
    assert.equal(write(nested, ['backend/a', 'backend/b']).decision, 'allow');
  });

  it('of two equal limits, the one declared first (the root) is the one named', async () => {
    const set = await policy({ '': `${ALL}constraints:\n  max_files_per_action: 1\n`, backend: limit(1) });
    assert.match(write(set, ['backend/a', 'backend/b']).reason, /max_files_per_action is 1 \(\.agent-policy\.yml:6:25\)$/);
  });
});

describe('normalisePath: the working folder', () => {
  it('a plain relative path is taken from the cwd, not from the root', () => {
    assert.equal(at('a.ts', 'src'), 'in:src/a.ts');
    assert.equal(at('.env', 'backend/app'), 'in:backend/app/.env');
  });

  it('an absolute cwd is used as it is, not joined under the root', () => {
    assert.equal(at('a', '/tmp'), 'out:/tmp/a');
    assert.equal(at('../repo/.env', '/tmp'), 'in:.env');
  });
});

describe("normalisePath: only the kernel's own links are followed or refused", () => {
  it('`.` segments inside a kernel link are skipped, as the kernel skips them', () => {
    assert.equal(at('/proc/self/./cwd/a', 'src'), 'in:src/a');
    assert.equal(at('/dev/./fd/./3'), 'refused:descriptor: names /dev/fd/3, a file descriptor that could be any file the shell has open');
  });

  it('folders that merely look like /dev/fd or /proc/self/cwd elsewhere are ordinary folders', () => {
    assert.equal(at('/proc/fd/3'), 'out:/proc/fd/3');
    assert.equal(at('/srv/self/cwd/dev/x'), 'out:/srv/self/cwd/dev/x');
    assert.equal(at('/srv/12/fd/dev'), 'out:/srv/12/fd/dev');
    assert.equal(at('/srv/12/root/proc'), 'out:/srv/12/root/proc');
  });

  it('other /proc/self entries, and /proc entries that are not a process id, are ordinary files', () => {
    assert.equal(at('/proc/self/net/tcp'), 'out:/proc/self/net/tcp');
    // A thread's folder is its process's (see the holes below): /proc/self/task/4242 is /proc/self.
    assert.equal(at('/proc/self/task/4242'), 'out:/proc/self');
    assert.equal(at('/proc/self/task/x/cwd'), 'out:/proc/self/task/x/cwd');
    assert.equal(at('/proc/x12/fd/3'), 'out:/proc/x12/fd/3');
    assert.equal(at('/proc/12x/cwd'), 'out:/proc/12x/cwd');
  });

  it('a descriptor is refused unless it is exactly 0, 1 or 2, and the refusal names the path as the kernel would see it', () => {
    for (const d of ['10', '12', '3'])
      assert.equal(at(`/dev/fd/${d}`), `refused:descriptor: names /dev/fd/${d}, a file descriptor that could be any file the shell has open`);
    assert.equal(at('/proc/self/fd/./7'), 'refused:descriptor: names /proc/self/fd/7, a file descriptor that could be any file the shell has open');
    assert.equal(at('/proc/thread-self/fd/9'), 'refused:descriptor: names /proc/thread-self/fd/9, a file descriptor that could be any file the shell has open');
  });

  it("another process's descriptors and folders are refused, saying which", () => {
    assert.equal(at('/proc/12/fd'), "refused:process: names /proc/12/fd, another process's descriptors, which could be any file");
    assert.equal(at('/proc/12/root/etc'), "refused:process: names /proc/12/root, another process's folder, which could be any file");
  });
});

describe('normalisePath: the root boundary where matching ignores case, and a root at /', () => {
  it('an absolute path spelled in another case is inside a case-insensitive root, keeping its own spelling', () => {
    const ci = { root: '/Repo', caseInsensitive: true };
    assert.equal(at('/repo/Src/a.ts', '', ci), 'in:Src/a.ts');
    assert.equal(at('/REPO', '', ci), 'in:');
    assert.equal(at('/Repo-x/a', '', ci), 'out:/Repo-x/a');
  });

  it('with the root at /, every absolute path is inside it, relative to /', () => {
    const slash = { root: '/', caseInsensitive: false };
    assert.equal(at('/etc/x', '', slash), 'in:etc/x');
    assert.equal(at('/', '', slash), 'in:');
    assert.equal(at('../x', 'src', slash), 'in:x');
  });

  it('with the root at /, the state folder is still recognised and protected', async () => {
    const set = await rootedAtSlash('version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n');
    const r = evaluate(set, { action: 'filesystem.write', path: '/tmp/state/audit.jsonl' }, { stateDirs: ['/tmp/state'] });
    assert.equal(r.decision, 'deny');
    assert.match(
      r.reason,
      /^filesystem\.write "\/tmp\/state\/audit\.jsonl" \(tmp\/state\/audit\.jsonl\): protected \(Agent Policy's state folder \/tmp\/state/,
    );
    assert.equal(evaluate(set, { action: 'filesystem.write', path: '/tmp/other' }, { stateDirs: ['/tmp/state'] }).decision, 'allow');
  });
});

describe('holes found by the mutation review of paths.ts (each was allowed or asked)', () => {
  const DENY = 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n    deny: ["secrets/**", ".env"]\n  commands:\n    allow: ["cat"]\n';

  it('/proc/self/cwd resolves the working directory it stands for, its . and .. included: a deny still applies', async () => {
    const set = await policy({ '': DENY });
    const write = evaluate(set, { action: 'filesystem.write', path: '/proc/self/cwd/secrets/k', cwd: '.' });
    assert.equal(write.decision, 'deny', write.reason);
    assert.deepEqual(rules(write), ['filesystem.deny secrets/** .agent-policy.yml:5']);
    const dotted = read(set, '/proc/self/cwd/.env', { cwd: 'src/..' });
    assert.equal(dotted.decision, 'deny', dotted.reason);
    assert.deepEqual(rules(dotted), ['filesystem.deny .env .agent-policy.yml:5']);
    assert.match(at('/proc/self/cwd/x', '/dev/fd/3'), /^refused:descriptor: names \/dev\/fd\/3/);
  });

  it('with the root at /, a relative path is not taken as already normal: proc/self/cwd/.env is /.env, dev/fd/3 a descriptor', async () => {
    const set = await rootedAtSlash('version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n    deny: [".env"]\n');
    const env = read(set, 'proc/self/cwd/.env');
    assert.equal(env.decision, 'deny', env.reason);
    assert.deepEqual(rules(env), ['filesystem.deny .env .agent-policy.yml:5']);
    const descriptor = read(set, 'dev/fd/3');
    assert.equal(descriptor.decision, 'deny', descriptor.reason);
    assert.match(descriptor.reason, /a file descriptor that could be any file/);
  });

  it("a thread's folder is its process's: /proc/self/task/TID/root and /cwd are / and the working directory", async () => {
    const set = await policy({ '': DENY });
    const shadow = evaluate(set, { action: 'command.exec', command: 'cat /proc/self/task/1/root/etc/shadow' });
    assert.equal(shadow.decision, 'deny', shadow.reason);
    assert.match(shadow.reason, /a built-in secret/);
    const env = evaluate(set, { action: 'command.exec', command: 'cat /proc/self/task/1/cwd/.env' });
    assert.equal(env.decision, 'deny', env.reason);
    assert.match(env.reason, /denied by "\.env"/);
    assert.match(at('/proc/12/task/13/cwd'), /^refused:process: names \/proc\/12\/cwd, another process's folder/);
  });
});
