import { effectiveStatus, parseDuration } from '#core';
import type { Enforcer } from '#host/enforcer';
import type { ApprovalStore } from '#host/stores/approval-store';
import { currentUser } from './bypass-command';
import { EXIT, UsageError, type CliIo } from './io';
import { PresenceRefused, provePerson, type PersonProof } from './person-at-terminal';

export function runApprovalsList(store: ApprovalStore, io: CliIo, all: boolean, json: boolean, now: number): number {
  const list = store.list().filter((r) => all || effectiveStatus(r, now) === 'pending');
  if (json) io.stdout(`${JSON.stringify(list)}\n`);
  else {
    for (const r of list)
      io.stdout(
        `${r.id} ${r.status.padEnd(8)} ${r.timestamp} ${JSON.stringify(r.action)}\n    ${r.reason}${r.decided_by ? `\n    decided by ${r.decided_by} at ${String(r.decided_at)}` : ''}\n`,
      );
    if (list.length === 0) io.stdout(all ? 'no approval requests\n' : 'no pending approval requests\n');
  }
  return EXIT.ok;
}

/**
 * `approvals approve ID` needs the approver's passphrase at a terminal (who approved is who
 * typed it, not a name on the command line); `deny` takes nothing from a person and needs none.
 */
export async function runApprovalsDecide(
  store: ApprovalStore,
  io: CliIo,
  id: string | undefined,
  to: 'approved' | 'denied',
  by: string | undefined,
  note: string | undefined,
): Promise<number> {
  if (!id) throw new UsageError(`approvals ${to === 'approved' ? 'approve' : 'deny'} needs the request id`);
  let proof: PersonProof | undefined;
  if (to === 'approved') {
    const request = store.get(id);
    if (!request) {
      io.stderr(`no approval request ${id}\n`);
      return EXIT.violation;
    }
    try {
      proof = await provePerson(`approving ${id}: ${JSON.stringify(request.action)} (${request.reason})`, by);
    } catch (error) {
      if (!(error instanceof PresenceRefused)) throw error;
      store.refused(id, error.message);
      io.stderr(`${error.message}\n`);
      return EXIT.violation;
    }
  }
  const result = store.decide(
    id,
    to,
    proof?.approver ?? currentUser(),
    note,
    proof ?? { via: 'cli', proven: false, os_user: currentUser(), ...(by ? { claimed_by: by } : {}) },
  );
  if (!result.ok) {
    io.stderr(`${result.reason}\n`);
    return EXIT.violation;
  }
  io.stdout(`${id} ${to} by ${String(result.request.decided_by)}\n`);
  return EXIT.ok;
}

/** `approvals request --json ACTION [--wait]`: queue an action that needs approval; with --wait, exit 0 only when approved. */
export async function runApprovalsRequest(
  enforcer: Enforcer,
  io: CliIo,
  json: string,
  wait: boolean,
  timeout: string | undefined,
  agentId: string | undefined,
): Promise<number> {
  let action: unknown;
  try {
    action = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--json is not JSON: ${(error as Error).message}`);
  }
  const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout);
  if (timeout !== undefined && timeoutMs === undefined) throw new UsageError('--timeout is a duration such as 30m');
  // Decided as the gate decides it (bypasses, clock, state folder): no approval for what the gate denies.
  const result = enforcer.decide(action);
  const store = enforcer.stores.approvals;
  if (result.decision !== 'ask') {
    io.stdout(`${result.decision.toUpperCase()}: ${result.reason}\n(no approval needed: the policy decides this action by itself)\n`);
    return result.decision === 'allow' ? EXIT.ok : EXIT.violation;
  }
  const request = store.request({
    action,
    result,
    agentId: agentId ?? enforcer.set.settings.agentId ?? null,
    runtime: 'cli',
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  io.stdout(`Approval requested: ${request.id} (expires ${request.expires_at})\n`);
  if (!wait) return EXIT.ask;
  const status = await store.waitFor(request.id);
  io.stdout(`${request.id}: ${status}\n`);
  return status === 'approved' ? EXIT.ok : EXIT.violation;
}
