import * as vscode from 'vscode';
import type { ApprovalRequest } from '#core';
import type { ApprovalPrompter } from './approvals';

/**
 * How many requests wait for a person, where they look: a badge on the Pending approvals view (and
 * so on the Agent Policy icon in the activity bar) and a status bar item, hidden when none waits.
 * A toast can be missed (Do Not Disturb, a window in the background); these stay until decided.
 */
export class PendingApprovals implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('agentPolicy.pending', vscode.StatusBarAlignment.Left, 49);
  /** What this disposes besides its item: its subscription to the prompter. */
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly view: vscode.TreeView<ApprovalRequest>,
    private readonly approvals: ApprovalPrompter,
  ) {
    this.item.name = 'Agent Policy: pending approvals';
    // VS Code adds `<view id>.focus` for every view.
    this.item.command = 'agentPolicy.approvals.focus';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.disposables.push(approvals.onDidChangeTreeData(() => this.update()));
    this.update();
  }

  update(): void {
    const count = this.approvals.pending().length;
    const tooltip = `${count} agent request${count === 1 ? '' : 's'} waiting for your approval`;
    this.view.badge = count > 0 ? { value: count, tooltip } : undefined;
    if (count === 0) return this.item.hide();
    this.item.text = `$(bell-dot) ${count} pending`;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.item.dispose();
  }
}
