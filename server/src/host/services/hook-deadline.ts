import { Worker } from 'node:worker_threads';

/**
 * The hook's own deadline, kept safely inside the runtime's timeout. Every runtime kills a hook
 * that outlives its timeout and then runs the tool call, so the hook must answer first, whatever
 * it is doing: a policy load that takes long, a lock wait, an approval nobody answers.
 *
 * A watchdog thread (not a timer, which a busy or blocked main thread would never run) waits for
 * the deadline. If the main thread has not begun its answer by then, the watchdog writes the
 * denial itself and kills the process; the installed command's `|| exit 2` turns the kill into
 * the "block" exit code every runtime honours. One atomic flag decides who answers, so exactly
 * one answer is written.
 */
export interface HookDeadline {
  /** Milliseconds left before the watchdog answers (never negative). */
  remainingMs(): number;
  /** Claims the answer for the main thread (again: still true); false when the watchdog already answered. */
  claim(): boolean;
  /** Whether the deadline has answered already (the call's decision may no longer be recorded as given). */
  answered(): boolean;
  /** The call's marker file (unfinished-calls.ts): the watchdog notes in it that it answered deny. */
  markCall(file: string): void;
}

// The marker's path, shared with the watchdog (which is blocked waiting, so it cannot take messages).
const MAX_MARKER_BYTES = 4096;

const UNCLAIMED = 0;
const MAIN = 1;
const WATCHDOG = 2;

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readFileSync, renameSync, writeFileSync, writeSync } = require('node:fs');
const flag = new Int32Array(workerData.flag);
Atomics.wait(flag, 0, ${UNCLAIMED}, workerData.ms);
if (Atomics.compareExchange(flag, 0, ${UNCLAIMED}, ${WATCHDOG}) === ${UNCLAIMED}) {
  try {
    const length = Atomics.load(flag, 1);
    if (length > 0) {
      try {
        const file = Buffer.from(new Uint8Array(workerData.marker, 0, length)).toString('utf8');
        const marker = JSON.parse(readFileSync(file, 'utf8'));
        marker.answered = 'deny at the deadline';
        writeFileSync(file + '.tmp', JSON.stringify(marker));
        renameSync(file + '.tmp', file);
      } catch {}
    }
    if (workerData.stdout) writeSync(1, workerData.stdout);
    if (workerData.stderr) writeSync(2, workerData.stderr);
  }
  finally { process.kill(process.pid, 'SIGKILL'); }
}
`;

/** Arms the watchdog: after `ms`, `lastWords` (the runtime-format denial) is written and the process ends. */
export function armDeadline(ms: number, lastWords: { stdout: string; stderr: string }): HookDeadline {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const marker = new Uint8Array(new SharedArrayBuffer(MAX_MARKER_BYTES));
  const started = performance.now();
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { flag: flag.buffer, marker: marker.buffer, ms: Math.max(0, ms), stdout: lastWords.stdout, stderr: lastWords.stderr },
    stdout: false,
    stderr: false,
  });
  worker.unref();
  return {
    remainingMs: () => Math.max(0, ms - (performance.now() - started)),
    claim(): boolean {
      const before = Atomics.compareExchange(flag, 0, UNCLAIMED, MAIN);
      if (before === UNCLAIMED) Atomics.notify(flag, 0);
      return before !== WATCHDOG;
    },
    answered: () => Atomics.load(flag, 0) === WATCHDOG,
    markCall(file: string): void {
      const bytes = Buffer.from(file, 'utf8');
      if (bytes.length > MAX_MARKER_BYTES) return;
      marker.set(bytes);
      Atomics.store(flag, 1, bytes.length);
    },
  };
}

/**
 * How long the hook may take, from the runtime's timeout for it: a tenth of it (at least 5 s, or
 * half of a timeout shorter than 10 s) is kept back for the runtime's own start-up of the command
 * (a shell, npx) before this process began, and for writing the answer.
 */
export function hookBudgetMs(runtimeTimeoutMs: number, elapsedSinceStartMs: number): number {
  const margin = Math.max(Math.min(5_000, runtimeTimeoutMs / 2), runtimeTimeoutMs * 0.1);
  return Math.max(0, runtimeTimeoutMs - margin - elapsedSinceStartMs);
}
