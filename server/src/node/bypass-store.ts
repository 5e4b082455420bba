import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { activeBypasses, bypassStates, checkBypassRequest, parseDuration, type ActiveBypass, type BypassEvent, type BypassGrant, type BypassRequest, type PolicySet } from '#core';
import type { AuditLog, Clock } from './audit-log';
import { appendDurable, readTail } from './durable-file';
import { withFileLock } from './file-lock';
import { ensurePrivateDir, newId } from './state-dir';

export type GrantResult = { ok: true; grant: BypassGrant; store: string; auditSeq: number | undefined } | { ok: false; reason: string };

/** Bypass grants and revocations: an append-only JSON-lines store, each event also audited. */
export class BypassStore {
  readonly path: string;

  constructor(
    stateDir: string,
    private readonly audit: AuditLog,
    private readonly clock: Clock = Date.now,
  ) {
    this.path = join(stateDir, 'bypasses.jsonl');
  }

  /** The grants and revocations this store wrote: lines without a valid MAC (written by hand) count for nothing. */
  events(): BypassEvent[] {
    return this.read().events;
  }

  /** The line numbers of lines that are not events this store wrote (forged, or from before MACs): ignored. */
  ignoredLines(): number[] {
    return this.read().ignored;
  }

  private read(): { events: BypassEvent[]; ignored: number[] } {
    if (!existsSync(this.path)) return { events: [], ignored: [] };
    const authentic = this.audit.authenticator();
    const events: BypassEvent[] = [];
    const ignored: number[] = [];
    readFileSync(this.path, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.trim() === '') return;
        let e: BypassEvent & { mac?: unknown };
        try {
          e = JSON.parse(line) as typeof e;
        } catch {
          return; // A torn line from a crash: the grant it held was never confirmed to its requester.
        }
        if ((e.type === 'grant' || e.type === 'revoke') && typeof e.id === 'string' && authentic(e as unknown as Record<string, unknown>)) events.push(e);
        else ignored.push(index + 1);
      });
    return { events, ignored };
  }

  /** Bypasses in force now, ready for `evaluate`. */
  active(set: PolicySet): ActiveBypass[] {
    return activeBypasses(set, this.events(), this.clock());
  }

  list(): ReturnType<typeof bypassStates> {
    return bypassStates(this.events(), this.clock());
  }

  /** A grant refused before the policy was asked (no approver could be proved present), audited. */
  refused(request: BypassRequest, reason: string, via: string): void {
    this.audit.append({ kind: 'bypass.refused', agent_id: null, runtime: via, reason, pattern: request.pattern, approver: request.approver });
  }

  /** `via`: where the person acted (`cli`, `vscode`), as the audit log records it; `proof`: how they were proved present. */
  grant(set: PolicySet, request: BypassRequest, grantedBy: string, via: string, proof?: object): GrantResult {
    const refusal = checkBypassRequest(set, request);
    const now = this.clock();
    if (refusal) {
      this.audit.append({ kind: 'bypass.refused', agent_id: null, runtime: via, reason: refusal, pattern: request.pattern, approver: request.approver, requested_by: grantedBy });
      return { ok: false, reason: refusal };
    }
    const grant: BypassGrant = {
      type: 'grant',
      id: newId('bypass'),
      kind: request.kind,
      pattern: request.pattern,
      reason: request.reason,
      approver: request.approver,
      granted_at: new Date(now).toISOString(),
      expires_at: new Date(now + (parseDuration(request.duration) ?? 0)).toISOString(),
      granted_by: grantedBy,
      ...(proof ? { proof } : {}),
    };
    // Audit first: a grant that is not in the audit log must not take effect.
    const audited = this.audit.append({ kind: 'bypass.grant', runtime: via, bypass_id: grant.id, pattern: grant.pattern, pattern_kind: grant.kind, reason: grant.reason, approver: grant.approver, expires_at: grant.expires_at, granted_by: grantedBy, proof: proof ?? null });
    this.appendEvent(grant);
    return { ok: true, grant, store: this.path, auditSeq: audited.seq };
  }

  revoke(id: string, by: string, via: string): { ok: true } | { ok: false; reason: string } {
    const state = this.list().find((b) => b.id === id);
    if (!state) return { ok: false, reason: `no bypass ${id}` };
    if (state.state !== 'active') return { ok: false, reason: `bypass ${id} is already ${state.state}` };
    this.audit.append({ kind: 'bypass.revoke', runtime: via, bypass_id: id, revoked_by: by });
    this.appendEvent({ type: 'revoke', id, revoked_at: new Date(this.clock()).toISOString(), revoked_by: by });
    return { ok: true };
  }

  private appendEvent(event: BypassEvent): void {
    ensurePrivateDir(dirname(this.path));
    withFileLock(`${this.path}.lock`, () => {
      // A torn last line (a crash, ENOSPC) is ended first, so this event is a line of its own:
      // appended onto the fragment it was lost with it (a revoke that exited 0 left the bypass in force).
      const torn = readTail(this.path).fragment !== undefined;
      appendDurable(this.path, `${torn ? '\n' : ''}${JSON.stringify(this.audit.authenticate(event))}\n`);
    });
  }
}
