import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import type { DecisionResult, PolicySet } from '#core';
import type { AuditAlert } from '#host/audit/audit-log';
import { Enforcer } from '#host/enforcer';
import { loadWorkspacePolicy, openStores, type Stores } from '#host/workspace/workspace';
import { readSetting, SECTION, SETTINGS } from './settings';
import type { FileEvents, WorkspaceFiles } from './workspace-files';

/** What the policy decided for one action, with what the gate needs to act on it. */
export interface GateDecision {
  action: Record<string, unknown>;
  result: DecisionResult;
}

/**
 * The extension's one owner of state: the workspace's policy (re-read when a policy file
 * changes), its audit log, bypass and approval stores. Everything else receives it; nothing else
 * loads the policy, so a decision is the same in every part.
 */
export class PolicyContext implements vscode.Disposable {
  /**
   * What this context disposes: its own emitters, policy-file watcher and listeners (pushed here by
   * the constructor), and the workspace's parts that the wiring (extension.ts) creates and hands it.
   * Each part disposes what it creates itself.
   */
  readonly disposables: vscode.Disposable[] = [];
  /** The file events under the workspace folder, from the extension's one workspace watcher (this context only subscribes). */
  readonly files: FileEvents;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly alerted = new vscode.EventEmitter<AuditAlert>();
  readonly onDidChange = this.changed.event;
  readonly onDidAlert = this.alerted.event;
  private policy: PolicySet | undefined;
  private storesValue: Stores | undefined;
  private loading: Promise<void> | undefined;
  private enforcerValue: Enforcer | undefined;

  constructor(
    readonly root: string,
    workspaceFiles: WorkspaceFiles,
    readonly clock: () => number = Date.now,
  ) {
    this.files = workspaceFiles.under(root);
    this.disposables.push(this.changed, this.alerted);
    // The policy files have a watcher of their own (this context's): any change to one re-reads the policy.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(root, '**/.agent-policy{,.override}.yml'));
    const reload = (): void => void this.reload();
    this.disposables.push(watcher, watcher.onDidChange(reload), watcher.onDidCreate(reload), watcher.onDidDelete(reload));
    // A policy file written at once into a new folder can be missed by the file watcher (the folder
    // is not watched yet when the file appears), so a new folder makes the policy be read again
    // (only creations matter here: the listener is on onDidCreate alone).
    let pending: NodeJS.Timeout | undefined;
    const later = (): void => {
      clearTimeout(pending);
      pending = setTimeout(reload, 300);
    };
    this.disposables.push(
      this.files.onDidCreate((uri) => (isFolder(uri.fsPath) ? later() : undefined)),
      { dispose: () => clearTimeout(pending) },
    );
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration(SECTION) ? reload() : undefined)));
  }

  get set(): PolicySet | undefined {
    return this.policy;
  }

  /** Decides, records and asks, as the CLI and the hooks do; undefined until the policy is loaded. */
  get enforcer(): Enforcer | undefined {
    return this.enforcerValue;
  }

  /** Why nothing may run, if so: an untrusted workspace or a policy not loaded yet. */
  get refusal(): string | undefined {
    if (!vscode.workspace.isTrusted) return 'the workspace is not trusted; Agent Policy runs nothing for agents until it is';
    return this.enforcerValue ? undefined : 'the policy is not loaded yet';
  }

  get stores(): Stores {
    if (!this.storesValue) throw new Error('the policy is not loaded yet');
    return this.storesValue;
  }

  /** The person acting in this editor, for approvals and bypasses. */
  get user(): string {
    const configured = readSetting(vscode.workspace, SETTINGS.userName);
    if (configured) return configured;
    try {
      return userInfo().username;
    } catch {
      return 'unknown';
    }
  }

  /** How long the last reload's parts took (ms): the policy, the stores, the views told of the change. */
  lastLoad = { policyMs: 0, storesMs: 0, viewsMs: 0 };

  /** Loads (or re-loads) the policy and reopens the stores with its audit settings. */
  async reload(): Promise<void> {
    const run = async (): Promise<void> => {
      const started = performance.now();
      const set = await loadWorkspacePolicy(this.root, 'enforcement');
      const loaded = performance.now();
      const state = readSetting(vscode.workspace, SETTINGS.stateDirectory) || undefined;
      this.policy = set;
      // The welcome view ("Create Policy") shows while the folder has no root policy.
      void vscode.commands.executeCommand(
        'setContext',
        'agentPolicy.hasPolicy',
        set.files.some((f) => f.source.dir === ''),
      );
      this.storesValue = openStores(set, this.root, { state, clock: this.clock, onAlert: (alert) => this.alerted.fire(alert) });
      this.enforcerValue = new Enforcer(set, this.storesValue, { clock: this.clock });
      const opened = performance.now();
      this.changed.fire();
      this.lastLoad = { policyMs: loaded - started, storesMs: opened - loaded, viewsMs: performance.now() - opened };
    };
    this.loading = (this.loading ?? Promise.resolve()).then(run, run);
    await this.loading;
  }

  /** Tells every view that state changed (a bypass granted, a request decided). */
  refresh(): void {
    this.changed.fire();
  }

  async ready(): Promise<PolicySet> {
    if (!this.policy) await (this.loading ?? this.reload());
    return this.policy as PolicySet;
  }

  /** Decides an action now, recording nothing (views, previews, the watcher's check). */
  decide(action: Record<string, unknown>): GateDecision {
    const refusal = this.refusal;
    const result: DecisionResult =
      refusal || !this.enforcerValue
        ? { decision: 'deny', allowed: false, requires_approval: false, reason: refusal ?? 'the policy is not loaded yet', rules: [] }
        : this.enforcerValue.decide(action);
    return { action, result };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
