import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` without spinning. */
function sleep(ms: number): void {
  Atomics.wait(SLEEP, 0, 0, ms);
}

export interface LockOptions {
  /** Give up (and throw) after this long; the caller fails closed. */
  timeoutMs?: number;
  /** A lock older than this is stale even if a process with its pid still exists (pid reuse). */
  staleMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL), so several processes can
 * append to one store without interleaving. A lock left by a process that died (a writer killed
 * mid-append) is detected by its pid and taken over.
 */
export function withFileLock<T>(lockPath: string, fn: () => T, options: LockOptions = {}): T {
  const token = `${process.pid} ${randomBytes(8).toString('hex')} ${Date.now()}`;
  acquire(lockPath, token, options.timeoutMs ?? 10_000, options.staleMs ?? 30_000);
  try {
    return fn();
  } finally {
    release(lockPath, token);
  }
}

function acquire(lockPath: string, token: string, timeoutMs: number, staleMs: number): void {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, token);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockPath);
    if (holder && isStale(holder, staleMs)) takeOver(lockPath, holder.token);
    else {
      if (Date.now() > deadline) throw new Error(`could not lock ${lockPath} within ${timeoutMs} ms (held by pid ${holder?.pid ?? '?'})`);
      sleep(wait);
      wait = Math.min(wait * 2, 20);
    }
  }
}

interface Holder {
  token: string;
  pid: number;
  since: number;
}

function readHolder(lockPath: string): Holder | undefined {
  let text: string;
  let modified: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    modified = statSync(lockPath).mtimeMs;
  } catch {
    return undefined;
  }
  const [pid, , since] = text.split(' ');
  return { token: text, pid: Number(pid), since: Number(since) || modified };
}

// A writer fills its lock file right after creating it; one still empty after this long belongs to
// a process that died in between (killed mid-append).
const EMPTY_LOCK_GRACE_MS = 1000;

function isStale(holder: Holder, staleMs: number): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return Date.now() - holder.since > EMPTY_LOCK_GRACE_MS;
  if (Date.now() - holder.since > staleMs) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Moves a stale lock aside atomically; if a live lock was caught instead, puts it back. */
function takeOver(lockPath: string, staleToken: string): void {
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== staleToken) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // Another writer already holds a fresh lock; the one caught here lost its lock.
    }
  }
  unlinkSync(aside);
}

function release(lockPath: string, token: string): void {
  try {
    if (readFileSync(lockPath, 'utf8') === token) unlinkSync(lockPath);
  } catch {
    // Already gone (taken over as stale): nothing to release.
  }
}
