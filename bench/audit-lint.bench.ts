/**
 * Audit appends per second (durable: fdatasync per entry, chained, locked) and agent-log lint
 * throughput on a generated 1,000,000-line log, beside a baseline linter that evaluates each line
 * with the article's reference approach (minimatch per pattern per call), in the same run.
 * Run: npm run bench
 */
import { appendFileSync, closeSync, createReadStream, createWriteStream, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { minimatch } from 'minimatch';
import { runLintLog } from '../server/src/cli/lint-command';
import { AuditLog } from '../server/src/node/audit-log';
import { ARTICLE, policy } from '../test/helpers';

const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
// The logs' seals go to a folder of this run (the writers inherit it), not the user's ~/.local/state.
process.env.AGENT_POLICY_SEAL_HOME = mkdtempSync(join(tmpdir(), 'agent-policy-bench-seals-'));
const APPENDS = 400;
const TARGET_LINT = 600_000;

const ALLOW = ['src/**/*.ts', 'tests/**/*.spec.ts', 'docs/**'];
const DENY = ['**/.env*', 'secrets/**', 'node_modules/**'];

async function generateLog(file: string): Promise<void> {
  const out = createWriteStream(file);
  const targets = ['src/utils/file{i}.ts', 'tests/unit/f{i}.spec.ts', 'secrets/key{i}', 'docs/page{i}.md', 'src/deep/a/b/c{i}.ts', 'config/.env.{i}', 'src/x{i}.ts', 'docs/api/{i}.md'];
  for (let i = 0; i < LINES; i++) {
    const path = (targets[i % targets.length] as string).replace('{i}', String(i));
    const line = `{"timestamp":"2026-11-24T10:00:00Z","agent_id":"bench","action":"filesystem.write","path":"${path}"}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

const WRITERS = 8;

/** Appends per second by `writers` processes appending `each` entries to one log at once (timed from a common start). */
async function concurrentAppends(stateDir: string, writers: number, each: number): Promise<number> {
  const children = Array.from({ length: writers }, (_, i) => spawn(process.execPath, [join(__dirname, 'append-writer.js'), stateDir, String(each), `w${i}`], { stdio: ['pipe', 'pipe', 'inherit'] }));
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
    // Durable appends.
    const log = new AuditLog(join(dir, 'state'), { foldWindowMs: 0 });
    let start = process.hrtime.bigint();
    for (let i = 0; i < APPENDS; i++) log.append({ kind: 'decision', action: 'filesystem.write', path: `src/f${i}.ts`, decision: 'allow', allowed: true, reason: 'bench' });
    const durable = APPENDS / (Number(process.hrtime.bigint() - start) / 1e9);
    start = process.hrtime.bigint();
    const plain = join(dir, 'plain.jsonl');
    for (let i = 0; i < APPENDS * 10; i++) appendFileSync(plain, `{"kind":"decision","path":"src/f${i}.ts"}\n`);
    const unsafe = (APPENDS * 10) / (Number(process.hrtime.bigint() - start) / 1e9);
    const verified = await log.verify();
    // This disk's floor for one durable writer: one write and one fdatasync per entry.
    const syncFile = join(dir, 'sync.jsonl');
    const fd = openSync(syncFile, 'a');
    start = process.hrtime.bigint();
    for (let i = 0; i < APPENDS; i++) {
      writeSync(fd, `{"kind":"decision","path":"src/f${i}.ts"}\n`);
      fdatasyncSync(fd);
    }
    const syncLoop = APPENDS / (Number(process.hrtime.bigint() - start) / 1e9);
    closeSync(fd);
    console.log(`audit append, durable (lock + chain + fdatasync)   ${durable.toFixed(0).padStart(10)} appends/s   (${verified.entries} entries verify: ${verified.problem ? 'NO' : 'yes'})`);
    console.log(`baseline: write + fdatasync loop (this disk)       ${syncLoop.toFixed(0).padStart(10)} appends/s`);
    const ratio = durable / syncLoop;
    console.log(`  ${ratio >= 0.9 ? 'met   ' : 'MISSED'} one durable writer: ${ratio.toFixed(2)}× the fdatasync loop (target ≥ 0.9×; the log and its seal are each synced per entry)`);
    const concurrent = await concurrentAppends(join(dir, 'shared-state'), WRITERS, APPENDS / 2);
    const shared = await new AuditLog(join(dir, 'shared-state')).verify();
    console.log(`audit append, ${WRITERS} processes at once (allows and denials)  ${concurrent.toFixed(0).padStart(6)} appends/s in all   (${shared.entries} entries verify: ${shared.problem ? 'NO' : 'yes'})`);
    console.log(`  ${concurrent >= 2000 ? 'met   ' : 'MISSED'} ${WRITERS} concurrent writers: ${concurrent.toFixed(0)} appends/s (target ≥ 2,000/s; they take the log's lock in turn)`);
    console.log(`baseline: appendFileSync, no fsync, no chain       ${unsafe.toFixed(0).padStart(10)} appends/s`);

    // Lint throughput.
    const file = join(dir, 'actions.jsonl');
    await generateLog(file);
    const set = await policy({ '': ARTICLE });
    let output = 0;
    const io = { stdout: (t: string) => void (output += t.length), stderr: () => undefined, stdin: process.stdin };
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
    console.log(`agent-policy-lint (streaming)                      ${ours.toFixed(0).padStart(10)} actions/s   peak RSS ${mb(ourPeak)} (before: ${mb(rssBefore)}), exit ${code}, ${(output / 1024 / 1024).toFixed(0)} MB of report`);
    console.log(`baseline: article validateToolCall + minimatch     ${base.toFixed(0).padStart(10)} actions/s   peak RSS ${mb(basePeak)}, ${baseViolations.toLocaleString('en-US')} violations`);
    console.log(`  ${ours >= TARGET_LINT ? 'met   ' : 'MISSED'} lint ${(ours / 1000).toFixed(0)}k actions/s (target ≥ ${TARGET_LINT / 1000}k, bounded memory)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
