import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '#core/audit';
import { AuditLog, sha256 } from '#host/audit/audit-log';
import { withFileLock } from '#host/files/file-lock';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function fresh(options: ConstructorParameters<typeof AuditLog>[1] = {}): { log: AuditLog; state: string; tick: (ms: number) => void } {
  const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
  let now = T0;
  const log = new AuditLog(state, { clock: () => now, foldWindowMs: 0, ...options });
  return { log, state, tick: (ms) => (now += ms) };
}

function write(log: AuditLog, n: number, prefix = 'f'): void {
  for (let i = 0; i < n; i++)
    log.append({ kind: 'decision', action: 'filesystem.write', path: `src/${prefix}${i}.ts`, decision: 'allow', allowed: true, reason: 'ok' });
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
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(entries[1]?.prev, entries[0]?.hash);
    // The hash is over the canonical JSON of the entry without its hash and signature.
    const { hash, sig, ...rest } = entries[2] as Record<string, unknown>;
    assert.equal(sha256(canonicalJson(rest)), hash);
    assert.equal(typeof sig, 'string', 'every entry is signed');
    assert.equal(typeof rest.next_key, 'string', 'and names the key that signs the next');
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

  it('a re-hashed entry is caught at the entry itself: its signature is not of its new hash', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    const e = JSON.parse(ls[1] as string) as Record<string, unknown>;
    e.reason = 'forged';
    const { hash: _h, sig: _s, ...rest } = e;
    e.hash = sha256(canonicalJson(rest));
    ls[1] = canonicalJson(e);
    rewrite(file, ls);
    const { problem } = await log.verify();
    assert.equal(problem?.kind, 'forged', problem?.message);
    assert.equal(problem?.line, 2);
  });

  it('reports a missing entry', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    ls.splice(2, 1);
    rewrite(file, ls);
    const { problem } = await log.verify();
    assert.equal(problem?.kind, 'missing');
    assert.match(problem?.message ?? '', /entry 3 is missing before entry 4/);
  });

  it('reports reordered entries', async () => {
    const { log } = fresh();
    write(log, 5);
    const { file, lines: ls } = lines(log);
    [ls[1], ls[3]] = [ls[3] as string, ls[1] as string];
    rewrite(file, ls);
    const { problem } = await log.verify();
    // Entry 4 arrives where 2 was expected, and 2 comes later: reordered, not missing (issue 16, defect 4).
    assert.equal(problem?.kind, 'reordered');
    assert.equal(problem?.message, 'entry 4 comes before entry 2: entries were reordered');
    assert.equal(problem?.line, 2);
    [ls[1], ls[3]] = [ls[3], ls[1]];
    [ls[2], ls[3]] = [ls[3], ls[2] as string];
    rewrite(file, ls);
    const again = await log.verify();
    assert.equal(again.problem?.kind, 'reordered', 'two adjacent lines swapped');
    assert.equal(again.problem?.message, 'entry 4 comes before entry 3: entries were reordered');
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
  it("detects a torn last line, takes over a dead writer's lock, and the next append chains and records the recovery", async () => {
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

  it('a recovery append that is itself torn (found in review) is recovered by the next append with both pieces, in order; the log never stops', async () => {
    const { log } = fresh();
    write(log, 3);
    const { file } = lines(log);
    // A crash mid-append, then the recovery (newline + entry) torn again after its newline.
    appendFileSync(file, '{"kind":"decision","timestamp":"2026-11-24T10:00:0');
    appendFileSync(file, '\n{"kind":"decision","timestamp":"2026-11-24T10:00:09.000Z","act');
    write(log, 1, 'after');
    const after = await log.verify();
    assert.equal(after.problem, undefined, `${after.problem?.kind}: ${after.problem?.message}`);
    assert.equal(after.entries, 4);
    assert.equal(after.notes.filter((n) => n.kind === 'torn-write').length, 2);
    const last = JSON.parse(lines(log).lines.at(-1) as string) as { recovered: { bytes: number }[] };
    assert.equal(last.recovered.length, 2);
  });

  it('a tear that loses only the final newline (issue 16, defect 2): the whole entry stays in the chain and the next append follows it, never reusing its seq', async () => {
    const { log } = fresh();
    write(log, 3);
    const { file } = lines(log);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n$/, ''));
    write(log, 2, 'after');
    const seqs = lines(log).lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.deepEqual(seqs, [1, 2, 3, 4, 5], 'no seq twice (it forked the chain for good)');
    const after = await log.verify();
    assert.equal(after.problem, undefined, after.problem?.message);
    assert.equal(after.entries, 5);
  });

  it('verify while another process appends sees a consistent snapshot (found in review: it reported entries beyond the seal)', async () => {
    const { log, state } = fresh();
    write(log, 1500);
    const writer = run(state, 'busy', 300);
    await writer.ready;
    const reports = [];
    for (let i = 0; i < 3; i++) reports.push(await log.verify());
    await writer.done;
    for (const r of reports) assert.equal(r.problem, undefined, `${r.problem?.kind}: ${r.problem?.message}`);
    assert.equal((await log.verify()).entries, 1800);
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
      // The survivor's clock stays at T0 while the victim's ran on, so a clock note may appear too.
      assert.equal(report.notes.filter((n) => n.kind === 'torn-write').length, crashed.problem ? 1 : 0);
      assert.ok(report.entries >= 2);
    }
  });
});

/** A writer in its own process whose clock starts at `clockStart` (T0 unless a test gives it another). */
function run(
  state: string,
  name: string,
  count: number,
  clockStart = T0,
): { child: ReturnType<typeof spawn>; ready: Promise<void>; done: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'audit-writer.ts'), state, name, String(count), String(clockStart)],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
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
    const denial = {
      kind: 'decision',
      agent_id: 'a',
      runtime: 'cli',
      action: 'filesystem.read',
      path: '.env',
      decision: 'deny',
      allowed: false,
      reason: 'denied by "**/.env*"',
    };
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
    const allowed = log.appendDecision(
      { action: 'filesystem.write', path: 'src/a.ts' },
      { decision: 'allow', allowed: true, requires_approval: false, reason: 'ok', rules: [] },
      { runtime: 'cli', agentId: 'x', policyVersion: '2.1' },
    );
    assert.equal(allowed.seq, undefined);
    const denied = log.appendDecision(
      { action: 'filesystem.write', path: '.env' },
      {
        decision: 'deny',
        allowed: false,
        requires_approval: false,
        reason: 'no',
        rules: [{ file: '.agent-policy.yml', line: 9, column: 9, list: 'filesystem.deny', pattern: '**/.env*' }],
      },
      { runtime: 'cli', agentId: 'x', policyVersion: '2.1' },
    );
    assert.equal(denied.seq, 1);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0] as string, /denied: filesystem.write \.env/);
    const entry = JSON.parse(readFileSync(log.files()[0] as string, 'utf8')) as Record<string, unknown>;
    for (const field of [
      'timestamp',
      'agent_id',
      'action',
      'path',
      'allowed',
      'requires_approval',
      'reason',
      'approval_id',
      'bypass_id',
      'policy_version',
      'rule',
      'runtime',
    ])
      assert.ok(field in entry, field);
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

  it('a live holder is not judged by its clock: a lock stamped a day ago by a writer whose clock is behind is waited for, not stolen', () => {
    const { log, state } = fresh();
    write(log, 1);
    const lock = join(state, 'audit', '.lock');
    writeFileSync(lock, `${process.ppid} behind ${Date.now() - 86_400_000}`);
    assert.throws(() => withFileLock(lock, () => 'stolen', { timeoutMs: 1500 }), /could not lock/);
    assert.ok(existsSync(lock));
  });

  it('a lock whose pid lives on in another process (reused: it started at another time) is taken over at once', () => {
    const { log, state } = fresh();
    write(log, 1);
    const lock = join(state, 'audit', '.lock');
    writeFileSync(lock, `${process.ppid} reused 0 1`);
    const started = performance.now();
    assert.equal(
      withFileLock(lock, () => 'taken', { timeoutMs: 5000 }),
      'taken',
    );
    assert.ok(performance.now() - started < 4000, 'taken over, not timed out');
  });

  it('a live holder that stalls is never robbed, however old its lock (issue 16, defect 3: taking it over forked the chain)', () => {
    const { log, state } = fresh();
    write(log, 1);
    const lock = join(state, 'audit', '.lock');
    const start = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
    writeFileSync(lock, `${process.ppid} stalled 0 ${start}`);
    const fsNow = statSync(lock).mtime.getTime();
    utimesSync(lock, new Date(fsNow - 3_600_000), new Date(fsNow - 3_600_000));
    assert.throws(() => withFileLock(lock, () => 'stolen', { timeoutMs: 1500 }), /could not lock .* within 1500 ms \(held by pid/);
    assert.ok(existsSync(lock), 'the holder keeps its lock');
  });

  it('a stopped holder (SIGSTOP) makes the wait fail at once, not after the timeout: the gate denies instead of stalling every call', () => {
    const { log, state } = fresh();
    write(log, 1);
    const lock = join(state, 'audit', '.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      process.kill(pid, 'SIGSTOP');
      for (let i = 0; i < 100 && !/^\d+ \([^)]*\) [Tt]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      writeFileSync(lock, `${pid} stopped ${Date.now()} -`);
      const started = performance.now();
      assert.throws(() => withFileLock(lock, () => 'x', { timeoutMs: 10_000 }), new RegExp(`held by pid ${pid}, which is stopped`));
      assert.ok(performance.now() - started < 2000, 'at once');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a holder on another machine (another process space) keeps the lock for its lease, though its pid means nothing here; past the lease it is taken over', () => {
    const { log, state } = fresh();
    write(log, 1);
    const lock = join(state, 'audit', '.lock');
    // pid 999999 is no process here: a local lock naming it would be taken at once.
    writeFileSync(lock, '999999 remote 0 12345 00000000-0000-0000-0000-000000000000:4026531836');
    assert.throws(() => withFileLock(lock, () => 'stolen', { timeoutMs: 1500 }), /could not lock .* within 1500 ms/);
    assert.ok(existsSync(lock), 'a fresh lease is kept');
    const fsNow = statSync(lock).mtime.getTime();
    utimesSync(lock, new Date(fsNow - 60_000), new Date(fsNow - 60_000));
    assert.equal(
      withFileLock(lock, () => 'taken', { timeoutMs: 5000 }),
      'taken',
      'a lease a minute old (by the file system clock) is over',
    );
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

const DAY = 86_400_000;

function dayFiles(log: AuditLog): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const file of log.files()) {
    const seqs = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seq: number }).seq);
    out[file.slice(file.lastIndexOf('/') + 1)] = seqs;
  }
  return out;
}

async function all(log: AuditLog): Promise<Record<string, unknown>[]> {
  const out = [];
  for await (const e of log.entries()) out.push(e);
  return out;
}

describe('audit log: writers whose clocks disagree', () => {
  it('two writers a day apart appending alternately make one chain in one day file, verified intact with a note naming the entries and by how much', async () => {
    const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
    let ahead = T0;
    let behind = T0 - DAY;
    const a = new AuditLog(state, { clock: () => ahead, foldWindowMs: 0 });
    const b = new AuditLog(state, { clock: () => behind, foldWindowMs: 0 });
    for (let i = 0; i < 20; i++) {
      write(a, 1, `a${i}-`);
      write(b, 1, `b${i}-`);
      ahead += 1000;
      behind += 1000;
    }
    // b's clock says the 23rd, but the chain's last entry is in the 24th's file: b never writes to an older file.
    assert.deepEqual(Object.keys(dayFiles(a)), ['audit-2026-11-24.jsonl']);
    const entries = await all(a);
    assert.equal(entries.filter((e) => String(e.timestamp).startsWith('2026-11-23')).length, 20, 'each entry keeps its own clock reading');
    const report = await a.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 40);
    assert.equal(report.notes.length, 1);
    const [note] = report.notes;
    assert.equal(note?.kind, 'clock-ran-backwards');
    assert.deepEqual(note?.entries, { first: 2, last: 40, count: 20 });
    assert.equal(note?.behindMs, DAY);
    assert.match(
      note?.message ?? '',
      /20 entries among 2–40 are timestamped before an earlier entry, by up to 1d \(entry \d+ at 2026-11-23T\S+ follows entry \d+ at 2026-11-24T/,
    );
  });

  it('when the slow writer goes first, its day file holds only what came before the fast writer; file names never run backwards along the chain', async () => {
    const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
    const b = new AuditLog(state, { clock: () => T0 - DAY, foldWindowMs: 0 });
    const a = new AuditLog(state, { clock: () => T0, foldWindowMs: 0 });
    write(b, 1, 'b0-');
    write(a, 1, 'a0-');
    write(b, 2, 'b1-');
    assert.deepEqual(dayFiles(a), { 'audit-2026-11-23.jsonl': [1], 'audit-2026-11-24.jsonl': [2, 3, 4] });
    const report = await a.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.deepEqual(
      report.notes.map((n) => [n.kind, n.entries?.first, n.entries?.last]),
      [['clock-ran-backwards', 3, 4]],
    );
  });

  it('a clock stepped back across midnight mid-run: later entries stay in the newer day file with their own earlier timestamps, and verify notes the step', async () => {
    let now = Date.parse('2026-11-24T23:59:50Z');
    const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
    const log = new AuditLog(state, { clock: () => now, foldWindowMs: 0 });
    for (let i = 0; i < 15; i++, now += 1000) write(log, 1, `before${i}-`); // 23:59:50 … 00:00:04
    now = Date.parse('2026-11-24T23:59:54Z'); // NTP steps the clock back 10 s, to before midnight
    for (let i = 0; i < 20; i++, now += 1000) write(log, 1, `after${i}-`);
    const files = dayFiles(log);
    assert.deepEqual(files['audit-2026-11-24.jsonl'], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(files['audit-2026-11-25.jsonl']?.length, 25);
    const stepped = (await all(log)).filter((e) => (e.seq as number) > 15 && String(e.timestamp).startsWith('2026-11-24'));
    assert.equal(stepped.length, 6, 'the six entries timestamped 23:59:54–59 after the step are in the 25th file');
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 35);
    assert.equal(report.notes.length, 1);
    assert.deepEqual(report.notes[0]?.entries, { first: 16, last: 25, count: 10 });
    assert.equal(report.notes[0]?.behindMs, 10_000);
    assert.match(report.notes[0]?.message ?? '', /by up to 10 s \(entry 16 at 2026-11-24T23:59:54.000Z follows entry 15 at 2026-11-25T00:00:04.000Z\)/);
  });

  it('writer processes whose clocks differ by a day append at once: the chain verifies, and a note appears exactly when an entry is behind an earlier one', async () => {
    const { log, state } = fresh();
    await Promise.all([run(state, 'today', 120, T0).done, run(state, 'yesterday', 120, T0 - DAY).done]);
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 240);
    let high = 0;
    let behind = 0;
    for (const e of await all(log)) {
      const ms = Date.parse(String(e.timestamp));
      if (ms < high) behind++;
      high = Math.max(high, ms);
    }
    assert.equal(
      report.notes.reduce((n, note) => n + (note.entries?.count ?? 0), 0),
      behind,
    );
    const names = Object.entries(dayFiles(log)).flatMap(([name, seqs]) => seqs.map((seq) => ({ name, seq })));
    for (let i = 1; i < names.length; i++) assert.ok((names[i]?.seq ?? 0) > (names[i - 1]?.seq ?? 0), 'files in name order hold the chain in seq order');
  });

  it('a log written before this fix (the chain continued into an older day file) verifies by seq with notes, and appends continue from its real head', async () => {
    const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
    const today = new AuditLog(state, { clock: () => T0 + 8 * DAY, foldWindowMs: 0 });
    const skewed = new AuditLog(state, { clock: () => T0, foldWindowMs: 0 });
    write(today, 3, 'today-');
    write(skewed, 3, 'skewed-');
    // What the earlier writer did: the skewed writer's entries went to its own, older day file.
    const newest = join(state, 'audit', 'audit-2026-12-02.jsonl');
    const older = join(state, 'audit', 'audit-2026-11-24.jsonl');
    const ls = readFileSync(newest, 'utf8').trimEnd().split('\n');
    rewrite(newest, ls.slice(0, 3));
    rewrite(older, ls.slice(3));
    utimesSync(newest, new Date(T0), new Date(T0));
    utimesSync(older, new Date(T0 + 1000), new Date(T0 + 1000));
    const report = await today.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.deepEqual(
      report.notes.map((n) => [n.kind, n.entries]),
      [
        ['clock-ran-backwards', { first: 4, last: 6, count: 3 }],
        ['older-day-file', { first: 4, last: 6, count: 3 }],
      ],
    );
    assert.deepEqual(
      (await all(today)).map((e) => e.seq),
      [1, 2, 3, 4, 5, 6],
    );
    write(today, 2, 'next-');
    const after = await today.verify();
    assert.equal(after.problem, undefined, after.problem?.message);
    assert.equal(after.entries, 8);
  });

  it('retention pruning and the anchor keep working while writers a day apart alternate', async () => {
    const state = mkdtempSync(join(tmpdir(), 'ap-audit-'));
    let now = T0;
    const a = new AuditLog(state, { clock: () => now, foldWindowMs: 0, retentionDays: 2 });
    const b = new AuditLog(state, { clock: () => now - DAY, foldWindowMs: 0, retentionDays: 2 });
    for (let day = 0; day < 6; day++, now += DAY) {
      write(a, 2, `a${day}-`);
      write(b, 2, `b${day}-`);
    }
    assert.deepEqual(Object.keys(dayFiles(a)), ['audit-2026-11-27.jsonl', 'audit-2026-11-28.jsonl', 'audit-2026-11-29.jsonl']);
    const anchor = JSON.parse(readFileSync(join(state, 'audit', 'anchor.json'), 'utf8')) as { seq: number };
    const firstKept = (dayFiles(a)['audit-2026-11-27.jsonl'] ?? [])[0];
    assert.equal(firstKept, anchor.seq + 1, 'the pruned files were a prefix of the chain');
    const report = await a.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.ok(report.notes.some((n) => n.kind === 'clock-ran-backwards'));
    // Tampering after pruning is still caught.
    const first = a.files()[0] as string;
    rewrite(first, readFileSync(first, 'utf8').trimEnd().split('\n').slice(1));
    assert.equal((await a.verify()).problem?.kind, 'missing');
  });

  it('a crash in the middle of a prune (issue 16, defect 4): the anchor is in the seal, files left behind it are a note, and the next prune deletes them without moving the anchor back', async () => {
    const built = fresh();
    for (let day = 0; day < 3; day++) {
      write(built.log, 2, `d${day}-`);
      built.tick(DAY);
    }
    // Retention from now on: the next append prunes two day files. The prune then "crashes"
    // after moving the anchor, having deleted only the newer of the two.
    let now = T0 + 3 * DAY;
    const tick = (ms: number): void => void (now += ms);
    const state = built.state;
    const log = new AuditLog(state, { clock: () => now, foldWindowMs: 0, retentionDays: 1 });
    const before = Object.fromEntries(log.files().map((f) => [f, readFileSync(f, 'utf8')]));
    write(log, 1, 'today-');
    const pruned = Object.keys(before).filter((f) => !existsSync(f));
    assert.equal(pruned.length, 2, 'the first two days were pruned');
    const anchor = log.seal.read()?.anchor?.seq as number;
    writeFileSync(pruned[0] as string, before[pruned[0] as string] as string); // the oldest file was never deleted
    const report = await log.verify();
    assert.equal(report.problem, undefined, `${report.problem?.kind}: ${report.problem?.message}`);
    assert.match(
      report.notes.find((n) => n.kind === 'interrupted-prune')?.message ?? '',
      new RegExp(`every entry here is at or before the pruning anchor \\(entry ${anchor}\\): a prune was interrupted`),
    );
    tick(DAY);
    write(log, 1, 'next-');
    assert.equal(existsSync(pruned[0] as string), false, 'the next prune deleted the leftover');
    assert.ok((log.seal.read()?.anchor?.seq as number) >= anchor, 'the anchor never moves back');
    const after = await log.verify();
    assert.equal(after.problem, undefined, after.problem?.message);
    assert.equal(after.notes.filter((n) => n.kind === 'interrupted-prune').length, 0);
  });

  it("recent day files renamed to old days are not pruned (found in review): age is the name and the last whole entry's own time", () => {
    const { log, state, tick } = fresh({ retentionDays: 30 });
    for (let day = 0; day < 3; day++) {
      write(log, 2, `d${day}-`);
      tick(DAY);
    }
    const files = log.files();
    files.forEach((f, i) => renameSync(f, join(state, 'audit', `audit-2001-01-0${i + 1}.jsonl`)));
    write(log, 1, 'next-');
    assert.equal(log.files().filter((f) => f.includes('2001-01')).length, 3, 'nothing was deleted');
    assert.equal(log.seal.read()?.anchor, null, 'the anchor did not move');
  });

  it('day files whose entries interleave (an older writer, clocks disagreeing) are not pruned, rather than cutting the chain in the middle', async () => {
    const { log, state, tick } = fresh({ retentionDays: 1 });
    write(log, 4);
    const newer = log.files()[0] as string;
    const older = join(state, 'audit', 'audit-2026-11-20.jsonl');
    const ls = readFileSync(newer, 'utf8').trimEnd().split('\n');
    rewrite(older, [ls[0] as string, ls[2] as string]);
    rewrite(newer, [ls[1] as string, ls[3] as string]);
    assert.equal((await log.verify()).problem, undefined, 'interleaved files verify by seq');
    tick(DAY);
    write(log, 1, 'next');
    assert.ok(existsSync(older), "the older file holds entry 3, after the newer file's entry 2: not a prefix");
    assert.equal((await log.verify()).problem, undefined);
  });
});
