import * as vscode from 'vscode';
import { startApprovalService, type RunningService, type ServiceReply } from '../../server/src/node/approval-service';
import type { Gate } from './gate';
import type { PolicyContext } from './policy-context';

/**
 * Runs the local approval service for the workspace's state folder while the setting allows it.
 * External runtimes' hooks send it actions; the editor decides each with its own copy of the
 * policy (it never trusts the caller's verdict), and an `ask` becomes an approval prompt here.
 */
export class ApprovalServiceHost implements vscode.Disposable {
  private running: RunningService | undefined;
  private stateDir: string | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: PolicyContext,
    private readonly gate: Gate,
    private readonly output: vscode.OutputChannel,
  ) {
    context.disposables.push(context.onDidChange(() => this.sync()));
  }

  get info(): RunningService['info'] | undefined {
    return this.running?.info;
  }

  /** Starts, moves or stops the service to match the state folder and the setting. */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.apply()).catch((error: unknown) => this.output.appendLine(`approval service: ${(error as Error).message}`));
    return this.chain;
  }

  private async apply(): Promise<void> {
    const enabled = vscode.workspace.getConfiguration('agentPolicy').get<boolean>('approvalService.enabled', true) && vscode.workspace.isTrusted;
    const stateDir = this.context.set ? this.context.stores.stateDir : undefined;
    if (enabled && stateDir === this.stateDir && this.running) return;
    await this.running?.close();
    this.running = undefined;
    this.stateDir = undefined;
    if (!enabled || !stateDir) return;
    this.running = await startApprovalService(stateDir, (request) => this.handle(request));
    this.stateDir = stateDir;
    this.output.appendLine(`approval service listening on ${this.running.info.socket}`);
  }

  private async handle(request: Parameters<Parameters<typeof startApprovalService>[1]>[0]): Promise<ServiceReply> {
    const outcome = await this.gate.answerHook({
      action: request.action as Record<string, unknown>,
      runtime: request.runtime,
      ...(request.agent_id ? { agentId: request.agent_id } : {}),
      ...(typeof request.proposed_content === 'string' ? { proposedContent: request.proposed_content } : {}),
      ...(typeof request.timeout_ms === 'number' ? { timeoutMs: request.timeout_ms } : {}),
    });
    return { decision: outcome.allowed ? 'allow' : 'deny', reason: outcome.reason, ...(outcome.approvalId ? { approval_id: outcome.approvalId } : {}), ...(outcome.status ? { status: outcome.status } : {}) };
  }

  dispose(): void {
    void this.running?.close();
  }
}
