import * as vscode from 'vscode';
import type { PolicyContext } from './policy-context';
import { EDITOR_SETTINGS, readSetting, SETTINGS, settingId } from './settings';

/** Whether VS Code's built-in agent is stopped by our plugin hook before each tool call, right now, and why not. */
export interface AgentGovernance {
  governed: boolean;
  why: string;
}

/**
 * The built-in agent runs our agent plugin's PreToolUse hook when hooks are on (`chat.useHooks`,
 * default true) in a trusted workspace; the hook asks this window's service (our prompt, our
 * audit log), else the CLI decides without a prompt.
 */
export function builtInAgentGovernance(serviceRunning: boolean): AgentGovernance {
  if (!vscode.workspace.isTrusted) return { governed: false, why: 'the workspace is not trusted' };
  if (readSetting(vscode.workspace, EDITOR_SETTINGS.useHooks) === false) {
    return {
      governed: false,
      why: "hooks are turned off (`chat.useHooks` is false): VS Code's agent writes and runs commands without asking the policy; only the denied-edit watcher sees its edits, afterwards",
    };
  }
  if (!serviceRunning)
    return {
      governed: true,
      why: "governed by the plugin hook, decided by the CLI (this window's approval service is off, so an ask is VS Code's own confirmation)",
    };
  return { governed: true, why: 'governed before every tool call by the plugin hook, decided here (asks come to this window with the diff)' };
}

/** The settings the answer depends on (besides trust): a change to one makes its displays update. */
export const GOVERNANCE_SETTINGS = [settingId(EDITOR_SETTINGS.useHooks), settingId(SETTINGS.approvalServiceEnabled)];

/**
 * The side panel says, above the pending approvals, whether VS Code's own agent is governed right
 * now. The disposable returned owns the view and the two listeners that keep the message current.
 */
export function governanceMessage(view: vscode.TreeView<unknown>, context: PolicyContext, serviceRunning: () => boolean): vscode.Disposable {
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
