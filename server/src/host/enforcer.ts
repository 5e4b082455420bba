import { evaluate, type ApprovalStatus, type DecisionResult, type FileSystemView, type PolicySet } from '#core';
import { nodeFileSystem, posixPath } from './files/fs-view';
import type { Stores } from './workspace/workspace';

/**
 * Who acts, as the audit log records it: the runtime (`claude-code`, `vscode-lm-tool`, `cli`, ...)
 * and, where the runtime says so, its tool, session, tool-use id, transcript and permission mode,
 * so an entry can be joined to the runtime's own transcript.
 */
export interface Actor {
  runtime: string;
  agentId?: string | undefined;
  tool?: string | undefined;
  sessionId?: string | undefined;
  toolUseId?: string | undefined;
  transcriptPath?: string | undefined;
  permissionMode?: string | undefined;
}

/** An action the policy says a person must approve. */
export interface ApprovalAsk {
  action: Record<string, unknown>;
  result: DecisionResult;
  actor: Actor;
  /** For a whole-file write: the proposed content, for the diff. */
  proposedContent?: string | undefined;
  /** How long the person has; the request expires then. */
  timeoutMs: number;
}

export interface ApprovalAnswer {
  allowed: boolean;
  reason: string;
  approvalId?: string | undefined;
  status?: ApprovalStatus | undefined;
}

/**
 * Asks a person. `undefined` means nobody could be asked (no editor running, no prompt): the
 * enforcer then answers `ask` when the caller can hand it to the runtime's own prompt, else deny.
 */
export interface Approver {
  ask(request: ApprovalAsk): Promise<ApprovalAnswer | undefined>;
}

export interface EnforceRequest {
  /** What the call would do; empty for a call with no file, command or network effect. */
  actions: Record<string, unknown>[];
  actor: Actor;
  /** Set when the call cannot be understood: it is denied with this reason, and recorded. */
  problem?: string | undefined;
  proposedContent?: string | undefined;
  /** Who is asked when the policy asks; without one, an ask is the answer. */
  approver?: Approver | undefined;
  /** How long a person may take (ms); 0 or less: there is no time to ask. */
  approvalWaitMs?: number | undefined;
  /** False only when another process records this call (a hook that asked the editor for a person). */
  record?: boolean;
  /**
   * Whether the call's answer can still be given (its deadline not passed): checked under the audit
   * log's lock before each entry, so a decision the deadline overtook is not recorded as made (a
   * hook process would have been ended first; its marker records the denial instead).
   */
  inTime?: () => boolean;
}

export interface Enforcement {
  /** `ask` only when no approver answered: the caller hands it to the runtime's prompt or denies it. */
  decision: 'allow' | 'deny' | 'ask';
  reason: string;
  /** Each action with what the policy decided for it. */
  decisions: { action: Record<string, unknown>; result: DecisionResult }[];
  approval?: ApprovalAnswer | undefined;
}

export interface EnforcerOptions {
  fs?: FileSystemView;
  clock?: () => number;
}

/**
 * The one place where an action is decided for real: with the host's file system, the bypasses
 * in force, the clock and the state folders, then recorded, then (for an ask) put to a person.
 * The CLI, the hooks and the editor all decide through it, so the same action gets the same
 * decision everywhere.
 */
export class Enforcer {
  private readonly fs: FileSystemView;
  private readonly clock: () => number;
  private readonly stateDirs: string[];

  constructor(
    readonly set: PolicySet,
    readonly stores: Stores,
    options: EnforcerOptions = {},
  ) {
    this.fs = options.fs ?? nodeFileSystem;
    this.clock = options.clock ?? Date.now;
    // Resolved once (it touches the file system), not per decision.
    this.stateDirs = [posixPath(stores.stateDir)];
  }

  /** The decision for one action now, without recording it. */
  decide(action: unknown): DecisionResult {
    return evaluate(this.set, action, { fs: this.fs, bypasses: this.stores.bypasses.active(this.set), now: this.clock(), stateDirs: this.stateDirs });
  }

  /** Appends one decision to the audit log now, with who acted. */
  record(action: unknown, result: DecisionResult, actor: Actor, approvalId?: string, inTime?: () => boolean): ReturnType<Stores['audit']['appendDecision']> {
    return this.stores.audit.appendDecision(action, result, this.context(actor, approvalId), inTime);
  }

  /** Appends one decision in the log's next group commit; resolves once it is durable. */
  private recordQueued(
    action: unknown,
    result: DecisionResult,
    actor: Actor,
    approvalId?: string,
    inTime?: () => boolean,
  ): ReturnType<Stores['audit']['recordDecision']> {
    return this.stores.audit.recordDecision(action, result, this.context(actor, approvalId), inTime);
  }

  private context(actor: Actor, approvalId: string | undefined): Parameters<Stores['audit']['appendDecision']>[2] {
    return {
      runtime: actor.runtime,
      agentId: actor.agentId ?? this.set.settings.agentId,
      policyVersion: this.set.settings.version,
      approvalId,
      ...callerFields(actor),
    };
  }

  /** Decide every action, record every decision, ask a person if the policy says so, answer. */
  async enforce(request: EnforceRequest): Promise<Enforcement> {
    const actor = request.actor;
    // Every decision is durable before the call is answered (a failed append rejects: the caller denies).
    const record =
      request.record === false
        ? (): Promise<void> => Promise.resolve()
        : async (action: unknown, result: DecisionResult, approvalId?: string): Promise<void> =>
            void (await this.recordQueued(action, result, actor, approvalId, request.inTime));
    if (request.problem !== undefined) {
      const result = denial(request.problem);
      await record({ action: 'unknown' }, result);
      return { decision: 'deny', reason: request.problem, decisions: [] };
    }
    if (request.actions.length === 0) {
      const result: DecisionResult = {
        decision: 'allow',
        allowed: true,
        requires_approval: false,
        reason: `${actor.tool ?? 'the call'} reads or changes no file, runs no command and makes no request`,
        rules: [],
      };
      await record({ action: 'tool.inert' }, result);
      return { decision: 'allow', reason: result.reason, decisions: [] };
    }
    const decisions = request.actions.map((action) => ({ action, result: this.decide(action) }));
    const denied = decisions.find((d) => d.result.decision === 'deny');
    const asked = denied ? undefined : decisions.find((d) => d.result.decision === 'ask');
    // Recorded before anyone is asked: a wait that ends the process still leaves the ask on record.
    // The actions of one call are queued together, so they go into one commit, in order.
    await Promise.all(decisions.map((d) => record(d.action, d.result)));
    const approval = asked && request.approver ? await this.askPerson(request, asked, request.approver) : undefined;
    if (denied) return { decision: 'deny', reason: denied.result.reason, decisions };
    if (!asked) return { decision: 'allow', reason: decisions.map((d) => d.result.reason).join('; '), decisions };
    if (!approval) return { decision: 'ask', reason: asked.result.reason, decisions };
    await record(asked.action, answered(asked.result, approval), approval.approvalId);
    return { decision: approval.allowed ? 'allow' : 'deny', reason: approval.reason, decisions, approval };
  }

  private async askPerson(
    request: EnforceRequest,
    asked: { action: Record<string, unknown>; result: DecisionResult },
    approver: Approver,
  ): Promise<ApprovalAnswer | undefined> {
    const waitMs = request.approvalWaitMs ?? 0;
    if (waitMs <= 0) return { allowed: false, reason: `${asked.result.reason}; no time is left before the deadline to ask anyone` };
    try {
      return await approver.ask({
        action: asked.action,
        result: asked.result,
        actor: request.actor,
        proposedContent: request.proposedContent,
        timeoutMs: waitMs,
      });
    } catch (error) {
      return { allowed: false, reason: `${asked.result.reason}; asking for approval failed (${(error as Error).message}), so it is denied` };
    }
  }
}

/** The person's answer to an ask (or why nobody gave one), recorded as its own entry after the ask's. */
function answered(asked: DecisionResult, approval: ApprovalAnswer): DecisionResult {
  return { ...asked, decision: approval.allowed ? 'allow' : 'deny', allowed: approval.allowed, reason: approval.reason };
}

function denial(reason: string): DecisionResult {
  return { decision: 'deny', allowed: false, requires_approval: false, reason, rules: [] };
}

function callerFields(actor: Actor): { tool?: string; sessionId?: string; toolUseId?: string; transcriptPath?: string; permissionMode?: string } {
  const out: Record<string, string> = {};
  for (const key of ['tool', 'sessionId', 'toolUseId', 'transcriptPath', 'permissionMode'] as const) {
    const value = actor[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
