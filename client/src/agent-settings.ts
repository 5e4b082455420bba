import * as vscode from 'vscode';
import { agentSettings, EDITS_SETTING, TERMINAL_SETTING } from '#core/runtimes';
import type { PolicyContext } from './policy-context';

export interface WrittenSettings {
  terminal: number;
  edits: number;
  notExpressed: { rule: string; why: string }[];
}

/**
 * Writes the policy's denied and approval-required files and commands into VS Code's own agent
 * settings (workspace scope) as "always confirm" entries, so the built-in agent asks where the
 * policy would refuse or ask. Existing entries are kept, except that a policy rule always turns a
 * key to `false`: the policy can only make the setting stricter.
 */
export async function writeAgentSettings(context: PolicyContext, output: vscode.OutputChannel): Promise<WrittenSettings | undefined> {
  const set = await context.ready();
  if (set.refusal) {
    void vscode.window.showErrorMessage(`Agent Policy: the policy is not enforceable (${set.refusal.message}); fix it before writing agent settings.`);
    return undefined;
  }
  const settings = agentSettings(set);
  const terminalWhere = await writeStricter(TERMINAL_SETTING, settings.terminal);
  const editsWhere = await writeStricter(EDITS_SETTING, settings.edits);
  output.appendLine(
    `Wrote ${Object.keys(settings.terminal).length} terminal confirmation rules to the ${terminalWhere} settings and ${Object.keys(settings.edits).length} edit confirmation rules to the ${editsWhere} settings.`,
  );
  for (const n of settings.notExpressed) output.appendLine(`  not expressed: ${n.rule} (${n.why})`);
  const written = { terminal: Object.keys(settings.terminal).length, edits: Object.keys(settings.edits).length, notExpressed: settings.notExpressed };
  void vscode.window.showInformationMessage(
    `Agent Policy: VS Code's agent now asks before ${written.terminal} command and ${written.edits} file rules; ${written.notExpressed.length} rules stay with the gate only (see the output).`,
  );
  return written;
}

/**
 * Adds `false` entries to one setting, in the workspace's settings where VS Code allows it, else in
 * the user's (VS Code keeps some agent settings user-only so that a repository cannot loosen
 * them; entries that only ever require confirmation are safe to add there too).
 */
async function writeStricter(key: string, entries: Record<string, false>): Promise<'workspace' | 'user'> {
  const config = vscode.workspace.getConfiguration();
  const inspected = config.inspect<Record<string, unknown>>(key);
  try {
    await config.update(key, { ...inspected?.workspaceValue, ...entries }, vscode.ConfigurationTarget.Workspace);
    return 'workspace';
  } catch {
    await config.update(key, { ...inspected?.globalValue, ...entries }, vscode.ConfigurationTarget.Global);
    return 'user';
  }
}
