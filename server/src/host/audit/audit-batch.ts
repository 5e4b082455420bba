import { existsSync } from 'node:fs';
import { appendDurable, syncDirectory } from '../files/durable-file';
import { syncDue, type AuditSeal, type SealState } from './audit-seal';

/**
 * The entries of one group commit, staged in memory under the log's lock and then written with
 * one write and one fdatasync per day file they go to, then one seal update. Until `commit`
 * returns, none of them is acknowledged.
 */
export class AuditBatch {
  private parts: { file: string; text: string }[] = [];
  /** Set when the seal must be fdatasynced at commit: it alone holds something acknowledged (a folded denial). */
  private sealOnly = false;
  private committed: SealState;

  constructor(
    /** The seal as it will be once the staged entries are on disk. */
    public state: SealState,
    /** Whether the log's end is known to be whole (no torn write to recover before the first entry). */
    public clean: boolean,
    /** The log's newest file when the batch was opened, when known without reading the folder. */
    readonly newest?: string,
  ) {
    this.committed = state;
  }

  /** Seals the batch's last entry again, naming the next key, when it was sealed expecting others after it. */
  private reseal: (() => string) | undefined;
  private lastLineLength = 0;
  private readonly resealed = new Map<number, () => void>();

  /**
   * Called after each entry is staged: `reseal` gives the entry's line as the batch's last, or is
   * undefined when the entry was sealed as the last already. Commit calls the last one's.
   */
  pendLast(reseal: (() => string) | undefined, lineLength: number): void {
    this.reseal = reseal;
    this.lastLineLength = lineLength;
  }

  private readonly committedThen: (() => void)[] = [];

  /** Runs `then` once the batch's entries and seal are on disk (a call marker removed only after its entry is). */
  afterCommit(then: () => void): void {
    this.committedThen.push(then);
  }

  /** Runs `then` if entry `seq` is sealed again at commit (its result changes with it). */
  onResealed(seq: number, then: () => void): void {
    this.resealed.set(seq, then);
  }

  /** Stages `text` for the end of `file`. */
  add(file: string, text: string): void {
    this.reseal = undefined; // a newline ending a torn piece comes before any entry: never after one
    const last = this.parts.at(-1);
    if (last && last.file === file) last.text += text;
    else this.parts.push({ file, text });
  }

  /** The last entry's line replaced by its line as the batch's last (it names the seal's next key). */
  private sealLast(): void {
    const reseal = this.reseal;
    const part = this.parts.at(-1);
    if (!reseal || !part) return;
    const head = this.state.head.seq;
    part.text = part.text.slice(0, part.text.length - this.lastLineLength) + reseal();
    this.reseal = undefined;
    this.resealed.get(head)?.();
  }

  /** The last file an entry is staged for, if any. */
  get lastFile(): string | undefined {
    return this.parts.at(-1)?.file;
  }

  /** Marks a change only the seal records (a denial folded into a run). */
  holdsInSealOnly(): void {
    this.sealOnly = true;
  }

  /**
   * Writes the staged entries durably, then the seal: fdatasynced when it alone holds something,
   * when `sync` asks, or every SEAL_SYNC_EVERY entries; otherwise left to the page cache (it is
   * never ahead of the log on disk, and a lagging seal is rolled forward). Returns the seal written.
   */
  commit(seal: AuditSeal, dir: string, sync = false): SealState {
    if (this.parts.length === 0 && this.state === this.committed && !sync) {
      for (const then of this.committedThen.splice(0)) then();
      return this.state;
    }
    this.sealLast();
    for (const { file, text } of this.parts) {
      const created = !existsSync(file);
      appendDurable(file, text);
      if (created) syncDirectory(dir);
    }
    const wrote = this.parts.length > 0;
    this.parts = [];
    this.resealed.clear();
    const synced = sync || this.sealOnly || syncDue(this.state);
    // The log's end was checked when the batch was opened, and every entry since is this batch's:
    // this commit may start the key chain afresh (and does when it is due, as the sync is).
    this.state = seal.write(this.state, { sync: synced, freshKey: synced });
    this.sealOnly = false;
    // Entries written end with their newline: the log's end is whole. A commit of the seal alone says nothing of it.
    if (wrote) this.clean = true;
    this.committed = this.state;
    for (const then of this.committedThen.splice(0)) then();
    return this.state;
  }
}
