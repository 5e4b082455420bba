import canonicalize from 'canonicalize';
import { BackwardRuns, formatSpan, type BackwardRun } from './backward-runs';
import type { AuditRecord } from './record';

/**
 * The audit log's hash chain. Each entry is a record plus `seq` (1, 2, 3, ... across rotated
 * files), `prev` (the previous entry's hash) and `hash` (of the entry's canonical JSON, RFC 8785,
 * without `hash`). Editing, removing, reordering or inserting entries breaks the chain. The hash
 * function is the host's (SHA-256), so the core stays free of I/O and platform modules.
 */
export type HashFunction = (text: string) => string;

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS: ChainHead = { seq: 0, hash: GENESIS_HASH };

export interface SealedEntry {
  entry: Record<string, unknown>;
  /** The entry as one line of canonical JSON, without the newline. */
  line: string;
  head: ChainHead;
}

/** Canonical JSON; lone surrogates (which RFC 8785 refuses) become U+FFFD first. */
export function canonicalJson(value: unknown): string {
  return canonicalize(wellFormed(value)) ?? 'null';
}

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[wellFormed(k) as string] = wellFormed(v);
    return out;
  }
  return value;
}

export function seal(record: AuditRecord, head: ChainHead, hash: HashFunction): SealedEntry {
  const { hash: ownHash, seq, prev, ...fields } = record as AuditRecord & { hash?: unknown; seq?: unknown; prev?: unknown };
  void [ownHash, seq, prev]; // a record's own chain fields are never trusted
  const unsealed = { ...fields, seq: head.seq + 1, prev: head.hash };
  const digest = hash(canonicalJson(unsealed));
  const entry = { ...unsealed, hash: digest };
  return { entry, line: canonicalJson(entry), head: { seq: unsealed.seq, hash: digest } };
}

/**
 * The head a torn tail stands for when only its newline was lost: a whole entry that continues
 * `head` (next seq, its prev, its own hash right). Undefined for anything else, which is a real tear.
 */
export function wholeEntryHead(text: string, head: ChainHead, hash: HashFunction): ChainHead | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { hash: own, ...unsealed } = entry as { hash?: unknown; seq?: unknown; prev?: unknown };
  if (typeof own !== 'string' || unsealed.seq !== head.seq + 1 || unsealed.prev !== head.hash) return undefined;
  return hash(canonicalJson(unsealed)) === own ? { seq: head.seq + 1, hash: own } : undefined;
}

export type ChainProblemKind = 'not-json' | 'not-an-entry' | 'edited' | 'broken' | 'missing' | 'reordered' | 'torn';

export interface ChainProblem {
  kind: ChainProblemKind;
  file: string;
  line: number;
  message: string;
}

export type ChainNoteKind = 'torn-write' | 'clock-ran-backwards' | 'older-day-file';

/** Something verification saw that is not a break: the chain is intact around it. */
export interface ChainNote {
  kind: ChainNoteKind;
  file: string;
  line: number;
  message: string;
  /** For `clock-ran-backwards` and `older-day-file`: the entries concerned. */
  entries?: { first: number; last: number; count: number };
  /** For `clock-ran-backwards`: how far the furthest entry's clock was behind an earlier entry's. */
  behindMs?: number;
}

interface Pending {
  file: string;
  line: number;
  text: string;
}

/**
 * Verifies entries line by line in chain order (by seq, across files). Reports the first problem;
 * a torn line (a crash mid-append) is accepted only when the next entry records it as recovered.
 * Order is the chain's, never the clock's: entries whose clock reading runs backwards, or that sit
 * in a day file named before the previous entry's, are notes.
 */
export class ChainVerifier {
  private head: ChainHead;
  private pendingTorn: Pending | undefined;
  /** An entry that came after a gap: missing entries, unless the entry it skipped comes later (then lines were reordered). */
  private pendingGap: { at: Pending; seq: number } | undefined;
  private problem: ChainProblem | undefined;
  private readonly clock = new BackwardRuns<{ ms: number; text: string }>((high, key) => high.ms - key.ms);
  private readonly dayFiles = new BackwardRuns<string>((high, key) => (key < high ? 1 : 0));
  readonly notes: ChainNote[] = [];
  entries = 0;

  constructor(
    private readonly hash: HashFunction,
    start: ChainHead = GENESIS,
  ) {
    this.head = start;
  }

  get firstProblem(): ChainProblem | undefined {
    return this.problem;
  }

  get last(): ChainHead {
    return this.head;
  }

  /** Feeds one line (without its newline); `terminated` is false for a final line without one. */
  feed(file: string, line: number, text: string, terminated: boolean): void {
    if (this.problem) return;
    if (text.trim() === '') return;
    let entry: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      entry = parsed as Record<string, unknown>;
    } catch {
      if (this.pendingTorn) return this.fail(this.pendingTorn, 'not-json', 'a line that is not JSON was never recovered by a later entry');
      this.pendingTorn = { file, line, text };
      if (!terminated) return this.fail(this.pendingTorn, 'torn', `the last line is incomplete (${text.length} characters): a writer crashed mid-append, or the log was cut`);
      return;
    }
    this.check(file, line, entry);
  }

  /** Call after the last line. */
  end(): ChainProblem | undefined {
    if (!this.problem && this.pendingGap) this.failGap(undefined);
    if (!this.problem && this.pendingTorn) this.fail(this.pendingTorn, 'not-json', 'a line that is not JSON was never recovered by a later entry');
    this.noteClock(this.clock.end());
    this.noteDayFile(this.dayFiles.end());
    return this.problem;
  }

  private check(file: string, line: number, entry: Record<string, unknown>): void {
    const { hash, seq, prev } = entry;
    if (typeof hash !== 'string' || typeof seq !== 'number' || typeof prev !== 'string') return this.fail({ file, line, text: '' }, 'not-an-entry', 'the line is JSON but not a chained entry (no seq, prev or hash)');
    const { hash: _own, ...unsealed } = entry;
    if (this.hash(canonicalJson(unsealed)) !== hash) return this.fail({ file, line, text: '' }, 'edited', `entry ${seq} was edited: its content no longer matches its hash`);
    if (this.pendingTorn) {
      const recovered = entry.recovered as { hash?: unknown } | undefined;
      if (!recovered || recovered.hash !== this.hash(this.pendingTorn.text)) {
        return this.fail(this.pendingTorn, 'not-json', 'a line that is not JSON sits in the log and no later entry records it as a recovered torn write');
      }
      this.notes.push({ kind: 'torn-write', file: this.pendingTorn.file, line: this.pendingTorn.line, message: `torn write (crash mid-append), recovered by entry ${seq}` });
      this.pendingTorn = undefined;
    }
    // After a gap, only the entry it skipped is looked for: found later, the lines were reordered.
    if (this.pendingGap) {
      if (seq === this.head.seq + 1) this.failGap(seq);
      return;
    }
    if (seq <= this.head.seq) return this.fail({ file, line, text: '' }, 'reordered', `entry ${seq} comes after entry ${this.head.seq}: entries were reordered or duplicated`);
    if (seq > this.head.seq + 1) {
      this.pendingGap = { at: { file, line, text: '' }, seq };
      return;
    }
    if (prev !== this.head.hash) return this.fail({ file, line, text: '' }, 'broken', `entry ${seq} does not chain to entry ${this.head.seq}: the previous entry was replaced`);
    this.head = { seq, hash };
    this.entries++;
    this.observeOrder(file, line, seq, entry.timestamp);
  }

  /** Reports the gap held back: reordered when the entry it skipped came later, else missing entries. */
  private failGap(nextSeq: number | undefined): void {
    const gap = this.pendingGap as { at: Pending; seq: number };
    this.pendingGap = undefined;
    const expected = this.head.seq + 1;
    if (nextSeq === expected) return this.fail(gap.at, 'reordered', `entry ${gap.seq} comes before entry ${expected}: entries were reordered`);
    this.fail(gap.at, 'missing', `entries ${expected}${gap.seq - 1 > expected ? `–${gap.seq - 1}` : ''} are missing before entry ${gap.seq}`);
  }

  private observeOrder(file: string, line: number, seq: number, timestamp: unknown): void {
    const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (!Number.isNaN(ms)) this.noteClock(this.clock.observe({ seq, key: { ms, text: timestamp as string }, file, line }));
    this.noteDayFile(this.dayFiles.observe({ seq, key: file, file, line }));
  }

  private noteClock(run: BackwardRun<{ ms: number; text: string }> | undefined): void {
    if (!run) return;
    const { entry, ahead, behind } = run.worst;
    const span = run.count === 1 ? `entry ${run.first.seq} is` : `${run.count} entries among ${run.first.seq}–${run.lastSeq} are`;
    this.notes.push({
      kind: 'clock-ran-backwards',
      file: run.first.file,
      line: run.first.line,
      message: `the clock ran backwards: ${span} timestamped before an earlier entry, by up to ${formatSpan(behind)} (entry ${entry.seq} at ${entry.key.text} follows entry ${ahead.seq} at ${ahead.key.text}); writers' clocks disagree or the clock was stepped back; the chain orders them`,
      entries: { first: run.first.seq, last: run.lastSeq, count: run.count },
      behindMs: behind,
    });
  }

  private noteDayFile(run: BackwardRun<string> | undefined): void {
    if (!run) return;
    const span = run.count === 1 ? `entry ${run.first.seq} sits` : `${run.count} entries among ${run.first.seq}–${run.lastSeq} sit`;
    this.notes.push({
      kind: 'older-day-file',
      file: run.first.file,
      line: run.first.line,
      message: `${span} in a day file named before the one holding entry ${run.worst.ahead.seq} (${baseName(run.worst.ahead.key)}), as writers before this version did when clocks disagreed; the chain orders them`,
      entries: { first: run.first.seq, last: run.lastSeq, count: run.count },
    });
  }

  private fail(at: Pending, kind: ChainProblemKind, message: string): void {
    this.problem ??= { kind, file: at.file, line: at.line, message };
  }
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}
