/**
 * The audit view on a 1,000,000-entry log (10 day files): how long the first page (500 entries,
 * newest first) takes to read, a filtered page, and a deep page, against the baseline of reading
 * the log from the start as a stream (what a view without a reverse reader must do before it can
 * show the newest entry). Run: npm run bench
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '#host/audit/audit-log';
import { AuditPages } from '#host/audit/audit-pages';
import { compileViewFilter } from '#core/audit';

const ENTRIES = 1_000_000;
const DAYS = 10;
const TARGET_FIRST_PAGE_MS = 50;

async function writeLog(dir: string): Promise<void> {
  const perDay = ENTRIES / DAYS;
  let seq = 0;
  for (let d = 0; d < DAYS; d++) {
    const day = `2026-11-${String(10 + d).padStart(2, '0')}`;
    const out = createWriteStream(join(dir, `audit-${day}.jsonl`));
    for (let i = 0; i < perDay; i++) {
      seq++;
      const deny = seq % 7 === 0;
      const entry = {
        kind: 'decision',
        timestamp: `${day}T${String(Math.floor((i / perDay) * 24)).padStart(2, '0')}:00:00.000Z`,
        agent_id: seq % 1000 === 0 ? 'rare-agent' : 'code-assistant-prod',
        runtime: 'claude-code',
        action: 'filesystem.write',
        path: `src/module-${seq % 997}/file-${seq}.ts`,
        decision: deny ? 'deny' : 'allow',
        allowed: !deny,
        requires_approval: false,
        reason: deny ? 'denied by "secrets/**" (.agent-policy.yml:10:9)' : 'allowed by "src/**/*.ts" (.agent-policy.yml:17:9)',
        seq,
        prev: 'f'.repeat(64),
        hash: 'e'.repeat(64),
      };
      if (!out.write(`${JSON.stringify(entry)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
  }
}

function ms(start: number): string {
  return `${(performance.now() - start).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'ap-audit-view-'));
  const log = new AuditLog(state);
  mkdirSync(log.dir, { recursive: true });
  let t = performance.now();
  await writeLog(log.dir);
  console.log(`Audit view on ${ENTRIES.toLocaleString('en')} entries in ${DAYS} files (written in ${ms(t)})`);

  t = performance.now();
  const pages = new AuditPages(log.files());
  const first = pages.next(500);
  const firstMs = performance.now() - t;
  console.log(`  first page, newest 500 entries:            ${firstMs.toFixed(1)} ms (newest seq ${String(first[0]?.entry.seq)})`);
  t = performance.now();
  for (let i = 0; i < 10; i++) pages.next(500);
  console.log(`  next 10 pages:                             ${ms(t)}`);
  t = performance.now();
  const rare = new AuditPages(log.files(), compileViewFilter({ agent: 'rare-agent' }));
  const found = rare.next(500);
  console.log(`  filtered page (1 in 1,000 match), one call: ${ms(t)} (${found.length} entries, scan budget 20,000 lines)`);

  t = performance.now();
  let count = 0;
  for await (const entry of log.entries()) if (entry) count++;
  const baselineMs = performance.now() - t;
  console.log(`  baseline: stream the log from the start:   ${baselineMs.toFixed(1)} ms (${count.toLocaleString('en')} entries)`);
  console.log(
    `  first page target < ${TARGET_FIRST_PAGE_MS} ms: ${firstMs < TARGET_FIRST_PAGE_MS ? 'met' : 'MISSED'} (${(baselineMs / firstMs).toFixed(0)}x faster than the baseline)`,
  );
  rmSync(state, { recursive: true, force: true });
}

void main();
