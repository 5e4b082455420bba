import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { APPROVER, atTerminal, enrolApprover, run, waitingRequest, workspace } from './cli-helpers';

const POLICY = `version: "2.1"
agent_id: "ci-agent"
permissions:
  filesystem:
    allow:
      - "src/**"
      - "src/**"
    deny:
      - "backend/auth/**"
      - "secrets/**"
  commands:
    allow: ["npm test"]
constraints:
  require_human_approval:
    - file_pattern: "package.json"
audit:
  log_all_actions: true
  alert_on_deny: true
bypass:
  max_duration: "1h"
  approvers: ["alice@example.com"]
  never: ["secrets/**"]
`;

const check = (root: string, action: object, ...extra: string[]) => run(['check', '--root', root, '--json', JSON.stringify(action), ...extra]);

describe('audit, bypass and approvals CLI (real processes)', () => {
  it('check --audit records every decision; alert_on_deny goes to stderr; audit verify and query read it', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    assert.equal(check(root, { action: 'filesystem.write', path: 'src/a.ts' }, '--audit').code, 0);
    const denied = check(root, { action: 'filesystem.write', path: 'secrets/k' }, '--audit');
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /ALERT \(audit entry 2\): denied: filesystem.write secrets\/k/);
    assert.equal(check(root, { action: 'filesystem.write', path: 'package.json' }, '--audit').code, 3);
    const verify = run(['audit', 'verify', '--root', root]);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /3 entries verified; the chain is intact/);
    const q = run(['audit', 'query', '--root', root, '--decision', 'deny', '--json']);
    const entries = q.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.path, 'secrets/k');
    assert.equal(entries[0]?.agent_id, 'ci-agent');
    assert.equal(entries[0]?.runtime, 'cli');
    assert.deepEqual((entries[0]?.rule as { pattern: string }).pattern, 'secrets/**');
    assert.equal(run(['audit', 'query', '--root', root, '--path', 'src/**', '--json']).stdout.trim().split('\n').length, 1);
    assert.equal(run(['audit', 'query', '--root', root, '--action', 'filesystem.', '--since', '1h', '--json']).stdout.trim().split('\n').length, 3);
    // Tampering: edit the allowed entry to say deny.
    const file = join(root, '.agent-policy', 'audit', readdir(join(root, '.agent-policy', 'audit')));
    writeFileSync(file, readFileSync(file, 'utf8').replace('"decision":"allow"', '"decision":"deny"'));
    const broken = run(['audit', 'verify', '--root', root]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /:1: edited: entry 1 was edited/);
  });

  it('bypass: granted with its id, expiry and store; honoured by check; listed; revoked; refused when the policy forbids it', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const action = { action: 'filesystem.write', path: 'backend/auth/config.yml' };
    assert.equal(check(root, action).code, 1);
    enrolApprover();
    const g = atTerminal(
      [
        'bypass',
        '--root',
        root,
        '--reason',
        'P0 incident: fix auth service crash',
        '--allow',
        'backend/auth/config.yml',
        '--duration',
        '30m',
        '--approver',
        'alice@example.com',
      ],
      `${APPROVER.passphrase}\n`,
    );
    assert.equal(g.code, 0, g.stdout);
    const id = /Bypass granted: (bypass_[0-9a-z]+)/.exec(g.stdout)?.[1];
    assert.ok(id, g.stdout);
    assert.match(g.stdout, /Expires: \d{4}-\d\d-\d\dT/);
    assert.match(g.stdout, /Recorded in: .*bypasses\.jsonl \(audit entry 1\)/);
    const allowed = check(root, action, '--output', 'json');
    assert.equal(allowed.code, 0);
    assert.equal((JSON.parse(allowed.stdout) as { bypass_id: string }).bypass_id, id);
    assert.match(run(['bypass', 'list', '--root', root]).stdout, new RegExp(`${id} active`));
    assert.equal(run(['bypass', 'revoke', id, '--root', root]).code, 0);
    assert.equal(check(root, action).code, 1);
    assert.match(run(['bypass', 'list', '--root', root]).stdout, new RegExp(`${id} revoked`));
    const refused = run([
      'bypass',
      '--root',
      root,
      '--reason',
      'need the keys for debugging',
      '--allow',
      'secrets/**',
      '--duration',
      '30m',
      '--approver',
      'alice@example.com',
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Bypass refused: .*bypass\.never/);
    const noReason = run(['bypass', '--root', root, '--allow', 'backend/**', '--duration', '30m', '--approver', 'alice@example.com']);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /needs --reason/);
    const noApprover = run(['bypass', '--root', root, '--reason', 'incident response', '--allow', 'backend/**', '--duration', '30m']);
    assert.equal(noApprover.code, 2);
    assert.match(noApprover.stderr, /needs --approver/);
    const kinds = run(['audit', 'query', '--root', root, '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { kind: string }).kind);
    assert.deepEqual(kinds, ['bypass.grant', 'bypass.revoke', 'bypass.refused']);
  });

  it('approvals: request, list, approve from another process while one waits', async () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { id, output, exited } = await waitingRequest(root);
    assert.match(run(['approvals', 'list', '--root', root]).stdout, new RegExp(`${id} pending`));
    enrolApprover();
    const approved = atTerminal(['approvals', 'approve', id, '--root', root], `${APPROVER.passphrase}\n`);
    assert.equal(approved.code, 0, approved.stdout);
    assert.equal(await exited, 0, output());
    assert.match(output(), new RegExp(`${id}: approved`));
    assert.equal(run(['approvals', 'deny', id, '--by', 'eve', '--root', root]).code, 1);
    const kinds = run(['audit', 'query', '--root', root, '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { kind: string }).kind);
    assert.deepEqual(kinds, ['approval.request', 'approval.approved']);
  });

  it('agent-policy-lint: formats, --fix, violations at known lines', () => {
    const log = [
      '{"action":"filesystem.write","path":"src/a.ts"}',
      '{"action":"filesystem.read","path":"secrets/k"}',
      '',
      '{"action":"filesystem.write","path":"package.json"}',
      '{"action":"filesystem.write","path":"package.json","approval_id":"apr_x"}',
      'garbage',
    ].join('\n');
    const root = workspace({ '.agent-policy.yml': POLICY, 'actions.jsonl': log });
    const lint = (...args: string[]) => run(['lint', '--config', join(root, '.agent-policy.yml'), '--agent-log', join(root, 'actions.jsonl'), ...args]);
    const text = lint();
    assert.equal(text.code, 1);
    const lines = text.stdout
      .split('\n')
      .filter((l) => l.includes('actions.jsonl:'))
      .map((l) => Number(/actions\.jsonl:(\d+):/.exec(l)?.[1]));
    assert.deepEqual(lines, [2, 4, 6]);
    const sarif = JSON.parse(lint('--format', 'sarif').stdout) as {
      version: string;
      runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[]; tool: { driver: { name: string } } }[];
    };
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0]?.tool.driver.name, 'agent-policy');
    assert.deepEqual(
      sarif.runs[0]?.results.map((r) => r.locations[0]?.physicalLocation.region.startLine),
      [2, 4, 6],
    );
    const gh = lint('--format', 'github').stdout;
    assert.match(gh, /^::error file=.*actions\.jsonl,line=2,col=1,title=denied-action::filesystem\.read "secrets\/k" → deny/m);
    assert.equal((JSON.parse(lint('--format', 'json').stdout) as unknown[]).length, 3);
    // The policy has a duplicate allow: --fix removes it and says so.
    const before = run(['validate', '--root', root]);
    assert.match(before.stdout, /AP2005|AP2006|AP2007/);
    const fixed = run(['lint', '--config', join(root, '.agent-policy.yml'), '--fix']);
    assert.match(fixed.stdout, /fixed .*AP2005[\s\S]*→ Remove the duplicate/);
    assert.equal(readFileSync(join(root, '.agent-policy.yml'), 'utf8').split('"src/**"').length, 2);
    assert.doesNotMatch(run(['validate', '--root', root]).stdout, /AP2005|AP2006|AP2007/);
  });
});

function readdir(dir: string): string {
  return readdirSync(dir).find((f) => f.endsWith('.jsonl')) as string;
}
