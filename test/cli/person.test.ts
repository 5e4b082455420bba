import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APPROVER, atTerminal, enrolApprover, run, waitingRequest, withoutTerminal, workspace } from './cli-helpers';

// Issue 16, defect 7: an agent that may run the CLI (or an interpreter that runs it) must not
// approve its own request or grant itself a bypass. The CLI asks the approver's passphrase at the
// process's controlling terminal: a tool call has no terminal; a terminal the agent makes (here
// util-linux `script`, as an agent could use it) reaches the prompt, but the agent does not know
// the passphrase. The entry records who was proved, not a name typed on the command line.

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["backend/auth/**"]
constraints:
  require_human_approval:
    - file_pattern: "package.json"
bypass:
  max_duration: "1h"
  approvers: ["alice@example.com", "mallory@example.com"]
`;

const pendingRequest = (root: string) => waitingRequest(root, ['--timeout', '1m']);

const entries = (root: string): Record<string, unknown>[] =>
  run(['audit', 'query', '--root', root, '--json'])
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('approving needs a person at a terminal who knows the passphrase (issue 16, defect 7)', () => {
  it('without a terminal (as a tool call runs) approving is refused and audited; the request stays pending', async () => {
    enrolApprover();
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { id, exited } = await pendingRequest(root);
    const r = withoutTerminal(['approvals', 'approve', id, '--root', root, '--by', 'alice@example.com']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^approving apr_[0-9a-z]+: .* needs a person at a terminal: this process has none/);
    assert.match(run(['approvals', 'list', '--root', root]).stdout, new RegExp(`${id} pending`));
    assert.equal(entries(root).at(-1)?.kind, 'approval.refused');
    assert.equal(withoutTerminal(['approvals', 'deny', id, '--root', root]).code, 0, 'denying takes nothing from a person');
    assert.equal(await exited, 1);
  });

  it('at a terminal with a wrong passphrase, refused; with the right one, approved, and the entry names the proved approver and the terminal', async () => {
    enrolApprover();
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { id, exited } = await pendingRequest(root);
    const wrong = atTerminal(['approvals', 'approve', id, '--root', root], 'an agent guessing\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /Passphrase for alice@example\.com: /);
    assert.match(wrong.stdout, /that is not alice@example\.com's passphrase/);
    assert.match(run(['approvals', 'list', '--root', root]).stdout, new RegExp(`${id} pending`));
    const right = atTerminal(['approvals', 'approve', id, '--root', root], `${APPROVER.passphrase}\n`);
    assert.equal(right.code, 0, right.stdout);
    assert.equal(await exited, 0);
    const approved = entries(root).find((e) => e.kind === 'approval.approved');
    assert.equal(approved?.decided_by, 'alice@example.com');
    const proof = approved?.proof as { via: string; approver: string; tty: string; os_user: string };
    assert.equal(proof.via, 'terminal-passphrase');
    assert.match(proof.tty, /^\/dev\/pts\/\d+$/);
  });

  it('--by names an approver to prove, never one to record: a name not enrolled is refused', async () => {
    enrolApprover();
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { id, exited } = await pendingRequest(root);
    const r = atTerminal(['approvals', 'approve', id, '--root', root, '--by', 'mallory@example.com'], `${APPROVER.passphrase}\n`);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /mallory@example\.com is not an enrolled approver \(enrolled: alice@example\.com\)/);
    assert.equal(withoutTerminal(['approvals', 'deny', id, '--root', root]).code, 0);
    assert.equal(await exited, 1);
  });
});

describe('granting a bypass needs its approver at a terminal (issue 16, defect 7)', () => {
  const grant = ['--reason', 'P0 incident: fix the auth service', '--allow', 'backend/auth/config.yml', '--duration', '30m'];

  it('without a terminal refused, in force nowhere; an approver who is not enrolled refused; the enrolled one with the passphrase granted', () => {
    enrolApprover();
    const root = workspace({ '.agent-policy.yml': POLICY });
    const check = () => run(['check', '--root', root, '--json', JSON.stringify({ action: 'filesystem.write', path: 'backend/auth/config.yml' })]).code;
    const none = withoutTerminal(['bypass', '--root', root, ...grant, '--approver', 'alice@example.com']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^Bypass refused: granting a bypass .* needs a person at a terminal/);
    assert.equal(check(), 1);
    const other = atTerminal(['bypass', '--root', root, ...grant, '--approver', 'mallory@example.com'], `${APPROVER.passphrase}\n`);
    assert.equal(other.code, 1);
    assert.match(other.stdout, /mallory@example\.com is not an enrolled approver/);
    assert.equal(check(), 1);
    const granted = atTerminal(['bypass', '--root', root, ...grant, '--approver', 'alice@example.com'], `${APPROVER.passphrase}\n`);
    assert.equal(granted.code, 0, granted.stdout);
    assert.equal(check(), 0);
    const entry = entries(root).find((e) => e.kind === 'bypass.grant');
    assert.equal(entry?.approver, 'alice@example.com');
    assert.equal((entry?.proof as { via: string }).via, 'terminal-passphrase');
    assert.deepEqual(
      entries(root).map((e) => e.kind),
      ['bypass.refused', 'bypass.refused', 'bypass.grant'],
    );
  });
});

describe('enrolling an approver', () => {
  it('needs a terminal; a second enrolment of a name needs its current passphrase; a new name needs an enrolled approver to vouch; a short passphrase is refused', () => {
    enrolApprover();
    assert.equal(withoutTerminal(['approver', 'enroll', '--name', 'eve@example.com']).code, 1);
    const takeover = atTerminal(['approver', 'enroll', '--name', APPROVER.name], 'not the passphrase\nnew passphrase here\nnew passphrase here\n');
    assert.equal(takeover.code, 1);
    assert.match(takeover.stdout, /Current passphrase for alice@example\.com: .*that is not alice@example\.com's passphrase/s);
    // A new name needs an enrolled approver to vouch: an agent in a terminal of its own cannot add itself.
    const self = atTerminal(['approver', 'enroll', '--name', 'bot@example.com'], 'agent passphrase 1\nagent passphrase 1\nagent passphrase 1\n');
    assert.equal(self.code, 1);
    assert.match(self.stdout, /Passphrase of the enrolled approver for alice@example\.com: .*that is not alice@example\.com's passphrase/s);
    const short = atTerminal(['approver', 'enroll', '--name', 'bob@example.com'], `${APPROVER.passphrase}\nshort\nshort\n`);
    assert.equal(short.code, 1);
    assert.match(short.stdout, /a passphrase has at least 12 characters/);
    assert.doesNotMatch(run(['approver', 'list']).stdout, /bob@example\.com|bot@example\.com/);
    const vouched = atTerminal(
      ['approver', 'enroll', '--name', 'carol@example.com', '--by', APPROVER.name],
      `${APPROVER.passphrase}\ncarol's own passphrase\ncarol's own passphrase\n`,
    );
    assert.equal(vouched.code, 0, vouched.stdout);
    assert.match(run(['approver', 'list']).stdout, /carol@example\.com/);
  });
});
