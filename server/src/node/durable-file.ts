import { closeSync, fdatasyncSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
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
