import * as vscode from 'vscode';

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
  if (vscode.workspace.getConfiguration('chat').get<boolean>('useHooks', true) === false) {
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

export const GOVERNANCE_SETTINGS = ['chat.useHooks', 'agentPolicy.approvalService.enabled'];
