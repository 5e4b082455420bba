import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  decideRequest,
  effectiveStatus,
  expireRequest,
  type ApprovalRequest,
  type ApprovalStatus,
  type DecisionResult,
} from '#core';
import type { AuditLog, Clock } from '../audit/audit-log';
import { writeAtomic } from '../files/durable-file';
import { withFileLock } from '../files/file-lock';
import { ensurePrivateDir, newId } from '../files/state-dir';

export interface NewRequest {
  action: unknown;
  result: DecisionResult;
  agentId: string | null;
  runtime: string;
  timeoutMs?: number;
}

/**
 * The persistent approval queue: one JSON file per request in `<state>/approvals/`, rewritten
 * atomically on each transition, every transition audited. Waiting watches the folder (no polling).
 */
export class ApprovalStore {
  readonly dir: string;

  constructor(
    stateDir: string,
    private readonly audit: AuditLog,
    private readonly clock: Clock = Date.now,
  ) {
    this.dir = join(stateDir, 'approvals');
  }

  request(input: NewRequest): ApprovalRequest {
    ensurePrivateDir(this.dir, true);
    const now = this.clock();
    const rule = input.result.rules.find((r) => r.list === 'require_human_approval') ?? input.result.rules[0] ?? null;
    const request: ApprovalRequest = {
      id: newId('apr'),
      timestamp: new Date(now).toISOString(),
      expires_at: new Date(now + (input.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)).toISOString(),
      agent_id: input.agentId,
      runtime: input.runtime,
      action: input.action,
      reason: input.result.reason,
      rule,
      status: 'pending',
      decided_by: null,
      decided_at: null,
      note: null,
    };
    this.audit.append({
      kind: 'approval.request',
      runtime: input.runtime,
      agent_id: input.agentId,
      approval_id: request.id,
      action: actionKind(input.action),
      ...target(input.action),
      reason: request.reason,
      rule,
      expires_at: request.expires_at,
    });
    this.save(request);
    return request;
  }

  get(id: string): ApprovalRequest | undefined {
    const request = this.read(id);
    return request && this.settle(request);
  }

  /** The request as this store wrote it; a file written or changed by anything else (its MAC fails) is no request. */
  private read(id: string): ApprovalRequest | undefined {
    if (!/^apr_[0-9a-z]+$/.test(id)) return undefined;
    let request: ApprovalRequest & { mac?: string };
    try {
      request = JSON.parse(readFileSync(this.file(id), 'utf8')) as typeof request;
    } catch {
      return undefined;
    }
    // The MAC is of the content, so a whole file copied over another (an approved request onto a
    // pending one) still verifies: its id must be the one asked for.
    if (request.id !== id || !this.audit.authenticator()(request as unknown as Record<string, unknown>)) return undefined;
    const { mac: _mac, ...rest } = request;
    return rest;
  }

  private save(request: ApprovalRequest & { proof?: object }): void {
    writeAtomic(this.file(request.id), JSON.stringify(this.audit.authenticate(request), null, 2));
  }

  /** Every request (expired ones marked so), newest first. */
  list(): ApprovalRequest[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => /^apr_[0-9a-z]+\.json$/.test(f))
      .map((f) => this.get(f.slice(0, -5)))
      .filter((r): r is ApprovalRequest => r !== undefined)
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp));
  }

  /** A refused attempt to decide (no person could be proved present), audited. */
  refused(id: string, reason: string): void {
    this.audit.append({ kind: 'approval.refused', runtime: 'approver', approval_id: id, reason });
  }

  /** `proof`: how the person who decided was proved (the editor's prompt, a passphrase at a terminal), recorded with the decision. */
  decide(
    id: string,
    to: 'approved' | 'denied',
    by: string,
    note?: string,
    proof?: object,
  ): { ok: true; request: ApprovalRequest } | { ok: false; reason: string } {
    ensurePrivateDir(this.dir, true);
    return withFileLock(join(this.dir, '.lock'), () => {
      const current = this.read(id);
      if (!current) return { ok: false as const, reason: `no approval request ${id}` };
      const expired = expireRequest(current, this.clock());
      if (expired) this.recordExpiry(expired);
      const next = decideRequest(current, to, by, this.clock(), note);
      if (!next.ok) return next;
      this.audit.append({
        kind: `approval.${to}`,
        runtime: 'approver',
        approval_id: id,
        decided_by: by,
        proof: proof ?? null,
        note: note ?? null,
        action: actionKind(current.action),
        ...target(current.action),
      });
      this.save(proof ? { ...next.request, proof } : next.request);
      return { ok: true as const, request: next.request };
    });
  }

  /** Resolves when the request leaves `pending` (approved, denied, or expired at its deadline). */
  waitFor(id: string): Promise<ApprovalStatus> {
    return new Promise((resolve, reject) => {
      const initial = this.get(id);
      if (!initial) return reject(new Error(`no approval request ${id}`));
      if (initial.status !== 'pending') return resolve(initial.status);
      const watcher = watch(this.dir, () => check());
      const finish = (status: ApprovalStatus): void => {
        watcher.close();
        clearTimeout(timer);
        resolve(status);
      };
      const check = (): void => {
        const current = this.get(id);
        if (!current) return finish('denied');
        if (current.status !== 'pending') finish(current.status);
      };
      const timer = setTimeout(check, Math.max(0, Date.parse(initial.expires_at) - this.clock()) + 5);
      check();
    });
  }

  /** Marks a request expired the first time it is seen past its deadline (audited once). */
  private settle(request: ApprovalRequest): ApprovalRequest {
    if (effectiveStatus(request, this.clock()) !== 'expired' || request.status === 'expired') return request;
    return withFileLock(join(this.dir, '.lock'), () => {
      const fresh = this.read(request.id) ?? request;
      const expired = expireRequest(fresh, this.clock());
      if (!expired) return fresh;
      this.recordExpiry(expired);
      return expired;
    });
  }

  private recordExpiry(expired: ApprovalRequest): void {
    this.audit.append({
      kind: 'approval.expired',
      runtime: 'approver',
      approval_id: expired.id,
      decided_by: 'timeout',
      action: actionKind(expired.action),
      ...target(expired.action),
    });
    this.save(expired);
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

/** The action's target fields (path, command, url, ...), so an approval entry says what was approved. */
function target(action: unknown): Record<string, string> {
  const a = action !== null && typeof action === 'object' ? (action as Record<string, unknown>) : {};
  const out: Record<string, string> = {};
  for (const field of ['path', 'new_path', 'command', 'cwd', 'url', 'host']) if (typeof a[field] === 'string') out[field] = a[field];
  return out;
}

function actionKind(action: unknown): string | null {
  const a = action as { action?: unknown } | null;
  return a && typeof a.action === 'string' ? a.action : null;
}
