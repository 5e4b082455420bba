import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, run, runIn, workspace } from './cli-helpers';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'workspace');

const POLICY =
  'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n    deny: ["secrets/**"]\n  commands:\n    allow: ["npm test"]\nconstraints:\n  require_human_approval:\n    - command_pattern: "git commit"\n';

describe('agent-policy CLI (real processes)', () => {
  it('eval writes one decision line per action, in order, and exits 0', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const input = [
      '{"action":"filesystem.write","path":"src/a.ts"}',
      '',
      '{"action":"filesystem.write","path":"src/../secrets/k"}',
      'not json',
      '{"action":"command.exec","command":"git commit -m x"}',
    ].join('\n');
    const r = run(['eval', '--root', root], input);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { decision: string; allowed: boolean; requires_approval: boolean; reason: string; rules: unknown[] });
    assert.deepEqual(
      lines.map((l) => l.decision),
      ['allow', 'deny', 'deny', 'ask'],
    );
    assert.match(lines[2]?.reason ?? '', /line 4 is not valid JSON/);
    // A command decision also carries its causes, as data.
    lines.forEach((l, i) => assert.deepEqual(Object.keys(l), ['decision', 'allowed', 'requires_approval', 'reason', 'rules', ...(i === 3 ? ['causes'] : [])]));
    assert.deepEqual(
      (lines[3] as unknown as { causes: { kind: string; rule: { pattern: string } }[] }).causes.map((c) => [c.kind, c.rule.pattern]),
      [['rule', 'git commit']],
    );
  });

  it('eval exits 2 with file:line:col when the policy cannot be loaded', () => {
    const root = workspace({ '.agent-policy.yml': 'version: "2.1"\npermissions:\n  filesystem:\n    deny: ["!x"]\n' });
    const r = run(['eval', '--root', root], '{"action":"filesystem.read","path":"a"}\n');
    assert.equal(r.code, 2);
    // Named by its whole path: the policy is outside the folder the command was run in.
    assert.ok(r.stderr.startsWith(`${root}/.agent-policy.yml:4:12 error AP2004 `), r.stderr);
    assert.equal(r.stdout, '');
    const missing = run(['eval', '--root', workspace({})], '');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /AP2011/);
  });

  it('check exits 0 allow, 1 deny, 3 ask, 2 on usage errors', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    assert.equal(run(['check', '--root', root, '--json', '{"action":"filesystem.read","path":"src/x"}']).code, 0);
    const deny = run(['check', '--root', root, '--json', '{"action":"filesystem.read","path":"secrets/x"}']);
    assert.equal(deny.code, 1);
    assert.match(deny.stdout, /^DENY: .*denied by "secrets\/\*\*" \(\.agent-policy\.yml:5:12\)/);
    assert.equal(run(['check', '--root', root, '--json', '{"action":"command.exec","command":"git commit -m x"}']).code, 3);
    assert.equal(run(['check', '--root', root]).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
  });

  it('validate and agent-policy-lint --check-conflicts report the example conflict and exit 1', () => {
    const v = run(['validate', '--root', EXAMPLE]);
    assert.equal(v.code, 1);
    // Files are named from the folder the command runs in (these tests run in the repository's root).
    const shown = relative(process.cwd(), EXAMPLE).split(sep).join('/');
    assert.ok(
      v.stdout.split('\n').some((l) => l.startsWith(`${shown}/backend/.agent-policy.override.yml:7:9 error AP2002 Policy conflict`)),
      v.stdout,
    );
    assert.ok(v.stdout.split('\n').some((l) => l.startsWith(`${shown}/.agent-policy.yml:11:9 error AP2002 `)));
    const dir = mkdtempSync(join(tmpdir(), 'agent-policy-bin-'));
    const lint = join(dir, 'agent-policy-lint');
    symlinkSync(CLI, lint);
    const l = run(['--config', join(EXAMPLE, '.agent-policy.yml'), '--check-conflicts'], undefined, lint);
    assert.equal(l.code, 1);
    assert.match(l.stdout, /AP2002/);
    const clean = workspace({ '.agent-policy.yml': POLICY });
    assert.equal(run(['validate', '--root', clean]).code, 0);
  });

  it('agent-policy-lint --agent-log reports violations at their log lines', () => {
    const root = workspace({
      '.agent-policy.yml': POLICY,
      'log.jsonl':
        '{"action":"filesystem.write","path":"src/a.ts"}\n{"action":"command.exec","command":"rm -rf /"}\n{"action":"command.exec","command":"git commit -m x","approval_id":"apr_1"}\n',
    });
    const dir = mkdtempSync(join(tmpdir(), 'agent-policy-bin-'));
    const lint = join(dir, 'agent-policy-lint');
    symlinkSync(CLI, lint);
    const r = run(['--config', join(root, '.agent-policy.yml'), '--agent-log', join(root, 'log.jsonl')], undefined, lint);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /log\.jsonl:2: command\.exec "rm -rf \/" → deny: /);
    assert.match(r.stdout, /3 action\(s\) checked, 1 violation\(s\)/);
  });

  it('check, eval and approvals request decide alike, through the one enforcer: all see the state folder (here inside src/, which the policy allows)', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const state = join(root, 'src', 'state');
    const write = JSON.stringify({ action: 'filesystem.write', path: 'src/state/bypasses.jsonl' });
    const check = run(['check', '--root', root, '--state', state, '--json', write, '--output', 'json']);
    const evaluated = run(['eval', '--root', root, '--state', state], `${write}\n`);
    const request = run(['approvals', 'request', '--root', root, '--state', state, '--json', write]);
    const reasons = [check.stdout, evaluated.stdout].map((out) => JSON.parse(out) as { decision: string; reason: string });
    for (const r of reasons) assert.equal(r.decision, 'deny');
    assert.match(reasons[0]?.reason ?? '', /state folder/);
    assert.equal(reasons[1]?.reason, reasons[0]?.reason, 'eval gives the reason check gives');
    assert.equal(request.code, 1, 'nothing is queued for a person to grant');
    assert.match(request.stdout, /^DENY: .*state folder[\s\S]*no approval needed/);
    // The same path without that state folder is an ordinary allowed write.
    assert.equal((JSON.parse(run(['check', '--root', root, '--json', write, '--output', 'json']).stdout) as { decision: string }).decision, 'allow');
  });
});

describe('policy files that cannot be read as policies are one-line blocking errors (AP1007), never a stack trace or a silent skip', () => {
  it('a root policy that is a folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-policy-'));
    mkdirSync(join(root, '.agent-policy.yml'));
    const r = runIn(root, ['validate']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout + r.stderr, /^\.agent-policy\.yml:1:1 error AP1007 \.agent-policy\.yml cannot be read as a policy: it is a folder\.$/m);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('an override that is a symbolic link (it was ignored without a word): its content lives outside the reviewed repository', () => {
    const root = workspace({ '.agent-policy.yml': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n', 'sub/keep': '' });
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'agent-policy-')), 'permissive.yml');
    writeFileSync(elsewhere, 'permissions:\n  filesystem:\n    allow: ["**"]\n');
    symlinkSync(elsewhere, join(root, 'sub', '.agent-policy.override.yml'));
    const r = run(['validate', '--root', root]);
    assert.equal(r.code, 1, r.stdout);
    assert.ok(
      r.stdout.includes(
        `sub/.agent-policy.override.yml:1:1 error AP1007 sub/.agent-policy.override.yml cannot be read as a policy: it is a symbolic link (to ${elsewhere}); a policy must be a regular file in the repository, where it is reviewed.`,
      ),
      r.stdout,
    );
  });
});

describe('a system error is one line naming the file, never a stack trace', () => {
  it('ENAMETOOLONG from a state folder whose name is too long', () => {
    const root = workspace({ '.agent-policy.yml': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n' });
    const state = join(root, 'x'.repeat(300));
    const r = run([
      'bypass',
      '--root',
      root,
      '--state',
      state,
      '--reason',
      'an emergency fix',
      '--allow',
      'src/**',
      '--duration',
      '30m',
      '--approver',
      'a@example.com',
    ]);
    assert.notEqual(r.code, 0, r.stdout);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /^agent-policy: ENAMETOOLONG: name too long, mkdir '.*x{300}\/?[a-z]*'$/);
  });
});
