import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { AuditTree, type AuditFilter, type AuditNode } from './audit-tree';
import type { PolicyContext } from './policy-context';

export const AUDIT_ENTRY_SCHEME = 'agent-policy-audit';

/**
 * The audit log's side-panel view: the tree, its filter (shown as the view's description), the
 * whole entry as a read-only JSON document, and revealing an entry from an alert.
 */
export class AuditView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  readonly tree: AuditTree;
  readonly view: vscode.TreeView<AuditNode>;
  private readonly shown = new Map<string, string>();
  /** What this view disposes: the tree, the tree view and the entry documents' provider, all created here. */
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: PolicyContext) {
    this.tree = new AuditTree(context);
    this.view = vscode.window.createTreeView('agentPolicy.audit', { treeDataProvider: this.tree, showCollapseAll: true });
    this.disposables.push(this.tree, this.view, vscode.workspace.registerTextDocumentContentProvider(AUDIT_ENTRY_SCHEME, this));
  }

  get filter(): AuditFilter {
    return this.tree.filter;
  }

  setFilter(filter: AuditFilter): void {
    this.tree.setFilter(filter);
    const parts = Object.entries(this.tree.filter).map(([k, v]) => `${k}: ${String(v)}`);
    this.view.description = parts.length ? `filtered (${parts.join(', ')})` : undefined;
    void vscode.commands.executeCommand('setContext', 'agentPolicy.auditFiltered', parts.length > 0);
  }

  /** Shows the whole entry, and the file it names beside it when there is one. */
  async show(entry: Record<string, unknown>): Promise<void> {
    const uri = vscode.Uri.from({ scheme: AUDIT_ENTRY_SCHEME, path: `/entry-${typeof entry.seq === 'number' ? entry.seq : 'unknown'}.json` });
    this.shown.set(uri.toString(), JSON.stringify(entry, null, 2));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.One });
    const file = entryFile(this.context.root, entry);
    if (file) await vscode.window.showTextDocument(file, { preview: true, viewColumn: vscode.ViewColumn.Two, preserveFocus: true });
  }

  async reveal(seq: number): Promise<boolean> {
    this.tree.reload();
    const node = this.tree.find(seq);
    if (!node) return false;
    await vscode.commands.executeCommand('agentPolicy.audit.focus');
    await this.view.reveal(node, { select: true, focus: true, expand: true });
    return true;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString()) ?? '{}';
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.shown.clear();
  }
}

/** The workspace file an entry names, if it exists. */
export function entryFile(root: string, entry: Record<string, unknown>): vscode.Uri | undefined {
  const path = typeof entry.path === 'string' ? entry.path : undefined;
  if (!path) return undefined;
  const absolute = isAbsolute(path) ? path : join(root, path);
  return existsSync(absolute) ? vscode.Uri.file(absolute) : undefined;
}
