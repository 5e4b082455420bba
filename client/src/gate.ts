import type { ApprovalStatus, DecisionResult } from '#core';
import type { HookCall } from '#core/runtimes';
import type { Approver, Enforcement } from '#host/enforcer';
import type { ApprovalPrompter } from './approvals';
import type { PolicyContext } from './policy-context';

export interface GateRequest {
  action: Record<string, unknown>;
  /** Who acts: `vscode-lm-tool`, or an external runtime through the approval service. */
  runtime: string;
  agentId?: string;
  /** For a file write: the content the agent proposes, shown beside the current one. */
  proposedContent?: string;
  /** The approval deadline; defaults to `agentPolicy.approvalTimeoutSeconds`. */
  timeoutMs?: number;
}

export interface GateOutcome {
  allowed: boolean;
  result: DecisionResult;
  /** Why, in one sentence a person (or a model) can act on. */
  reason: string;
  approvalId?: string;
  status?: ApprovalStatus;
}

/**
 * The editor's gate: every action goes through the shared enforcer (decided by the policy
 * before it runs, recorded), and an `ask` becomes an approval request that a person answers
 * here; only an approval lets the action through, and a timeout counts as a denial.
 */
export class Gate {
  private readonly approver: Approver;

  constructor(
    private readonly context: PolicyContext,
    prompter: ApprovalPrompter,
    private readonly approvalTimeoutMs: () => number,
  ) {
    this.approver = editorApprover(context, prompter);
  }

  /** For the editor's own tools: decided, recorded, asked here. */
  decide(request: GateRequest): Promise<GateOutcome> {
    return this.run(request, true);
  }

  /**
   * For an external runtime's hook asking through the approval service: decided with the editor's
   * own copy of the policy and asked here, but recorded by the hook (which records every call).
   */
  answerHook(request: GateRequest): Promise<GateOutcome> {
    return this.run(request, false);
  }

  /**
   * For VS Code's built-in agent, whose plugin hook sends the whole tool call: decided, recorded
   * (runtime `vscode`, with the agent's session and tool-use ids) and, for an ask, put to the
   * person here with the diff; the answer goes back to the agent, so VS Code does not ask again.
   */
  async decideAgentCall(call: HookCall, proposedContent: string | undefined, timeoutMs: number | undefined): Promise<GateOutcome> {
    await this.context.ready();
    const enforcer = this.context.enforcer;
    const refusal = this.context.refusal;
    if (refusal || !enforcer) return refused(refusal);
    const outcome = await enforcer.enforce({
      actions: call.actions,
      actor: { runtime: 'vscode', tool: call.tool, ...call.caller },
      problem: call.problem,
      proposedContent: call.proposedContent ?? proposedContent,
      approver: this.approver,
      approvalWaitMs: Math.min(timeoutMs ?? Infinity, this.approvalTimeoutMs()),
    });
    return this.outcomeOf(outcome);
  }

  private async run(request: GateRequest, record: boolean): Promise<GateOutcome> {
    await this.context.ready();
    const enforcer = this.context.enforcer;
    const refusal = this.context.refusal;
    if (refusal || !enforcer) return refused(refusal);
    const outcome = await enforcer.enforce({
      actions: [request.action],
      actor: { runtime: request.runtime, agentId: request.agentId },
      proposedContent: request.proposedContent,
      approver: this.approver,
      approvalWaitMs: request.timeoutMs ?? this.approvalTimeoutMs(),
      record,
    });
    return this.outcomeOf(outcome);
  }

  private outcomeOf(outcome: Enforcement): GateOutcome {
    const result = outcome.decisions.find((d) => d.result.decision !== 'allow')?.result ??
      outcome.decisions[0]?.result ?? {
        decision: outcome.decision,
        allowed: outcome.decision === 'allow',
        requires_approval: false,
        reason: outcome.reason,
        rules: [],
      };
    const status = outcome.approval?.status;
    return {
      allowed: outcome.decision === 'allow',
      result,
      reason: outcome.reason,
      ...(outcome.approval?.approvalId ? { approvalId: outcome.approval.approvalId } : {}),
      ...(status ? { status } : {}),
    };
  }
}

function refused(refusal: string | undefined): GateOutcome {
  const result: DecisionResult = { decision: 'deny', allowed: false, requires_approval: false, reason: refusal ?? 'the policy is not loaded yet', rules: [] };
  return { allowed: false, result, reason: result.reason };
}

/** A person in this editor: the request is queued (and audited), prompted, and waited for. */
function editorApprover(context: PolicyContext, prompter: ApprovalPrompter): Approver {
  return {
    async ask(ask) {
      const stores = context.stores;
      const approval = stores.approvals.request({
        action: ask.action,
        result: ask.result,
        agentId: ask.actor.agentId ?? context.set?.settings.agentId ?? null,
        runtime: ask.actor.runtime,
        timeoutMs: ask.timeoutMs,
      });
      prompter.prompt(approval, ask.proposedContent);
      const status = await stores.approvals.waitFor(approval.id);
      const settled = stores.approvals.get(approval.id);
      const by = settled?.decided_by ? ` by ${settled.decided_by}` : '';
      const reason =
        status === 'approved'
          ? `approved${by}: ${ask.result.reason}`
          : status === 'expired'
            ? `no one approved it in time (a timeout counts as a denial): ${ask.result.reason}`
            : `denied${by}: ${ask.result.reason}`;
      return { allowed: status === 'approved', reason, approvalId: approval.id, status };
    },
  };
}
