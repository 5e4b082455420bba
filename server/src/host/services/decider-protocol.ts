import { join } from 'node:path';
import { sealFolder } from '../audit/seal-file';

/**
 * The resident decider's wire format, shared by the decider (cli/serve-command.ts), the Node hook
 * client (hook-client/main.ts) and the native one (native/hook-client.c). Node's modules only.
 *
 * The decider listens on a Unix socket in the seal folder (0700, out of every agent's reach, like
 * the seal itself) and answers only callers that send the token it wrote beside the socket: a
 * caller must be able to read the seal folder, which no action the gate allows can do.
 *
 * Request (client → decider):
 *   "AP-HOOK-2\0" token "\0" elapsed-ms "\0" cwd "\0" env-count "\0" (name "\0" value "\0")… arg-count "\0" (arg "\0")… payload-bytes "\0" payload
 * Replies (decider → client), each a header line and its bytes:
 *   "late <exit> <stdout-bytes> <stderr-bytes> <deadline-ms>\n" stdout stderr: the denial the client
 *      writes itself if no answer comes by the deadline (sent first, before any work)
 *   "answer <exit> <stdout-bytes> <stderr-bytes>\n" stdout stderr: the call's answer
 *   "decline <reason>\n": this decider will not answer this call; the client decides it in-process
 * After the late frame the client sends one byte, GO, and only then does the decider decide (and
 * record) the call: a client that gave up waiting sends none and decides the call itself, so no
 * call is decided twice.
 */
export const REQUEST_MAGIC = 'AP-HOOK-2';
export const GO = 0x47;

/**
 * What the decider's answer depends on beyond the call itself; a client whose values differ is
 * declined (its call is decided in-process), so no call is decided with another environment's state.
 */
export const DECIDER_ENV = ['HOME', 'AGENT_POLICY_STATE_DIR', 'XDG_STATE_HOME', 'AGENT_POLICY_SEAL_HOME'] as const;

/** Unix sockets' path limit (sun_path, less its terminating NUL). */
const MAX_SOCKET_PATH = 103;

export interface DeciderPaths {
  folder: string;
  /** Undefined where the path is too long for a Unix socket, and on Windows (no decider there: calls are decided in-process). */
  socket: string | undefined;
  token: string;
  lock: string;
  log: string;
}

export function deciderPaths(env: NodeJS.ProcessEnv = process.env): DeciderPaths {
  const folder = sealFolder(env);
  // Windows: no decider yet. A named pipe's name is not in a folder of the user's, so a predictable
  // one could be taken by another process first; calls there are decided in their own processes.
  const socket = process.platform === 'win32' ? undefined : join(folder, 'decider.sock');
  return {
    folder,
    socket: socket !== undefined && Buffer.byteLength(socket) <= MAX_SOCKET_PATH ? socket : undefined,
    token: join(folder, 'decider.token'),
    lock: join(folder, 'decider.lock'),
    log: join(folder, 'decider.log'),
  };
}

export interface DeciderRequest {
  token: string;
  elapsedMs: number;
  cwd: string;
  env: Record<string, string>;
  args: string[];
  payload: Buffer;
}

export function encodeRequest(request: DeciderRequest): Buffer {
  const fields = [REQUEST_MAGIC, request.token, String(Math.round(request.elapsedMs)), request.cwd, String(Object.keys(request.env).length)];
  for (const [name, value] of Object.entries(request.env)) fields.push(name, value);
  fields.push(String(request.args.length), ...request.args, String(request.payload.length));
  if (fields.some((f) => f.includes('\0'))) throw new Error('a hook argument holds a NUL character');
  return Buffer.concat([Buffer.from(fields.map((f) => `${f}\0`).join('')), request.payload]);
}

/** The request at the start of `data`, with the bytes it took; `incomplete` while more must come; or why it is not one. */
export function decodeRequest(data: Buffer): { request: DeciderRequest; length: number } | 'incomplete' | { needs: number } | { refused: string } {
  const fields = decodeFields(data);
  if (fields === undefined) return data.length > 64 * 1024 ? { refused: 'a malformed hook request' } : 'incomplete';
  if (typeof fields === 'string') return { refused: fields };
  const end = fields.at + fields.payloadLength;
  if (data.length < end) return { needs: end };
  return { request: { ...fields.request, payload: data.subarray(fields.at, end) }, length: end };
}

/** A count written in plain decimal digits (no sign, space, exponent or hex). */
function digits(text: string): number | undefined {
  return /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/** The fields before the payload, or undefined while they are not all there. */
function decodeFields(data: Buffer): { request: Omit<DeciderRequest, 'payload'>; at: number; payloadLength: number } | string | undefined {
  let at = 0;
  const next = (): string | undefined => {
    const end = data.indexOf(0, at);
    if (end < 0) return undefined;
    const field = data.subarray(at, end).toString('utf8');
    at = end + 1;
    return field;
  };
  // null: not all here yet; undefined: not a count.
  const count = (): number | undefined | null => {
    const text = next();
    if (text === undefined) return null;
    const n = digits(text);
    return n !== undefined && n <= 4096 ? n : undefined;
  };
  const magic = next();
  if (magic === undefined) return undefined;
  if (magic !== REQUEST_MAGIC) return 'not a hook request';
  const token = next();
  const elapsedText = next();
  const cwd = next();
  if (token === undefined || elapsedText === undefined || cwd === undefined) return undefined;
  const elapsed = digits(elapsedText);
  if (elapsed === undefined) return 'a malformed hook request';
  const envCount = count();
  if (envCount === null) return undefined;
  if (envCount === undefined) return 'a malformed hook request';
  const env: Record<string, string> = {};
  for (let i = 0; i < envCount; i++) {
    const name = next();
    const value = next();
    if (name === undefined || value === undefined) return undefined;
    env[name] = value;
  }
  const argCount = count();
  if (argCount === null) return undefined;
  if (argCount === undefined) return 'a malformed hook request';
  const args: string[] = [];
  for (let i = 0; i < argCount; i++) {
    const arg = next();
    if (arg === undefined) return undefined;
    args.push(arg);
  }
  const lengthText = next();
  if (lengthText === undefined) return undefined;
  const payloadLength = digits(lengthText);
  if (payloadLength === undefined || payloadLength > 16 * 1024 * 1024) return 'a malformed hook request';
  return { request: { token, elapsedMs: elapsed, cwd, env, args }, at, payloadLength };
}

export interface HookReply {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function lateFrame(reply: HookReply, deadlineMs: number): Buffer {
  return frame(`late ${reply.exitCode}`, reply, ` ${Math.max(0, Math.round(deadlineMs))}`);
}

export function answerFrame(reply: HookReply): Buffer {
  return frame(`answer ${reply.exitCode}`, reply, '');
}

export function declineFrame(reason: string): Buffer {
  return Buffer.from(`decline ${reason.replace(/\n/g, ' ')}\n`);
}

function frame(head: string, reply: HookReply, tail: string): Buffer {
  const out = Buffer.from(reply.stdout);
  const err = Buffer.from(reply.stderr);
  return Buffer.concat([Buffer.from(`${head} ${out.length} ${err.length}${tail}\n`), out, err]);
}

export type DeciderFrame = { kind: 'late'; reply: HookReply; deadlineMs: number } | { kind: 'answer'; reply: HookReply } | { kind: 'decline'; reason: string };

/** Reads frames as bytes arrive. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  /** The frames completed by `chunk`; throws on bytes that are not a frame (the client then trusts nothing from this decider). */
  push(chunk: Buffer): DeciderFrame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: DeciderFrame[] = [];
    for (;;) {
      const newline = this.buffer.indexOf(10);
      if (newline < 0) {
        if (this.buffer.length > 4096) throw new Error('the decider sent a frame header over 4 KiB');
        return frames;
      }
      const head = this.buffer.subarray(0, newline).toString('utf8');
      if (head.startsWith('decline ')) {
        frames.push({ kind: 'decline', reason: head.slice(8) });
        this.buffer = this.buffer.subarray(newline + 1);
        continue;
      }
      const m = /^(late|answer) (\d+) (\d+) (\d+)(?: (\d+))?$/.exec(head);
      if (!m || (m[1] === 'late') !== (m[5] !== undefined)) throw new Error(`the decider sent an unknown frame: ${head.slice(0, 80)}`);
      const outLength = Number(m[3]);
      const errLength = Number(m[4]);
      const end = newline + 1 + outLength + errLength;
      if (this.buffer.length < end) return frames;
      const stdout = this.buffer.subarray(newline + 1, newline + 1 + outLength).toString('utf8');
      const stderr = this.buffer.subarray(newline + 1 + outLength, end).toString('utf8');
      const reply = { stdout, stderr, exitCode: Number(m[2]) };
      frames.push(m[1] === 'late' ? { kind: 'late', reply, deadlineMs: Number(m[5]) } : { kind: 'answer', reply });
      this.buffer = this.buffer.subarray(end);
    }
  }
}

/**
 * A hook client that read the call from stdin and then decides it in its own process (no decider
 * answered) hands the bytes to the CLI it loads through this global, since stdin cannot be read twice.
 */
const HANDED_OVER_INPUT = Symbol.for('agent-policy.hook-input');

export function handOverInput(payload: Buffer): void {
  (globalThis as Record<symbol, unknown>)[HANDED_OVER_INPUT] = payload;
}

/** The input a hook client handed over, if one did. */
export function handedOverInput(): Buffer | undefined {
  const value = (globalThis as Record<symbol, unknown>)[HANDED_OVER_INPUT];
  return Buffer.isBuffer(value) ? value : undefined;
}
