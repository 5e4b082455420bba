import { existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { effectiveStatus, type ApprovalRequest } from '#core';
import type { CommandId } from './command-ids';
import { describeAction, readableTime, ruleLabel, timeLeft } from './describe';
import type { PolicyContext } from './policy-context';
import type { ProposedContent } from './proposed-content';
import { userInfo } from 'node:os';

export const APPROVE = 'Approve';
export const DENY = 'Deny';
const SHOW_DIFF = 'Show diff';

/**
 * Turns pending approval requests into prompts: a notification naming the agent, the action and
 * the rule, with Approve / Deny, and for a file write the diff of the proposed content beside the
 * current file. Requests made elsewhere (the CLI, another window) are noticed by watching the
 * queue's folder. Every pending request is also listed in the Pending approvals view.
 */
export class ApprovalPrompter implements vscode.TreeDataProvider<ApprovalRequest>, vscode.Disposable {
  private readonly prompted = new Set<string>();
  private readonly proposals = new Map<string, { uri: vscode.Uri; content: string }>();
  private readonly changed = new vscode.EventEmitter<ApprovalRequest | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher: FSWatcher | undefined;
  private watchedDir: string | undefined;
  private ticker: NodeJS.Timeout;
  /** What this prompter disposes besides its emitter, ticker and queue watcher: its subscription to the context. */
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: PolicyContext,
    private readonly proposed: ProposedContent,
  ) {
    this.disposables.push(context.onDidChange(() => this.watchQueue()));
    // Time left is shown on each item, and expiry needs noticing even when nothing is written.
    this.ticker = setInterval(() => this.changed.fire(undefined), 15_000);
  }

  pending(): ApprovalRequest[] {
    if (!this.context.set) return [];
    const now = this.context.clock();
    return this.context.stores.approvals.list().filter((r) => effectiveStatus(r, now) === 'pending');
  }

  /** Shows the prompt for a request (once; later calls only re-show when asked explicitly). */
  prompt(request: ApprovalRequest, proposedContent?: string, again = false): void {
    if (proposedContent !== undefined)
      this.proposals.set(request.id, { uri: this.proposed.add(request.id, pathOf(request) ?? 'proposed', proposedContent), content: proposedContent });
    this.changed.fire(undefined);
    if (this.prompted.has(request.id) && !again) return;
    this.prompted.add(request.id);
    void this.ask(request);
  }

  private async ask(request: ApprovalRequest): Promise<void> {
    const hasDiff = this.proposals.has(request.id);
    if (hasDiff) await this.showDiff(request);
    const agent = request.agent_id ?? request.runtime;
    const rule = ruleLabel(request.rule);
    const message = `Agent Policy: ${agent} (${request.runtime}) wants to ${describeAction(request.action)}. ${request.reason}${rule ? ` Rule: ${rule}.` : ''} Unanswered, it is denied at ${clockTime(request.expires_at)}.`;
    const choices = hasDiff ? [APPROVE, DENY, SHOW_DIFF] : [APPROVE, DENY];
    const choice = await vscode.window.showWarningMessage(message, ...choices);
    if (choice === SHOW_DIFF) return this.prompt(request, undefined, true);
    if (choice === APPROVE) this.decide(request.id, 'approved');
    else if (choice === DENY) this.decide(request.id, 'denied');
  }

  /** A pending request clicked in the view: its diff when it has one (Approve and Deny are in the diff's title), else its prompt again. */
  async show(request: ApprovalRequest): Promise<void> {
    if (this.proposals.has(request.id)) return this.showDiff(request);
    this.prompt(request, undefined, true);
  }

  /** Opens the proposed content beside the current file. */
  async showDiff(request: ApprovalRequest): Promise<void> {
    const proposal = this.proposals.get(request.id);
    const path = pathOf(request);
    if (!proposal || !path) return;
    const current = vscode.Uri.file(isAbsolute(path) ? path : join(this.context.root, path));
    const left = existsSync(current.fsPath) ? current : this.proposed.empty(request.id, path);
    await vscode.commands.executeCommand(
      'vscode.diff',
      left,
      proposal.uri,
      `${path}: current ↔ proposed by ${request.agent_id ?? request.runtime} (approval ${request.id})`,
      { preview: true },
    );
  }

  decide(id: string, to: 'approved' | 'denied', note?: string): boolean {
    // The editor's own prompt or command: an agent's command tool cannot reach it (the gate denies
    // `vscode-command agentPolicy.approve`). The name is the setting's; the account is the proof.
    const result = this.context.stores.approvals.decide(id, to, this.context.user, note, { via: 'vscode', os_user: osUser() });
    this.changed.fire(undefined);
    if (!result.ok) void vscode.window.showWarningMessage(`Agent Policy: ${result.reason}`);
    return result.ok;
  }

  getTreeItem(request: ApprovalRequest): vscode.TreeItem {
    const item = new vscode.TreeItem(describeAction(request.action), vscode.TreeItemCollapsibleState.None);
    item.id = request.id;
    item.description = `${request.agent_id ?? request.runtime} · ${timeLeft(request.expires_at, this.context.clock())} left`;
    item.tooltip = new vscode.MarkdownString(
      `**${describeAction(request.action)}**\n\n${request.reason}\n\nRule: ${ruleLabel(request.rule) ?? 'none'}\n\nRequested ${readableTime(request.timestamp)} by ${request.runtime}; expires ${readableTime(request.expires_at)}.`,
    );
    item.iconPath = new vscode.ThemeIcon('question', new vscode.ThemeColor('charts.yellow'));
    item.contextValue = 'pendingApproval';
    item.command = { command: 'agentPolicy.showApproval' satisfies CommandId, title: 'Show request', arguments: [request] };
    return item;
  }

  getChildren(element?: ApprovalRequest): ApprovalRequest[] {
    return element ? [] : this.pending();
  }

  /** Watches the queue folder of the current state folder; prompts for requests made elsewhere. */
  private watchQueue(): void {
    const dir = this.context.stores.approvals.dir;
    if (dir === this.watchedDir) return;
    this.watcher?.close();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.watchedDir = dir;
    let timer: NodeJS.Timeout | undefined;
    this.watcher = watch(dir, () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.promptNew(), 100);
    });
    this.promptNew();
  }

  private promptNew(): void {
    this.changed.fire(undefined);
    for (const request of this.pending()) if (!this.prompted.has(request.id)) this.prompt(request);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    clearInterval(this.ticker);
    this.watcher?.close();
    this.changed.dispose();
  }
}

/** A moment as the person's clock shows it (a notification's text cannot count down, so it names the time). */
function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

function pathOf(request: ApprovalRequest): string | undefined {
  const a = request.action as Record<string, unknown> | null;
  return a && typeof a.path === 'string' ? a.path : undefined;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
