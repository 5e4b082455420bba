import { canonicalize } from './canonical-json';
import { BackwardRuns, formatSpan, type BackwardRun } from './backward-runs';
import type { AuditRecord } from './record';

/**
 * The audit log's hash chain. Each entry is a record plus `seq` (1, 2, 3, ... across rotated
 * files), `prev` (the previous entry's hash) and `hash` (of the entry's canonical JSON, RFC 8785,
 * without `hash` and `sig`). Editing, removing, reordering or inserting entries breaks the chain.
 *
 * A sealed entry is also signed: `sig` is a signature of its hash by a key used for that entry
 * alone, and the entry names (`next_key`, inside what is hashed) the public key that must sign
 * the next one. The writer keeps only the keys of entries not yet written, so a stolen key cannot
 * re-sign any entry already in the log (forward security). The hash and signature functions are
 * the host's (SHA-256, Ed25519), so the core stays free of I/O and platform modules.
 */
export type HashFunction = (text: string) => string;

/** Whether `signature` is a valid signature of the entry hash `hash` by `publicKey`. */
export type SignatureCheck = (publicKey: string, hash: string, signature: string) => boolean;

/** Signs entries as they are sealed: the key for this entry, and the public key of the next one's. */
export interface EntrySigner {
  sign(hash: string): string;
  nextKey: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainHead {
  seq: number;
  hash: string;
  /** The public key that must sign the entry after this one; absent before signing began. */
  key?: string | undefined;
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

export function seal(record: AuditRecord, head: ChainHead, hash: HashFunction, signer?: EntrySigner): SealedEntry {
  const { hash: ownHash, seq, prev, sig, next_key, ...fields } = record as AuditRecord & Record<'hash' | 'seq' | 'prev' | 'sig' | 'next_key', unknown>;
  void [ownHash, seq, prev, sig, next_key]; // a record's own chain fields are never trusted
  const unsealed = { ...fields, seq: head.seq + 1, prev: head.hash, ...(signer ? { next_key: signer.nextKey } : {}) };
  const digest = hash(canonicalJson(unsealed));
  const entry = { ...unsealed, hash: digest, ...(signer ? { sig: signer.sign(digest) } : {}) };
  return { entry, line: canonicalJson(entry), head: { seq: unsealed.seq, hash: digest, key: signer?.nextKey } };
}

/** An entry's content as hashed: everything but its own `hash` and `sig`. */
export function hashedPart(entry: Record<string, unknown>): Record<string, unknown> {
  const { hash: _hash, sig: _sig, ...rest } = entry;
  return rest;
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
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const record = entry as Record<string, unknown>;
  const own = record.hash;
  if (typeof own !== 'string' || record.seq !== head.seq + 1 || record.prev !== head.hash) return undefined;
  if (hash(canonicalJson(hashedPart(record))) !== own) return undefined;
  return { seq: head.seq + 1, hash: own, key: typeof record.next_key === 'string' ? record.next_key : undefined };
}

export type ChainProblemKind =
  | 'not-json'
  | 'not-an-entry'
  | 'edited'
  | 'broken'
  | 'missing'
  | 'reordered'
  | 'torn'
  | 'unsigned'
  | 'forged'
  | 'truncated'
  | 'rewritten'
  | 'unsealed'
  | 'beyond-seal';

/**
 * The chain's verified end against the head its seal recorded: fewer entries is truncation (the
 * last entries, the newest day file or the whole folder removed), the same seq with another hash
 * a rewrite, more than `window` entries beyond it entries the writer never sealed. Up to `window`
 * beyond is a seal that lags its log (a crash between the log's write and the seal's, or a power
 * loss that kept an older copy of the seal); their signatures were checked like every other's.
 */
export function compareWithSeal(last: ChainHead, sealed: ChainHead, window = 1): { kind: ChainProblemKind; message: string } | undefined {
  if (last.seq < sealed.seq) {
    const lost = last.seq + 1 === sealed.seq ? `entry ${sealed.seq} is` : `entries ${last.seq + 1}–${sealed.seq} are`;
    return {
      kind: 'truncated',
      message: `the log ends at entry ${last.seq}, but its seal recorded entry ${sealed.seq}: ${lost} gone (cut from the end, or a day file or the audit folder deleted)`,
    };
  }
  if (last.seq === sealed.seq && last.hash !== sealed.hash)
    return { kind: 'rewritten', message: `entry ${last.seq} is not the entry the seal recorded: the log was rewritten` };
  if (last.seq > sealed.seq + window)
    return {
      kind: 'beyond-seal',
      message: `the log goes on to entry ${last.seq} after the seal's entry ${sealed.seq}: more than the ${window} entries a seal can lag its log; entries ${sealed.seq + 1}–${last.seq} were not sealed by Agent Policy`,
    };
  return undefined;
}

export interface ChainProblem {
  kind: ChainProblemKind;
  file: string;
  line: number;
  message: string;
}

export type ChainNoteKind = 'torn-write' | 'clock-ran-backwards' | 'older-day-file' | 'interrupted-prune' | 'signed-from' | 'seal-behind';

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
  /** Lines that are not JSON since the last entry: torn writes, unless the next entry records them as recovered. */
  private pendingTorn: Pending[] = [];
  /** An entry that came after a gap: missing entries, unless the entry it skipped comes later (then lines were reordered). */
  private pendingGap: { at: Pending; seq: number } | undefined;
  private problem: ChainProblem | undefined;
  private readonly clock = new BackwardRuns<{ ms: number; text: string }>((high, key) => high.ms - key.ms);
  private readonly dayFiles = new BackwardRuns<string>((high, key) => (key < high ? 1 : 0));
  readonly notes: ChainNote[] = [];
  entries = 0;

  /**
   * `signing`: where signing began (the head before the first signed entry, with the key that
   * signs it) and how to check a signature; from there on every entry must be signed by the key
   * the one before it named. Without it, only the hash chain is checked.
   */
  constructor(
    private readonly hash: HashFunction,
    start: ChainHead = GENESIS,
    private readonly signing?: { from: ChainHead; check: SignatureCheck },
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
      const torn = { file, line, text };
      this.pendingTorn.push(torn);
      if (!terminated)
        return this.fail(torn, 'torn', `the last line is incomplete (${text.length} characters): a writer crashed mid-append, or the log was cut`);
      return;
    }
    this.check(file, line, entry);
  }

  /** Call after the last line. */
  end(): ChainProblem | undefined {
    if (!this.problem && this.pendingGap) this.failGap(undefined);
    const unrecovered = this.pendingTorn[0];
    if (!this.problem && unrecovered) this.fail(unrecovered, 'not-json', 'a line that is not JSON was never recovered by a later entry');
    this.noteClock(this.clock.end());
    this.noteDayFile(this.dayFiles.end());
    return this.problem;
  }

  private check(file: string, line: number, entry: Record<string, unknown>): void {
    const { hash, seq, prev } = entry;
    if (typeof hash !== 'string' || typeof seq !== 'number' || typeof prev !== 'string')
      return this.fail({ file, line, text: '' }, 'not-an-entry', 'the line is JSON but not a chained entry (no seq, prev or hash)');
    if (this.hash(canonicalJson(hashedPart(entry))) !== hash)
      return this.fail({ file, line, text: '' }, 'edited', `entry ${seq} was edited: its content no longer matches its hash`);
    const first = this.pendingTorn[0];
    if (first) {
      // One torn line is recorded as an object, several (a recovery that was itself torn) as a list, in order.
      const recovered = Array.isArray(entry.recovered)
        ? (entry.recovered as { hash?: unknown }[])
        : entry.recovered
          ? [entry.recovered as { hash?: unknown }]
          : [];
      if (recovered.length !== this.pendingTorn.length || this.pendingTorn.some((torn, i) => recovered[i]?.hash !== this.hash(torn.text))) {
        return this.fail(first, 'not-json', 'a line that is not JSON sits in the log and no later entry records it as a recovered torn write');
      }
      for (const torn of this.pendingTorn)
        this.notes.push({ kind: 'torn-write', file: torn.file, line: torn.line, message: `torn write (crash mid-append), recovered by entry ${seq}` });
      this.pendingTorn = [];
    }
    // After a gap, only the entry it skipped is looked for: found later, the lines were reordered.
    if (this.pendingGap) {
      if (seq === this.head.seq + 1) this.failGap(seq);
      return;
    }
    if (seq <= this.head.seq)
      return this.fail({ file, line, text: '' }, 'reordered', `entry ${seq} comes after entry ${this.head.seq}: entries were reordered or duplicated`);
    if (seq > this.head.seq + 1) {
      this.pendingGap = { at: { file, line, text: '' }, seq };
      return;
    }
    if (prev !== this.head.hash)
      return this.fail({ file, line, text: '' }, 'broken', `entry ${seq} does not chain to entry ${this.head.seq}: the previous entry was replaced`);
    const key = this.signedKey(file, line, entry, seq);
    if (key === false) return;
    this.head = { seq, hash, key };
    this.entries++;
    this.observeOrder(file, line, seq, entry.timestamp);
  }

  /**
   * The key the entry names for the next one, after checking its signature by the key the entry
   * before named; false after reporting a problem. Before signing began, undefined.
   */
  private signedKey(file: string, line: number, entry: Record<string, unknown>, seq: number): string | undefined | false {
    const signing = this.signing;
    if (!signing) return undefined;
    let expected = this.head.key;
    if (expected === undefined) {
      if (this.head.seq !== signing.from.seq) return undefined; // written before signing began
      if (this.head.hash !== signing.from.hash) {
        this.fail({ file, line, text: '' }, 'broken', `entry ${seq - 1} is not the entry the seal began signing after: the chain up to it was rewritten`);
        return false;
      }
      expected = signing.from.key;
      if (expected === undefined) return undefined;
    }
    const { sig, next_key: nextKey } = entry;
    if (typeof sig !== 'string' || typeof nextKey !== 'string') {
      this.fail(
        { file, line, text: '' },
        'unsigned',
        `entry ${seq} is not signed, but every entry after ${signing.from.seq} must be: it was written by something other than Agent Policy`,
      );
      return false;
    }
    if (!signing.check(expected, entry.hash as string, sig)) {
      this.fail({ file, line, text: '' }, 'forged', `entry ${seq}'s signature is not by the key entry ${seq - 1} named: the entry was forged or re-signed`);
      return false;
    }
    return nextKey;
  }

  /** Reports the gap held back: reordered when the entry it skipped came later, else missing entries. */
  private failGap(nextSeq: number | undefined): void {
    const gap = this.pendingGap as { at: Pending; seq: number };
    this.pendingGap = undefined;
    const expected = this.head.seq + 1;
    if (nextSeq === expected) return this.fail(gap.at, 'reordered', `entry ${gap.seq} comes before entry ${expected}: entries were reordered`);
    this.fail(
      gap.at,
      'missing',
      `${gap.seq - 1 > expected ? `entries ${expected}–${gap.seq - 1} are` : `entry ${expected} is`} missing before entry ${gap.seq}`,
    );
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
