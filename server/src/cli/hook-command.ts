import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration, type PolicySet } from '#core';
import {
  HOOK_ADAPTER_NAMES,
  HOOK_ADAPTERS,
  HOOK_RUNTIMES,
  readHookCall,
  type HookAdapterName,
  type HookAdapter,
  type HookCall,
  type HookOutcome,
  type HookRuntime,
} from '#core/runtimes';
import { approvalServiceApprover } from '#host/services/approval-service';
import { Enforcer, type Actor } from '#host/enforcer';
import { armDeadline, hookBudgetMs, type HookDeadline } from '#host/services/hook-deadline';
import { stateDirectory } from '#host/files/state-dir';
import { beginCall, endCall, type CallMarker } from '#host/audit/unfinished-calls';
import { loadWorkspacePolicy, openStores } from '#host/workspace/workspace';
import { installScope } from './install-scope';
import { UsageError, type CliIo } from './io';

const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export interface HookOptions {
  /** The root fixed at install (`--root`); without it, the folder the runtime started the hook in. Never the payload's `cwd`. */
  root: string | undefined;
  /**
   * A user-level hook (`--scope user`): the nearest policy at or above `from` (the runtime's start
   * folder; default the hook's working folder) governs, and where there is none the call is passed
   * through untouched (no answer: the runtime's own permissions apply).
   */
  user?: { from: string | undefined };
  /**
   * A probe (`init`, `doctor`: AGENT_POLICY_PROBE=1): the hook finds and loads its policy as for a
   * real call, then denies without recording anything. Set by mistake in a runtime's environment,
   * it can only deny.
   */
  probe?: boolean;
  state: string | undefined;
  /** How long an ask waits for a human in the editor (ms), at most; the deadline may cut it shorter. */
  approvalTimeoutMs: number;
  /** The runtime's timeout for this hook (ms): the hook answers before it, whatever happens. */
  runtimeTimeoutMs: number;
}

/**
 * Where a hook call is answered: this process (the watchdog, its working folder, a fresh policy
 * load), or the resident decider (serve-command.ts: a timer per call, the client's folder, the
 * policy it keeps loaded).
 */
export interface HookHost {
  /** The folder the runtime started the hook in. */
  cwd: string;
  /** How long ago the call began (ms): the runtime's timeout runs from then. */
  elapsedMs(): number;
  /** Arms the call's deadline: after `ms`, `lastWords` answer deny unless the call claimed the answer first. */
  arm(ms: number, lastWords: { stdout: string; stderr: string }): HookDeadline;
  /** What to do once the deadline answered first: this process waits to be ended; the decider drops the late answer. */
  late(deadline: HookDeadline): number;
  loadPolicy(root: string): Promise<PolicySet>;
  /** Audit forwarding trouble, after the answer. */
  warn(message: string): void;
}

/** The host of a hook run as its own process. */
export const PROCESS_HOST: HookHost = {
  // Read when a call needs it (a folder deleted under the process makes process.cwd() throw: that call is denied, the process still runs).
  get cwd(): string {
    return process.cwd();
  },
  elapsedMs: () => performance.now() + spentBeforeStart(process.env.AGENT_POLICY_HOOK_ELAPSED_MS),
  arm: armDeadline,
  late: () => waitToBeEnded(),
  loadPolicy: (root) => loadWorkspacePolicy(root, 'enforcement'),
  warn: (message) => void process.stderr.write(message),
};

/** Time a client spent on the call before it handed it to this process (ms; a hook client that found no decider says so). */
function spentBeforeStart(value: string | undefined): number {
  const ms = Number(value ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** `hook <runtime> [options]`'s arguments, as the CLI and the resident decider both read them. */
export function readHookArgs(args: string[], env: NodeJS.ProcessEnv): { adapter: HookAdapter; options: HookOptions } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      state: { type: 'string' },
      'approval-timeout': { type: 'string' },
      timeout: { type: 'string' },
      scope: { type: 'string' },
      from: { type: 'string' },
    },
  });
  const adapter = hookAdapter(positionals[0]);
  const scope = installScope(values.scope);
  if (scope === 'user' && values.root !== undefined)
    throw new UsageError('a user-level hook (--scope user) finds the policy from --from; --root fixes one project');
  const timeout = values['approval-timeout'] === undefined ? 10 * 60_000 : parseDuration(values['approval-timeout']);
  if (timeout === undefined) throw new UsageError('--approval-timeout is a duration such as 10m');
  const runtimeTimeout = values.timeout === undefined ? DEFAULT_RUNTIME_TIMEOUT_MS : Number(values.timeout) * 1000;
  if (!(runtimeTimeout > 0)) throw new UsageError("--timeout is the runtime's timeout for the hook, in seconds");
  return {
    adapter,
    options: {
      root: values.root,
      state: values.state,
      approvalTimeoutMs: timeout,
      runtimeTimeoutMs: runtimeTimeout,
      probe: env.AGENT_POLICY_PROBE === '1',
      ...(scope === 'user' ? { user: { from: values.from } } : {}),
    },
  };
}

/** Assumed when the command does not say (`--timeout`): the shortest default among the runtimes. */
export const DEFAULT_RUNTIME_TIMEOUT_MS = 30_000;
// The approval service's reply must arrive this long before the deadline.
const ANSWER_MARGIN_MS = 1_000;

/** The adapter for `hook <name>`: an installable runtime, or `vscode` (the built-in agent's plugin hook). */
export function hookAdapter(name: string | undefined): HookAdapter {
  if (!name || !(HOOK_ADAPTER_NAMES as readonly string[]).includes(name)) throw new UsageError(`hook needs a runtime: ${HOOK_ADAPTER_NAMES.join(', ')}`);
  return HOOK_ADAPTERS[name as HookAdapterName];
}

/** An installable runtime, for `init`. */
export function installableRuntime(name: string | undefined): HookRuntime {
  if (!name || !(HOOK_RUNTIMES as readonly string[]).includes(name))
    throw new UsageError(`init needs --runtime ${HOOK_RUNTIMES.join('|')} (VS Code's built-in agent is governed by the extension's own agent plugin)`);
  return name as HookRuntime;
}

/**
 * `agent-policy hook <runtime>`: answers one pre-tool hook call in the runtime's own format.
 * Fails closed: unreadable input, an unknown tool, a policy that cannot be loaded or an internal
 * error are all denials that say why. Every decision is recorded in the audit log.
 */
export async function runHook(adapter: HookAdapter, io: CliIo, options: HookOptions, host: HookHost = PROCESS_HOST): Promise<number> {
  const budget = hookBudgetMs(options.runtimeTimeoutMs, host.elapsedMs());
  const lateReason = `no decision within the hook's deadline (${Math.round(budget / 1000)} s, inside ${adapter.runtime}'s ${Math.round(options.runtimeTimeoutMs / 1000)} s timeout), so the action is denied`;
  // Killed after these words, the command's `|| exit 2` blocks the call; runtimes then show stderr.
  const deadline = host.arm(budget, { stdout: adapter.reply({ decision: 'deny', reason: lateReason }, '').stdout, stderr: `Agent Policy: ${lateReason}\n` });
  let event = '';
  let reply;
  try {
    const payload = parsePayload(await readAll(io.stdin));
    event = typeof payload.hook_event_name === 'string' ? payload.hook_event_name : '';
    const call = readHookCall(adapter, payload);
    event = call.event;
    const outcome = await decide(adapter, call, options, deadline, host);
    reply = outcome === PASS_THROUGH ? NO_ANSWER : adapter.reply(outcome, event);
  } catch (error) {
    reply = adapter.reply({ decision: 'deny', reason: `the hook failed, so the action is denied: ${(error as Error).message}` }, event);
  }
  if (!deadline.claim()) return host.late(deadline);
  return write(io, reply);
}

/** The watchdog answered first and is ending the process: write nothing more. */
function waitToBeEnded(): never {
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}

/** No policy governs the folder a user-level hook was started in: the runtime is left to itself. */
const PASS_THROUGH = Symbol('pass through');
const NO_ANSWER = { stdout: '', stderr: '', exitCode: 0 };
const HOOK_FORWARD_TIMEOUT_MS = 750;

async function decide(
  adapter: HookAdapter,
  call: HookCall,
  options: HookOptions,
  deadline: HookDeadline,
  host: HookHost,
): Promise<HookOutcome | typeof PASS_THROUGH> {
  if (options.user) {
    const from = options.user.from ? resolve(host.cwd, options.user.from) : host.cwd;
    const governing = findRoot(from);
    return governing ? enforce(adapter, call, governing, options, deadline, host) : PASS_THROUGH;
  }
  const start = options.root !== undefined ? resolve(host.cwd, options.root) : host.cwd;
  if (options.root === '')
    return {
      decision: 'deny',
      reason: `${adapter.runtime} did not name its project folder (the hook's --root is empty), so no policy can be found and nothing is allowed`,
    };
  const root = options.root !== undefined ? (existsSync(join(start, '.agent-policy.yml')) ? start : undefined) : findRoot(start);
  if (!root)
    return { decision: 'deny', reason: `no .agent-policy.yml in ${start}${options.root !== undefined ? '' : ' or above it'}, so nothing can be allowed` };
  return enforce(adapter, call, root, options, deadline, host);
}

async function enforce(adapter: HookAdapter, call: HookCall, root: string, options: HookOptions, deadline: HookDeadline, host: HookHost): Promise<HookOutcome> {
  if (options.probe) {
    const set = await host.loadPolicy(root);
    return {
      decision: 'deny',
      reason: set.refusal
        ? `probe: the policy at ${root} does not load: ${set.refusal.message}`
        : `probe: the policy at ${root} governs this call (nothing recorded, every probe is denied)`,
    };
  }
  // Before anything that can take long: a call ended before it answers is still recorded (by the next append).
  const marker = beginCall(join(stateDirectory(root, options.state), 'audit'), {
    pid: process.pid,
    started_at: new Date().toISOString(),
    runtime: adapter.runtime,
    ...(call.actions[0] ? { action: call.actions[0] } : {}),
    tool: call.tool,
    ...callerMarker(call),
  });
  deadline.markCall(marker);
  try {
    return await decideGoverned(adapter, call, root, options, deadline, host);
  } finally {
    if (deadline.claim()) endCall(marker);
    else host.late(deadline);
  }
}

function callerMarker(call: HookCall): Pick<CallMarker, 'session_id' | 'tool_use_id' | 'transcript_path' | 'permission_mode'> {
  const c = call.caller ?? {};
  return {
    ...(c.sessionId ? { session_id: c.sessionId } : {}),
    ...(c.toolUseId ? { tool_use_id: c.toolUseId } : {}),
    ...(c.transcriptPath ? { transcript_path: c.transcriptPath } : {}),
    ...(c.permissionMode ? { permission_mode: c.permissionMode } : {}),
  };
}

async function decideGoverned(
  adapter: HookAdapter,
  call: HookCall,
  root: string,
  options: HookOptions,
  deadline: HookDeadline,
  host: HookHost,
): Promise<HookOutcome> {
  const set = await host.loadPolicy(root);
  // Forwarding to audit sinks runs after the answer, bounded so a sink that is down costs a call little.
  const stores = openStores(set, root, {
    ...(options.state ? { state: options.state } : {}),
    forwardTimeoutMs: HOOK_FORWARD_TIMEOUT_MS,
    onForwardProblem: (p) => host.warn(`agent-policy: audit forwarding: ${p.message} (entries wait in the log and are sent later)\n`),
  });
  const enforcer = new Enforcer(set, stores);
  const actor: Actor = { runtime: adapter.runtime, tool: call.tool, ...call.caller };
  const outcome = await enforcer.enforce({
    actions: call.actions,
    actor,
    problem: call.problem,
    proposedContent: call.proposedContent,
    approver: approvalServiceApprover(enforcer.stores.stateDir),
    // The request expires when the hook must answer: the prompt shows the time that is really left.
    approvalWaitMs: Math.min(options.approvalTimeoutMs, deadline.remainingMs() - ANSWER_MARGIN_MS),
    inTime: () => !deadline.answered(),
  });
  if (outcome.decision !== 'ask') return { decision: outcome.decision, reason: outcome.reason };
  // Nobody could be asked in an editor: the runtime's own prompt, where its hook can ask.
  if (adapter.canAsk(call.event)) return { decision: 'ask', reason: outcome.reason };
  return {
    decision: 'deny',
    reason: `${outcome.reason}; ${adapter.runtime} cannot ask you from this hook, and no editor with Agent Policy is running to ask (open the workspace in VS Code, or run "agent-policy approvals request --wait")`,
  };
}

/**
 * The nearest folder at or above `start` with a root policy. A policy inside `node_modules/` or
 * `.git/` (a dependency's, or one an agent could plant there) never governs: the walk goes on above.
 */
export function findRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (!/[\\/](node_modules|\.git)([\\/]|$)/.test(dir) && existsSync(join(dir, '.agent-policy.yml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function parsePayload(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the hook input on stdin is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the hook input on stdin is not a JSON object');
  return value as Record<string, unknown>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) throw new Error(`the hook input is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function write(io: CliIo, reply: { stdout: string; stderr: string; exitCode: number }): number {
  io.stdout(reply.stdout);
  if (reply.stderr) io.stderr(reply.stderr);
  return reply.exitCode;
}
