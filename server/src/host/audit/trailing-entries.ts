import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** How far back from a file's end the entries after a seal's head are looked for: 4 MiB, then 64. */
const WINDOWS = [4 * 1024 * 1024, 64 * 1024 * 1024];

/**
 * The entries after entry `afterSeq`, up to the end of the log, in chain order, read from the ends
 * of `files` (oldest first; the newest is read first and the one before it when the run began
 * there). Lines that are not JSON objects (torn writes) are skipped, and so is the piece after
 * the newest file's last newline unless `unterminated`; undefined when the entry `afterSeq` (or
 * the start of the log) is not found within the last 64 MiB of a file. With `sizes` (a
 * snapshot), each file is read up to its size then and files not in it are skipped.
 */
export function entriesAfter(
  files: string[],
  afterSeq: number,
  options: { sizes?: ReadonlyMap<string, number> | undefined; unterminated: boolean },
): Record<string, unknown>[] | undefined {
  for (const window of WINDOWS) {
    const found = within(files, afterSeq, options, window);
    if (found !== 'window') return found;
  }
  return undefined;
}

function within(
  files: string[],
  afterSeq: number,
  options: { sizes?: ReadonlyMap<string, number> | undefined; unterminated: boolean },
  window: number,
): Record<string, unknown>[] | undefined | 'window' {
  const found: Record<string, unknown>[] = [];
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i] as string;
    if (options.sizes && !options.sizes.has(file)) continue; // created after the snapshot
    const { lines, wholeFile } = lastLines(file, options.sizes?.get(file), window);
    // The piece after the last newline is a torn write unless asked for (verify counts a whole one).
    if (!options.unterminated || i !== files.length - 1) lines.pop();
    for (let j = lines.length - 1; j >= 0; j--) {
      const entry = parsed(lines[j] as string);
      if (!entry) continue;
      if ((entry.seq as number) <= afterSeq) return found.reverse();
      found.push(entry);
    }
    if (!wholeFile) return 'window';
  }
  return afterSeq === 0 ? found.reverse() : undefined;
}

/** The lines in the last `window` bytes of the file's first `limit` bytes (all of it by default); the last is what follows the last newline. */
function lastLines(file: string, limit: number | undefined, window: number): { lines: string[]; wholeFile: boolean } {
  const fd = openSync(file, 'r');
  try {
    const size = Math.min(fstatSync(fd).size, limit ?? Number.POSITIVE_INFINITY);
    const start = Math.max(0, size - window);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // cut by the window
    return { lines, wholeFile: start === 0 };
  } finally {
    closeSync(fd);
  }
}

function parsed(line: string): Record<string, unknown> | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && typeof (value as { seq?: unknown }).seq === 'number' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
