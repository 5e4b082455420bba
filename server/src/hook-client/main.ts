// The hook command agent runtimes run before every tool call (`node hook.js hook <runtime> …`,
// installed by `init` where no native client was built). It hands the call to the resident decider
// (`agent-policy serve`) and prints its answer; when no decider answers in time it decides the
// call in this process, by loading the CLI bundle beside it, and asks for a decider to be started
// for the calls that follow. It never answers anything the decider or the CLI did not: a decider
// that sends its deadline denial first and then falls silent is answered with that denial.
// Small on purpose (Node's own modules only): it starts on every tool call.
import { lstatSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { DECIDER_ENV, deciderPaths, encodeRequest, FrameReader, GO, handOverInput, type HookReply } from '#host/services/decider-protocol';

const MAX_INPUT_BYTES = 16 * 1024 * 1024;
/** How long the decider may take to acknowledge a call (its deadline denial, sent before any work). */
const FIRST_FRAME_MS = 500;
/** After the decider's deadline, how long its answer may still take to arrive. */
const ANSWER_GRACE_MS = 300;

const started = performance.now();
const args = process.argv.slice(2);

function inProcess(payload: Buffer | undefined, startDecider: boolean): void {
  // This process's clock already counts the time spent here (AGENT_POLICY_HOOK_ELAPSED_MS is for a new process).
  if (payload) handOverInput(payload);
  if (startDecider && process.env.AGENT_POLICY_DECIDER !== 'off') process.env.AGENT_POLICY_START_DECIDER = '1';
  // The CLI bundle runs its command (this process's argv) as it loads.
  createRequire(__filename)(join(__dirname, 'cli.js'));
}

function write(reply: HookReply): void {
  process.exitCode = reply.exitCode;
  if (reply.stdout) process.stdout.write(reply.stdout);
  if (reply.stderr) process.stderr.write(reply.stderr);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) {
      // As the CLI refuses it (the rest of stdin cannot be handed over), without buffering it all.
      process.stderr.write(`Agent Policy: the hook input is larger than ${MAX_INPUT_BYTES} bytes, so the action is denied\n`);
      process.exit(2);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Whether the decider's folder and socket are this user's alone: anyone who could create them
 * (a shared AGENT_POLICY_SEAL_HOME, another user's folder) could answer every call.
 */
function ownedByMe(folder: string, socket: string): boolean {
  if (process.platform === 'win32') return true;
  const uid = process.getuid?.();
  try {
    const dir = lstatSync(folder);
    const sock = lstatSync(socket);
    return dir.isDirectory() && dir.uid === uid && (dir.mode & 0o077) === 0 && sock.isSocket() && sock.uid === uid;
  } catch {
    return false;
  }
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  // Probes (init, doctor) check this process's own load; a decider switched off is never asked.
  if (args[0] !== 'hook' || process.env.AGENT_POLICY_PROBE === '1' || process.env.AGENT_POLICY_DECIDER === 'off') return inProcess(undefined, false);
  const payload = await readStdin();
  const paths = deciderPaths();
  const token = readToken(paths.token);
  if (!paths.socket || token === undefined) return inProcess(payload, paths.socket !== undefined);
  if (!ownedByMe(paths.folder, paths.socket)) return inProcess(payload, false);
  const env: Record<string, string> = {};
  for (const name of DECIDER_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  let request: Buffer;
  try {
    request = encodeRequest({ token, elapsedMs: performance.now() - started, cwd: process.cwd(), env, args: args.slice(1), payload });
  } catch {
    return inProcess(payload, false);
  }
  askDecider(paths.socket, request, payload);
}

function askDecider(socket: string, request: Buffer, payload: Buffer): void {
  const reader = new FrameReader();
  let late: HookReply | undefined;
  let settled = false;
  const connection = createConnection(socket);
  const settle = (then: () => void): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    connection.destroy();
    then();
  };
  // Nobody acknowledged in time: decided here (a decider busy elsewhere, or hung).
  let timer = setTimeout(() => settle(() => inProcess(payload, false)), FIRST_FRAME_MS);
  connection.on('connect', () => connection.write(request));
  connection.on('error', (error: NodeJS.ErrnoException) => {
    // No decider listening: decided here, and one is started for the next call.
    settle(() => inProcess(payload, error.code === 'ECONNREFUSED' || error.code === 'ENOENT'));
  });
  connection.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(chunk);
    } catch {
      // Bytes that are not a frame: nothing from this decider is trusted.
      return settle(() => (late ? write(late) : inProcess(payload, false)));
    }
    for (const frame of frames) {
      if (frame.kind === 'decline') return settle(() => inProcess(payload, false));
      if (frame.kind === 'answer') return settle(() => write(frame.reply));
      late = frame.reply;
      clearTimeout(timer);
      // Still waiting: the decider may decide now (until this byte it does nothing, so a client that gave up is never decided for twice).
      connection.write(Buffer.from([GO]));
      const denial = frame.reply;
      timer = setTimeout(() => settle(() => write(denial)), frame.deadlineMs + ANSWER_GRACE_MS);
    }
  });
  // Closed before its answer: the deadline's denial if the call was taken, else decided here.
  connection.on('close', () => settle(() => (late ? write(late) : inProcess(payload, false))));
}

void main();
