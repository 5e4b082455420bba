import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentPolicyApi } from '../../../client/src/extension';
import type { AuditNode } from '../../../client/src/audit-tree';
import type { Violation } from '../../../client/src/denied-edit-watcher';
import { EDIT_TOOL, RUN_TOOL } from '../../../client/src/governed-tools';
import { askApprovalService, readServiceInfo } from '#host/services/approval-service';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';

// Runs inside a real VS Code (code-server here, desktop VS Code through @vscode/test-electron),
// on a copy of examples/workspace that the runner made for this run.
const root = (): string => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';

function labelText(label: string | vscode.TreeItemLabel | undefined): string {
  return typeof label === 'string' ? label : (label?.label ?? '');
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

async function invoke(name: string, input: object): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

/** Every entry node of the audit tree, with the group it sits under. */
function treeEntries(api: AgentPolicyApi): { group: string; label: string; entry: Record<string, unknown> }[] {
  const tree = api.audit.tree;
  const out: { group: string; label: string; entry: Record<string, unknown> }[] = [];
  const walk = (node: AuditNode): void => {
    if (node.kind === 'entry') out.push({ group: node.group, label: labelText(tree.getTreeItem(node).label), entry: node.item.entry });
    for (const child of tree.getChildren(node)) walk(child);
  };
  for (const top of tree.getChildren()) walk(top);
  return out;
}

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('agentPolicy').update(key, value, vscode.ConfigurationTarget.Workspace);
}

suite('Agent Policy in a real VS Code', () => {
  let api: AgentPolicyApi;

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<AgentPolicyApi | undefined>('agent-policy.agent-policy');
    assert.ok(extension, 'the extension is installed');
    api = await waitFor('activation', async () => (extension.isActive ? extension.exports : await extension.activate()));
    await api.context.ready();
  });

  test('activates on the workspace, gives policy files their language and shows the policy in the status bar', async () => {
    const doc = await vscode.workspace.openTextDocument(join(root(), '.agent-policy.yml'));
    assert.equal(doc.languageId, 'agent-policy');
    const override = await vscode.workspace.openTextDocument(join(root(), 'backend', '.agent-policy.override.yml'));
    assert.equal(override.languageId, 'agent-policy');
    assert.match(api.status.item.text, /Policy 2\.1/);
    assert.equal(api.context.set?.settings.version, '2.1');
  });

  test('diagnostics appear for the deliberate conflict and for a broken policy', async () => {
    const override = vscode.Uri.file(join(root(), 'backend', '.agent-policy.override.yml'));
    await vscode.window.showTextDocument(override);
    const conflict = await waitFor('AP2002 on the backend override', () => vscode.languages.getDiagnostics(override).find((d) => codeOf(d) === 'AP2002'));
    assert.equal(conflict.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(conflict.range.start.line, 6);

    const broken = join(root(), 'tests', '.agent-policy.override.yml');
    mkdirSync(join(root(), 'tests'), { recursive: true });
    writeFileSync(broken, 'permissions:\n  filesystem:\n    allow: [unclosed\n');
    const brokenUri = vscode.Uri.file(broken);
    await vscode.window.showTextDocument(brokenUri);
    const parse = await waitFor('a parse error on the broken override', () =>
      vscode.languages.getDiagnostics(brokenUri).find((d) => d.severity === vscode.DiagnosticSeverity.Error),
    );
    assert.match(codeOf(parse), /^AP1/);
    // While a policy file cannot be parsed, the gate fails closed.
    await waitFor('the gate to refuse the unparseable policy', () => api.context.set?.refusal !== undefined);
    assert.equal(api.context.decide({ action: 'filesystem.write', path: 'src/app.ts' }).result.decision, 'deny');
    assert.match(api.status.item.text, /error/);

    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    rmSync(broken);
    await waitFor('the policy to load again', () => api.context.set !== undefined && api.context.set.refusal === undefined);
    assert.equal(api.context.decide({ action: 'filesystem.write', path: 'src/app.ts' }).result.decision, 'allow');
  });

  test('an unsupported version is refused: the status bar says so and every action is denied', async () => {
    const file = join(root(), '.agent-policy.yml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('version: "2.1"', 'version: "9.9"'));
    try {
      await waitFor('the refusal', () => api.context.set?.refusal?.code === 'AP2001');
      assert.match(api.status.item.text, /unsupported version/);
      assert.equal(api.context.decide({ action: 'filesystem.read', path: 'src/app.ts' }).result.decision, 'deny');
    } finally {
      writeFileSync(file, original);
    }
    await waitFor('the policy to load again', () => api.context.set?.settings.version === '2.1' && api.context.set.refusal === undefined);
  });

  test('explain answers what would happen and why, with the deciding rule', async () => {
    const push = await vscode.commands.executeCommand<{ decision: string; rules: { pattern: string }[] }>(
      'agentPolicy.explain',
      '$ git push --force origin main',
    );
    assert.equal(push.decision, 'deny');
    assert.equal(push.rules[0]?.pattern, 'git push --force');
    const write = await vscode.commands.executeCommand<{ decision: string }>('agentPolicy.explain', 'src/utils/logger.ts');
    assert.equal(write.decision, 'allow');
    const docker = await vscode.commands.executeCommand<{ decision: string }>('agentPolicy.explain', { action: 'filesystem.write', path: 'Dockerfile' });
    assert.equal(docker.decision, 'ask');
  });

  test('a governed tool call that the policy denies is refused with the reason, and nothing is written', async () => {
    const text = await invoke(EDIT_TOOL, { path: 'secrets/key.txt', content: 'leaked' });
    assert.match(text, /Refused by Agent Policy \(deny\).*secrets\/\*\*/);
    assert.equal(existsSync(join(root(), 'secrets', 'key.txt')), false);
    const ran = await invoke(RUN_TOOL, { command: 'curl https://example.com' });
    assert.match(ran, /Refused by Agent Policy \(deny\)/);
  });

  test('a call that needs approval waits for a human, shows the proposed content, and is approved', async () => {
    const before = readFileSync(join(root(), 'package.json'), 'utf8');
    const proposed = before.replace('}', ',\n  "description": "approved in the e2e suite"\n}');
    const call = invoke(EDIT_TOOL, { path: 'package.json', content: proposed });
    const request = await waitFor('the approval request', () => api.approvals.pending().find((r) => (r.action as { path?: string }).path === 'package.json'));
    assert.equal(request.runtime, 'vscode-lm-tool');
    assert.equal(request.rule?.list, 'require_human_approval');
    // The diff of the proposed content beside the current file is open.
    const proposedDoc = await waitFor('the proposed content document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'agent-policy-proposed' && d.uri.path.endsWith('/package.json')),
    );
    assert.equal(proposedDoc.getText(), proposed);
    assert.equal(readFileSync(join(root(), 'package.json'), 'utf8'), before, 'nothing is written before the approval');
    assert.equal(await vscode.commands.executeCommand('agentPolicy.approve', request.id), true);
    const text = await call;
    assert.match(text, /^Wrote package\.json \(approved by /);
    assert.equal(readFileSync(join(root(), 'package.json'), 'utf8'), proposed);
    assert.equal(api.approvals.pending().length, 0);
  });

  test('a call nobody answers times out, and the timeout counts as a denial', async () => {
    await setting('approvalTimeoutSeconds', 2);
    try {
      const started = Date.now();
      const text = await invoke(RUN_TOOL, { command: 'git commit -m "e2e"' });
      assert.match(text, /Refused by Agent Policy \(expired\): no one approved it in time/);
      assert.ok(Date.now() - started >= 1900, 'it waited for the deadline');
    } finally {
      await setting('approvalTimeoutSeconds', undefined);
    }
  });

  test('the audit tree lists those decisions, grouped by decision, newest first, and filters them', async () => {
    api.audit.tree.reload();
    const entries = await waitFor('the audit entries', () => {
      const all = treeEntries(api);
      return all.some((e) => e.entry.kind === 'approval.expired') ? all : undefined;
    });
    const find = (group: string, label: RegExp): boolean => entries.some((e) => e.group === group && label.test(e.label));
    assert.ok(find('deny', /^write secrets\/key\.txt$/), 'the denied write');
    assert.ok(find('deny', /^run `curl https:\/\/example\.com`$/), 'the denied command');
    assert.ok(find('ask', /^write package\.json$/), 'the write that asked');
    assert.ok(find('approvals', /^approval\.approved/), 'the approval');
    assert.ok(find('approvals', /^approval\.expired/), 'the expiry');
    const seqs = entries.map((e) => Number(e.entry.seq));
    const days = api.audit.tree.getChildren();
    assert.equal(days[0]?.kind, 'day');
    assert.ok(seqs.every((s) => Number.isInteger(s)));

    await vscode.commands.executeCommand('agentPolicy.filterAudit', { decision: 'deny' });
    const denied = treeEntries(api);
    assert.ok(denied.length >= 2 && denied.every((e) => e.group === 'deny'));
    await vscode.commands.executeCommand('agentPolicy.filterAudit', { text: 'package.json' });
    assert.ok(treeEntries(api).every((e) => JSON.stringify(e.entry).includes('package.json')));
    await vscode.commands.executeCommand('agentPolicy.clearAuditFilter');

    // An alert's "Show in audit log" reveals and selects the entry.
    const target = treeEntries(api).find((e) => e.label === 'write secrets/key.txt');
    assert.equal(await vscode.commands.executeCommand('agentPolicy.revealAuditEntry', target?.entry.seq), true);
    // The workbench reports the selection back to the extension host asynchronously, after reveal resolves.
    const selected = await waitFor('the revealed entry to be selected', () => api.audit.view.selection[0]);
    assert.equal(selected?.kind === 'entry' ? selected.item.entry.seq : undefined, target?.entry.seq);

    // Selecting an entry shows it whole.
    const denial = treeEntries(api).find((e) => e.label === 'write secrets/key.txt');
    await vscode.commands.executeCommand('agentPolicy.showAuditEntry', denial?.entry);
    const shown = await waitFor('the entry document', () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'agent-policy-audit'));
    assert.equal((JSON.parse(shown.getText()) as { path: string }).path, 'secrets/key.txt');
  });

  test('a bypass granted with the CLI checks opens a denial until it expires', async () => {
    const locked = { action: 'filesystem.write', path: 'backend/auth/config.yml' };
    assert.equal(api.context.decide(locked).result.decision, 'deny');
    const refused = await vscode.commands.executeCommand('agentPolicy.grantBypass', {
      kind: 'path',
      pattern: 'secrets/**',
      reason: 'trying to open the never list',
      duration: '2s',
      approver: 'alice@example.com',
    });
    assert.equal(refused, false, 'bypass.never is enforced');
    const granted = await vscode.commands.executeCommand('agentPolicy.grantBypass', {
      kind: 'path',
      pattern: 'backend/auth/config.yml',
      reason: 'P0 incident in the e2e suite',
      duration: '3s',
      approver: 'alice@example.com',
    });
    assert.equal(granted, true);
    const open = api.context.decide(locked).result;
    assert.equal(open.decision, 'allow');
    assert.match(String(open.bypass_id), /^bypass_/);
    api.status.update();
    assert.match(api.status.item.text, /1 bypass/);
    const text = await invoke(EDIT_TOOL, { path: 'backend/auth/config.yml', content: 'mode: incident\n' });
    assert.match(text, /^Created backend\/auth\/config\.yml/);
    await waitFor('the bypass to expire', () => api.context.decide(locked).result.decision === 'deny', 10_000);
    api.status.update();
    assert.doesNotMatch(api.status.item.text, /bypass/);
    api.audit.tree.reload();
    assert.ok(treeEntries(api).some((e) => e.group === 'bypass' && /backend\/auth\/config\.yml/.test(e.label)));
  });

  test('the watcher catches an edit to a denied file made outside the gate, records it, and reverts it', async () => {
    const target = join(root(), 'secrets', 'deploy.key');
    const original = readFileSync(target, 'utf8');
    const seen = new Promise<Violation>((resolve) => {
      const sub = api.watcher.onDidViolate((v) => {
        if (v.path === 'secrets/deploy.key') {
          sub.dispose();
          resolve(v);
        }
      });
    });
    writeFileSync(target, 'stolen and replaced\n');
    const violation = await seen;
    assert.equal(violation.change, 'changed');
    assert.ok(violation.seq !== undefined, 'recorded in the audit log');
    assert.equal(await api.watcher.revert(violation), true);
    assert.equal(readFileSync(target, 'utf8'), original);
    api.audit.tree.reload();
    assert.ok(treeEntries(api).some((e) => e.entry.kind === 'violation' && e.entry.path === 'secrets/deploy.key'));
  });

  test('the approval service answers an external runtime with the human decision, and refuses a wrong token', async () => {
    const stateDir = api.context.stores.stateDir;
    const info = await waitFor('the approval service', () => readServiceInfo(stateDir));
    assert.equal(info.pid, process.pid);
    const reply = askApprovalService(stateDir, {
      action: { action: 'filesystem.write', path: 'Dockerfile' },
      runtime: 'claude-code',
      proposed_content: 'FROM node:24\n',
    });
    const request = await waitFor('the hook request', () => api.approvals.pending().find((r) => r.runtime === 'claude-code'));
    assert.equal(await vscode.commands.executeCommand('agentPolicy.deny', request.id), true);
    const answer = await reply;
    assert.equal(answer?.decision, 'deny');
    assert.equal(answer?.status, 'denied');
    // The service decides with its own policy: a denied action never reaches a human.
    const denied = await askApprovalService(stateDir, { action: { action: 'filesystem.write', path: 'secrets/x' }, runtime: 'claude-code' });
    assert.equal(denied?.decision, 'deny');
    const wrongToken = await new Promise<string>((resolve) => {
      const socket = connect(info.socket, () =>
        socket.write(`${JSON.stringify({ token: 'guess', runtime: 'x', action: { action: 'filesystem.write', path: 'src/a.ts' } })}\n`),
      );
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (text += c));
      socket.on('end', () => resolve(text));
    });
    assert.match(wrongToken, /bad token/);
  });

  test("an external runtime's hook asks, the editor shows the request with the diff, and the approval flows back", async () => {
    const extension = vscode.extensions.getExtension('agent-policy.agent-policy');
    const cli = join(extension?.extensionPath ?? '', 'server', 'out', 'cli.js');
    const proposed = 'FROM node:24-slim\nUSER node\n';
    const payload = {
      session_id: 'e2e',
      cwd: root(),
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: join(root(), 'Dockerfile'), content: proposed },
      tool_use_id: 'toolu_e2e',
    };
    const answer = new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, 'hook', 'claude-code'], { cwd: root(), env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
      child.stdin.end(JSON.stringify(payload));
    });
    const request = await waitFor(
      'the hook request in the editor',
      () => api.approvals.pending().find((r) => r.runtime === 'claude-code' && (r.action as { path?: string }).path?.endsWith('Dockerfile')),
      30_000,
    );
    const shown = await waitFor('the proposed Dockerfile', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'agent-policy-proposed' && d.uri.path.startsWith(`/${request.id}/`)),
    );
    assert.equal(shown.getText(), proposed);
    assert.equal(await vscode.commands.executeCommand('agentPolicy.approve', request.id), true);
    const reply = JSON.parse(await answer) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    assert.equal(reply.hookSpecificOutput.permissionDecision, 'allow');
    assert.match(reply.hookSpecificOutput.permissionDecisionReason, /approved by /);
    api.audit.tree.reload();
    const entries = treeEntries(api).map((e) => e.entry);
    assert.ok(
      entries.some((e) => e.kind === 'approval.approved' && e.approval_id === request.id),
      'the approval is in the audit log',
    );
    assert.ok(
      entries.some((e) => e.kind === 'decision' && e.runtime === 'claude-code' && e.decision === 'ask'),
      "the hook's own decision is in the audit log",
    );
  });

  test('writes the policy into VS Code agent settings as confirmations only', async () => {
    await vscode.commands.executeCommand('agentPolicy.writeAgentSettings');
    const terminal = vscode.workspace.getConfiguration('chat.tools.terminal').get<Record<string, boolean>>('autoApprove') ?? {};
    const edits = vscode.workspace.getConfiguration('chat.tools.edits').get<Record<string, boolean>>('autoApprove') ?? {};
    assert.equal(terminal.rm, false);
    assert.equal(terminal['git commit'], false);
    assert.equal(edits['**/secrets/**'], false);
    // Only "require confirmation" entries are ever written.
    const inspected = vscode.workspace.getConfiguration('chat.tools.edits').inspect<Record<string, boolean>>('autoApprove');
    const ours = { ...inspected?.workspaceValue, ...inspected?.globalValue };
    assert.ok(Object.keys(ours).length > 0 && Object.values(ours).every((v) => v === false));
  });

  test('Create Policy writes a starter policy fitted to the project, which validates, and never replaces one', async () => {
    const extension = vscode.extensions.getExtension('agent-policy.agent-policy');
    const cli = join(extension?.extensionPath ?? '', 'server', 'out', 'cli.js');
    const folder = mkdtempSync(join(tmpdir(), 'agent-policy-create-'));
    writeFileSync(join(folder, 'go.mod'), 'module example.com/x\n');
    const file = await vscode.commands.executeCommand<string>('agentPolicy.createPolicy', vscode.Uri.file(folder));
    assert.equal(file, join(folder, '.agent-policy.yml'));
    const written = readFileSync(file, 'utf8');
    assert.match(written, /Agent Policy for a Go project/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'it opens for review');
    const validate = spawnSync(process.execPath, [cli, 'validate', '--root', folder], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(validate.status, 0, `${validate.stdout}${validate.stderr}`);
    writeFileSync(file, 'version: "2.1"\n');
    await vscode.commands.executeCommand('agentPolicy.createPolicy', vscode.Uri.file(folder));
    assert.equal(readFileSync(file, 'utf8'), 'version: "2.1"\n', 'an existing policy is left as it is');
    rmSync(folder, { recursive: true, force: true });
  });
});
