/**
 * Audit appends per second (durable before acknowledged: chained, signed, locked; one caller, eight
 * callers sharing group commits, eight processes each its own writer) and agent-log lint
 * throughput on a generated 1,000,000-line log, beside a baseline linter that evaluates each line
 * with the article's reference approach (minimatch per pattern per call), in the same run.
 * Run: npm run bench
 */
import { PLAIN } from '../server/src/cli/colour';
import { appendFileSync, closeSync, createReadStream, createWriteStream, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { minimatch } from 'minimatch';
import { runLintLog } from '../server/src/cli/lint-command';
import { AuditLog } from '#host/audit/audit-log';
import { SEAL_SYNC_EVERY } from '#host/audit/audit-seal';
import { ARTICLE, policy } from '../test/helpers';

const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
// The logs' seals go to a folder of this run (the writers inherit it), not the user's ~/.local/state.
process.env.AGENT_POLICY_SEAL_HOME = mkdtempSync(join(tmpdir(), 'agent-policy-bench-seals-'));
const APPENDS = 400;
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 5);
const TARGET_LINT = 600_000;

const ALLOW = ['src/**/*.ts', 'tests/**/*.spec.ts', 'docs/**'];
const DENY = ['**/.env*', 'secrets/**', 'node_modules/**'];

async function generateLog(file: string): Promise<void> {
  const out = createWriteStream(file);
  const targets = [
    'src/utils/file{i}.ts',
    'tests/unit/f{i}.spec.ts',
    'secrets/key{i}',
    'docs/page{i}.md',
    'src/deep/a/b/c{i}.ts',
    'config/.env.{i}',
    'src/x{i}.ts',
    'docs/api/{i}.md',
  ];
  for (let i = 0; i < LINES; i++) {
    const path = (targets[i % targets.length] as string).replace('{i}', String(i));
    const line = `{"timestamp":"2026-11-24T10:00:00Z","agent_id":"bench","action":"filesystem.write","path":"${path}"}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

const WRITERS = 8;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** This disk's floor for one durable writer: one write and one fdatasync per entry. */
function fdatasyncLoop(file: string): number {
  const fd = openSync(file, 'a');
  const start = process.hrtime.bigint();
  for (let i = 0; i < APPENDS; i++) {
    writeSync(fd, `{"kind":"decision","path":"src/f${i}.ts"}\n`);
    fdatasyncSync(fd);
  }
  closeSync(fd);
  return APPENDS / (Number(process.hrtime.bigint() - start) / 1e9);
}

const decision = (name: string, i: number): Record<string, unknown> & { kind: string } => {
  const deny = i % 2 === 1;
  return { kind: 'decision', action: 'filesystem.write', path: `src/${name}-${i}.ts`, decision: deny ? 'deny' : 'allow', allowed: !deny, reason: 'bench' };
};

/** One caller recording decisions one after the other, each awaited (a hook call at a time). */
async function oneWriter(stateDir: string): Promise<{ rate: number; verified: boolean }> {
  const log = new AuditLog(stateDir, { foldWindowMs: 0 });
  log.append({ kind: 'decision', action: 'filesystem.write', path: 'src/first.ts', decision: 'allow', allowed: true, reason: 'bench' }); // the seal is made before the clock starts
  const start = process.hrtime.bigint();
  for (let i = 0; i < APPENDS; i++) await log.queued(decision('one', i));
  const rate = APPENDS / (Number(process.hrtime.bigint() - start) / 1e9);
  return { rate, verified: !(await log.verify()).problem };
}

/** `callers` concurrent callers into one log (a decider answering that many hook calls at once), each awaiting its own appends. */
async function concurrentCallers(stateDir: string, callers: number, total: number): Promise<{ rate: number; verified: boolean }> {
  const log = new AuditLog(stateDir, { foldWindowMs: 0 });
  log.append({ kind: 'decision', action: 'filesystem.write', path: 'src/first.ts', decision: 'allow', allowed: true, reason: 'bench' });
  const each = total / callers;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; i < each; i++) await log.queued(decision(`c${c}`, i));
    }),
  );
  const rate = total / (Number(process.hrtime.bigint() - start) / 1e9);
  const report = await log.verify();
  return { rate, verified: !report.problem && report.entries === total + 1 };
}

/** Appends per second by `writers` processes appending `each` entries to one log at once (timed from a common start). */
async function concurrentAppends(stateDir: string, writers: number, each: number): Promise<number> {
  const children = Array.from({ length: writers }, (_, i) =>
    spawn(process.execPath, [join(__dirname, 'append-writer.js'), stateDir, String(each), `w${i}`], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  await Promise.all(children.map((c) => new Promise((resolve) => c.stdout.once('data', resolve))));
  const start = process.hrtime.bigint();
  const exits = children.map((c) => new Promise<number | null>((resolve) => c.on('exit', resolve)));
  for (const c of children) c.stdin.write('go\n');
  const codes = await Promise.all(exits);
  if (codes.some((code) => code !== 0)) throw new Error(`a writer failed: ${codes.join(', ')}`);
  return (writers * each) / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** The article's reference approach as a linter: JSON.parse, then minimatch per pattern per line. */
async function baselineLint(file: string): Promise<number> {
  let violations = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    const action = JSON.parse(line) as { path: string };
    const denied = DENY.some((p) => minimatch(action.path, p, { dot: true }));
    const allowed = !denied && ALLOW.some((p) => minimatch(action.path, p, { dot: true }));
    if (!allowed) violations++;
  }
  return violations;
}

function peakRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-bench-'));
  try {
    // Durable appends: each measure beside this disk's fdatasync loop, in interleaved rounds (medians).
    const rounds = { syncLoop: [] as number[], one: [] as number[], grouped: [] as number[], processes: [] as number[] };
    let verifiedOne = true;
    let verifiedGrouped = true;
    let verifiedProcesses = true;
    for (let round = 0; round < ROUNDS; round++) {
      rounds.syncLoop.push(fdatasyncLoop(join(dir, `sync-${round}.jsonl`)));
      const one = await oneWriter(join(dir, `one-${round}`));
      rounds.one.push(one.rate);
      verifiedOne &&= one.verified;
      const grouped = await concurrentCallers(join(dir, `grouped-${round}`), WRITERS, APPENDS);
      rounds.grouped.push(grouped.rate);
      verifiedGrouped &&= grouped.verified;
      rounds.processes.push(await concurrentAppends(join(dir, `processes-${round}`), WRITERS, APPENDS / 4));
      verifiedProcesses &&= !(await new AuditLog(join(dir, `processes-${round}`)).verify()).problem;
    }
    let start = process.hrtime.bigint();
    const plain = join(dir, 'plain.jsonl');
    for (let i = 0; i < APPENDS * 10; i++) appendFileSync(plain, `{"kind":"decision","path":"src/f${i}.ts"}\n`);
    const unsafe = (APPENDS * 10) / (Number(process.hrtime.bigint() - start) / 1e9);
    const syncLoop = median(rounds.syncLoop);
    const durable = median(rounds.one);
    const concurrent = median(rounds.grouped);
    const processes = median(rounds.processes);
    const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');
    console.log(`durable audit appends, medians of ${ROUNDS} interleaved rounds`);
    console.log(
      `baseline: write + fdatasync loop (this disk)       ${syncLoop.toFixed(0).padStart(10)} appends/s   (rounds: ${rounds.syncLoop.map((r) => r.toFixed(0)).join(', ')})`,
    );
    console.log(
      `one writer, each append awaited                    ${durable.toFixed(0).padStart(10)} appends/s   (every round verifies: ${yes(verifiedOne)})`,
    );
    const ratio = durable / syncLoop;
    console.log(
      `  ${ratio >= 0.9 ? 'met   ' : 'MISSED'} one durable writer: ${ratio.toFixed(2)}× the fdatasync loop (target ≥ 0.9×; one log fdatasync per entry, the seal's every ${SEAL_SYNC_EVERY})`,
    );
    console.log(
      `${WRITERS} callers at once into one writer (group commit)  ${concurrent.toFixed(0).padStart(6)} appends/s   (allows and denials; every round verifies: ${yes(verifiedGrouped)})`,
    );
    console.log(
      `  ${concurrent >= 2000 ? 'met   ' : 'MISSED'} ${WRITERS} concurrent writers: ${concurrent.toFixed(0)} appends/s, ${(concurrent / syncLoop).toFixed(2)}× the fdatasync loop (target ≥ 2,000/s; a decider's calls share commits)`,
    );
    console.log(
      `${WRITERS} processes at once, each its own writer          ${processes.toFixed(0).padStart(6)} appends/s   (the in-process fallback: they take the log's lock in turn; every round verifies: ${yes(verifiedProcesses)})`,
    );
    console.log(`baseline: appendFileSync, no fsync, no chain       ${unsafe.toFixed(0).padStart(10)} appends/s`);

    // Lint throughput.
    const file = join(dir, 'actions.jsonl');
    await generateLog(file);
    const set = await policy({ '': ARTICLE });
    let output = 0;
    const io = {
      stdout: (t: string) => void (output += t.length),
      stderr: () => undefined,
      stdin: process.stdin,
      cwd: process.cwd(),
      styles: { stdout: PLAIN, stderr: PLAIN },
    };
    const rssBefore = process.memoryUsage().rss;
    let rss = peakRss();
    start = process.hrtime.bigint();
    const code = runLintLog(set, io, file);
    const ours = LINES / (Number(process.hrtime.bigint() - start) / 1e9);
    const ourPeak = rss.stop();
    rss = peakRss();
    start = process.hrtime.bigint();
    const baseViolations = await baselineLint(file);
    const base = LINES / (Number(process.hrtime.bigint() - start) / 1e9);
    const basePeak = rss.stop();
    console.log(`\nlint ${LINES.toLocaleString('en-US')} logged actions`);
    console.log(
      `agent-policy-lint (streaming)                      ${ours.toFixed(0).padStart(10)} actions/s   peak RSS ${mb(ourPeak)} (before: ${mb(rssBefore)}), exit ${code}, ${(output / 1024 / 1024).toFixed(0)} MB of report`,
    );
    console.log(
      `baseline: article validateToolCall + minimatch     ${base.toFixed(0).padStart(10)} actions/s   peak RSS ${mb(basePeak)}, ${baseViolations.toLocaleString('en-US')} violations`,
    );
    console.log(`  ${ours >= TARGET_LINT ? 'met   ' : 'MISSED'} lint ${(ours / 1000).toFixed(0)}k actions/s (target ≥ ${TARGET_LINT / 1000}k, bounded memory)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
