/**
 * Finds stretches of the chain where some measure runs backwards: an entry's clock reading
 * earlier than one already seen (writers' clocks disagree, or NTP stepped the clock back), or an
 * entry in a day file named before the previous entry's. The chain itself decides the order
 * (seq and prev); these are reported as notes, never as problems.
 *
 * A run opens at the first entry behind the high-water mark and closes after `quietEntries`
 * in-order entries, so two writers a day apart that alternate for an hour make one note.
 */
export interface BackwardEntry<K> {
  seq: number;
  key: K;
  file: string;
  line: number;
}

export interface BackwardRun<K> {
  /** The first entry behind the high-water mark, where the note points. */
  first: BackwardEntry<K>;
  lastSeq: number;
  /** How many entries were behind. */
  count: number;
  /** The entry furthest behind, and the entry it was behind. */
  worst: { entry: BackwardEntry<K>; ahead: BackwardEntry<K>; behind: number };
}

export const QUIET_ENTRIES = 1000;

export class BackwardRuns<K> {
  private high: BackwardEntry<K> | undefined;
  private open: BackwardRun<K> | undefined;
  private inOrderSince = 0;

  /** `behind(high, key)` is how far `key` is behind `high` (0 or less: not behind). */
  constructor(
    private readonly behind: (high: K, key: K) => number,
    private readonly quietEntries = QUIET_ENTRIES,
  ) {}

  /** Observes the next entry in chain order; returns a run that this entry closed, if any. */
  observe(entry: BackwardEntry<K>): BackwardRun<K> | undefined {
    const high = this.high;
    if (!high) {
      this.high = entry;
      return undefined;
    }
    const distance = this.behind(high.key, entry.key);
    if (distance > 0) return this.extend(entry, high, distance);
    if (this.behind(entry.key, high.key) > 0) this.high = entry;
    if (!this.open || ++this.inOrderSince < this.quietEntries) return undefined;
    return this.close();
  }

  /** Closes the open run at the end of the chain. */
  end(): BackwardRun<K> | undefined {
    return this.open ? this.close() : undefined;
  }

  private extend(entry: BackwardEntry<K>, ahead: BackwardEntry<K>, distance: number): undefined {
    this.inOrderSince = 0;
    const run = this.open;
    if (!run) {
      this.open = { first: entry, lastSeq: entry.seq, count: 1, worst: { entry, ahead, behind: distance } };
      return undefined;
    }
    run.lastSeq = entry.seq;
    run.count++;
    if (distance > run.worst.behind) run.worst = { entry, ahead, behind: distance };
    return undefined;
  }

  private close(): BackwardRun<K> {
    const run = this.open as BackwardRun<K>;
    this.open = undefined;
    this.inOrderSince = 0;
    return run;
  }
}

/** A span of milliseconds as people read it: `23h 59m 58s`, `4.2 s`, `250 ms`. */
export function formatSpan(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join(' ');
}
