// The program VS Code's built-in agent runs (through agent-plugin/hooks/pre-tool-use.sh) before
// every tool call. It asks the Agent Policy extension running in that window (its local service:
// the same enforcer as the CLI, with the open policy already loaded, and the person at the
// prompt), or, when no extension answers, the CLI bundled beside it. Small on purpose (Node's own
// modules only): it starts on every tool call.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { answerMacValid, requestBinding, sealStateKey } from '#host/audit/seal-file';
import { hookBudgetMs } from '#host/services/hook-deadline';
import type { ServiceError, ServiceInfo, ServiceReply, ServiceRequest } from '#protocol/approval-service';

interface Answer {
  decision: 'allow' | 'deny' | 'ask';
  reason: string;
}

const MAX_INPUT_BYTES = 16 * 1024 * 1024;
// The service's reply, or the CLI's, must come this long before our own deadline.
const ANSWER_MARGIN_MS = 1_000;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The answer VS Code honours: `hookSpecificOutput.permissionDecision` (a top-level one is ignored). */
function reply(answer: Answer): void {
  const body = {
    hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: answer.decision, permissionDecisionReason: `Agent Policy: ${answer.reason}` },
  };
  process.stdout.write(`${JSON.stringify(body)}\n`);
}

let answered = false;
let child: ReturnType<typeof spawn> | undefined;

function finish(answer: Answer): never {
  if (!answered) {
    answered = true;
    reply(answer);
  }
  child?.kill('SIGKILL');
  process.exit(0);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) throw new Error(`the hook input is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The extension's service, as it published it in this window's environment; undefined when none runs. */
function serviceInfo(): { socket: string; token: string; stateDir: string } | undefined {
  const file = process.env.AGENT_POLICY_HOOK_SERVICE;
  if (!file) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<keyof ServiceInfo, unknown>>;
    return typeof info.socket === 'string' && typeof info.token === 'string' ? { socket: info.socket, token: info.token, stateDir: dirname(file) } : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the extension; undefined when it cannot be reached (then the CLI decides). */
function askExtension(
  info: { socket: string; token: string; stateDir: string },
  payload: Record<string, unknown>,
  waitMs: number,
): Promise<Answer | undefined> {
  const nonce = randomBytes(16).toString('hex');
  const request: ServiceRequest = { token: info.token, runtime: 'vscode', hook: payload, timeout_ms: waitMs, nonce };
  const line = JSON.stringify(request);
  return new Promise((resolve) => {
    const connection = createConnection(info.socket);
    let text = '';
    let connected = false;
    connection.setEncoding('utf8');
    connection.on('connect', () => {
      connected = true;
      connection.write(`${line}\n`);
    });
    connection.on('data', (chunk: string) => (text += chunk));
    connection.on('error', () => resolve(connected ? { decision: 'deny', reason: 'the extension closed the connection before it answered' } : undefined));
    connection.on('end', () => {
      try {
        const body = JSON.parse(text) as Partial<Record<keyof (ServiceReply & ServiceError), unknown>>;
        if (typeof body.error === 'string') return resolve({ decision: 'deny', reason: `the extension refused the request: ${body.error}` });
        const reason = typeof body.reason === 'string' ? body.reason : 'the extension gave no reason';
        // Honoured only when the answer comes from whoever holds this log's seal: the info file sits in the state folder.
        if (!answerMacValid(sealStateKey(join(info.stateDir, 'audit')), requestBinding(nonce, line), body))
          return resolve({
            decision: 'deny',
            reason: "the service's answer is not authenticated by this log's seal (not Agent Policy's extension), so it is not honoured",
          });
        // Only an explicit allow allows.
        resolve({ decision: body.decision === 'allow' ? 'allow' : 'deny', reason });
      } catch {
        resolve({ decision: 'deny', reason: 'the extension sent an unreadable answer' });
      }
    });
  });
}

/** The CLI bundled beside this file (`hook vscode`), on the same executable; its own deadline is inside ours. */
function askCli(root: string, input: string, remainingMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const seconds = Math.max(1, Math.floor(remainingMs / 1000));
    child = spawn(process.execPath, [join(__dirname, 'cli.js'), 'hook', 'vscode', '--root', root, '--timeout', String(seconds)], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (error) => resolve({ decision: 'deny', reason: `the CLI could not start (${error.message}), so the action is denied` }));
    child.on('close', (code) => {
      try {
        const body = JSON.parse(out) as { hookSpecificOutput?: { permissionDecision?: unknown; permissionDecisionReason?: unknown } };
        const decision = body.hookSpecificOutput?.permissionDecision;
        const said = body.hookSpecificOutput?.permissionDecisionReason;
        const reason = (typeof said === 'string' ? said : 'the CLI gave no reason').replace(/^Agent Policy: /, '');
        resolve({
          decision: decision === 'allow' || decision === 'ask' ? decision : 'deny',
          reason: `${reason} (decided by the CLI: the extension did not answer)`,
        });
      } catch {
        resolve({
          decision: 'deny',
          reason: `the CLI gave no answer (exit ${String(code)}${err ? `: ${err.trim().split('\n')[0] ?? ''}` : ''}), so the action is denied`,
        });
      }
    });
    child.stdin?.end(input);
  });
}

async function main(): Promise<void> {
  const timeoutMs = Number(argument('--timeout') ?? '30') * 1000;
  const root = argument('--root');
  const budget = hookBudgetMs(timeoutMs > 0 ? timeoutMs : 30_000, performance.now());
  const started = performance.now();
  const remaining = (): number => budget - (performance.now() - started);
  // Nothing here blocks the main thread, so a timer is a sound deadline.
  setTimeout(
    () =>
      finish({
        decision: 'deny',
        reason: `no decision within the hook's deadline (${Math.round(budget / 1000)} s, inside VS Code's ${Math.round(timeoutMs / 1000)} s hook timeout), so the action is denied`,
      }),
    budget,
  ).unref();
  if (!root) finish({ decision: 'deny', reason: 'the hook was started without the folder whose policy governs it, so nothing is allowed' });
  const input = await readStdin();
  let payload: Record<string, unknown>;
  try {
    const value = JSON.parse(input) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    payload = value as Record<string, unknown>;
  } catch {
    finish({ decision: 'deny', reason: 'the hook input on stdin is not a JSON object' });
  }
  const info = serviceInfo();
  const fromExtension = info ? await askExtension(info, payload, remaining() - ANSWER_MARGIN_MS) : undefined;
  finish(fromExtension ?? (await askCli(root, input, remaining() - ANSWER_MARGIN_MS)));
}

main().catch((error: unknown) => finish({ decision: 'deny', reason: `the hook failed, so the action is denied: ${(error as Error).message}` }));
