import type { ApprovalStatus, DecisionResult } from '#core';
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
 * The editor's gate: every action is decided by the policy before it runs and every decision is
 * recorded. An `ask` becomes an approval request that a human answers; only an approval lets the
 * action through, and a timeout counts as a denial.
 */
export class Gate {
  constructor(
    private readonly context: PolicyContext,
    private readonly prompter: ApprovalPrompter,
    private readonly approvalTimeoutMs: () => number,
  ) {}

  async decide(request: GateRequest): Promise<GateOutcome> {
    await this.context.ready();
    const decision = this.context.decide(request.action);
    const { result } = decision;
    if (result.decision !== 'ask') {
      this.context.record(decision, request.runtime);
      return { allowed: result.allowed, result, reason: result.reason };
    }
    const stores = this.context.stores;
    const approval = stores.approvals.request({
      action: request.action,
      result,
      agentId: request.agentId ?? this.context.set?.agentId ?? null,
      runtime: request.runtime,
      timeoutMs: request.timeoutMs ?? this.approvalTimeoutMs(),
    });
    this.context.record(decision, request.runtime, approval.id);
    this.prompter.prompt(approval, request.proposedContent);
    const status = await stores.approvals.waitFor(approval.id);
    const settled = stores.approvals.get(approval.id);
    const by = settled?.decided_by ? ` by ${settled.decided_by}` : '';
    const reason = status === 'approved' ? `approved${by}: ${result.reason}` : status === 'expired' ? `no one approved it in time (a timeout counts as a denial): ${result.reason}` : `denied${by}: ${result.reason}`;
    return { allowed: status === 'approved', result, reason, approvalId: approval.id, status };
  }
}
