import { closeSync, fdatasyncSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Appends `text` with one write and waits until it is on disk (fdatasync) before returning. */
export function appendDurable(path: string, text: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    const data = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces a file atomically: write a temporary file, fsync it, rename it over, fsync the folder. */
export function writeAtomic(path: string, text: string, mode = 0o600): void {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  syncDirectory(dirname(path));
}

/**
 * Replaces a file atomically against a crash of any process (a temporary file renamed over), not
 * against a power loss: nothing is fsynced. For state that only matters while the machine runs.
 */
export function writeReplacing(path: string, text: string, mode = 0o600): void {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, text, { mode });
  renameSync(temp, path);
}

/** Makes a new directory entry durable (a no-op where folders cannot be opened, as on Windows). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Opening or syncing a directory is not supported everywhere.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface Tail {
  /** The last complete line (without its newline), if any. */
  lastLine: string | undefined;
  /** Bytes after the last newline: a write torn by a crash. */
  fragment: string | undefined;
}

/** Reads the end of a file: its last complete line and any unterminated fragment after it. */
export function readTail(path: string): Tail {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lastLine: undefined, fragment: undefined };
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    let chunk = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      const lastNewline = text.lastIndexOf('\n');
      const fragment = lastNewline === text.length - 1 ? undefined : text.slice(lastNewline + 1);
      if (lastNewline < 0 && start > 0) {
        chunk *= 4;
        continue;
      }
      if (lastNewline < 0) return { lastLine: undefined, fragment: fragment || undefined };
      const previous = text.lastIndexOf('\n', lastNewline - 1);
      if (previous < 0 && start > 0) {
        chunk *= 4;
        continue;
      }
      return { lastLine: text.slice(previous + 1, lastNewline), fragment: fragment || undefined };
    }
  } finally {
    closeSync(fd);
  }
}

export interface TornTail {
  /** The last line that parses as a JSON object, if any. */
  entryLine: string | undefined;
  /** What follows it: complete lines that are not JSON, then the unterminated fragment, in file order. */
  torn: string[];
  /** Whether the last of `torn` is unterminated (it needs a newline before anything is appended). */
  unterminated: boolean;
}

/**
 * The end of a JSON-lines file as a recovery sees it: torn writes after the last whole object.
 * A recovery append that was itself torn leaves the earlier fragment as a complete line that is
 * not JSON; reading only the last line took that for the end and stopped the log for good.
 */
export function readTornTail(path: string): TornTail {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entryLine: undefined, torn: [], unterminated: false };
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    // The end is read in growing windows (an append reads this twice: reading the whole last
    // mebibyte each time made appends slow down as the day's file grew), up to the last MiB.
    for (let window = 64 * 1024; ; window *= 4) {
      const whole = window >= TORN_TAIL_BYTES || size <= window;
      const start = Math.max(0, size - Math.min(window, TORN_TAIL_BYTES));
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const tail = tornTailOf(buffer.toString('utf8'), !whole);
      if (tail) return tail;
    }
  } finally {
    closeSync(fd);
  }
}

const TORN_TAIL_BYTES = 1024 * 1024;

/**
 * The torn tail of `text`, the end of a file. With `partialStart` (the window began mid-file) its
 * first line may be cut and is not read; undefined when the lines ran out before the answer was
 * found (a larger window is needed).
 */
function tornTailOf(text: string, partialStart: boolean): TornTail | undefined {
  const unterminated = text.length > 0 && !text.endsWith('\n');
  const lines = text.split('\n');
  if (!unterminated) lines.pop(); // the empty string after the last newline
  if (partialStart) lines.shift();
  const torn: string[] = [];
  while (lines.length > 0 && torn.length <= 16) {
    const last = lines[lines.length - 1] as string;
    const fragment = unterminated && torn.length === 0;
    if (!fragment && last.trim() === '') {
      lines.pop(); // blank lines are no records (verify skips them too)
      continue;
    }
    if (!fragment && isJsonObject(last)) break;
    torn.unshift(lines.pop() as string);
  }
  if (partialStart && lines.length === 0 && torn.length <= 16) return undefined;
  const entryLine = lines.at(-1);
  return { entryLine: entryLine !== undefined && isJsonObject(entryLine) ? entryLine : undefined, torn, unterminated };
}

function isJsonObject(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/** The last 1 MiB of a file (torn runs are short; a longer one is not a crash). */
