import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_ADAPTERS, readHookCall } from '#core/runtimes';
import { startApprovalService, type RunningService } from '#host/services/approval-service';
import { SERVICE_INFO_FILE, type ServiceReply } from '#protocol/approval-service';
import type { Gate } from './gate';
import type { PolicyContext } from './policy-context';
import { readSetting, SETTINGS } from './settings';

/**
 * Runs the local approval service for the workspace's state folder while the setting allows it.
 * External runtimes' hooks send it actions; the editor decides each with its own copy of the
 * policy (it never trusts the caller's verdict), and an `ask` becomes an approval prompt here.
 */
export class ApprovalServiceHost implements vscode.Disposable {
  private running: RunningService | undefined;
  private stateDir: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** What this host disposes besides the service itself: its subscription to the context. */
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: PolicyContext,
    private readonly gate: Gate,
    private readonly output: vscode.OutputChannel,
  ) {
    this.disposables.push(context.onDidChange(() => this.sync()));
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
    const enabled = readSetting(vscode.workspace, SETTINGS.approvalServiceEnabled) && vscode.workspace.isTrusted;
    const stateDir = this.context.set ? this.context.stores.stateDir : undefined;
    if (enabled && stateDir === this.stateDir && this.running) return;
    await this.running?.close();
    this.running = undefined;
    this.stateDir = undefined;
    delete process.env.AGENT_POLICY_HOOK_SERVICE;
    if (!enabled || !stateDir) return;
    this.running = await startApprovalService(stateDir, (request) => this.handle(request));
    this.stateDir = stateDir;
    // VS Code's built-in agent runs our plugin hook with this extension host's environment: this is
    // how it finds the service, and the editor's own executable to run on (no `node` needed on PATH).
    process.env.AGENT_POLICY_HOOK_SERVICE = join(stateDir, SERVICE_INFO_FILE);
    process.env.AGENT_POLICY_EDITOR_NODE = process.execPath;
    this.output.appendLine(`approval service listening on ${this.running.info.socket}`);
  }

  private async handle(request: Parameters<Parameters<typeof startApprovalService>[1]>[0]): Promise<ServiceReply> {
    if (request.hook) {
      // VS Code's built-in agent: the whole tool call, decided, recorded and asked here.
      const call = readHookCall(HOOK_ADAPTERS.vscode, request.hook);
      const outcome = await this.gate.decideAgentCall(
        call,
        proposedEdit(request.hook),
        typeof request.timeout_ms === 'number' ? request.timeout_ms : undefined,
      );
      return {
        decision: outcome.allowed ? 'allow' : 'deny',
        reason: outcome.reason,
        ...(outcome.approvalId ? { approval_id: outcome.approvalId } : {}),
        ...(outcome.status ? { status: outcome.status } : {}),
      };
    }
    const outcome = await this.gate.answerHook({
      action: request.action as Record<string, unknown>,
      runtime: request.runtime,
      ...(request.agent_id ? { agentId: request.agent_id } : {}),
      ...(typeof request.proposed_content === 'string' ? { proposedContent: request.proposed_content } : {}),
      ...(typeof request.timeout_ms === 'number' ? { timeoutMs: request.timeout_ms } : {}),
    });
    return {
      decision: outcome.allowed ? 'allow' : 'deny',
      reason: outcome.reason,
      ...(outcome.approvalId ? { approval_id: outcome.approvalId } : {}),
      ...(outcome.status ? { status: outcome.status } : {}),
    };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    delete process.env.AGENT_POLICY_HOOK_SERVICE;
    void this.running?.close();
  }
}

/** The file as a string replacement would leave it, for the approval diff (undefined when it cannot be worked out). */
function proposedEdit(hook: Record<string, unknown>): string | undefined {
  const input = hook.tool_input as Record<string, unknown> | undefined;
  if (
    hook.tool_name !== 'replace_string_in_file' ||
    !input ||
    typeof input.filePath !== 'string' ||
    typeof input.oldString !== 'string' ||
    typeof input.newString !== 'string'
  )
    return undefined;
  try {
    const current = readFileSync(input.filePath, 'utf8');
    return current.includes(input.oldString) ? current.replace(input.oldString, input.newString) : undefined;
  } catch {
    return undefined;
  }
}
