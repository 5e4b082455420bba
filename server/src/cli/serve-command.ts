import { PLAIN } from './colour';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  answerFrame,
  DECIDER_ENV,
  declineFrame,
  decodeRequest,
  deciderPaths,
  GO,
  lateFrame,
  type DeciderPaths,
  type DeciderRequest,
  type HookReply,
} from '#host/services/decider-protocol';
import { writeAtomic } from '#host/files/durable-file';
import { withFileLock } from '#host/files/file-lock';
import type { HookDeadline } from '#host/services/hook-deadline';
import { ResidentPolicies } from '#host/workspace/resident-policies';
import { ensurePrivateDir } from '#host/files/state-dir';
import { noteCall, processAlive } from '#host/audit/unfinished-calls';
import { processState } from '#host/files/file-lock';
import { readHookArgs, runHook, type HookHost } from './hook-command';
import type { CliIo } from './io';

/**
 * `agent-policy serve`: the resident decider. It keeps each workspace's policy loaded (and fresh:
 * resident-policies.ts) and answers hook calls handed over by a hook client through the same
 * `runHook` a hook process runs, so an answer is the one the process would give. One per seal
 * folder; the first hook call that finds none starts it, and it exits after `idleMs` without a call.
 */
export interface ServeOptions {
  idleMs: number;
  /** The bundle this decider runs: when it changes (an upgrade), the decider declines and exits. */
  bundle: string | undefined;
}

export const DEFAULT_DECIDER_IDLE_MS = 10 * 60_000;
const MAX_REQUEST_BYTES = 17 * 1024 * 1024;
const MAX_LOG_BYTES = 1024 * 1024;
const RECEIVE_TIMEOUT_MS = 5_000;

export async function runServe(io: CliIo, options: ServeOptions): Promise<number> {
  const paths = deciderPaths();
  if (!paths.socket) {
    io.stderr(
      `agent-policy serve: no decider ${process.platform === 'win32' ? 'on Windows yet' : `here: the seal folder's path (${paths.folder}) is too long for a Unix socket`}; hook calls are decided in their own processes\n`,
    );
    return 1;
  }
  const relative = relativeEnv();
  if (relative) {
    io.stderr(
      `agent-policy serve: ${relative} is relative (or empty), so each caller resolves it in its own folder; hook calls are decided in their own processes\n`,
    );
    return 1;
  }
  ensurePrivateDir(paths.folder);
  // Nothing may resolve against the folder the first call happened to start this process in.
  process.chdir(paths.folder);
  const pidFile = `${paths.lock}.pid`;
  const claimed = withFileLock(paths.lock, () => claimDecider(pidFile));
  if (!claimed) {
    io.stderr('agent-policy serve: a decider already runs for this seal folder\n');
    return 0;
  }
  const decider = new Decider(paths, options, io);
  try {
    await decider.listen(paths.socket);
    await decider.closed;
  } finally {
    decider.cleanUp(pidFile);
  }
  return 0;
}

/** The first of the decider's environment variables that is relative (or empty): each caller would resolve it in its own folder. */
function relativeEnv(): string | undefined {
  return DECIDER_ENV.find((name) => process.env[name] !== undefined && !isAbsolute(process.env[name]));
}

/** Whether a decider could serve this environment (so a hook may start one). */
export function deciderCanRun(): boolean {
  return relativeEnv() === undefined && deciderPaths().socket !== undefined;
}

/**
 * Whether this process is now the folder's decider: no other live one holds the pid file. The file
 * names the holder's pid and kernel start time, so a pid reused since (after a reboot) holds nothing.
 */
function claimDecider(pidFile: string): boolean {
  try {
    const [pid, start] = readFileSync(pidFile, 'utf8').trim().split(' ');
    const holder = Number(pid);
    if (
      Number.isInteger(holder) &&
      holder > 0 &&
      holder !== process.pid &&
      processAlive(holder) &&
      (start === undefined || start === '-' || processState(holder)?.start === start)
    )
      return false;
  } catch {
    // None yet.
  }
  writeAtomic(pidFile, `${ownPidLine()}\n`);
  return true;
}

function ownPidLine(): string {
  return `${process.pid} ${processState(process.pid)?.start ?? '-'}`;
}

class Decider {
  private readonly policies = new ResidentPolicies();
  private readonly token = randomBytes(32).toString('hex');
  private readonly bundleStamp: string | undefined;
  private server: Server | undefined;
  private lastCall = performance.now();
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private resolveClosed: () => void = () => undefined;
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly paths: DeciderPaths,
    private readonly options: ServeOptions,
    private readonly io: CliIo,
  ) {
    this.bundleStamp = options.bundle === undefined ? undefined : codeStamp(options.bundle);
  }

  async listen(socket: string): Promise<void> {
    if (process.platform !== 'win32') rmSync(socket, { force: true });
    const server = createServer({ allowHalfOpen: true }, (connection) => this.accept(connection));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
    server.on('error', (error) => this.log(`socket error: ${error.message}`));
    if (process.platform !== 'win32') chmodSync(socket, 0o600);
    // Written after the socket exists: a client that reads the token finds someone to give it to.
    writeAtomic(this.paths.token, `${this.token}\n`);
    this.log(`deciding on ${socket} (pid ${process.pid}, idle exit after ${Math.round(this.options.idleMs / 1000)} s)`);
    this.armIdle();
  }

  cleanUp(pidFile: string): void {
    this.policies.close();
    // Socket and token first, the pid file last: while it names this process no successor starts,
    // so what is removed here is still this decider's.
    if (process.platform !== 'win32' && this.paths.socket && readIfExists(this.paths.token)?.trim() === this.token) rmSync(this.paths.socket, { force: true });
    removeIfHolds(this.paths.token, this.token);
    removeIfHolds(pidFile, ownPidLine());
  }

  private shutDown(why: string): void {
    if (!this.server) return;
    this.log(`exiting: ${why}`);
    clearTimeout(this.idleTimer);
    const server = this.server;
    this.server = undefined;
    // No new calls; the ones under way finish and are answered.
    server.close(() => this.resolveClosed());
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const left = this.options.idleMs - (performance.now() - this.lastCall);
    this.idleTimer = setTimeout(
      () => {
        if (this.active === 0 && performance.now() - this.lastCall >= this.options.idleMs) this.shutDown('idle');
        else this.armIdle();
      },
      Math.max(left, 50),
    );
  }

  private accept(connection: Socket): void {
    this.lastCall = performance.now();
    this.active++;
    // The call, once the request is whole; then the client's GO hands it the payload.
    let call: { go: () => void; gone: () => void } | undefined;
    const timer = setTimeout(() => connection.destroy(), RECEIVE_TIMEOUT_MS);
    connection.on('error', () => undefined);
    connection.on('close', () => {
      clearTimeout(timer);
      call?.gone();
      this.active--;
      this.lastCall = performance.now();
    });
    connection.on('end', () => call?.gone());
    const go = (rest: Buffer): void => {
      if (rest.length === 0 || !call) return;
      // One GO and nothing else; anything more is not our client.
      if (rest.length !== 1 || rest[0] !== GO) return void connection.destroy();
      clearTimeout(timer);
      call.go();
    };
    // Chunks are joined once the request's length is known (joining each one cost the square of a large payload).
    const chunks: Buffer[] = [];
    let size = 0;
    let needs = 0;
    connection.on('data', (chunk: Buffer) => {
      if (call) return go(chunk);
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) return void connection.destroy();
      if (size < needs) return;
      const buffer = chunks.length === 1 ? chunk : Buffer.concat(chunks);
      chunks.length = 0;
      chunks.push(buffer);
      const decoded = decodeRequest(buffer);
      if (decoded === 'incomplete') return;
      if ('needs' in decoded) return void (needs = decoded.needs);
      if ('refused' in decoded) {
        clearTimeout(timer);
        return void connection.end(declineFrame(decoded.refused));
      }
      // The receive timer runs on until GO: a client that neither sends it nor goes is let go.
      call = this.answer(connection, decoded.request);
      go(buffer.subarray(decoded.length));
    });
  }

  /**
   * Starts answering a whole request: its late frame goes out at once (runHook arms the deadline
   * first), and the payload reaches runHook only when the client's GO says it still waits. A client
   * gone before its GO leaves the call undecided and unrecorded: it decides the call itself.
   */
  private answer(connection: Socket, request: DeciderRequest): { go: () => void; gone: () => void } {
    const stdin = new PassThrough();
    let settled = false;
    const handle = {
      go: (): void => {
        if (settled) return;
        settled = true;
        stdin.end(request.payload);
      },
      gone: (): void => {
        if (settled) return;
        settled = true;
        stdin.destroy(new Error('the caller stopped waiting'));
      },
    };
    const refusal = this.refusal(request);
    if (refusal !== undefined) {
      connection.end(declineFrame(refusal));
      return handle;
    }
    let hook;
    try {
      hook = readHookArgs(request.args, {});
    } catch (error) {
      // The hook process reports its own usage errors, word for word.
      connection.end(declineFrame(`the hook's arguments: ${(error as Error).message}`));
      return handle;
    }
    // A state folder relative to the caller's folder is the caller's to resolve (resolve() here would use the decider's).
    if (hook.options.state !== undefined && !isAbsolute(hook.options.state)) {
      connection.end(declineFrame('a relative --state'));
      return handle;
    }
    const out: string[] = [];
    const err: string[] = [];
    // The caller's folder, not the decider's.
    const io: CliIo = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stdin, cwd: request.cwd, styles: { stdout: PLAIN, stderr: PLAIN } };
    let answered = false;
    const send = (reply: HookReply): void => {
      if (answered || connection.destroyed) return;
      answered = true;
      connection.end(answerFrame(reply));
    };
    runHook(hook.adapter, io, hook.options, this.host(request, connection, send)).then(
      (code) => send({ stdout: out.join(''), stderr: err.join(''), exitCode: code }),
      (error: unknown) => {
        this.log(`a call failed: ${(error as Error).message}`);
        if (!connection.destroyed) connection.end(declineFrame('the decider failed'));
      },
    );
    return handle;
  }

  /** Why this call is not this decider's to answer, if it is not. */
  private refusal(request: DeciderRequest): string | undefined {
    const expected = Buffer.from(this.token);
    const given = Buffer.from(request.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'not authenticated';
    for (const name of DECIDER_ENV) if (request.env[name] !== process.env[name]) return `the caller's ${name} differs from the decider's`;
    const relative = relativeEnv();
    if (relative) return `${relative} is relative (or empty): it is resolved in the caller's folder`;
    if (this.bundleStamp !== undefined && this.options.bundle !== undefined && codeStamp(this.options.bundle) !== this.bundleStamp) {
      this.shutDown('the CLI bundle changed (an upgrade)');
      return 'the decider is being upgraded';
    }
    return undefined;
  }

  /** One call's host: the client's folder and clock, a timer for a deadline, the resident policy. */
  private host(request: DeciderRequest, connection: Socket, send: (reply: HookReply) => void): HookHost {
    const received = performance.now();
    let marker: string | undefined;
    let late = false;
    let lateNoted = false;
    const answerLate = (words: HookReply): void => {
      late = true;
      if (marker) noteCall(marker, { answered: 'deny at the deadline' });
      send(words);
    };
    return {
      cwd: request.cwd,
      elapsedMs: () => request.elapsedMs + (performance.now() - received),
      arm: (ms, lastWords): HookDeadline => {
        const words = { stdout: lastWords.stdout, stderr: lastWords.stderr, exitCode: 2 };
        // First, before any work: the client answers with these itself if nothing else comes in time.
        connection.write(lateFrame(words, ms));
        let claimed = false;
        const timer = setTimeout(() => {
          if (!claimed) answerLate(words);
        }, ms);
        return {
          remainingMs: () => Math.max(0, ms - (performance.now() - received)),
          // By the clock, as claim(): the timer may be starved by a busy event loop.
          answered: () => late || (!claimed && performance.now() - received >= ms),
          claim: () => {
            if (late) return false;
            // The timer may not have run (a busy event loop): the clock decides, as the watchdog would have.
            if (!claimed && performance.now() - received >= ms) {
              clearTimeout(timer);
              answerLate(words);
              return false;
            }
            claimed = true;
            clearTimeout(timer);
            return true;
          },
          markCall: (file) => void (marker = file),
        };
      },
      late: () => {
        // The deadline answered; the call's work has ended since: its marker is recorded by the next append.
        if (marker && !lateNoted) noteCall(marker, { ended: true });
        lateNoted = true;
        return 2;
      },
      loadPolicy: (root) => this.policies.get(root),
      warn: (message) => this.log(message.trimEnd()),
    };
  }

  private log(message: string): void {
    this.io.stderr(`${new Date().toISOString()} ${message}\n`);
  }
}

/** The code a decider runs: its bundle and the refa bundle beside it (loaded later, on first use). */
function codeStamp(bundle: string): string {
  return `${fileStamp(bundle) ?? '-'} ${fileStamp(join(dirname(bundle), 'refa.js')) ?? '-'}`;
}

function fileStamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function statSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function removeIfHolds(path: string, content: string): void {
  if (readIfExists(path)?.trim() === content) rmSync(path, { force: true });
}

/** Starts a decider for the seal folder in the background (detached; its log in the seal folder; `idle`: AGENT_POLICY_DECIDER_IDLE, a duration). A second one started meanwhile sees the first and exits. */
export function startDecider(node: string, cli: string, paths: DeciderPaths, idle: string | undefined): void {
  ensurePrivateDir(paths.folder);
  const log = openSync(paths.log, (statSize(paths.log) ?? 0) > MAX_LOG_BYTES ? 'w' : 'a', 0o600);
  try {
    const child = spawn(node, ['--liftoff-only', cli, 'serve', ...(idle ? ['--idle', idle] : [])], {
      detached: true,
      stdio: ['ignore', 'ignore', log],
      env: process.env,
    });
    child.unref();
  } finally {
    closeSync(log);
  }
}
