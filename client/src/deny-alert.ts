import * as vscode from 'vscode';
import type { CommandId } from './command-ids';
import type { PolicyContext } from './policy-context';

/**
 * Shows each alert the audit log raises (a denial, when the policy sets `audit.alert_on_deny`) as a warning that offers
 * to reveal its entry. The subscription returned is the caller's to dispose.
 */
export function alertOnDeny(context: PolicyContext): vscode.Disposable {
  return context.onDidAlert((alert) => void showAlert(alert.message, alert.seq));
}

async function showAlert(message: string, seq: number): Promise<void> {
  const choice = await vscode.window.showWarningMessage(`Agent Policy ${message}`, 'Show in audit log');
  if (choice) await vscode.commands.executeCommand('agentPolicy.revealAuditEntry' satisfies CommandId, seq);
}
