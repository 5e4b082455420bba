/**
 * A named, bounded memo of immutable results (compiled globs, glob languages, parsed command
 * patterns): when it holds `cap` entries it is emptied whole (everything in it is cheap to rebuild
 * and shared by whoever holds it, so nothing is invalidated by a clear). Every memo of the process
 * is listed, so tests and benchmarks can measure or empty them all (`clearMemos`, `memoSizes`).
 */
export class Memo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    readonly name: string,
    readonly cap: number,
  ) {
    MEMOS.add(new WeakRef(this));
  }

  /** The value for `key`, built (and kept) the first time; a build that throws keeps nothing. */
  get(key: K, build: (key: K) => V): V {
    const known = this.entries.get(key);
    if (known !== undefined || this.entries.has(key)) return known as V;
    const value = build(key);
    if (this.entries.size >= this.cap) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops one entry (a signing key once used: forward security wants it gone from memory too). */
  forget(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

const MEMOS = new Set<WeakRef<Memo<unknown, unknown>>>();

function liveMemos(): Memo<unknown, unknown>[] {
  const live: Memo<unknown, unknown>[] = [];
  for (const ref of MEMOS) {
    const memo = ref.deref();
    if (memo) live.push(memo);
    else MEMOS.delete(ref);
  }
  return live;
}

/** Empties every memo (a benchmark's cold round, a test that must not see another's results). */
export function clearMemos(): void {
  for (const memo of liveMemos()) memo.clear();
}

/** How many entries each memo holds, by name (memos of the same name are summed). */
export function memoSizes(): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const memo of liveMemos()) sizes[memo.name] = (sizes[memo.name] ?? 0) + memo.size;
  return sizes;
}
