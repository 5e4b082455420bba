import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
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
  type AuditRecord,
  type ChainHead,
  type ChainNote,
  type ChainProblem,
  type DecisionContext,
  type DecisionResult,
  type EntryFilter,
  type FoldState,
} from '#core';
import { appendDurable, readTail, syncDirectory, writeAtomic } from './durable-file';
import { withFileLock } from './file-lock';

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
 * The append-only, hash-chained audit log: one JSON line per decision in `audit-YYYY-MM-DD.jsonl`
 * (UTC day of the entry), durable before `append` returns, safe for several processes at once.
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
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const result = withFileLock(join(this.dir, '.lock'), () => this.appendLocked(record));
    if (result.alert) this.options.onAlert?.(result.alert);
    return result;
  }

  /** Writes the summary of a pending run of folded denials, if any. */
  flush(): number {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
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

  async verify(): Promise<VerifyReport> {
    const files = this.files();
    const verifier = new ChainVerifier(sha256, await this.startHead(files));
    for (const file of files) {
      for await (const { line, text, terminated } of readLines(file)) verifier.feed(file, line, text, terminated);
    }
    const problem = verifier.end();
    return { files, entries: verifier.entries, problem, notes: verifier.notes, pendingFolded: this.readFold()?.folded ?? 0 };
  }

  /** Entries matching `filter`, oldest first, streamed. */
  async *entries(filter: EntryFilter = () => true): AsyncGenerator<Record<string, unknown>> {
    for (const file of this.files()) {
      for await (const { text } of readLines(file)) {
        let entry: unknown;
        try {
          entry = JSON.parse(text);
        } catch {
          continue;
        }
        if (entry && typeof entry === 'object' && filter(entry as Record<string, unknown>)) yield entry as Record<string, unknown>;
      }
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

  /** Seals and durably appends one record after `head`, recovering a torn last line first. */
  private write(record: AuditRecord, head: ChainHead): { head: ChainHead; file: string; entry: Record<string, unknown> } {
    const file = join(this.dir, `audit-${record.timestamp.slice(0, 10)}.jsonl`);
    const latest = this.files().at(-1);
    const tail = latest ? readTail(latest) : { lastLine: undefined, fragment: undefined };
    let prefix = '';
    let toSeal = record;
    if (tail.fragment !== undefined && latest) {
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

  /** The chain's head: the last entry of the newest file that has one, else the pruning anchor. */
  private head(): ChainHead {
    const files = this.files();
    for (let i = files.length - 1; i >= 0; i--) {
      const { lastLine } = readTail(files[i] as string);
      if (lastLine === undefined || lastLine.trim() === '') continue;
      let entry: { seq?: unknown; hash?: unknown };
      try {
        entry = JSON.parse(lastLine) as typeof entry;
      } catch {
        throw new Error(`the audit log's last line in ${files[i]} is not an entry; run "agent-policy audit verify" (nothing is appended until it is repaired)`);
      }
      if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string') throw new Error(`the audit log's last line in ${files[i]} is not a chained entry`);
      return { seq: entry.seq, hash: entry.hash };
    }
    return this.readAnchor() ?? GENESIS;
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

  /** Where verification starts: genesis, or the anchor left by pruning when the first file continues from it. */
  private async startHead(files: string[]): Promise<ChainHead> {
    const anchor = this.readAnchor();
    if (!anchor || files.length === 0) return GENESIS;
    for await (const { text } of readLines(files[0] as string)) {
      try {
        const first = JSON.parse(text) as { seq?: unknown };
        return first.seq === 1 ? GENESIS : anchor;
      } catch {
        return anchor;
      }
    }
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
    let anchor: ChainHead | undefined;
    for (const f of old) {
      const { lastLine } = readTail(f);
      if (!lastLine) continue;
      const entry = JSON.parse(lastLine) as { seq: number; hash: string };
      anchor = { seq: entry.seq, hash: entry.hash };
    }
    if (!anchor) return;
    this.write({ kind: 'prune', timestamp, retention_days: days, files: old.map((f) => f.slice(this.dir.length + 1)), anchor_seq: anchor.seq, anchor_hash: anchor.hash }, this.head());
    writeAtomic(this.anchorPath, JSON.stringify(anchor));
    for (const f of old) unlinkSync(f);
  }
}

/** Lines of a file, streamed, with whether each ended with a newline (the last may not: a torn write). */
export async function* readLines(file: string): AsyncGenerator<{ line: number; text: string; terminated: boolean }> {
  let rest = '';
  let line = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield { line: ++line, text: text.slice(start, nl), terminated: true };
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) yield { line: ++line, text: rest, terminated: false };
}
