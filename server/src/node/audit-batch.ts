import { existsSync } from 'node:fs';
import { appendDurable, syncDirectory } from './durable-file';
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

  /** Stages `text` for the end of `file`. */
  add(file: string, text: string): void {
    const last = this.parts.at(-1);
    if (last && last.file === file) last.text += text;
    else this.parts.push({ file, text });
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
    if (this.parts.length === 0 && this.state === this.committed && !sync) return this.state;
    for (const { file, text } of this.parts) {
      const created = !existsSync(file);
      appendDurable(file, text);
      if (created) syncDirectory(dir);
    }
    this.parts = [];
    const synced = sync || this.sealOnly || syncDue(this.state);
    // The log's end was checked when the batch was opened, and every entry since is this batch's.
    this.state = seal.write(this.state, { sync: synced, freshKey: synced });
    this.sealOnly = false;
    this.clean = true;
    this.committed = this.state;
    return this.state;
  }
}
