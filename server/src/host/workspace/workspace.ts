import { resolve } from 'node:path';
import { loadPolicySet, type PolicySet } from '#core';
import { ApprovalStore } from '../stores/approval-store';
import { AuditLog, type AuditAlert, type Clock } from '../audit/audit-log';
import { BypassStore } from '../stores/bypass-store';
import { hostname } from 'node:os';
import { AuditForwarder, type ForwardProblem } from '../audit/sinks/audit-forwarder';
import { openSink } from '../audit/sinks/audit-sink';
import { isCaseInsensitive } from '../files/fs-view';
import { stateDirectory } from '../files/state-dir';
import { readPolicySources } from './policy-files';
import { loadShellParser } from './shell-parser';

/** Loads the policy set of the repository at `root` (absolute or relative to the process). */
export async function loadWorkspacePolicy(root: string, analysis: 'full' | 'enforcement' = 'full'): Promise<PolicySet> {
  const absolute = resolve(root);
  const shell = await loadShellParser();
  return loadPolicySet(readPolicySources(absolute), { root: absolute.split('\\').join('/'), caseInsensitive: isCaseInsensitive(), shell, analysis });
}

export interface Stores {
  stateDir: string;
  audit: AuditLog;
  bypasses: BypassStore;
  approvals: ApprovalStore;
  /** Ships every entry to the policy's `audit.forward` sinks; nudged after each append. */
  forwarder: AuditForwarder;
}

export interface StoreOptions {
  state?: string;
  clock?: Clock;
  onAlert?: (alert: AuditAlert) => void;
  /** How long one batch to a sink may take (connect and acknowledgement); 2 s unless said. */
  forwardTimeoutMs?: number;
  onForwardProblem?: (problem: ForwardProblem) => void;
}

/** The audit log, bypass store and approval queue of a workspace, configured from its policy. */
export function openStores(set: PolicySet, root: string, options: StoreOptions = {}): Stores {
  const stateDir = stateDirectory(resolve(root), options.state);
  const clock = options.clock ?? Date.now;
  const nudge = { forwarder: undefined as AuditForwarder | undefined };
  const audit = new AuditLog(stateDir, {
    clock,
    retentionDays: set.settings.audit.retentionDays,
    logAllActions: set.settings.audit.logAllActions,
    alertOnDeny: set.settings.audit.alertOnDeny,
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
    onAppended: () => void nudge.forwarder?.nudge(),
  });
  const context = { logId: audit.seal.logId, hostname: hostname(), timeoutMs: options.forwardTimeoutMs ?? 2000 };
  const forwarder = new AuditForwarder(
    audit,
    set.settings.audit.forward.map((config) => openSink(config, context)),
    options.onForwardProblem,
  );
  nudge.forwarder = forwarder;
  return { stateDir, audit, bypasses: new BypassStore(stateDir, audit, clock), approvals: new ApprovalStore(stateDir, audit, clock), forwarder };
}
