import * as vscode from 'vscode';
import { ApprovalServiceHost } from './approval-service-host';
import { ApprovalPrompter } from './approvals';
import { writeAgentSettings } from './agent-settings';
import { AuditView } from './audit-view';
import { registerCommands } from './commands';
import { alertOnDeny } from './deny-alert';
import { DeniedEditWatcher } from './denied-edit-watcher';
import { ExplainView } from './explain-view';
import { governanceMessage } from './agent-governance';
import { Gate } from './gate';
import { registerGovernedTools } from './governed-tools';
import { PolicyLanguageClient } from './language-client';
import { PolicyContext } from './policy-context';
import { PROPOSED_SCHEME, ProposedContent } from './proposed-content';
import { readSetting, SETTINGS } from './settings';
import { PendingApprovals } from './pending-approvals';
import { PolicyStatus } from './status-bar';
import { WorkspaceFiles } from './workspace-files';
import { loadShellParser } from '#host/workspace/shell-parser';

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
  /**
   * How long activation took, in ms (until the gate decides with the loaded policy), and loading the
   * policy within it; the language server starts beside it and is not waited for (`languageServerReady`: ms from the start).
   */
  activation: { totalMs: number; policyMs: number; languageServerReady: Promise<number> };
}

let owner: PolicyContext | undefined;

/**
 * The wiring: each part receives what it needs. Who disposes what:
 * - the extension's subscriptions: the workspace-files watcher, the language client and the policy context;
 * - the policy context: every part created here for the workspace (the list pushed below), besides its own;
 * - each part: what it creates itself (its listeners, watchers, timers), in its own dispose().
 */
export async function activate(extension: vscode.ExtensionContext): Promise<AgentPolicyApi | undefined> {
  const started = performance.now();
  const folder = vscode.workspace.workspaceFolders?.[0];
  const files = new WorkspaceFiles();
  extension.subscriptions.push(files);
  const languageClient = new PolicyLanguageClient(extension.asAbsolutePath('server/out/server.js'), files.watcher);
  extension.subscriptions.push(languageClient);
  // The shell parser's WebAssembly compiles while the rest is set up (the policy load needs it).
  void loadShellParser().catch(() => undefined);
  // The language server starts while the gate loads the policy; activation waits only for the gate.
  const languageServerReady = languageClient.start().then(
    () => performance.now() - started,
    () => NaN,
  );
  if (!folder || folder.uri.scheme !== 'file') return undefined;

  const context = new PolicyContext(folder.uri.fsPath, files);
  owner = context;
  extension.subscriptions.push(context);
  const output = vscode.window.createOutputChannel('Agent Policy');
  const proposed = new ProposedContent();
  const approvals = new ApprovalPrompter(context, proposed);
  const gate = new Gate(context, approvals, () => readSetting(vscode.workspace, SETTINGS.approvalTimeoutSeconds) * 1000);
  const audit = new AuditView(context);
  const watcher = new DeniedEditWatcher(context);
  const service = new ApprovalServiceHost(context, gate, output);
  const status = new PolicyStatus(context, () => service.info !== undefined);
  const approvalsView = vscode.window.createTreeView('agentPolicy.approvals', { treeDataProvider: approvals });
  context.disposables.push(
    new PendingApprovals(approvalsView, approvals),
    output,
    approvals,
    audit,
    watcher,
    status,
    service,
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
    governanceMessage(approvalsView, context, () => service.info !== undefined),
    ...registerGovernedTools(context, gate),
    ...registerCommands({
      context,
      languageClient,
      approvals,
      audit,
      explain: new ExplainView(output),
      writeAgentSettings: () => writeAgentSettings(context, output),
    }),
    alertOnDeny(context),
    vscode.workspace.onDidGrantWorkspaceTrust(() => context.refresh()),
  );
  const loading = performance.now();
  await context.reload();
  const policyMs = performance.now() - loading;
  await service.sync();
  status.update();
  void watcher.snapshot();
  const activation = { totalMs: performance.now() - started, policyMs, languageServerReady };
  output.appendLine(`activated in ${activation.totalMs.toFixed(0)} ms (policy ${policyMs.toFixed(0)} ms)`);
  void languageServerReady.then((ms) => output.appendLine(`language server ready after ${ms.toFixed(0)} ms`));
  return { context, gate, approvals, audit, watcher, status, service, languageClient, activation };
}

export function deactivate(): void {
  owner?.dispose();
  owner = undefined;
}
