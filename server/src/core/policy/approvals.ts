import type { RuleRef } from '../base/types';

/**
 * Approval requests: an action that a rule says needs a human. The host persists them and waits
 * for a decision; the core defines the states and the transitions, so every host agrees.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface ApprovalRequest {
  id: string;
  timestamp: string;
  expires_at: string;
  agent_id: string | null;
  runtime: string;
  action: unknown;
  reason: string;
  rule: RuleRef | null;
  status: ApprovalStatus;
  decided_by: string | null;
  decided_at: string | null;
  /** Why the human decided so (optional). */
  note: string | null;
}

export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60 * 1000;

/** The status at `now`: a pending request past its expiry is expired (and counts as denied). */
export function effectiveStatus(request: ApprovalRequest, now: number): ApprovalStatus {
  if (request.status === 'pending' && Date.parse(request.expires_at) <= now) return 'expired';
  return request.status;
}

export type Transition = { ok: true; request: ApprovalRequest } | { ok: false; reason: string };

/** Approve or deny a pending request; anything else is refused with the reason. */
export function decideRequest(request: ApprovalRequest, to: 'approved' | 'denied', by: string, now: number, note?: string): Transition {
  const status = effectiveStatus(request, now);
  if (status !== 'pending')
    return {
      ok: false,
      reason: `request ${request.id} is ${status}${request.decided_by ? ` (by ${request.decided_by})` : ''}; only a pending request can be ${to}`,
    };
  if (by.trim() === '') return { ok: false, reason: 'a decision needs the name of who made it' };
  return { ok: true, request: { ...request, status: to, decided_by: by, decided_at: new Date(now).toISOString(), note: note ?? null } };
}

/** Marks an expired request as such (the host records the transition once). */
export function expireRequest(request: ApprovalRequest, now: number): ApprovalRequest | undefined {
  if (request.status !== 'pending' || effectiveStatus(request, now) !== 'expired') return undefined;
  return { ...request, status: 'expired', decided_by: 'timeout', decided_at: request.expires_at };
}

/** Whether the outcome lets the action proceed: only an approval does. */
export function approvalAllows(status: ApprovalStatus): boolean {
  return status === 'approved';
}
