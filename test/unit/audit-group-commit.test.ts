import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seal } from '#core/audit';
import { AuditLog, ROLL_FORWARD_WINDOW, sha256 } from '#host/audit/audit-log';
import { SEAL_SYNC_EVERY, advanced, entrySigner } from '#host/audit/audit-seal';
import { readSealSlot } from '#host/audit/seal-file';
import { beginCall } from '#host/audit/unfinished-calls';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function fresh(options: ConstructorParameters<typeof AuditLog>[1] = {}): { log: AuditLog; tick: (ms: number) => void } {
  const state = mkdtempSync(join(tmpdir(), 'ap-group-'));
  let now = T0;
  return { log: new AuditLog(state, { clock: () => now, foldWindowMs: 0, sealFolder: join(state, 'seals'), ...options }), tick: (ms) => (now += ms) };
}

const allow = (i: number) => ({ kind: 'decision', action: 'filesystem.write', path: `src/f${i}.ts`, decision: 'allow', allowed: true, reason: 'ok' });
const deny = (i: number) => ({ kind: 'decision', action: 'filesystem.write', path: `secrets/k${i}`, decision: 'deny', allowed: false, reason: 'denied' });

/** The seal's slot that was fdatasynced last, as a power loss would leave it (the other slot may be lost). */
function syncedSlot(log: AuditLog): Record<string, unknown> {
  const state = log.seal.read();
  assert.ok(state?.synced, 'the seal records which slot was synced');
  const fd = openSync(log.seal.path, 'r');
  try {
    return readSealSlot(fd, state.synced.slot) as Record<string, unknown>;
  } finally {
    closeSync(fd);
  }
}

/** The seal file as a power loss leaves it when the unsynced slot's pages were lost: only the synced slot is whole. */
function losePowerKeepingSyncedSlot(log: AuditLog): void {
  const state = log.seal.read();
  assert.ok(state?.synced);
  const bytes = readFileSync(log.seal.path);
  const other = state.synced.slot === 0 ? 1 : 0;
  bytes.fill(0, other * 65536, other * 65536 + 64);
  writeFileSync(log.seal.path, bytes);
}

function entryCount(log: AuditLog): number {
  return log.files().reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').filter(Boolean).length, 0);
}

describe('audit log: group commit', () => {
  it('decisions queued together are written in one commit (one seal update), in the order asked, and verify', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const before = log.seal.read()?.counter ?? -1;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.queued(i % 2 ? deny(i) : allow(i))));
    assert.deepEqual(
      results.map((r) => r.seq),
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    assert.equal(log.seal.read()?.counter, before + 1, 'twenty entries, one seal update: they were committed together');
    const paths = readFileSync(log.files()[0] as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path);
    assert.deepEqual(paths.slice(1, 4), ['src/f0.ts', 'secrets/k1', 'src/f2.ts']);
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 21);
  });

  it('a commit moves the signing key once: its entries name their own key, the last names a new one, and the seal keeps none that signed them', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const before = readFileSync(log.seal.path);
    await Promise.all([1, 2, 3, 4].map((i) => log.queued(allow(i))));
    const entries = readFileSync(log.files()[0] as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { next_key: string });
    const signer = (entries[0] as { next_key: string }).next_key; // the key that signs entry 2, the batch's first
    assert.deepEqual(
      entries.slice(1, 4).map((e) => e.next_key),
      [signer, signer, signer],
      'entries 2–4 are followed in their commit: each names the key that signed it',
    );
    const last = (entries[4] as { next_key: string }).next_key;
    assert.notEqual(last, signer, 'the last entry names a new key');
    assert.equal(log.seal.read()?.head.key, last, 'the seal holds only the new key (the public half of what signs the next entry)');
    // A crash before the seal's update: the next append checks the batch's entries along the chain and rolls forward.
    writeFileSync(log.seal.path, before);
    log.append(allow(5));
    assert.equal(log.seal.read()?.head.seq, 6);
    assert.equal((await log.verify()).problem, undefined);
  });

  it('a batch whose last record is folded seals its last entry again, naming the next key (the entry sealed expecting another after it)', async () => {
    const { log, tick } = fresh({ foldWindowMs: 60_000, alertOnDeny: true });
    log.append(allow(0));
    tick(100);
    // Entry 2 is a denial that starts a run; the denial after it folds, so entry 2 ends the commit.
    const [first, folded] = await Promise.all([log.queued(deny(7)), log.queued(deny(7))]);
    assert.equal(first?.seq, 2);
    assert.equal(folded?.folded, true);
    const entries = readFileSync(log.files()[0] as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { next_key: string; hash: string });
    assert.equal(entries.length, 2);
    assert.equal(log.seal.read()?.head.key, (entries[1] as { next_key: string }).next_key);
    assert.notEqual((entries[1] as { next_key: string }).next_key, (entries[0] as { next_key: string }).next_key);
    assert.equal(log.seal.read()?.fold?.first_hash, (entries[1] as { hash: string }).hash, 'the run names the entry as written');
    assert.equal(first?.alert?.entry.hash, (entries[1] as { hash: string }).hash, 'and so does the alert');
    assert.equal(log.flush(), 1);
    assert.equal((await log.verify()).problem, undefined);
  });

  it('the writer does not read back the end it left, but an edit of the same length since (its ctime) makes it check, and refuse', () => {
    const { log } = fresh();
    log.append(allow(0));
    log.append(allow(1));
    const file = log.files()[0] as string;
    const text = readFileSync(file, 'utf8');
    const hash = (JSON.parse(text.trimEnd().split('\n').at(-1) as string) as { hash: string }).hash;
    const flipped = `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;
    writeFileSync(file, text.replace(hash, flipped)); // same size: only the ctime tells
    assert.throws(() => log.append(allow(2)), /does not match its seal/);
  });

  it('a call whose deadline passed while it waited is rejected and not written; the rest of its batch is', async () => {
    const { log } = fresh();
    const outcomes = await Promise.allSettled([log.queued(allow(1)), log.queued(allow(2), () => false), log.queued(allow(3))]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /deadline passed/);
    const paths = readFileSync(log.files()[0] as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path);
    assert.deepEqual(paths, ['src/f1.ts', 'src/f3.ts']);
    assert.equal((await log.verify()).problem, undefined);
  });

  it('a folded denial is acknowledged only once the seal holding its count is fdatasynced', async () => {
    const { log, tick } = fresh({ foldWindowMs: 60_000 });
    log.append(deny(0));
    for (let i = 0; i < 3; i++) {
      tick(100);
      const result = await log.queued(deny(0));
      assert.equal(result.folded, true);
    }
    const synced = syncedSlot(log) as { fold: { folded: number } | null };
    assert.equal(synced.fold?.folded, 3, 'the slot a power loss keeps holds all three folded denials');
  });

  it('the seal is fdatasynced at least every SEAL_SYNC_EVERY entries, so its synced copy lags the log by little', () => {
    const { log } = fresh();
    for (let i = 0; i < 100; i++) log.append(allow(i));
    const synced = syncedSlot(log) as { head: { seq: number } };
    assert.ok(synced.head.seq >= 100 - SEAL_SYNC_EVERY, `synced at entry ${synced.head.seq}`);
    assert.ok(synced.head.seq < 100, 'and not at every entry (the log is the durable record; the seal mostly rides on the page cache)');
  });
});

describe('audit log: a seal that lags its log (power loss)', () => {
  it('keeps the synced copy after a power loss: verify notes the lag, the next append rolls the seal forward over every entry after it', async () => {
    const { log } = fresh();
    for (let i = 0; i < 40; i++) log.append(allow(i));
    losePowerKeepingSyncedSlot(log);
    const lagging = log.seal.read();
    assert.ok(lagging && lagging.head.seq < 40 && lagging.head.seq >= 40 - SEAL_SYNC_EVERY, `the synced copy is at entry ${lagging?.head.seq}`);
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.ok(
      report.notes.some((n) => n.kind === 'seal-behind'),
      'verify says the seal lags, not that the log is fine as it is',
    );
    log.append(allow(40));
    assert.equal(log.seal.read()?.head.seq, 41, 'rolled forward over the lag, then the new entry');
    assert.equal((await log.verify()).problem, undefined);
  });

  it('a seal update that is not an append (the bypass head) keeps the key an unsealed entry names (found in the crash test)', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const before = readFileSync(log.seal.path);
    log.append(allow(1));
    writeFileSync(log.seal.path, before); // the writer of entry 2 was killed before its seal update
    log.recordBypassHead({ count: 1, mac: 'a'.repeat(64) }); // a synced update by another writer, before any append
    log.append(allow(2));
    assert.equal(log.seal.read()?.head.seq, 3, 'rolled forward over entry 2, then entry 3');
    assert.equal((await log.verify()).problem, undefined);
  });

  it('an older copy of the seal put back (from before a synced update): its keys do not lead to the entries after it, so appends stop and verify reports it', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const old = readFileSync(log.seal.path);
    for (let i = 1; i < SEAL_SYNC_EVERY + 5; i++) log.append(allow(i));
    writeFileSync(log.seal.path, old);
    const report = await log.verify();
    assert.equal(report.problem?.kind, 'beyond-seal', report.problem?.message);
    assert.match(report.problem?.message ?? '', /not signed with the keys the seal derives/);
    assert.throws(() => log.append(allow(99)), /does not match its seal/);
    assert.equal(entryCount(log), SEAL_SYNC_EVERY + 5, 'nothing was appended');
  });

  it('more entries beyond the seal than it can lag are entries it never sealed, though signed along its key chain', async () => {
    const { log } = fresh();
    log.append(allow(0));
    // What someone holding the seal's current keys could append without Agent Policy: entries
    // chained and signed along the seal's key chain, past what a power loss can leave unsealed.
    let state = log.seal.read();
    assert.ok(state);
    const file = log.files()[0] as string;
    for (let i = 1; i <= ROLL_FORWARD_WINDOW + 1; i++) {
      const entry = seal({ ...allow(i), timestamp: new Date(T0).toISOString() }, state.head, sha256, entrySigner(state));
      appendFileSync(file, `${entry.line}\n`);
      state = advanced(state, entry.head);
    }
    const report = await log.verify();
    assert.equal(report.problem?.kind, 'beyond-seal', report.problem?.message);
    assert.match(report.problem?.message ?? '', new RegExp(`more than the ${ROLL_FORWARD_WINDOW} entries a seal can lag`));
    assert.throws(() => log.append(allow(999)), /does not match its seal/);
  });
});

describe('audit log: group commit, what review found', () => {
  it('abandoned calls are recorded by a flush with no run pending, and their markers go only with their entries committed', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // a pid that no longer runs
    const marker = beginCall(log.dir, {
      pid: dead,
      started_at: new Date(T0).toISOString(),
      runtime: 'claude-code',
      tool: 'Write',
      action: { action: 'filesystem.write', path: 'src/x.ts' },
    });
    assert.equal(log.flush(), 0);
    assert.equal(existsSync(marker), false, 'the marker is gone');
    const entries = readFileSync(log.files()[0] as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { unfinished?: boolean; path?: string });
    assert.equal(entries.at(-1)?.unfinished, true, 'because its entry is in the log');
    assert.equal((await log.verify()).problem, undefined);
  });

  it('many abandoned calls at once are committed in parts, within what a lagging seal can roll forward over', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    for (let i = 0; i < ROLL_FORWARD_WINDOW + 10; i++)
      beginCall(log.dir, { pid: dead, started_at: new Date(T0 + i).toISOString(), runtime: 'codex', tool: 'shell' });
    const before = log.seal.read()?.counter ?? 0;
    log.append(allow(1));
    assert.ok((log.seal.read()?.counter ?? 0) - before >= Math.ceil((ROLL_FORWARD_WINDOW + 10) / 16), 'committed sixteen at a time');
    const synced = syncedSlot(log) as { head: { seq: number } };
    assert.ok(log.seal.read()!.head.seq - synced.head.seq <= SEAL_SYNC_EVERY + 64, `the synced copy is at ${synced.head.seq} of ${log.seal.read()?.head.seq}`);
    assert.equal(entryCount(log), ROLL_FORWARD_WINDOW + 12);
    assert.equal((await log.verify()).problem, undefined);
  });

  it('a commit of several entries torn just before its last newline, with the seal behind: the next append rolls forward and keeps the whole entry', async () => {
    const { log } = fresh();
    log.append(allow(0));
    const before = readFileSync(log.seal.path);
    await Promise.all([1, 2, 3].map((i) => log.queued(allow(i))));
    const file = log.files()[0] as string;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n$/, '')); // the last newline lost (ENOSPC, a power loss)
    writeFileSync(log.seal.path, before); // and the seal's update with it
    assert.equal((await log.verify()).problem, undefined);
    log.append(allow(4));
    assert.equal(log.seal.read()?.head.seq, 5, 'entries 2–4 rolled forward, entry 5 after them');
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 5);
  });

  it('a torn end, then a flush that writes nothing: the next append still recovers the torn bytes rather than chaining onto them', async () => {
    const { log } = fresh();
    log.append(allow(0));
    log.append(allow(1));
    const file = log.files()[0] as string;
    appendFileSync(file, '{"kind":"decision","seq":3,"pa'); // a crash tore a later write
    assert.equal(log.flush(), 0);
    log.append(allow(2));
    const report = await log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.ok(
      report.notes.some((n) => n.kind === 'torn-write'),
      'the torn bytes are kept and reported as recovered',
    );
  });

  it('the new day file deleted after the first commit past midnight: the writer does not trust the end it remembers, and refuses', () => {
    const state = mkdtempSync(join(tmpdir(), 'ap-group-'));
    let now = Date.parse('2026-11-24T23:59:59Z');
    const log = new AuditLog(state, { clock: () => now, foldWindowMs: 0, sealFolder: join(state, 'seals') });
    log.append(allow(0));
    now += 2_000;
    log.append(allow(1));
    const files = log.files();
    assert.equal(files.length, 2);
    rmSync(files[1] as string);
    assert.throws(() => log.append(allow(2)), /does not match its seal/);
  });

  it("a sink's cursor updates (synced, without a fresh key) do not stretch the key chain: an older seal copy from before it restarted is refused", () => {
    const { log } = fresh();
    log.append(allow(0));
    const old = readFileSync(log.seal.path);
    for (let i = 1; i <= SEAL_SYNC_EVERY + 5; i++) {
      const { seq } = log.append(allow(i));
      log.recordForwarded('syslog', seq as number);
    }
    writeFileSync(log.seal.path, old);
    assert.throws(() => log.append(allow(99)), /does not match its seal/);
  });

  it('a run of folded denials that a later commit closed is not brought back by a seal rolled forward after a power loss', async () => {
    const { log, tick } = fresh({ foldWindowMs: 60_000 });
    log.append(allow(0));
    for (let i = 0; i < 6; i++) {
      tick(100);
      log.append(deny(7)); // one entry, then five folded (each fdatasyncs the seal)
    }
    tick(100);
    log.append(allow(1)); // writes the run's summary and the allow, the seal left to the page cache
    losePowerKeepingSyncedSlot(log);
    assert.equal(log.seal.read()?.fold?.folded, 5, 'the synced copy still holds the run');
    tick(100);
    assert.equal(log.append(deny(7)).folded, false, 'a denial after the roll-forward is written, not counted into the closed run');
    log.flush();
    const summaries = readFileSync(log.files()[0] as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; folded?: number })
      .filter((e) => e.kind === 'summary');
    assert.deepEqual(
      summaries.map((e) => e.folded),
      [5],
      'the five are summarised once',
    );
    assert.equal((await log.verify()).problem, undefined);
  });
});
