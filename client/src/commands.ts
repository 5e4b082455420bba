import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseDuration, projectKind, starterPolicy, type ApprovalRequest, type BypassRequest } from '#core';
import type { ApprovalPrompter } from './approvals';
import type { AuditFilter } from './audit-tree';
import type { AuditView } from './audit-view';
import { COMMAND_IDS, type CommandId } from './command-ids';
import { describeAction, readableTime } from './describe';
import type { ExplainView } from './explain-view';
import type { PolicyLanguageClient } from './language-client';
import type { PolicyContext } from './policy-context';
import { ProposedContent } from './proposed-content';

/** How the audit log names a person acting in this editor (granting a bypass, revoking one). */
const EDITOR_ACTOR = 'vscode';

export interface CommandDeps {
  context: PolicyContext;
  languageClient: PolicyLanguageClient;
  approvals: ApprovalPrompter;
  audit: AuditView;
  explain: ExplainView;
  writeAgentSettings: () => Promise<unknown>;
}

type Handler = (deps: CommandDeps, ...args: unknown[]) => unknown;

/** Each command's handler, by its id (command-ids.ts lists the ids, package.json contributes them). */
export const COMMANDS: Record<CommandId, Handler> = {
  'agentPolicy.explain': (deps, arg) => explain(deps, arg),
  // `<view id>.focus` is the command VS Code itself adds for every view.
  'agentPolicy.openAuditLog': () => vscode.commands.executeCommand('agentPolicy.audit.focus'),
  'agentPolicy.openAuditFile': (deps) => openAuditFile(deps.context),
  'agentPolicy.approve': (deps, arg) => decide(deps, arg, 'approved'),
  'agentPolicy.deny': (deps, arg) => decide(deps, arg, 'denied'),
  'agentPolicy.showApproval': (deps, arg) => deps.approvals.show(arg as ApprovalRequest),
  'agentPolicy.grantBypass': (deps, arg) => grantBypass(deps.context, arg as Partial<BypassRequest> | undefined),
  'agentPolicy.revokeBypass': (deps, arg) => revokeBypass(deps.context, arg),
  'agentPolicy.restartServer': (deps) => deps.languageClient.restart(),
  'agentPolicy.writeAgentSettings': (deps) => deps.writeAgentSettings(),
  'agentPolicy.filterAudit': (deps, arg) => filterAudit(deps.audit, arg as AuditFilter | undefined),
  'agentPolicy.clearAuditFilter': (deps) => deps.audit.setFilter({}),
  'agentPolicy.loadMoreAudit': (deps) => deps.audit.tree.loadMore(),
  'agentPolicy.refreshAudit': (deps) => deps.audit.tree.reload(),
  'agentPolicy.showAuditEntry': (deps, entry) => deps.audit.show(entry as Record<string, unknown>),
  'agentPolicy.revealAuditEntry': (deps, seq) => deps.audit.reveal(Number(seq)),
  'agentPolicy.createPolicy': (deps, folder) => createPolicy(deps.context, folder instanceof vscode.Uri ? folder.fsPath : deps.context.root),
};

/** Registers every command; the caller owns (and disposes) the registrations returned. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  return COMMAND_IDS.map((id) => {
    const handler = COMMANDS[id];
    return vscode.commands.registerCommand(id, (...args: unknown[]) => handler(deps, ...args));
  });
}

/** `src/a.ts` → a write; `$ git push` → a command; `https://…` → a request. */
export function parseExplainInput(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('$')) return { action: 'command.exec', command: trimmed.slice(1).trim() };
  if (/^https?:\/\//i.test(trimmed)) return { action: 'network.request', url: trimmed };
  return { action: 'filesystem.write', path: trimmed };
}

async function explain(deps: CommandDeps, arg: unknown): Promise<unknown> {
  let action = arg && typeof arg === 'object' ? (arg as Record<string, unknown>) : typeof arg === 'string' ? parseExplainInput(arg) : undefined;
  if (!action) {
    const text = await vscode.window.showInputBox({
      title: 'Agent Policy: explain',
      prompt: 'A path (src/app.ts), a command ($ git push --force) or a URL (https://…)',
      ignoreFocusOut: true,
    });
    if (!text) return undefined;
    action = parseExplainInput(text);
  }
  await deps.context.ready();
  const decision = deps.context.decide(action);
  deps.explain.show(decision.action, decision.result);
  return decision.result;
}

/**
 * Writes a starter policy fitted to the folder's project (Node, Python, Go; the one `agent-policy
 * init` writes) where there is none, and opens it; an existing policy is opened, never replaced.
 */
async function createPolicy(context: PolicyContext, folder: string): Promise<string> {
  const file = join(folder, '.agent-policy.yml');
  const existed = existsSync(file);
  if (!existed) writeFileSync(file, starterPolicy(projectKind(readdirSync(folder))), { mode: 0o644, flag: 'wx' });
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  if (existed) void vscode.window.showInformationMessage('Agent Policy: this folder already has a policy; it is open.');
  else {
    await context.reload();
    void vscode.window.showInformationMessage('Agent Policy: a starter policy is written. Review it, narrow it, commit it.');
  }
  return file;
}

async function decide(deps: CommandDeps, arg: unknown, to: 'approved' | 'denied'): Promise<boolean> {
  // A request id, a request (the pending view's item), or a proposal's URI (the diff editor's title).
  let id =
    typeof arg === 'string'
      ? arg
      : arg instanceof vscode.Uri
        ? ProposedContent.requestOf(arg)
        : arg && typeof arg === 'object' && 'id' in arg && typeof arg.id === 'string'
          ? arg.id
          : undefined;
  if (!id) {
    const pending = deps.approvals.pending();
    if (pending.length === 0) {
      void vscode.window.showInformationMessage('Agent Policy: no pending approval requests.');
      return false;
    }
    const pick = await vscode.window.showQuickPick(
      pending.map((r) => ({ label: describeAction(r.action), description: r.runtime, detail: r.reason, id: r.id })),
      { title: to === 'approved' ? 'Approve which request?' : 'Deny which request?' },
    );
    id = pick?.id;
  }
  return id ? deps.approvals.decide(id, to) : false;
}

async function ask(title: string, prompt: string, value?: unknown, validate?: (v: string) => string | undefined): Promise<string | undefined> {
  if (typeof value === 'string') return value;
  return vscode.window.showInputBox({ title, prompt, ignoreFocusOut: true, validateInput: validate });
}

// Said while typing, not after the last box: the same rules the store applies when it grants.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const longEnough = (v: string): string | undefined => (v.trim().length >= 10 ? undefined : 'At least 10 characters: say why the policy must give way.');
const isDuration = (max: string | undefined) => (v: string) => {
  const ms = parseDuration(v);
  if (ms === undefined) return 'A number and a unit: 30m, 2h, 1d.';
  const limit = max === undefined ? undefined : parseDuration(max);
  return limit !== undefined && ms > limit ? `At most ${max} (the policy's bypass.max_duration).` : undefined;
};
const isEmail = (v: string): string | undefined => (EMAIL.test(v) ? undefined : 'An e-mail address.');

/** The same checks as `agent-policy bypass`: a reason, an approver, a duration, one pattern; then the policy's own limits. */
async function grantBypass(context: PolicyContext, arg: Partial<BypassRequest> | undefined): Promise<boolean> {
  const set = await context.ready();
  const kind =
    arg?.kind ??
    ((await vscode.window.showQuickPick(['path', 'command'], { title: 'Bypass: for a path glob or a command pattern?' })) as 'path' | 'command' | undefined);
  if (!kind) return false;
  const max = set.settings.bypass?.maxDuration;
  const step = (n: number, what: string): string => `Grant a bypass (${n}/4): ${what}`;
  const pattern = await ask(
    step(1, kind === 'path' ? 'the path glob' : 'the command pattern'),
    kind === 'path' ? 'Path glob to allow (e.g. backend/auth/config.yml)' : 'Command pattern to allow (e.g. git push)',
    arg?.pattern,
    (v) => (v.trim() ? undefined : 'A pattern.'),
  );
  const reason = pattern && (await ask(step(2, 'why'), 'Why (at least 10 characters; recorded in the audit log)', arg?.reason, longEnough));
  const duration = reason && (await ask(step(3, 'for how long'), `For how long (30m, 2h${max ? `; at most ${max}` : ''})`, arg?.duration, isDuration(max)));
  const approver = duration && (await ask(step(4, 'who approves'), 'Approver e-mail', arg?.approver, isEmail));
  if (!pattern || !reason || !duration || !approver) return false;
  const result = context.stores.bypasses.grant(set, { kind, pattern, reason, duration, approver }, context.user, EDITOR_ACTOR, { via: 'vscode' });
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Agent Policy: bypass refused: ${result.reason}`);
    return false;
  }
  context.refresh();
  void vscode.window.showWarningMessage(
    `Agent Policy: bypass ${result.grant.id} granted until ${readableTime(result.grant.expires_at)} (audit entry ${String(result.auditSeq)}).`,
  );
  return true;
}

async function revokeBypass(context: PolicyContext, arg: unknown): Promise<boolean> {
  await context.ready();
  let id = typeof arg === 'string' ? arg : undefined;
  if (!id) {
    const active = context.stores.bypasses.list().filter((b) => b.state === 'active');
    const pick = await vscode.window.showQuickPick(
      active.map((b) => ({ label: `${b.kind} ${b.pattern}`, description: `until ${readableTime(b.expires_at)}`, detail: b.reason, id: b.id })),
      { title: 'Revoke which bypass?' },
    );
    id = pick?.id;
  }
  if (!id) return false;
  const result = context.stores.bypasses.revoke(id, context.user, EDITOR_ACTOR);
  if (!result.ok) void vscode.window.showErrorMessage(`Agent Policy: ${result.reason}`);
  context.refresh();
  return result.ok;
}

async function filterAudit(audit: AuditView, arg: AuditFilter | undefined): Promise<void> {
  if (arg) return audit.setFilter(arg);
  const field = await vscode.window.showQuickPick(
    [
      { label: 'Decision', key: 'decision' },
      { label: 'Agent or runtime', key: 'agent' },
      { label: 'Action kind', key: 'action' },
      { label: 'Text', key: 'text' },
    ],
    { title: 'Filter the audit log by' },
  );
  if (!field) return;
  const value =
    field.key === 'decision'
      ? await vscode.window.showQuickPick(['deny', 'ask', 'approvals', 'bypass', 'allow', 'events'])
      : field.key === 'action'
        ? await vscode.window.showQuickPick([
            'filesystem.',
            'filesystem.read',
            'filesystem.write',
            'filesystem.delete',
            'filesystem.rename',
            'filesystem.search',
            'command.exec',
            'network.request',
          ])
        : await vscode.window.showInputBox({ prompt: field.key === 'agent' ? 'Agent id or runtime' : 'Text anywhere in the entry' });
  if (value) audit.setFilter({ ...audit.filter, [field.key]: value });
}

async function openAuditFile(context: PolicyContext): Promise<void> {
  await context.ready();
  const newest = context.stores.audit.files().at(-1);
  if (!newest) return void vscode.window.showInformationMessage('Agent Policy: the audit log is empty.');
  await vscode.window.showTextDocument(vscode.Uri.file(newest), { preview: true });
}
