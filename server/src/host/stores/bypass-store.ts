import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  activeBypasses,
  bypassStates,
  checkBypassRequest,
  parseDuration,
  type ActiveBypass,
  type BypassEvent,
  type BypassGrant,
  type BypassRequest,
  type PolicySet,
} from '#core';
import type { AuditLog, Clock } from '../audit/audit-log';
import { appendDurable, readTail } from '../files/durable-file';
import { withFileLock } from '../files/file-lock';
import { ensurePrivateDir, newId } from '../files/state-dir';

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

  /**
   * The store's events, checked as a chain: each line's MAC (by the seal's key) covers the MAC of
   * the line before (`prev`), and the seal records how many there are and the last one's MAC. A
   * line deleted, reordered or cut from the end (a revoke removed to bring a grant back) breaks it,
   * and then no bypass is in force at all until a person looks. Lines that are not events this
   * store wrote (no MAC: written by hand, or from before MACs) and torn fragments count for nothing.
   */
  private read(): { events: BypassEvent[]; ignored: number[]; tampered: string | undefined; last: { count: number; mac: string } } {
    const empty = { count: 0, mac: '' };
    if (!existsSync(this.path)) return { events: [], ignored: [], tampered: undefined, last: empty };
    // The seal first: writers append to the file before they move the seal, so the file read
    // after it holds at least what it recorded (more, while a writer is between the two).
    const sealed = this.audit.bypassHead() ?? empty;
    const authentic = this.audit.authenticator();
    const events: BypassEvent[] = [];
    const ignored: number[] = [];
    let last = empty;
    let atSeal: string | undefined = sealed.count === 0 ? '' : undefined;
    let tampered: string | undefined;
    readFileSync(this.path, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.trim() === '' || tampered) return;
        let e: BypassEvent & { mac?: unknown; prev?: unknown };
        try {
          e = JSON.parse(line) as typeof e;
        } catch {
          return; // A torn line from a crash: the grant it held was never confirmed to its requester.
        }
        if ((e.type !== 'grant' && e.type !== 'revoke') || typeof e.id !== 'string' || !authentic(e as unknown as Record<string, unknown>))
          return void ignored.push(index + 1);
        if (e.prev !== last.mac) tampered = `line ${index + 1} does not follow the event before it: events were deleted or reordered`;
        else {
          events.push(e);
          last = { count: last.count + 1, mac: e.mac as string };
          if (last.count === sealed.count) atSeal = last.mac;
        }
      });
    // Events beyond the seal's count are a writer between its two writes, or a crash there: they
    // are chained and authentic, so only fewer events, or another one at the seal's count, is tampering.
    if (!tampered && atSeal !== sealed.mac)
      tampered =
        last.count < sealed.count
          ? `the store holds ${last.count} events but the seal recorded ${sealed.count}: events were removed`
          : `event ${sealed.count} is not the one the seal recorded: the store was rewritten`;
    return tampered ? { events: [], ignored, tampered, last } : { events, ignored, tampered, last };
  }

  /** Why the store is not trusted (events deleted or reordered), or undefined. */
  tampered(): string | undefined {
    return this.read().tampered;
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
      this.audit.append({
        kind: 'bypass.refused',
        agent_id: null,
        runtime: via,
        reason: refusal,
        pattern: request.pattern,
        approver: request.approver,
        requested_by: grantedBy,
      });
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
    const audited = this.audit.append({
      kind: 'bypass.grant',
      runtime: via,
      bypass_id: grant.id,
      pattern: grant.pattern,
      pattern_kind: grant.kind,
      reason: grant.reason,
      approver: grant.approver,
      expires_at: grant.expires_at,
      granted_by: grantedBy,
      proof: proof ?? null,
    });
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
      const current = this.read();
      if (current.tampered) throw new Error(`${this.path}: ${current.tampered}; nothing is appended until a person checks it`);
      // A torn last line (a crash, ENOSPC) is ended first, so this event is a line of its own:
      // appended onto the fragment it was lost with it (a revoke that exited 0 left the bypass in force).
      const torn = readTail(this.path).fragment !== undefined;
      const chained = this.audit.authenticate({ ...event, prev: current.last.mac });
      appendDurable(this.path, `${torn ? '\n' : ''}${JSON.stringify(chained)}\n`);
      this.audit.recordBypassHead({ count: current.last.count + 1, mac: chained.mac });
    });
  }
}
