import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync } from 'node:fs';
import { ensurePrivateDir } from './state-dir';
import { join } from 'node:path';
import {
  ChainVerifier,
  DEFAULT_FOLD_WINDOW_MS,
  GENESIS,
  decisionRecord,
  recordTarget,
  foldStep,
  seal,
  startRun,
  summaryRecord,
  wholeEntryHead,
  type AuditRecord,
  type ChainHead,
  type ChainNote,
  type ChainProblem,
  type DecisionContext,
  type DecisionResult,
  type EntryFilter,
  type FoldState,
} from '#core';
import { ChainOrder } from './chain-order';
import { appendDurable, readTail, syncDirectory, writeAtomic } from './durable-file';
import { withFileLock } from './file-lock';
import { processAlive, takeAbandoned } from './unfinished-calls';

export type Clock = () => number;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface AuditLogOptions {
  clock?: Clock;
  /** `audit.retention_days`: files older than this many days are pruned. */
  retentionDays?: number;
  /** `audit.log_all_actions`: when false, allowed decisions are not recorded (denials and asks always are). */
  logAllActions?: boolean;
  /** `audit.alert_on_deny`. */
  alertOnDeny?: boolean;
  foldWindowMs?: number;
  onAlert?: (alert: AuditAlert) => void;
}

export interface AuditAlert {
  seq: number;
  message: string;
  entry: Record<string, unknown>;
}

export interface AppendResult {
  /** The entry's seq, or undefined when nothing was written (folded, or an allow not recorded). */
  seq: number | undefined;
  folded: boolean;
  file: string | undefined;
  alert: AuditAlert | undefined;
}

export interface VerifyReport {
  files: string[];
  entries: number;
  problem: ChainProblem | undefined;
  notes: ChainNote[];
  /** Denials counted into a run whose summary is not written yet. */
  pendingFolded: number;
}

const FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 86_400_000;

/**
 * The append-only, hash-chained audit log: one JSON line per decision in `audit-YYYY-MM-DD.jsonl`,
 * durable before `append` returns, safe for several processes at once. An entry goes to the file
 * of its own UTC day, or to the newest file when that is later (a writer whose clock is behind
 * never appends to an older day file), so file names never run backwards along the chain; each
 * entry's `timestamp` is still its writer's own clock reading.
 */
export class AuditLog {
  readonly dir: string;
  private readonly clock: Clock;
  private prunedDay: string | undefined;

  constructor(
    stateDir: string,
    private readonly options: AuditLogOptions = {},
  ) {
    this.dir = join(stateDir, 'audit');
    this.clock = options.clock ?? Date.now;
  }

  /** Records one decision (subject to `log_all_actions`), with its alert when it is a denial. */
  appendDecision(action: unknown, result: DecisionResult, context: Omit<DecisionContext, 'timestamp'>): AppendResult {
    if (result.decision === 'allow' && this.options.logAllActions === false && !result.bypass_id) return { seq: undefined, folded: false, file: undefined, alert: undefined };
    return this.append(decisionRecord(action, result, { ...context, timestamp: new Date(this.clock()).toISOString() }));
  }

  /** Appends a record (its timestamp is set from the clock when missing). */
  append(input: { kind: string; timestamp?: string; [field: string]: unknown }): AppendResult {
    const record: AuditRecord = { ...input, timestamp: input.timestamp ?? new Date(this.clock()).toISOString() };
    ensurePrivateDir(this.dir, true);
    const result = withFileLock(join(this.dir, '.lock'), () => this.appendLocked(record));
    if (result.alert) this.options.onAlert?.(result.alert);
    return result;
  }

  /** Writes the summary of a pending run of folded denials, if any. */
  flush(): number {
    ensurePrivateDir(this.dir, true);
    return withFileLock(join(this.dir, '.lock'), () => {
      const fold = this.readFold();
      if (!fold) return 0;
      const summary = summaryRecord(fold, new Date(this.clock()).toISOString());
      if (summary) this.write(summary, this.head());
      writeAtomic(this.foldPath, 'null');
      return fold.folded;
    });
  }

  /** The log's files, oldest first. */
  files(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => FILE.test(f))
      .sort()
      .map((f) => join(this.dir, f));
  }

  /** Follows the chain by seq across the day files, from genesis or the pruning anchor. */
  async verify(): Promise<VerifyReport> {
    const files = this.files();
    const order = await ChainOrder.open(files);
    const verifier = new ChainVerifier(sha256, this.startHead(order.firstSeq()));
    for await (const { file, line, text, terminated } of order.lines()) verifier.feed(file, line, text, terminated);
    const problem = verifier.end();
    return { files, entries: verifier.entries, problem, notes: verifier.notes, pendingFolded: this.readFold()?.folded ?? 0 };
  }

  /** Entries matching `filter`, in chain order (by seq), streamed. */
  async *entries(filter: EntryFilter = () => true): AsyncGenerator<Record<string, unknown>> {
    const order = await ChainOrder.open(this.files());
    for await (const { text } of order.lines()) {
      let entry: unknown;
      try {
        entry = JSON.parse(text);
      } catch {
        continue;
      }
      if (entry && typeof entry === 'object' && filter(entry as Record<string, unknown>)) yield entry as Record<string, unknown>;
    }
  }

  private get foldPath(): string {
    return join(this.dir, 'fold.json');
  }

  private get anchorPath(): string {
    return join(this.dir, 'anchor.json');
  }

  private appendLocked(record: AuditRecord): AppendResult {
    this.prune(record.timestamp);
    this.recordAbandonedCalls(record.timestamp);
    const windowMs = this.options.foldWindowMs ?? DEFAULT_FOLD_WINDOW_MS;
    const fold = this.readFold();
    const step = foldStep(fold, record, windowMs);
    if (step.fold) {
      writeAtomic(this.foldPath, JSON.stringify(step.state));
      return { seq: undefined, folded: true, file: undefined, alert: undefined };
    }
    let head = this.head();
    if (step.summary) head = this.write(step.summary, head).head;
    const written = this.write(record, head);
    const next: FoldState | null = step.track ? startRun(record, written.head.seq, written.head.hash) : null;
    if (next || fold) writeAtomic(this.foldPath, JSON.stringify(next));
    const alert = this.options.alertOnDeny && record.kind === 'decision' && record.decision === 'deny' ? { seq: written.head.seq, message: `denied: ${String(record.action)} ${recordTarget(record) ?? ''}: ${String(record.reason)}`, entry: written.entry } : undefined;
    return { seq: written.head.seq, folded: false, file: written.file, alert };
  }

  /** Hook calls whose process ended before it answered or recorded them (see unfinished-calls.ts), each as a denial. */
  private recordAbandonedCalls(timestamp: string): void {
    takeAbandoned(this.dir, processAlive, (marker) => {
      const reason =
        marker.answered === 'deny at the deadline'
          ? 'the hook reached its deadline before it could decide, answered deny and was ended (the call was not run)'
          : "the hook was ended before it answered (from outside: the runtime's own timeout, or a kill); the runtime may have run the call";
      const result: DecisionResult = { decision: 'deny', allowed: false, requires_approval: false, reason, rules: [] };
      const context = { timestamp, runtime: marker.runtime, agentId: undefined, policyVersion: undefined, tool: marker.tool, sessionId: marker.session_id, toolUseId: marker.tool_use_id, transcriptPath: marker.transcript_path, permissionMode: marker.permission_mode };
      const entry = { ...decisionRecord(marker.action ?? { action: null }, result, context), unfinished: true, started_at: marker.started_at };
      this.write(entry, this.head());
    });
  }

  /** Seals and durably appends one record after `head`, recovering a torn last line first. */
  private write(record: AuditRecord, after: ChainHead): { head: ChainHead; file: string; entry: Record<string, unknown> } {
    let head = after;
    const latest = this.files().at(-1);
    const file = this.dayFileFor(record.timestamp, latest);
    const tail = latest ? readTail(latest) : { lastLine: undefined, fragment: undefined };
    let prefix = '';
    let toSeal = record;
    const whole = tail.fragment !== undefined && latest ? wholeEntryHead(tail.fragment, head, sha256) : undefined;
    if (whole && latest) {
      // Only the newline was lost (ENOSPC, a crash between the two): the entry is whole and
      // continues the chain. End its line and chain after it; reusing its seq forked the chain.
      if (latest === file) prefix = '\n';
      else appendDurable(latest, '\n');
      head = whole;
    } else if (tail.fragment !== undefined && latest) {
      // A crash tore the last write. Keep the fragment (never drop evidence), end its line, and
      // record in the new entry which bytes were recovered, so verify can tell crash from tampering.
      toSeal = { ...record, recovered: { file: latest.slice(this.dir.length + 1), bytes: Buffer.byteLength(tail.fragment), hash: sha256(tail.fragment) } };
      if (latest === file) prefix = '\n';
      else appendDurable(latest, '\n');
    }
    const sealed = seal(toSeal, head, sha256);
    const created = !existsSync(file);
    appendDurable(file, `${prefix}${sealed.line}\n`);
    if (created) syncDirectory(this.dir);
    return { head: sealed.head, file, entry: sealed.entry };
  }

  /** The entry's own day file, unless the newest file is later: then that one (its writer's clock is behind). */
  private dayFileFor(timestamp: string, latest: string | undefined): string {
    const own = join(this.dir, `audit-${timestamp.slice(0, 10)}.jsonl`);
    return latest !== undefined && latest > own ? latest : own;
  }

  /**
   * The chain's head: the last entry of the newest file that has one, else the pruning anchor. A
   * log written before day files were chosen this way may end in an older-named file; that file
   * is the one written last, so the most recently modified file's last entry is read too and the
   * higher seq wins (one stat per file, no chain fork).
   */
  private head(): ChainHead {
    const files = this.files();
    let head: ChainHead | undefined;
    for (let i = files.length - 1; i >= 0 && !head; i--) head = this.lastEntry(files[i] as string);
    const touched = lastModified(files);
    const other = touched && touched !== files.at(-1) ? this.lastEntry(touched) : undefined;
    if (other && (!head || other.seq > head.seq)) head = other;
    return head ?? this.readAnchor() ?? GENESIS;
  }

  private lastEntry(file: string): ChainHead | undefined {
    const { lastLine } = readTail(file);
    if (lastLine === undefined || lastLine.trim() === '') return undefined;
    let entry: { seq?: unknown; hash?: unknown };
    try {
      entry = JSON.parse(lastLine) as typeof entry;
    } catch {
      throw new Error(`the audit log's last line in ${file} is not an entry; run "agent-policy audit verify" (nothing is appended until it is repaired)`);
    }
    if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string') throw new Error(`the audit log's last line in ${file} is not a chained entry`);
    return { seq: entry.seq, hash: entry.hash };
  }

  private readFold(): FoldState | undefined {
    try {
      return (JSON.parse(readFileSync(this.foldPath, 'utf8')) as FoldState | null) ?? undefined;
    } catch {
      return undefined;
    }
  }

  private readAnchor(): ChainHead | undefined {
    try {
      const anchor = JSON.parse(readFileSync(this.anchorPath, 'utf8')) as { seq: number; hash: string };
      return { seq: anchor.seq, hash: anchor.hash };
    } catch {
      return undefined;
    }
  }

  /** Where verification starts: genesis when the chain's first entry is 1, else the anchor left by pruning. */
  private startHead(firstSeq: number | undefined): ChainHead {
    const anchor = this.readAnchor();
    if (!anchor || firstSeq === 1) return GENESIS;
    return anchor;
  }

  /**
   * `retention_days`: once a day, files older than the retention are deleted. The head at the end
   * of the last deleted file becomes the anchor (anchor.json), and a chained `prune` entry records
   * which files went, so the remaining chain still verifies from the anchor.
   */
  private prune(timestamp: string): void {
    const days = this.options.retentionDays;
    const today = timestamp.slice(0, 10);
    if (!days || this.prunedDay === today) return;
    this.prunedDay = today;
    const cutoff = new Date(Date.parse(`${today}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
    const files = this.files();
    const old = files.filter((f) => (FILE.exec(f.slice(this.dir.length + 1))?.[1] ?? '9999') < cutoff);
    if (old.length === 0 || old.length === files.length) return;
    const anchor = lastEntryOf(old);
    if (!anchor || !keptFilesFollow(files.slice(old.length), anchor)) return;
    this.write({ kind: 'prune', timestamp, retention_days: days, files: old.map((f) => f.slice(this.dir.length + 1)), anchor_seq: anchor.seq, anchor_hash: anchor.hash }, this.head());
    writeAtomic(this.anchorPath, JSON.stringify(anchor));
    for (const f of old) unlinkSync(f);
  }
}

/** The file modified last (the later name on a tie). */
function lastModified(files: string[]): string | undefined {
  let best: { file: string; mtime: number } | undefined;
  for (const file of files) {
    const mtime = statSync(file).mtimeMs;
    if (!best || mtime >= best.mtime) best = { file, mtime };
  }
  return best?.file;
}

/** The entry with the highest seq among the files' last lines. */
function lastEntryOf(files: string[]): ChainHead | undefined {
  let last: ChainHead | undefined;
  for (const f of files) {
    const { lastLine } = readTail(f);
    if (!lastLine) continue;
    const entry = JSON.parse(lastLine) as { seq: number; hash: string };
    if (!last || entry.seq > last.seq) last = { seq: entry.seq, hash: entry.hash };
  }
  return last;
}

/**
 * Whether every entry of the kept files comes after the anchor, so pruning removes a prefix of the
 * chain. Always so for files this version wrote; a log whose day files interleave (written before
 * it, while clocks disagreed) is not pruned rather than cut in the middle.
 */
function keptFilesFollow(kept: string[], anchor: ChainHead): boolean {
  for (const f of kept) {
    const first = firstLineOf(f);
    if (first === undefined) continue;
    try {
      const entry = JSON.parse(first) as { seq?: unknown };
      if (typeof entry.seq === 'number' && entry.seq <= anchor.seq) return false;
    } catch {
      // A torn or foreign first line: verify reports it; it does not decide the prefix.
    }
  }
  return true;
}

function firstLineOf(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    return nl < 0 ? undefined : text.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}
