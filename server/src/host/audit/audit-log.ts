import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync } from 'node:fs';
import { ensurePrivateDir } from '../files/state-dir';
import { join } from 'node:path';
import { type DecisionResult } from '#core';
import {
  ChainVerifier,
  compareWithSeal,
  hashedPart,
  canonicalJson,
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
  type EntryFilter,
  type FoldState,
} from '#core/audit';
import { AuditBatch } from './audit-batch';
import {
  AuditSeal,
  SEAL_SYNC_EVERY,
  advanced,
  entrySigner,
  keyKeepingSigner,
  macValid,
  sealFolder,
  signatureValid,
  stateMac,
  type SealPoint,
  type SealState,
} from './audit-seal';
import { ChainOrder } from './chain-order';
import { readTail, readTornTail, writeAtomic } from '../files/durable-file';
import { withFileLock } from '../files/file-lock';
import { abandonedCalls, endCall, processAlive } from './unfinished-calls';
import { entriesAfter } from './trailing-entries';

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
  /** Called after each append that wrote an entry (the forwarder ships it). */
  onAppended?: () => void;
  /** Where the seal lives (see audit-seal.ts); tests give their own. */
  sealFolder?: string;
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
  /** The seal's file, and the head it expects (undefined when the log has no seal). */
  seal: { path: string; head: number | undefined };
}

const FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;
/** Records written in one group commit at most. */
const BATCH_LIMIT = 64;
/** Abandoned calls' entries committed together at most (a batch's records come after them). */
const ABANDONED_PER_COMMIT = 16;
/**
 * How many signed entries past its head a seal is rolled forward over: its on-disk copy lags by at
 * most SEAL_SYNC_EVERY entries and one batch (a power loss), or by what one crash left unsealed.
 */
export const ROLL_FORWARD_WINDOW = SEAL_SYNC_EVERY + BATCH_LIMIT + 32;

interface Pending {
  record: AuditRecord;
  inTime?: (() => boolean) | undefined;
}

interface Queued extends Pending {
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}
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
  readonly seal: AuditSeal;
  private readonly clock: Clock;
  private prunedDay: string | undefined;
  private readonly queue: Queued[] = [];
  /** The log's end as this process's last commit left it: while the seal and the newest file still match it, the end is not read again. */
  private known: { head: string; file: string; size: number; ctime: bigint } | undefined;

  constructor(
    stateDir: string,
    private readonly options: AuditLogOptions = {},
  ) {
    this.dir = join(stateDir, 'audit');
    this.clock = options.clock ?? Date.now;
    this.seal = new AuditSeal(this.dir, options.sealFolder ?? sealFolder());
  }

  /** Records one decision (subject to `log_all_actions`), with its alert when it is a denial. */
  appendDecision(action: unknown, result: DecisionResult, context: Omit<DecisionContext, 'timestamp'>, inTime?: () => boolean): AppendResult {
    if (result.decision === 'allow' && this.options.logAllActions === false && !result.bypass_id)
      return { seq: undefined, folded: false, file: undefined, alert: undefined };
    return this.append(decisionRecord(action, result, { ...context, timestamp: new Date(this.clock()).toISOString() }), inTime);
  }

  /**
   * Appends a record (its timestamp is set from the clock when missing). With `inTime`, checked once
   * the lock is held: false throws and nothing is appended (a hook call whose deadline passed while
   * it waited for the lock).
   */
  append(input: { kind: string; timestamp?: string; [field: string]: unknown }, inTime?: () => boolean): AppendResult {
    const outcome = this.appendAll([{ record: this.stamped(input), inTime }])[0];
    if (outcome instanceof Error) throw outcome;
    return outcome as AppendResult;
  }

  /**
   * Records one decision like `appendDecision`, in the next group commit: the decisions asked for
   * while one commit is on disk are written together, under one lock, one write and one fdatasync.
   * Resolves once the entry is durable; rejects when it could not be written (or its deadline passed).
   */
  recordDecision(action: unknown, result: DecisionResult, context: Omit<DecisionContext, 'timestamp'>, inTime?: () => boolean): Promise<AppendResult> {
    if (result.decision === 'allow' && this.options.logAllActions === false && !result.bypass_id)
      return Promise.resolve({ seq: undefined, folded: false, file: undefined, alert: undefined });
    return this.queued(decisionRecord(action, result, { ...context, timestamp: new Date(this.clock()).toISOString() }), inTime);
  }

  /** Appends a record in the next group commit (see recordDecision). */
  queued(input: { kind: string; timestamp?: string; [field: string]: unknown }, inTime?: () => boolean): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record: this.stamped(input), inTime, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.drain());
    });
  }

  /** Writes what was queued, a batch of at most BATCH_LIMIT at a time, and settles each caller. */
  private drain(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, BATCH_LIMIT);
      let outcomes: (AppendResult | Error)[];
      try {
        outcomes = this.appendAll(batch);
      } catch (error) {
        outcomes = batch.map(() => error as Error);
      }
      batch.forEach((item, i) => {
        const outcome = outcomes[i] as AppendResult | Error;
        if (outcome instanceof Error) item.reject(outcome);
        else item.resolve(outcome);
      });
    }
  }

  private stamped(input: { kind: string; timestamp?: string; [field: string]: unknown }): AuditRecord {
    return { ...input, timestamp: input.timestamp ?? new Date(this.clock()).toISOString() };
  }

  /** Appends the records under one lock and one commit; a record whose deadline passed gets an Error, the others go on. */
  private appendAll(items: Pending[]): (AppendResult | Error)[] {
    ensurePrivateDir(this.dir, true);
    const outcomes = withFileLock(join(this.dir, '.lock'), () => this.appendLocked(items));
    for (const outcome of outcomes) {
      if (outcome instanceof Error) continue;
      if (outcome.alert) this.options.onAlert?.(outcome.alert);
    }
    if (outcomes.some((o) => !(o instanceof Error) && o.seq !== undefined)) this.options.onAppended?.();
    return outcomes;
  }

  /**
   * Adds a MAC by the seal's state key to a record kept beside the log (a bypass event, an
   * approval request): records written by hand into the state folder then count for nothing.
   * Call after the record's own audit entry is appended (which creates the seal).
   */
  authenticate<T extends object>(record: T): T & { mac: string } {
    const state = this.seal.read();
    if (!state) throw new Error(`${this.dir}: the audit log has no seal, so ${this.seal.path} cannot authenticate the record`);
    const { mac: _old, ...rest } = record as T & { mac?: unknown };
    return { ...(rest as T), mac: stateMac(state.state_key, rest) };
  }

  /** A check of records' MACs against this log's seal (every record fails when there is none). */
  authenticator(): (record: Record<string, unknown>) => boolean {
    const key = this.seal.read()?.state_key;
    return (record) => key !== undefined && macValid(key, record);
  }

  /** The last entry `sink` is known to have taken (0: none). */
  forwardedUpTo(sink: string): number {
    return this.seal.read()?.forwarded?.[sink] ?? 0;
  }

  /** The bypass store's chain head as the seal last recorded it. */
  bypassHead(): { count: number; mac: string } | undefined {
    return this.seal.read()?.bypasses;
  }

  /** Records the bypass store's chain head after an append (never moves back). */
  recordBypassHead(head: { count: number; mac: string }): void {
    withFileLock(join(this.dir, '.lock'), () => {
      const state = this.seal.read();
      if (!state || (state.bypasses?.count ?? 0) >= head.count) return;
      this.seal.write({ ...state, bypasses: head });
    });
  }

  /** Records that `sink` has taken every entry up to `seq` (never moves back). */
  recordForwarded(sink: string, seq: number): void {
    withFileLock(join(this.dir, '.lock'), () => {
      const state = this.seal.read();
      if (!state || (state.forwarded?.[sink] ?? 0) >= seq) return;
      this.seal.write({ ...state, forwarded: { ...state.forwarded, [sink]: seq } });
    });
  }

  /** The entries after `seq`, as written (each line with its parsed entry), in chain order; files that end before it are not read. */
  async *linesAfter(seq: number): AsyncGenerator<{ seq: number; line: string; entry: Record<string, unknown> }> {
    const files = this.files().filter((f) => (lastEntryOf([f])?.seq ?? Number.POSITIVE_INFINITY) > seq);
    const order = await ChainOrder.open(files);
    for await (const { text, seq: lineSeq } of order.lines()) {
      if (lineSeq === undefined || lineSeq <= seq) continue;
      yield { seq: lineSeq, line: text, entry: JSON.parse(text) as Record<string, unknown> };
    }
  }

  /** Writes the summary of a pending run of folded denials, if any. */
  flush(): number {
    ensurePrivateDir(this.dir, true);
    return withFileLock(join(this.dir, '.lock'), () => {
      const batch = this.openBatch(new Date(this.clock()).toISOString());
      const fold = batch.state.fold;
      if (!fold) {
        this.commit(batch); // the abandoned calls it recorded
        return 0;
      }
      const summary = summaryRecord(fold, new Date(this.clock()).toISOString());
      if (summary) this.write(summary, batch, { fold: () => null, final: true });
      else batch.state = { ...batch.state, fold: null };
      this.commit(batch, true);
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

  /**
   * Follows the chain by seq across the day files, from genesis or the seal's pruning anchor,
   * checking every signature from where signing began, and ends where the seal says the log ends.
   * A log without a seal can be checked only as a hash chain, which anyone can rewrite: a problem.
   */
  async verify(): Promise<VerifyReport> {
    // A snapshot under the writers' lock: the seal and how long each file was then. Writers go on
    // while verify reads; what they append after the snapshot is not read (it was a false break).
    const { state, all, sizes } = this.snapshot();
    const anchor = state?.anchor ?? undefined;
    const leftovers = anchor ? all.filter((f) => (lastEntryOf([f])?.seq ?? Number.POSITIVE_INFINITY) <= anchor.seq) : [];
    const files = all.filter((f) => !leftovers.includes(f));
    const order = await ChainOrder.open(files, sizes);
    const start = anchor ? { seq: anchor.seq, hash: anchor.hash, key: anchor.key } : state ? GENESIS : this.startHead(order.firstSeq());
    const verifier = new ChainVerifier(sha256, start, state ? { from: state.start, check: signatureValid } : undefined);
    let at = { file: this.dir, line: 0 };
    for await (const { file, line, text, terminated } of order.lines()) {
      verifier.feed(file, line, text, terminated);
      at = { file, line };
    }
    const report = { files, entries: verifier.entries, notes: verifier.notes, seal: { path: this.seal.path, head: state?.head.seq } };
    const problem = verifier.end() ?? this.endProblem(state, verifier.last, at, files, sizes);
    if (!problem && state && verifier.last.seq > state.head.seq)
      report.notes.push({
        kind: 'seal-behind',
        file: at.file,
        line: at.line,
        message: `the seal's head is entry ${state.head.seq}: entries ${state.head.seq + 1}–${verifier.last.seq} are signed along its key chain but it was not updated after them (a crash, or a power loss that kept an older copy of the seal); the next append moves it up`,
      });
    for (const file of leftovers)
      report.notes.push({
        kind: 'interrupted-prune',
        file,
        line: 1,
        message: `every entry here is at or before the pruning anchor (entry ${anchor?.seq ?? 0}): a prune was interrupted; the next prune deletes the file`,
      });
    if (state?.adopted)
      report.notes.push({
        kind: 'signed-from',
        file: this.dir,
        line: 0,
        message: `entries up to ${state.adopted.seq} were written before the log was sealed (${state.adopted.at}): they are hash-chained but not signed`,
      });
    return { ...report, problem, pendingFolded: state?.fold?.folded ?? 0 };
  }

  private snapshot(): { state: SealState | undefined; all: string[]; sizes: Map<string, number> | undefined } {
    const take = (): { state: SealState | undefined; all: string[]; sizes: Map<string, number> } => {
      const all = this.files();
      return { state: this.seal.read(), all, sizes: new Map(all.map((f) => [f, statSync(f).size])) };
    };
    // Without a folder there is nothing to lock (and verify must not create it).
    if (!existsSync(this.dir)) return { state: this.seal.read(), all: [], sizes: undefined };
    try {
      return withFileLock(join(this.dir, '.lock'), take, { timeoutMs: 10_000 });
    } catch (error) {
      // A lock that cannot be taken (a read-only copy of a log, a stopped writer): read as it is.
      if (!/could not lock|EACCES|EROFS|EPERM/.test((error as Error).message)) throw error;
      return { ...take(), sizes: undefined };
    }
  }

  /** What the end of the chain says against the seal; a log with entries and no seal is a problem. */
  private endProblem(
    state: SealState | undefined,
    last: ChainHead,
    at: { file: string; line: number },
    files: string[],
    sizes: ReadonlyMap<string, number> | undefined,
  ): ChainProblem | undefined {
    if (!state) {
      if (files.length === 0) return undefined;
      return {
        kind: 'unsealed',
        file: this.dir,
        line: 0,
        message: `the log has no seal (looked for ${this.seal.path}): truncation and rewriting cannot be detected; the next append seals it from its current end`,
      };
    }
    const mismatch = compareWithSeal(last, state.head, ROLL_FORWARD_WINDOW);
    if (mismatch) return { ...mismatch, file: files.length === 0 ? this.dir : at.file, line: at.line };
    if (last.seq > state.head.seq && !this.rolledForward(state, last, { files, sizes, unterminated: true })) {
      return {
        kind: 'beyond-seal',
        file: at.file,
        line: at.line,
        message: `entries ${state.head.seq + 1}–${last.seq} after the seal's entry ${state.head.seq} are not signed with the keys the seal derives for them: the seal was replaced by an older copy, or they were not written by Agent Policy`,
      };
    }
    return undefined;
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

  /** Written before the seal held the fold state; read once when a seal adopts the log. */
  private get legacyFoldPath(): string {
    return join(this.dir, 'fold.json');
  }

  private get anchorPath(): string {
    return join(this.dir, 'anchor.json');
  }

  private appendLocked(items: Pending[]): (AppendResult | Error)[] {
    const batch = this.openBatch((items[0] as Pending).record.timestamp);
    const outcomes = items.map((item, i) => this.stage(item, batch, i === items.length - 1));
    this.commit(batch);
    return outcomes;
  }

  /** The seal checked against the log, the day's prune and the abandoned calls done: a batch to stage into. */
  private openBatch(timestamp: string): AuditBatch {
    const batch = this.sealForWriting(timestamp);
    this.prune(timestamp, batch);
    this.recordAbandonedCalls(timestamp, batch);
    return batch;
  }

  /** Stages one record (or folds it into the run of denials the seal keeps); an Error when its deadline passed. */
  private stage(item: Pending, batch: AuditBatch, lastItem: boolean): AppendResult | Error {
    if (item.inTime && !item.inTime()) return new Error("the call's deadline passed before its decision could be recorded (its marker records the denial)");
    const record = item.record;
    const windowMs = this.options.foldWindowMs ?? DEFAULT_FOLD_WINDOW_MS;
    const step = foldStep(batch.state.fold ?? undefined, record, windowMs);
    if (step.fold) {
      batch.state = { ...batch.state, fold: step.state };
      batch.holdsInSealOnly();
      return { seq: undefined, folded: true, file: undefined, alert: undefined };
    }
    if (step.summary) this.write(step.summary, batch, { fold: () => null, final: false });
    let alert: AuditAlert | undefined;
    const written = this.write(record, batch, {
      fold: (head): FoldState | null => (step.track ? startRun(record, head.seq, head.hash) : null),
      final: lastItem,
      // The entry as it goes to disk (the batch's last entry is sealed again at commit, naming the next key).
      sealed: (entry) => void (alert &&= { ...alert, entry }),
    });
    if (this.options.alertOnDeny && record.kind === 'decision' && record.decision === 'deny')
      alert = {
        seq: written.head.seq,
        message: `denied: ${String(record.action)} ${recordTarget(record) ?? ''}: ${String(record.reason)}`,
        entry: written.entry,
      };
    const result: AppendResult = { seq: written.head.seq, folded: false, file: written.file, alert };
    batch.onResealed(written.head.seq, () => (result.alert = alert));
    return result;
  }

  /** Writes the batch and remembers where the log ends, so the next batch need not read it back. */
  private commit(batch: AuditBatch, sync = false): void {
    const written = batch.lastFile;
    const state = batch.commit(this.seal, this.dir, sync);
    const latest = written ?? batch.newest ?? this.files().at(-1);
    // Remembered only when the end is known to be whole: a torn end must be recovered by the next append.
    const stat = batch.clean && latest !== undefined ? statSync(latest, { bigint: true }) : undefined;
    this.known = latest !== undefined && stat ? { head: state.head.hash, file: latest, size: Number(stat.size), ctime: stat.ctimeNs } : undefined;
  }

  /** Hook calls whose process ended before it answered or recorded them (see unfinished-calls.ts), each as a denial. */
  private recordAbandonedCalls(timestamp: string, batch: AuditBatch): void {
    const abandoned = abandonedCalls(this.dir, processAlive);
    abandoned.forEach(({ file, marker }, i) => {
      const reason =
        marker.answered === 'deny at the deadline'
          ? 'the hook reached its deadline before it could decide, answered deny and was ended (the call was not run)'
          : "the hook was ended before it answered (from outside: the runtime's own timeout, or a kill); the runtime may have run the call";
      const result: DecisionResult = { decision: 'deny', allowed: false, requires_approval: false, reason, rules: [] };
      const context = {
        timestamp,
        runtime: marker.runtime,
        agentId: undefined,
        policyVersion: undefined,
        tool: marker.tool,
        sessionId: marker.session_id,
        toolUseId: marker.tool_use_id,
        transcriptPath: marker.transcript_path,
        permissionMode: marker.permission_mode,
      };
      const entry = { ...decisionRecord(marker.action ?? { action: null }, result, context), unfinished: true, started_at: marker.started_at };
      this.write(entry, batch, { final: false });
      // The marker goes once its entry is on disk; many at once are committed in parts, so a batch
      // stays within what a lagging seal can be rolled forward over.
      batch.afterCommit(() => {
        try {
          endCall(file);
        } catch {
          // Its entry is on disk: a marker left behind is recorded again by a later append (a duplicate, never a loss).
        }
      });
      if ((i + 1) % ABANDONED_PER_COMMIT === 0) this.commit(batch, true);
    });
  }

  /**
   * The seal, checked against the log's end before anything is appended: the same head; or one
   * entry more, signed by the seal's key (a crash came between the log's write and the seal's),
   * which moves the seal up. A log without a seal is adopted from its current end. Anything else
   * (entries removed, rewritten, or added by something else) stops every append, so the gate
   * fails closed, until a person has looked.
   */
  private sealForWriting(timestamp: string): AuditBatch {
    const state = this.seal.read();
    if (state && this.known && this.unchangedSince(state)) return new AuditBatch(state, true, this.known.file);
    this.known = undefined;
    const tail = this.tailEntry();
    // With a seal, only its own anchor stands for pruned entries (anchor.json is the state folder's, anyone's).
    const head = tail?.head ?? (state ? (state.anchor ?? GENESIS) : (this.readAnchor() ?? GENESIS));
    if (!state) {
      // Only a log that was never signed is adopted: a signed log without its seal here lost it, or
      // is being written with another seal location (AGENT_POLICY_SEAL_HOME), and must not be re-based.
      if (tail && typeof tail.entry.sig === 'string')
        throw new Error(
          `${this.dir}: the audit log is signed but its seal is not at ${this.seal.path}; nothing is appended until a person checks it with "agent-policy audit verify" (a different AGENT_POLICY_SEAL_HOME or XDG_STATE_HOME points elsewhere)`,
        );
      return new AuditBatch(this.adopt(head, timestamp), false);
    }
    if (head.seq === state.head.seq && head.hash === state.head.hash) return new AuditBatch(state, false);
    // The seal's entry lost only its newline (ENOSPC): write() ends its line and chains after it.
    const fragment = this.files().at(-1);
    const whole = fragment ? wholeEntryHead(readTail(fragment).fragment ?? '', head, sha256) : undefined;
    if (whole && whole.seq === state.head.seq && whole.hash === state.head.hash) return new AuditBatch(state, false);
    const rolled =
      tail && head.seq > state.head.seq && head.seq <= state.head.seq + ROLL_FORWARD_WINDOW
        ? this.rolledForward(state, head, { files: this.files(), sizes: undefined, unterminated: false })
        : undefined;
    if (rolled) return new AuditBatch(this.seal.write(rolled), false);
    const found =
      head.seq < state.head.seq
        ? `the log ends at entry ${head.seq}, its seal at entry ${state.head.seq}`
        : head.seq === state.head.seq
          ? `entry ${head.seq} is not the entry the seal recorded`
          : `the log ends at entry ${head.seq}, after the seal's entry ${state.head.seq}, with entries Agent Policy did not seal`;
    throw new Error(
      `${this.dir}: the audit log does not match its seal (${found}); nothing is appended until a person checks it with "agent-policy audit verify"`,
    );
  }

  /**
   * Whether the log ends where this process's last commit left it and the seal's head is that end
   * (nobody appended since): its end need not be read back. The seal's counter is no proof: an
   * older copy put back and updated once more has the same (found in review).
   */
  private unchangedSince(state: SealState): boolean {
    const known = this.known;
    if (!known || state.head.hash !== known.head || this.files().at(-1) !== known.file) return false;
    // Any write to the file since (an edit of the same length too) changes its ctime, which no one can set back.
    const stat = statSync(known.file, { bigint: true, throwIfNoEntry: false });
    return stat !== undefined && Number(stat.size) === known.size && stat.ctimeNs === known.ctime;
  }

  /**
   * The seal moved up over the entries after its head (a crash, or a power loss that kept the log's
   * fdatasynced entries and an older seal): each must be the next in the chain, signed with the
   * key the seal derives for it and naming the one after that. Undefined when any is not.
   */
  private rolledForward(
    sealed: SealState,
    end: ChainHead,
    read: { files: string[]; sizes: ReadonlyMap<string, number> | undefined; unterminated: boolean },
  ): SealState | undefined {
    const after = entriesAfter(read.files, sealed.head.seq, read);
    if (!after || after.at(-1)?.seq !== end.seq) return undefined;
    let state = sealed;
    for (const entry of after) {
      if (!followsSeal(entry, state)) return undefined;
      state = stepped(state, entry);
    }
    return state;
  }

  /** Seals a log that has none (new, or written before seals), carrying over its anchor and fold state. */
  private adopt(head: ChainHead, timestamp: string): SealState {
    const legacyAnchor = head.seq > 0 ? this.readAnchor() : undefined;
    const anchor: SealPoint | null = legacyAnchor ? { seq: legacyAnchor.seq, hash: legacyAnchor.hash, key: undefined } : null;
    const batch = new AuditBatch(this.seal.create(head, anchor, this.readLegacyFold(), timestamp), false);
    if (head.seq > 0) {
      this.write(
        {
          kind: 'audit.sealed',
          timestamp,
          adopted_seq: head.seq,
          reason: 'the log had no seal: it is sealed from here on; the entries before are hash-chained, not signed',
        },
        batch,
        { final: true },
      );
      this.commit(batch, true);
    }
    if (existsSync(this.legacyFoldPath)) unlinkSync(this.legacyFoldPath);
    return batch.state;
  }

  /**
   * Signs one record after the batch's head and stages it, recovering a torn last line first when
   * the log's end is not known to be whole, and moves the batch's seal up (its fold state to
   * `fold` of the new head, or kept). Nothing is on disk until the batch is committed.
   *
   * The key moves on once per batch: an entry that others may follow in the batch names its own
   * key as the next one's, and the batch's last entry names the seal's next key (sealed again at
   * commit when it was not known to be the last). So a commit costs one key derivation however
   * many entries it holds, and once it is on disk the seal holds no key that signed any of them.
   */
  private write(
    record: AuditRecord,
    batch: AuditBatch,
    how: { fold?: (head: ChainHead) => FoldState | null; final: boolean; sealed?: (entry: Record<string, unknown>) => void },
  ): { head: ChainHead; file: string; entry: Record<string, unknown> } {
    const latest = batch.lastFile ?? batch.newest ?? this.files().at(-1);
    const file = this.dayFileFor(record.timestamp, latest);
    const toSeal = batch.clean || !latest ? record : this.recovered(record, batch, latest);
    batch.clean = true;
    const before = batch.state;
    const entry = seal(toSeal, before.head, sha256, how.final ? entrySigner(before) : keyKeepingSigner(before));
    const line = `${entry.line}\n`;
    batch.add(file, line);
    batch.state = how.final
      ? advanced(before, entry.head, how.fold ? how.fold(entry.head) : before.fold)
      : { ...before, head: { seq: entry.head.seq, hash: entry.head.hash, key: before.head.key }, fold: how.fold ? how.fold(entry.head) : before.fold };
    batch.pendLast(
      how.final
        ? undefined
        : () => {
            // Sealed again as the batch's last entry, naming the seal's next key; nothing in the batch chains after it.
            const again = seal(toSeal, before.head, sha256, entrySigner(before));
            const fold =
              batch.state.fold && batch.state.fold.first_seq === again.head.seq ? { ...batch.state.fold, first_hash: again.head.hash } : batch.state.fold;
            batch.state = advanced({ ...batch.state, head: before.head }, again.head, fold);
            how.sealed?.(again.entry);
            return `${again.line}\n`;
          },
      line.length,
    );
    return { head: entry.head, file, entry: entry.entry };
  }

  /** Before the first entry after a crash: the torn end of `latest` kept, its line ended, and `record` as it must be sealed. */
  private recovered(record: AuditRecord, batch: AuditBatch, latest: string): AuditRecord {
    const tail = readTornTail(latest);
    const fragment = tail.unterminated && tail.torn.length === 1 ? tail.torn[0] : undefined;
    const whole = fragment !== undefined ? wholeEntryHead(fragment, batch.state.head, sha256) : undefined;
    const parsed = whole ? (JSON.parse(fragment as string) as Record<string, unknown>) : undefined;
    if (parsed && followsSeal(parsed, batch.state)) {
      // Only the newline was lost (ENOSPC, a crash between the two): the entry is whole and
      // continues the chain. End its line and chain after it; reusing its seq forked the chain.
      batch.add(latest, '\n');
      batch.state = stepped(batch.state, parsed);
      return record;
    }
    if (tail.torn.length === 0) return record;
    // A crash tore the last write (or a recovery's, leaving two pieces). Keep them (never drop
    // evidence), end the last one's line, and record in the new entry which bytes were
    // recovered, in order, so verify can tell crash from tampering.
    const pieces = tail.torn.map((t) => ({ file: latest.slice(this.dir.length + 1), bytes: Buffer.byteLength(t), hash: sha256(t) }));
    if (tail.unterminated) batch.add(latest, '\n');
    return { ...record, recovered: pieces.length === 1 ? pieces[0] : pieces };
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
  private tailEntry(): { head: ChainHead; entry: Record<string, unknown> } | undefined {
    const files = this.files();
    let last: { head: ChainHead; entry: Record<string, unknown> } | undefined;
    for (let i = files.length - 1; i >= 0 && !last; i--) last = this.lastEntry(files[i] as string);
    const touched = lastModified(files);
    const other = touched && touched !== files.at(-1) ? this.lastEntry(touched) : undefined;
    if (other && (!last || other.head.seq > last.head.seq)) last = other;
    return last;
  }

  private lastEntry(file: string): { head: ChainHead; entry: Record<string, unknown> } | undefined {
    // Torn writes after the last entry are the next append's to recover; the entry before them is the end.
    const lastLine = readTornTail(file).entryLine;
    if (lastLine === undefined || lastLine.trim() === '') return undefined;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(lastLine) as Record<string, unknown>;
    } catch {
      throw new Error(`the audit log's last line in ${file} is not an entry; run "agent-policy audit verify" (nothing is appended until it is repaired)`);
    }
    if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string') throw new Error(`the audit log's last line in ${file} is not a chained entry`);
    return { head: { seq: entry.seq, hash: entry.hash, key: typeof entry.next_key === 'string' ? entry.next_key : undefined }, entry };
  }

  private readLegacyFold(): FoldState | null {
    try {
      return (JSON.parse(readFileSync(this.legacyFoldPath, 'utf8')) as FoldState | null) ?? null;
    } catch {
      return null;
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
  private prune(timestamp: string, batch: AuditBatch): void {
    const days = this.options.retentionDays;
    const today = timestamp.slice(0, 10);
    if (!days || this.prunedDay === today) return;
    this.prunedDay = today;
    const cutoff = new Date(Date.parse(`${today}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
    const files = this.files();
    // A file is old by its name and by its last entry's own time (and that entry is whole): a
    // recent file renamed to an old day is never deleted.
    const old = files.filter((f) => (FILE.exec(f.slice(this.dir.length + 1))?.[1] ?? '9999') < cutoff && isOldEntry(lastLineOf(f), cutoff));
    if (old.length === 0 || old.length === files.length || old.some((f, i) => f !== files[i])) return;
    const anchor = lastEntryOf(old);
    if (!anchor || !keptFilesFollow(files.slice(old.length), anchor)) return;
    // Left over by a prune that was interrupted: already behind the anchor, never a reason to move it back.
    const behind = batch.state.anchor !== null && anchor.seq <= batch.state.anchor.seq;
    if (!behind) {
      this.write(
        {
          kind: 'prune',
          timestamp,
          retention_days: days,
          files: old.map((f) => f.slice(this.dir.length + 1)),
          anchor_seq: anchor.seq,
          anchor_hash: anchor.hash,
        },
        batch,
        { final: true },
      );
      // The seal's anchor is the one verification trusts; anchor.json is for people and older versions.
      // Both are on disk before any file goes.
      batch.state = { ...batch.state, anchor: { seq: anchor.seq, hash: anchor.hash, key: anchor.key } };
      this.commit(batch, true);
      writeAtomic(this.anchorPath, JSON.stringify({ seq: anchor.seq, hash: anchor.hash }));
    }
    for (const f of old) unlinkSync(f);
    this.known = undefined;
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
    let entry: { seq?: unknown; hash?: unknown; next_key?: unknown };
    try {
      entry = JSON.parse(lastLine) as typeof entry;
    } catch {
      continue;
    }
    if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string') continue;
    if (!last || entry.seq > last.seq) last = { seq: entry.seq, hash: entry.hash, key: typeof entry.next_key === 'string' ? entry.next_key : undefined };
  }
  return last;
}

function lastLineOf(file: string): string | undefined {
  return readTail(file).lastLine;
}

/** Whether the line is a whole entry (its hash recomputes) timestamped before the day `cutoff`. */
function isOldEntry(line: string | undefined, cutoff: string): boolean {
  if (line === undefined) return false;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry.hash !== 'string' || sha256(canonicalJson(hashedPart(entry))) !== entry.hash) return false;
    return typeof entry.timestamp === 'string' && entry.timestamp.slice(0, 10) < cutoff;
  } catch {
    return false;
  }
}

/**
 * Whether `entry` is the entry after the seal's head, written and signed with the seal's key,
 * naming as the next key the seal's next one (the last entry of a commit) or its own (an entry
 * that others followed in its commit).
 */
function followsSeal(entry: Record<string, unknown>, state: SealState): boolean {
  const { seq, prev, hash, sig, next_key: nextKey } = entry;
  if (seq !== state.head.seq + 1 || prev !== state.head.hash || typeof hash !== 'string' || typeof sig !== 'string') return false;
  if ((nextKey !== state.next.public && nextKey !== state.head.key) || sha256(canonicalJson(hashedPart(entry))) !== hash) return false;
  return state.head.key !== undefined && signatureValid(state.head.key, hash, sig);
}

/**
 * The seal after `entry` (which follows it): the key moved on, or kept when the entry named its
 * own. A record that was not folded ended the run of denials the seal held (after writing its
 * summary, if any): the run is dropped, so a later denial is written rather than counted twice.
 * Entries written beside the records (a prune, an abandoned call, the adoption) leave it.
 */
function stepped(state: SealState, entry: Record<string, unknown>): SealState {
  const head = { seq: entry.seq as number, hash: entry.hash as string };
  const fold = entry.kind === 'prune' || entry.kind === 'audit.sealed' || entry.unfinished === true ? state.fold : null;
  return entry.next_key === state.next.public ? advanced(state, head, fold) : { ...state, head: { ...head, key: state.head.key }, fold };
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
