import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '#core';
import { AuditLog, sha256 } from '../../server/src/node/audit-log';
import { withFileLock } from '../../server/src/node/file-lock';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function fresh(options: ConstructorParameters<typeof AuditLog>[1] = {}): { log: AuditLog; state: string; tick: (ms: number) => void } {
  const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
  let now = T0;
  const log = new AuditLog(state, { clock: () => now, foldWindowMs: 0, ...options });
  return { log, state, tick: (ms) => (now += ms) };
}

function write(log: AuditLog, n: number, prefix = 'f'): void {
  for (let i = 0; i < n; i++) log.append({ kind: 'decision', action: 'filesystem.write', path: `src/${prefix}${i}.ts`, decision: 'allow', allowed: true, reason: 'ok' });
}

function lines(log: AuditLog): { file: string; lines: string[] } {
  const file = log.files()[0] as string;
  return { file, lines: readFileSync(file, 'utf8').trimEnd().split('\n') };
}

function rewrite(file: string, ls: string[]): void {
  writeFileSync(file, ls.join('\n') + '\n');
}

describe('audit log: the hash chain', () => {
  it('appends chained entries that verify', async () => {
    const { log } = fresh();
    write(log, 5);
    const report = await log.verify();
    assert.equal(report.problem, undefined);
    assert.equal(report.entries, 5);
    const { lines: ls } = lines(log);
    const entries = ls.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.equal(entries[1]?.prev, entries[0]?.hash);
    // The hash is over the canonical JSON of the entry without its hash.
    const { hash, ...rest } = entries[2] as Record<string, unknown>;
    assert.equal(sha256(canonicalJson(rest)), hash);
  });

  it('reports an edited entry', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    ls[2] = (ls[2] as string).replace('"allow"', '"deny"');
    rewrite(file, ls);
    const { problem } = await log.verify();
    assert.equal(problem?.kind, 'edited');
    assert.equal(problem?.line, 3);
  });

  it('reports a re-hashed entry as a broken chain at the next entry', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    const e = JSON.parse(ls[1] as string) as Record<string, unknown>;
    e.reason = 'forged';
    const { hash: _h, ...rest } = e;
    e.hash = sha256(canonicalJson(rest));
    ls[1] = canonicalJson(e);
    rewrite(file, ls);
    const { problem } = await log.verify();
    assert.equal(problem?.kind, 'broken');
    assert.equal(problem?.line, 3);
  });

  it('reports a missing entry', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    ls.splice(2, 1);
    rewrite(file, ls);
    const { problem } = await log.verify();
    assert.equal(problem?.kind, 'missing');
    assert.match(problem?.message ?? '', /entries 3 are missing before entry 4/);
  });

  it('reports reordered entries', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    [ls[1], ls[3]] = [ls[3] as string, ls[1] as string];
    rewrite(file, ls);
    const { problem } = await log.verify();
    assert.equal(problem?.kind, 'missing'); // entry 4 arrives where 2 was expected
    [ls[1], ls[3]] = [ls[3], ls[1]];
    [ls[2], ls[3]] = [ls[3], ls[2] as string];
    rewrite(file, ls);
    const again = await log.verify();
    assert.ok(again.problem?.kind === 'missing' || again.problem?.kind === 'reordered');
    ls.splice(3, 0, ls[1]);
    rewrite(file, [ls[0] as string, ls[1], ls[1]]);
    assert.equal((await log.verify()).problem?.kind, 'reordered');
  });

  it('reports a line that is not JSON in the middle, and lines that are not entries', async () => {
    const { log } = fresh();
    write(log, 3);
    const { file, lines: ls } = lines(log);
    rewrite(file, [ls[0] as string, 'garbage', ls[1] as string, ls[2] as string]);
    assert.equal((await log.verify()).problem?.kind, 'not-json');
    rewrite(file, [ls[0] as string, '{"kind":"decision"}', ls[1] as string]);
    assert.equal((await log.verify()).problem?.kind, 'not-an-entry');
  });
});

describe('audit log: crashes and concurrency', () => {
  it('detects a torn last line, takes over a dead writer\'s lock, and the next append chains and records the recovery', async () => {
    const { log, state } = fresh();
    write(log, 3);
    const { file } = lines(log);
    appendFileSync(file, '{"kind":"decision","timestamp":"2026-11-24T10:00:0');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(state, 'audit', '.lock'), `${dead} deadbeef ${Date.now()}`);
    const before = await log.verify();
    assert.equal(before.problem?.kind, 'torn');
    assert.equal(before.problem?.line, 4);
    write(log, 1, 'after');
    const after = await log.verify();
    assert.equal(after.problem, undefined, after.problem?.message);
    assert.equal(after.entries, 4);
    assert.match(after.notes[0]?.message ?? '', /torn write .* recovered by entry 4/);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes('"timestamp":"2026-11-24T10:00:0\n'), 'the fragment is kept, never dropped');
  });

  it('several processes append at once without interleaving or losing a line', async () => {
    const { log, state } = fresh();
    const writers = ['a', 'b', 'c', 'd'].map((name) => run(state, name, 150));
    await Promise.all(writers.map((w) => w.done));
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 600);
    const seen = new Set<string>();
    for await (const e of log.entries()) seen.add(String(e.path));
    assert.equal(seen.size, 600);
  });

  it('a writer killed mid-append leaves at worst a torn line that is reported, and appends continue', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { log, state } = fresh();
      const w = run(state, 'victim', 100000);
      await w.ready;
      await new Promise((r) => setTimeout(r, 150 + attempt * 70));
      w.child.kill('SIGKILL');
      await w.done;
      const crashed = await log.verify();
      assert.ok(crashed.problem === undefined || crashed.problem.kind === 'torn', crashed.problem?.message);
      write(log, 2, 'survivor');
      const report = await log.verify();
      assert.equal(report.problem, undefined, report.problem?.message);
      assert.equal(report.notes.length, crashed.problem ? 1 : 0);
      assert.ok(report.entries >= 2);
    }
  });
});

function run(state: string, name: string, count: number): { child: ReturnType<typeof spawn>; ready: Promise<void>; done: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'audit-writer.ts'), state, name, String(count)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, done };
}

describe('audit log: rotation, retention, flooding, alerts', () => {
  // Retention 2 on the 29th keeps the files of the 27th, 28th and 29th.
  it('rotates by UTC day and prunes past retention_days, keeping the chain verifiable from the anchor', async () => {
    const { log, tick, state } = fresh({ retentionDays: 2 });
    for (let day = 0; day < 5; day++) {
      write(log, 3, `d${day}-`);
      tick(86_400_000);
    }
    write(log, 1, 'today');
    const files = log.files().map((f) => f.slice(f.lastIndexOf('/') + 1));
    assert.deepEqual(files, ['audit-2026-11-27.jsonl', 'audit-2026-11-28.jsonl', 'audit-2026-11-29.jsonl']);
    assert.ok(existsSync(join(state, 'audit', 'anchor.json')));
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    const prunes = [];
    for await (const e of log.entries((e) => e.kind === 'prune')) prunes.push(e);
    assert.ok(prunes.length >= 1);
    // Tampering after pruning is still caught.
    const first = log.files()[0] as string;
    const ls = readFileSync(first, 'utf8').trimEnd().split('\n');
    ls.splice(0, 1);
    rewrite(first, ls);
    assert.equal((await log.verify()).problem?.kind, 'missing');
  });

  it('folds repeated identical denials and says how many were folded', async () => {
    const { log, tick } = fresh({ foldWindowMs: 10_000 });
    const denial = { kind: 'decision', agent_id: 'a', runtime: 'cli', action: 'filesystem.read', path: '.env', decision: 'deny', allowed: false, reason: 'denied by "**/.env*"' };
    for (let i = 0; i < 100; i++) {
      log.append(denial);
      tick(50);
    }
    log.append({ kind: 'decision', action: 'filesystem.write', path: 'src/a.ts', decision: 'allow', allowed: true, reason: 'ok' });
    const all = [];
    for await (const e of log.entries()) all.push(e);
    assert.equal(all.length, 3);
    assert.equal(all[1]?.kind, 'summary');
    assert.equal(all[1]?.folded, 99);
    assert.equal(all[1]?.of_seq, 1);
    assert.equal((await log.verify()).problem, undefined);
    // A pending run is reported and flushed on demand.
    for (let i = 0; i < 5; i++) log.append(denial);
    assert.equal((await log.verify()).pendingFolded, 4);
    assert.equal(log.flush(), 4);
    assert.equal((await log.verify()).pendingFolded, 0);
  });

  it('raises an alert on a denial when alert_on_deny is set; skips allowed actions when log_all_actions is false', () => {
    const alerts: string[] = [];
    const { log } = fresh({ alertOnDeny: true, logAllActions: false, onAlert: (a) => alerts.push(a.message) });
    const allowed = log.appendDecision({ action: 'filesystem.write', path: 'src/a.ts' }, { decision: 'allow', allowed: true, requires_approval: false, reason: 'ok', rules: [] }, { runtime: 'cli', agentId: 'x', policyVersion: '2.1' });
    assert.equal(allowed.seq, undefined);
    const denied = log.appendDecision({ action: 'filesystem.write', path: '.env' }, { decision: 'deny', allowed: false, requires_approval: false, reason: 'no', rules: [{ file: '.agent-policy.yml', line: 9, column: 9, list: 'filesystem.deny', pattern: '**/.env*' }] }, { runtime: 'cli', agentId: 'x', policyVersion: '2.1' });
    assert.equal(denied.seq, 1);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0] as string, /denied: filesystem.write \.env/);
    const entry = JSON.parse(readFileSync(log.files()[0] as string, 'utf8')) as Record<string, unknown>;
    for (const field of ['timestamp', 'agent_id', 'action', 'path', 'allowed', 'requires_approval', 'reason', 'approval_id', 'bypass_id', 'policy_version', 'rule', 'runtime']) assert.ok(field in entry, field);
    assert.deepEqual(entry.rule, { file: '.agent-policy.yml', line: 9, column: 9, list: 'filesystem.deny', pattern: '**/.env*' });
  });
});

describe('audit log: locks left behind', () => {
  it('an empty lock file (a writer killed between creating and filling it) is taken over after a grace period', () => {
    const { log, state } = fresh();
    write(log, 1);
    const lock = join(state, 'audit', '.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 5000);
    utimesSync(lock, old, old);
    const started = Date.now();
    write(log, 1, 'next');
    assert.ok(Date.now() - started < 3000);
    assert.equal(existsSync(lock), false);
  });

  it('a lock held by a live process is waited for, not stolen', () => {
    const { log, state } = fresh();
    const lock = join(state, 'audit', '.lock');
    write(log, 1);
    writeFileSync(lock, `${process.ppid} live ${Date.now()}`);
    const quick = new AuditLog(state, { foldWindowMs: 0 });
    assert.throws(() => withFileLock(lock, () => quick.files(), { timeoutMs: 200 }), /could not lock/);
    assert.ok(existsSync(lock));
  });
});
