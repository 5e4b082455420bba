import { closeSync, linkSync, openSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` without spinning. */
function sleep(ms: number): void {
  Atomics.wait(SLEEP, 0, 0, ms);
}

export interface LockOptions {
  /** Give up (and throw) after this long; the caller fails closed. */
  timeoutMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL), so several processes can
 * append to one store without interleaving. The lock names its holder by pid and by the time the
 * kernel says that process started (/proc/PID/stat), so a lock is taken over only from a holder
 * that is gone: a dead pid, or a pid reused by a process that started later. A live holder is
 * never robbed, however long it stalls (taking over a stalled writer forked the chain); a stopped
 * one (SIGSTOP, a debugger) makes the wait fail at once rather than stall every caller. A holder
 * on another machine or in another pid namespace (a shared folder) holds it for a lease.
 */
export function withFileLock<T>(lockPath: string, fn: () => T, options: LockOptions = {}): T {
  const token = `${process.pid} ${randomBytes(8).toString('hex')} ${Date.now()} ${ownStart()} ${PROCESS_SPACE}`;
  acquire(lockPath, token, options.timeoutMs ?? 10_000);
  try {
    return fn();
  } finally {
    release(lockPath, token);
  }
}

let ownStartTicks: string | undefined;
/** When this process started (it never changes: read once, not on every lock). */
function ownStart(): string {
  ownStartTicks ??= processState(process.pid)?.start ?? '-';
  return ownStartTicks;
}

function acquire(lockPath: string, token: string, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs;
  const watch = new HolderWatch();
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
    else if (holder && (holder.space === undefined || holder.space === PROCESS_SPACE) && isStopped(holder.pid))
      throw new Error(`could not lock ${lockPath}: it is held by pid ${holder.pid}, which is stopped`);
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
  /** When the holder's process started, in clock ticks since boot, if its lock says. */
  start: string | undefined;
  /** The lock file's identity, so a new lock with the same text is not mistaken for the old one. */
  ino: number;
  /** The process space the holder's pid belongs to (see PROCESS_SPACE); undefined in older locks. */
  space: string | undefined;
  mtimeMs: number;
  path: string;
}

function readHolder(lockPath: string): Holder | undefined {
  let text: string;
  let ino: number;
  let mtimeMs: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    ({ ino, mtimeMs } = statSync(lockPath));
  } catch {
    return undefined;
  }
  const [pid, , , start, space] = text.split(' ');
  return { token: text, pid: Number(pid), start: start === '-' ? undefined : start, ino, space, mtimeMs, path: lockPath };
}

/**
 * Where this process's pid means something: the machine (its boot) and the pid namespace. A lock
 * from another space (another machine on a shared folder, another container) names a pid this
 * process cannot look up; a lock without one was written by this version's predecessors here.
 */
const PROCESS_SPACE = processSpace();

function processSpace(): string {
  const read = (path: string, f: (p: string) => string): string => {
    try {
      return f(path).trim();
    } catch {
      return '-';
    }
  };
  const boot = read('/proc/sys/kernel/random/boot_id', (p) => readFileSync(p, 'utf8'));
  const ns = read('/proc/self/ns/pid', (p) => readlinkSync(p)).replace(/\D/g, '');
  // Not the host name: it can change under a running process, which would turn a local holder into a foreign one.
  return `${boot}:${ns || '-'}`;
}

/**
 * A holder in another process space keeps the lock for a lease: until its lock file is LEASE_MS
 * old by the file system's own clock (a probe file's mtime beside it, so no two machines' clocks
 * are compared). An append holds a lock for milliseconds; one that held it this long is gone.
 */
const LEASE_MS = 30_000;

function leaseExpired(holder: Holder): boolean {
  const probe = `${holder.path}.probe.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    const now = statSync(probe).mtimeMs;
    return now - holder.mtimeMs > LEASE_MS;
  } catch {
    return false;
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // never created
    }
  }
}

// A writer fills its lock file right after creating it; one still empty after this long belongs to
// a process that died in between (killed mid-append).
const EMPTY_LOCK_GRACE_MS = 1000;
/**
 * Decides whether the lock a waiter keeps finding is stale. No clock is compared across processes
 * (writers' clocks may disagree by days): an empty lock is stale once this waiter has seen it stay
 * empty for the grace period on its own monotonic clock; a lock whose pid is gone is stale; a lock
 * whose pid is alive is stale only when that process started at another time than the lock says
 * (the pid was reused). A live holder is never stale.
 */
class HolderWatch {
  private seen: { token: string; ino: number; at: number } | undefined;

  isStale(holder: Holder): boolean {
    const now = performance.now();
    if (this.seen?.token !== holder.token || this.seen.ino !== holder.ino) this.seen = { token: holder.token, ino: holder.ino, at: now };
    if (!Number.isInteger(holder.pid) || holder.pid <= 0) return now - this.seen.at > EMPTY_LOCK_GRACE_MS;
    if (holder.space !== undefined && holder.space !== PROCESS_SPACE) return leaseExpired(holder);
    if (!isAlive(holder.pid)) return true;
    const running = processState(holder.pid)?.start;
    return holder.start !== undefined && running !== undefined && running !== holder.start;
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

/** A process's state letter and start time from /proc (Linux); undefined where there is none. */
export function processState(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const start = fields[19];
    return state !== undefined && start !== undefined ? { state, start } : undefined;
  } catch {
    return undefined;
  }
}

function isStopped(pid: number): boolean {
  const state = processState(pid)?.state;
  return state === 'T' || state === 't';
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
