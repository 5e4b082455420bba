import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditLog } from '#host/audit/audit-log';
import { BypassStore } from '#host/stores/bypass-store';
import { CRASH_POLICY } from '../fixtures/crash-policy';
import { policy, prng } from '../helpers';

// Writers killed with SIGKILL at random moments, two at a time, in the middle of appends, prunes
// (retention of two days while each operation moves the writer's clock ten minutes), bypass
// grants and revocations (issue 16). Afterwards every acknowledged record is there and in force:
// each acknowledged entry is in the chain (unless retention pruned its day), each acknowledged
// grant is in force unless a revoke of it began, each acknowledged revoke ended its bypass; the
// chain and its seal verify.

const RUN_MS = 20_000;
const T0 = Date.parse('2026-05-01T00:00:00Z');

interface Ack {
  writer: string;
  at: number;
  op: 'append' | 'grant' | 'revoking' | 'revoke';
  seq?: number;
  path?: string;
  id?: string;
}

function writer(state: string, name: string, seed: number, start: number, acks: Ack[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'crash-writer.ts'), state, name, String(seed), String(start)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? ''; // a line cut by the kill is no acknowledgement
    for (const line of lines) acks.push(JSON.parse(line) as Ack);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash test: writers killed at random points', () => {
  it('every acknowledged entry, grant and revoke survives, and the log verifies', { timeout: RUN_MS + 60_000 }, async () => {
    const state = mkdtempSync(join(tmpdir(), 'ap-crash-'));
    const random = prng(16);
    const acks: Ack[] = [];
    let writers = 0;
    let kills = 0;
    const clockNow = (): number => Math.max(T0, ...acks.map((a) => a.at));
    const lane = async (): Promise<void> => {
      const until = Date.now() + RUN_MS;
      while (Date.now() < until) {
        const w = writer(state, `w${writers++}`, Math.floor(random() * 2 ** 31), clockNow() + 60_000, acks);
        await sleep(700 + random() * 1500); // node, tsx and the policy take about a second: some die before their first write
        w.child.kill('SIGKILL');
        kills++;
        await w.exited;
      }
    };
    await Promise.all([lane(), lane()]);

    const set = await policy({ '': CRASH_POLICY });
    const now = clockNow() + 60_000;
    const audit = new AuditLog(state, { clock: () => now, foldWindowMs: 0 });
    audit.append({ kind: 'crash.end', reason: 'the next append after the crashes seals any torn tail' });
    const report = await audit.verify();
    assert.equal(report.problem, undefined, `${report.problem?.kind}: ${report.problem?.message}`);

    const bySeq = new Map<number, Record<string, unknown>>();
    for await (const e of audit.entries()) bySeq.set(e.seq as number, e);
    const anchor = audit.seal.read()?.anchor?.seq ?? 0;
    const appended = acks.filter((a) => a.op === 'append');
    for (const a of appended)
      if ((a.seq as number) > anchor) assert.equal(bySeq.get(a.seq as number)?.path, a.path, `acknowledged entry ${a.seq} (${a.path}) is in the chain`);

    const active = new Set(new BypassStore(state, audit, () => now).active(set).map((b) => b.id));
    const revoking = new Set(acks.filter((a) => a.op === 'revoking').map((a) => a.id));
    const grants = acks.filter((a) => a.op === 'grant');
    const revokes = acks.filter((a) => a.op === 'revoke');
    const states = new BypassStore(state, audit, () => now).list();
    for (const g of grants)
      if (!revoking.has(g.id))
        assert.ok(
          active.has(g.id as string),
          `acknowledged grant ${g.id} is in force (${JSON.stringify(states.find((b) => b.id === g.id))}, acked at ${new Date(g.at).toISOString()}, now ${new Date(now).toISOString()}, ${acks.length} acks)`,
        );
    for (const r of revokes) assert.ok(!active.has(r.id as string), `acknowledged revoke of ${r.id} ended it`);

    const prunes = [...bySeq.values()].filter((e) => e.kind === 'prune').length;
    const torn = report.notes.filter((n) => n.kind === 'torn-write').length;
    process.stdout.write(
      `# crash test: ${kills} writers killed; acknowledged ${appended.length} appends, ${grants.length} grants, ${revokes.length} revokes; ${prunes} prunes; ${torn} torn writes recovered\n`,
    );
    // The run must really have exercised what it claims.
    assert.ok(kills >= 10, `${kills} writers killed`);
    assert.ok(
      appended.length >= 100 && grants.length >= 5 && revokes.length >= 2,
      `${appended.length} appends, ${grants.length} grants, ${revokes.length} revokes acknowledged`,
    );
    assert.ok(prunes >= 1, 'retention pruned during the run');
  });
});
