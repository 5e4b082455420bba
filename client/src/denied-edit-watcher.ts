import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { governanceProtection } from '#core';
import type { CommandId } from './command-ids';
import type { PolicyContext } from './policy-context';

export const REVERT = 'Revert';
const SNAPSHOT_LIMIT_FILES = 2000;
const SNAPSHOT_LIMIT_BYTES = 1024 * 1024;

type Change = 'created' | 'changed' | 'deleted';

export interface Violation {
  path: string;
  change: Change;
  reason: string;
  seq: number | undefined;
}

/**
 * Notices changes to files the policy denies, whoever made them (an agent in the editor, a task,
 * an extension): records each in the audit log as an observed violation, alerts, and offers to
 * revert. Reverting restores the copy taken when the watcher started (denied files up to 2,000 of
 * up to 1 MB each), else the file as committed in git, and deletes a file that was created.
 */
export class DeniedEditWatcher implements vscode.Disposable {
  private readonly snapshots = new Map<string, Buffer>();
  private readonly restoring = new Set<string>();
  private readonly fired = new vscode.EventEmitter<Violation>();
  readonly onDidViolate = this.fired.event;
  /** What this watcher disposes: its emitter and its subscriptions (the file events are the context's, from the extension's one workspace watcher). */
  private readonly disposables: vscode.Disposable[] = [this.fired];

  constructor(private readonly context: PolicyContext) {
    // Every creation, change and deletion of a file in the workspace folder.
    const files = context.files;
    this.disposables.push(
      files.onDidCreate((uri) => this.observe(uri, 'created')),
      files.onDidChange((uri) => this.observe(uri, 'changed')),
      files.onDidDelete((uri) => this.observe(uri, 'deleted')),
      context.onDidChange(() => void this.snapshot()),
    );
  }

  private relative(uri: vscode.Uri): string | undefined {
    const path = relative(this.context.root, uri.fsPath).split('\\').join('/');
    return path.startsWith('..') || path === '' ? undefined : path;
  }

  private denied(path: string, change: Change): string | undefined {
    const { result } = this.context.decide({ action: change === 'deleted' ? 'filesystem.delete' : 'filesystem.write', path });
    return result.decision === 'deny' ? result.reason : undefined;
  }

  /** Governance files (the policy, hook settings) are denied to agents but edited by people: their changes are recorded, not alerted. */
  private governance(path: string): boolean {
    const set = this.context.set;
    return set !== undefined && governanceProtection(set, path) !== undefined;
  }

  /** Copies the denied files that exist now, so an edit to one can be undone. */
  async snapshot(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(this.context.root, '**/*'), undefined, 50_000);
    let kept = 0;
    for (const uri of files) {
      const path = this.relative(uri);
      if (!path || this.snapshots.has(path) || !this.denied(path, 'changed')) continue;
      try {
        if (statSync(uri.fsPath).size > SNAPSHOT_LIMIT_BYTES) continue;
        this.snapshots.set(path, readFileSync(uri.fsPath));
      } catch {
        continue;
      }
      if (++kept >= SNAPSHOT_LIMIT_FILES) break;
    }
  }

  observe(uri: vscode.Uri, change: Change): Violation | undefined {
    const path = this.relative(uri);
    if (!path || path.startsWith('.git/') || !this.context.set) return undefined;
    if (this.restoring.delete(`${path}:${change}`)) return undefined;
    if (isStateFile(this.context, uri.fsPath)) return undefined;
    if (this.governance(path)) {
      this.context.stores.audit.append({
        kind: 'governance.change',
        runtime: 'vscode-watcher',
        action: change === 'deleted' ? 'filesystem.delete' : 'filesystem.write',
        path,
        change,
      });
      return undefined;
    }
    const reason = this.denied(path, change);
    if (!reason) return undefined;
    const appended = this.context.stores.audit.append({
      kind: 'violation',
      runtime: 'vscode-watcher',
      agent_id: null,
      action: change === 'deleted' ? 'filesystem.delete' : 'filesystem.write',
      path,
      change,
      decision: 'deny',
      reason: `a denied file was ${change} outside the gate: ${reason}`,
    });
    const violation: Violation = { path, change, reason, seq: appended.seq };
    this.fired.fire(violation);
    void this.alert(violation);
    return violation;
  }

  private async alert(violation: Violation): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
      `Agent Policy: ${violation.path} was ${violation.change}, but the policy denies it (${violation.reason}).`,
      REVERT,
      'Show in audit log',
    );
    if (choice === REVERT) await this.revert(violation);
    else if (choice === 'Show in audit log' && violation.seq !== undefined)
      await vscode.commands.executeCommand('agentPolicy.revealAuditEntry' satisfies CommandId, violation.seq);
  }

  /** Undoes one observed change; says so when there is no earlier copy to restore. */
  async revert(violation: Pick<Violation, 'path' | 'change'>): Promise<boolean> {
    const absolute = join(this.context.root, violation.path);
    let before: Buffer | undefined = this.snapshots.get(violation.path);
    if (violation.change === 'created' && before === undefined) {
      this.restoring.add(`${violation.path}:deleted`);
      rmSync(absolute, { force: true });
      this.record(violation.path, 'deleted the created file');
      return true;
    }
    before ??= await committedCopy(this.context.root, violation.path);
    if (before === undefined) {
      void vscode.window.showWarningMessage(`Agent Policy: no earlier copy of ${violation.path} to restore (not captured at start and not in git).`);
      return false;
    }
    this.restoring.add(`${violation.path}:${existsSync(absolute) ? 'changed' : 'created'}`);
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, before);
    this.record(violation.path, 'restored the earlier copy');
    return true;
  }

  private record(path: string, what: string): void {
    this.context.stores.audit.append({ kind: 'revert', runtime: 'vscode-watcher', action: 'filesystem.write', path, by: this.context.user, reason: what });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The audit log and queues change constantly and are the gate's own files, not agents' edits. */
function isStateFile(context: PolicyContext, file: string): boolean {
  const rel = relative(context.stores.stateDir, file);
  return !rel.startsWith('..') && !rel.startsWith('/');
}

function committedCopy(root: string, path: string): Promise<Buffer | undefined> {
  return new Promise((done) => {
    execFile('git', ['show', `HEAD:${path}`], { cwd: root, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      done(error ? undefined : stdout),
    );
  });
}
