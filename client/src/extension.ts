import * as vscode from 'vscode';
import { ApprovalServiceHost } from './approval-service-host';
import { ApprovalPrompter } from './approvals';
import { writeAgentSettings } from './agent-settings';
import { AuditView } from './audit-view';
import { registerCommands } from './commands';
import { DeniedEditWatcher } from './denied-edit-watcher';
import { ExplainView } from './explain-view';
import { Gate } from './gate';
import { registerGovernedTools } from './governed-tools';
import { PolicyLanguageClient } from './language-client';
import { PolicyContext } from './policy-context';
import { PROPOSED_SCHEME, ProposedContent } from './proposed-content';
import { PolicyStatus } from './status-bar';

/** What the extension hands to other extensions and to its own tests. */
export interface AgentPolicyApi {
  context: PolicyContext;
  gate: Gate;
  approvals: ApprovalPrompter;
  audit: AuditView;
  watcher: DeniedEditWatcher;
  status: PolicyStatus;
  service: ApprovalServiceHost;
  languageClient: PolicyLanguageClient;
}

let owner: PolicyContext | undefined;

/** The wiring: one context owns every part; each part receives what it needs. */
export async function activate(extension: vscode.ExtensionContext): Promise<AgentPolicyApi | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const languageClient = new PolicyLanguageClient(extension.asAbsolutePath('server/out/server.js'));
  extension.subscriptions.push(languageClient);
  await languageClient.start();
  if (!folder || folder.uri.scheme !== 'file') return undefined;

  const context = new PolicyContext(folder.uri.fsPath);
  owner = context;
  extension.subscriptions.push(context);
  const output = vscode.window.createOutputChannel('Agent Policy');
  const proposed = new ProposedContent();
  const approvals = new ApprovalPrompter(context, proposed);
  const settings = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('agentPolicy');
  const gate = new Gate(context, approvals, () => settings().get<number>('approvalTimeoutSeconds', 300) * 1000);
  const audit = new AuditView(context);
  const watcher = new DeniedEditWatcher(context);
  const status = new PolicyStatus(context);
  const service = new ApprovalServiceHost(context, gate, output);
  context.disposables.push(
    output,
    approvals,
    audit,
    watcher,
    status,
    service,
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
    vscode.window.createTreeView('agentPolicy.approvals', { treeDataProvider: approvals }),
    ...registerGovernedTools(context, gate),
    ...registerCommands({ context, languageClient, approvals, audit, explain: new ExplainView(output), writeAgentSettings: () => writeAgentSettings(context, output) }),
    context.onDidAlert((alert) => void alertOnDeny(alert.message, alert.seq)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => context.refresh()),
  );
  await context.reload();
  await service.sync();
  void watcher.snapshot();
  return { context, gate, approvals, audit, watcher, status, service, languageClient };
}

async function alertOnDeny(message: string, seq: number): Promise<void> {
  const choice = await vscode.window.showWarningMessage(`Agent Policy ${message}`, 'Show in audit log');
  if (choice) await vscode.commands.executeCommand('agentPolicy.revealAuditEntry', seq);
}

export function deactivate(): void {
  owner?.dispose();
  owner = undefined;
}
