import { resolve } from 'node:path';
import { loadPolicySet, type PolicySet } from '#core';
import { ApprovalStore } from './approval-store';
import { AuditLog, type AuditAlert, type Clock } from './audit-log';
import { BypassStore } from './bypass-store';
import { isCaseInsensitive } from './fs-view';
import { stateDirectory } from './state-dir';
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
}

/** The audit log, bypass store and approval queue of a workspace, configured from its policy. */
export function openStores(set: PolicySet, root: string, options: { state?: string; clock?: Clock; onAlert?: (alert: AuditAlert) => void } = {}): Stores {
  const stateDir = stateDirectory(resolve(root), options.state);
  const clock = options.clock ?? Date.now;
  const audit = new AuditLog(stateDir, {
    clock,
    retentionDays: set.audit.retentionDays,
    logAllActions: set.audit.logAllActions,
    alertOnDeny: set.audit.alertOnDeny,
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
  });
  return { stateDir, audit, bypasses: new BypassStore(stateDir, audit, clock), approvals: new ApprovalStore(stateDir, audit, clock) };
}
