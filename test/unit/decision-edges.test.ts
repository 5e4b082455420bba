import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, evaluate, normalisePath, type ActiveBypass, type RuleRef } from '#core';
import { combine } from '#core/policy/verdict';
import { isUnder } from '#core/base/paths';
import { policy, ROOT } from '../helpers';

// Edges the mutation run showed untested: each assertion fails if the condition it names is
// dropped or inverted.
const context = { root: ROOT, caseInsensitive: false };
const path = (input: string, cwd = ''): string => {
  const p = normalisePath(input, cwd, context);
  return p.ok ? `${p.inside ? 'in' : 'out'}:${p.path}` : `refused:${p.special ?? 'plain'}`;
};

describe('normalisePath: the root boundary, refusals and the kernel links', () => {
  it('a sibling whose name starts with the root is outside it', () => {
    assert.equal(path('/repo-x/a'), 'out:/repo-x/a');
    assert.equal(path('/repo/a'), 'in:a');
    assert.equal(path('/repo'), 'in:');
    assert.equal(path('../repo-x/a', 'src'), 'in:repo-x/a');
    assert.equal(path('../../repo-x/a', 'src'), 'out:/repo-x/a');
  });

  it('empty paths and control characters are refused, not normalised', () => {
    assert.equal(path(''), 'refused:plain');
    assert.equal(path('src/a\nb'), 'refused:plain');
    assert.equal(path('a', 'sr\u0000c'), 'refused:plain');
    assert.equal(path('./src//a/'), 'in:src/a');
  });

  it('/proc/self and /dev/fd are followed as the kernel follows them', () => {
    assert.equal(path('/proc/self/cwd/a', 'src'), 'in:src/a');
    assert.equal(path('/proc/thread-self/cwd/../b', 'src'), 'in:b');
    assert.equal(path('/proc/self/root/etc/passwd'), 'out:/etc/passwd');
    assert.equal(path('/proc/self/root/repo/.env'), 'in:.env');
    assert.equal(path('/dev/fd/1'), 'out:/dev/fd/1');
    assert.equal(path('/dev/fd/3'), 'refused:descriptor');
    assert.equal(path('/proc/self/fd/2'), 'out:/proc/self/fd/2');
    assert.equal(path('/proc/self/fd/7'), 'refused:descriptor');
    assert.equal(path('/proc/12/cwd/x'), 'refused:process');
    assert.equal(path('/proc/12/fd/1'), 'refused:process');
    assert.equal(path('/proc/12/status'), 'out:/proc/12/status');
    assert.equal(path('/proc/x12/cwd'), 'out:/proc/x12/cwd');
    // Ordinary devices and folders that only look like the links are themselves.
    assert.equal(path('/dev/null'), 'out:/dev/null');
    assert.equal(path('/dev/pts/3'), 'out:/dev/pts/3');
    assert.equal(path('/x/fd/3'), 'out:/x/fd/3');
    assert.equal(path('/proc/self/status'), 'out:/proc/self/status');
    assert.equal(path('/proc/self/fd'), 'out:/proc/self/fd');
    // Inside the repository, a folder called proc is only a folder.
    assert.equal(path('proc/self/cwd/a'), 'in:proc/self/cwd/a');
  });

  it('isUnder compares whole segments', () => {
    assert.equal(isUnder('src/a', 'src', false), true);
    assert.equal(isUnder('src', 'src', false), true);
    assert.equal(isUnder('srcx/a', 'src', false), false);
    assert.equal(isUnder('SRC/a', 'src', true), true);
    assert.equal(isUnder('/abs', '', false), false);
  });
});

describe('file decisions at their edges', () => {
  const text = 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**", "/home/**", "/tmp/**"]\n';
  it('the root itself, built-in secrets outside it, the state folder and governance files', async () => {
    const set = await policy({ '': text });
    const read = (p: string, action = 'filesystem.read') => evaluate(set, { action, path: p }, { stateDirs: ['/tmp/state'] });
    assert.match(read('.').reason, /the repository root itself cannot be read as a file/);
    assert.match(read('.', 'filesystem.write').reason, /cannot be changed as a file/);
    // "/home/**" is allowed, yet a key under it is a built-in secret.
    assert.match(read('/home/u/.ssh/id_ed25519').reason, /a built-in secret \(SSH keys/);
    assert.equal(read('/home/u/notes.txt').decision, 'allow');
    assert.match(read('/tmp/state/audit.jsonl', 'filesystem.write').reason, /Agent Policy's state folder \/tmp\/state/);
    assert.equal(read('/tmp/state/audit.jsonl').decision, 'allow', 'reading the state folder is allowed');
    assert.match(read('src/.agent-policy.override.yml', 'filesystem.write').reason, /protected \(an agent policy override\)/);
    assert.equal(read('src/.agent-policy.override.yml').decision, 'allow');
  });

  it('a bypass opens a denial only before it expires, and only for its kind of path', async () => {
    const set = await policy({ '': text });
    const glob = compileGlob('backend/**', false);
    assert.ok(glob.ok);
    const bypass: ActiveBypass = { id: 'b1', expiresAt: 1000, glob: glob.glob };
    const at = (now: number) => evaluate(set, { action: 'filesystem.write', path: 'backend/x' }, { bypasses: [bypass], now });
    assert.equal(at(999).decision, 'allow');
    assert.equal(at(999).bypass_id, 'b1');
    assert.equal(at(1000).decision, 'deny', 'expired at its expiry instant');
    assert.equal(
      evaluate(set, { action: 'filesystem.write', path: '/backend/x' }, { bypasses: [bypass], now: 1 }).decision,
      'deny',
      'a relative glob does not open an absolute path',
    );
  });
});

describe('combine', () => {
  it('keeps only the worst verdicts, their reasons once and their rules once', () => {
    const rule: RuleRef = { file: 'p', line: 1, column: 1, list: 'filesystem.deny', pattern: 'x' };
    const other = { ...rule, line: 2 };
    const v = combine(
      [
        { decision: 'allow', reason: 'a', rules: [other] },
        { decision: 'deny', reason: 'd', rules: [rule] },
        { decision: 'deny', reason: 'd', rules: [rule], bypass: undefined },
        { decision: 'ask', reason: 'q', rules: [] },
      ],
      'empty',
    );
    assert.deepEqual(v, { decision: 'deny', reason: 'd', rules: [rule] });
    assert.equal(combine([], 'nothing').reason, 'nothing');
    assert.equal(combine([], 'nothing').decision, 'deny');
    assert.equal(
      combine(
        [
          { decision: 'deny', reason: 'x', rules: [] },
          { decision: 'deny', reason: 'y', rules: [] },
        ],
        '',
      ).reason,
      'x; y',
    );
    assert.equal(
      combine(
        [
          { decision: 'allow', reason: 'x', rules: [], bypass: 'b1' },
          { decision: 'allow', reason: 'y', rules: [], bypass: 'b2' },
        ],
        '',
      ).bypass,
      'b1,b2',
    );
  });
});

describe('a file action whose path starts with ~', () => {
  it('asks: the tool may expand it to the home folder (~/.ssh/id_rsa), whatever allow covers a folder named ~', async () => {
    const open = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["**"]\n' });
    for (const path of ['~/.ssh/id_rsa', '~', '~root/.bashrc']) {
      const r = evaluate(open, { action: 'filesystem.read', path });
      assert.equal(r.decision, 'ask', `${path}: ${r.reason}`);
      assert.match(r.reason, /starts with ~, which the tool may expand to a home folder outside the repository root/);
    }
    const many = evaluate(open, { action: 'filesystem.write', paths: ['src/a', '~/.bashrc'] });
    assert.equal(many.decision, 'ask');
    // A ~ inside a name is just a character.
    assert.equal(evaluate(open, { action: 'filesystem.read', path: 'src/a~' }).decision, 'allow');
    assert.equal(evaluate(open, { action: 'filesystem.read', path: 'src/~/x' }).decision, 'allow');
  });

  it('a path denied as written stays denied', async () => {
    const denied = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    deny: ["~/**"]\n' });
    assert.equal(evaluate(denied, { action: 'filesystem.read', path: '~/x' }).decision, 'deny');
  });
});
