import * as vscode from 'vscode';
import { ApprovalServiceHost } from './approval-service-host';
import { ApprovalPrompter } from './approvals';
import { writeAgentSettings } from './agent-settings';
import { AuditView } from './audit-view';
import { registerCommands } from './commands';
import { DeniedEditWatcher } from './denied-edit-watcher';
import { ExplainView } from './explain-view';
import { builtInAgentGovernance, GOVERNANCE_SETTINGS } from './agent-governance';
import { Gate } from './gate';
import { registerGovernedTools } from './governed-tools';
import { PolicyLanguageClient } from './language-client';
import { PolicyContext } from './policy-context';
import { PROPOSED_SCHEME, ProposedContent } from './proposed-content';
import { PolicyStatus } from './status-bar';
import { loadShellParser } from '#host/shell-parser';

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

/** The wiring: one context owns every part; each part receives what it needs. */
export async function activate(extension: vscode.ExtensionContext): Promise<AgentPolicyApi | undefined> {
  const started = performance.now();
  const folder = vscode.workspace.workspaceFolders?.[0];
  const languageClient = new PolicyLanguageClient(extension.asAbsolutePath('server/out/server.js'));
  extension.subscriptions.push(languageClient);
  // The shell parser's WebAssembly compiles while the rest is set up (the policy load needs it).
  void loadShellParser().catch(() => undefined);
  // The language server starts while the gate loads the policy; activation waits only for the gate.
  const languageServerReady = languageClient.start().then(
    () => performance.now() - started,
    () => NaN,
  );
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
  const service = new ApprovalServiceHost(context, gate, output);
  const status = new PolicyStatus(context, () => service.info !== undefined);
  context.disposables.push(
    output,
    approvals,
    audit,
    watcher,
    status,
    service,
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
    governanceMessage(vscode.window.createTreeView('agentPolicy.approvals', { treeDataProvider: approvals }), context, () => service.info !== undefined),
    ...registerGovernedTools(context, gate),
    ...registerCommands({
      context,
      languageClient,
      approvals,
      audit,
      explain: new ExplainView(output),
      writeAgentSettings: () => writeAgentSettings(context, output),
    }),
    context.onDidAlert((alert) => void alertOnDeny(alert.message, alert.seq)),
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

/** The side panel says, above the pending approvals, whether VS Code's own agent is governed right now. */
function governanceMessage(view: vscode.TreeView<unknown>, context: PolicyContext, serviceRunning: () => boolean): vscode.Disposable {
  const update = (): void => {
    const agent = builtInAgentGovernance(serviceRunning());
    view.message = `${agent.governed ? '' : '⚠ '}VS Code's agent: ${agent.why}.`;
  };
  update();
  const listeners = [
    context.onDidChange(update),
    vscode.workspace.onDidChangeConfiguration((e) => (GOVERNANCE_SETTINGS.some((s) => e.affectsConfiguration(s)) ? update() : undefined)),
  ];
  return { dispose: () => [view, ...listeners].forEach((d) => void d.dispose()) };
}

async function alertOnDeny(message: string, seq: number): Promise<void> {
  const choice = await vscode.window.showWarningMessage(`Agent Policy ${message}`, 'Show in audit log');
  if (choice) await vscode.commands.executeCommand('agentPolicy.revealAuditEntry', seq);
}

export function deactivate(): void {
  owner?.dispose();
  owner = undefined;
}
