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
  /** A lock older than this (by the file system's clock) is stale even if a process with its pid still exists (pid reuse). */
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
  const deadline = performance.now() + timeoutMs;
  const watch = new HolderWatch(lockPath, staleMs);
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
    if (holder && watch.isStale(holder)) takeOver(lockPath, holder.token);
    else {
      if (performance.now() > deadline) throw new Error(`could not lock ${lockPath} within ${timeoutMs} ms (held by pid ${holder?.pid ?? '?'})`);
      sleep(wait);
      wait = Math.min(wait * 2, 20);
    }
  }
}

interface Holder {
  token: string;
  pid: number;
  /** The lock file's identity, so a new lock with the same text is not mistaken for the old one. */
  ino: number;
}

function readHolder(lockPath: string): Holder | undefined {
  let text: string;
  let ino: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    ino = statSync(lockPath).ino;
  } catch {
    return undefined;
  }
  const [pid] = text.split(' ');
  return { token: text, pid: Number(pid), ino };
}

// A writer fills its lock file right after creating it; one still empty after this long belongs to
// a process that died in between (killed mid-append).
const EMPTY_LOCK_GRACE_MS = 1000;
// How often a waiter asks the file system how old a lock held by a live pid is (pid reuse).
const AGE_PROBE_INTERVAL_MS = 1000;

/**
 * Decides whether the lock a waiter keeps finding is stale. No clock is compared across processes
 * or machines (writers' clocks may disagree by days): an empty lock is stale once this waiter has
 * seen it stay empty for the grace period on its own monotonic clock; a lock whose pid is gone is
 * stale at once; a lock whose pid is alive is stale only when the file system says it is older
 * than `staleMs` (its mtime against a probe file's, both stamped by the same file system).
 */
class HolderWatch {
  private seen: { token: string; ino: number; at: number; probedAt: number } | undefined;

  constructor(
    private readonly lockPath: string,
    private readonly staleMs: number,
  ) {}

  isStale(holder: Holder): boolean {
    const now = performance.now();
    if (this.seen?.token !== holder.token || this.seen.ino !== holder.ino) this.seen = { token: holder.token, ino: holder.ino, at: now, probedAt: now };
    const seen = this.seen;
    if (!Number.isInteger(holder.pid) || holder.pid <= 0) return now - seen.at > EMPTY_LOCK_GRACE_MS;
    if (!isAlive(holder.pid)) return true;
    if (now - seen.probedAt < AGE_PROBE_INTERVAL_MS) return false;
    seen.probedAt = now;
    return fileSystemAge(this.lockPath) > this.staleMs;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** How old the file system says `path` is: a fresh probe file's mtime minus its mtime. */
function fileSystemAge(path: string): number {
  const probe = `${path}.age.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    return statSync(probe).mtimeMs - statSync(path).mtimeMs;
  } catch {
    return 0;
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // The probe was never made.
    }
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
