import * as vscode from 'vscode';
import { isBlocking } from '#core';
import { readableTime, timeLeft } from './describe';
import { builtInAgentGovernance, GOVERNANCE_SETTINGS } from './agent-governance';
import type { CommandId } from './command-ids';
import type { PolicyContext } from './policy-context';

/** The policy's state at a glance: valid, errors, refused (e.g. an unsupported version), bypasses with time left, trust. */
export class PolicyStatus implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('agentPolicy.status', vscode.StatusBarAlignment.Left, 50);
  private readonly timer: NodeJS.Timeout;
  /** What this status disposes besides its item and timer: its subscriptions (the context, the governance settings). */
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: PolicyContext,
    private readonly serviceRunning: () => boolean = () => false,
  ) {
    this.item.name = 'Agent Policy';
    this.item.command = 'agentPolicy.openAuditLog' satisfies CommandId;
    this.disposables.push(context.onDidChange(() => this.update()));
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => (GOVERNANCE_SETTINGS.some((s) => e.affectsConfiguration(s)) ? this.update() : undefined)),
    );
    this.timer = setInterval(() => this.update(), 30_000);
    this.update();
    this.item.show();
  }

  update(): void {
    const set = this.context.set;
    const tooltip = new vscode.MarkdownString('', true);
    if (!vscode.workspace.isTrusted) {
      this.show(
        '$(workspace-untrusted) Policy: untrusted',
        'The workspace is not trusted: every agent action is denied until it is.',
        'statusBarItem.warningBackground',
      );
      return;
    }
    if (!set) return this.show('$(sync~spin) Policy', 'Loading the policy…');
    const errors = set.findings.filter(isBlocking).length;
    this.item.command = 'agentPolicy.openAuditLog' satisfies CommandId;
    if (set.refusal?.code === 'AP2011') {
      // No policy yet: still fail closed, but the next step is to write one, not to fix an error.
      this.item.command = 'agentPolicy.createPolicy' satisfies CommandId;
      return this.show(
        '$(new-file) No policy',
        'No .agent-policy.yml here: every agent action is denied. Click to create a starter policy.',
        'statusBarItem.warningBackground',
      );
    }
    if (set.refusal) {
      const label = set.refusal.code === 'AP2001' ? 'unsupported version' : `${errors} error${errors === 1 ? '' : 's'}`;
      return this.show(`$(error) Policy: ${label}`, `Every agent action is denied: ${set.refusal.message}`, 'statusBarItem.errorBackground');
    }
    const bypasses = this.context.stores.bypasses.list().filter((b) => b.state === 'active');
    tooltip.appendMarkdown(`Policy ${set.settings.version ?? '?'} for \`${set.settings.agentId ?? 'any agent'}\` is enforced.`);
    const agent = builtInAgentGovernance(this.serviceRunning());
    tooltip.appendMarkdown(`\n\n${agent.governed ? '$(shield)' : '$(warning)'} VS Code's agent: ${agent.why}.`);
    if (!agent.governed) return this.show(`$(warning) Policy ${set.settings.version ?? ''}: agent not governed`, tooltip, 'statusBarItem.warningBackground');
    if (bypasses.length > 0) {
      const now = this.context.clock();
      const soonest = bypasses.map((b) => b.expires_at).sort()[0] as string;
      for (const b of bypasses) tooltip.appendMarkdown(`\n\n$(unlock) ${b.kind} \`${b.pattern}\` until ${readableTime(b.expires_at)}: ${b.reason}`);
      return this.show(
        `$(unlock) Policy ${set.settings.version ?? ''}: ${bypasses.length} bypass${bypasses.length === 1 ? '' : 'es'} · ${timeLeft(soonest, now)}`,
        tooltip,
        'statusBarItem.warningBackground',
      );
    }
    this.show(`$(shield) Policy ${set.settings.version ?? ''}`, tooltip);
  }

  private show(text: string, tooltip: string | vscode.MarkdownString, background?: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    clearInterval(this.timer);
    this.item.dispose();
  }
}
