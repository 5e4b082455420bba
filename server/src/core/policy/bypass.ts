import { parseDuration } from '../base/durations';
import { globLanguage, intersectionExample, UndecidableGlobError } from '../globs/glob-language';
import { compileGlob, type CompiledGlob } from '../globs/glob';
import type { PolicySet } from './policy-set';
import { parseCommandPattern, type CommandPattern } from '../shell/command-pattern';

/**
 * Emergency bypasses: time-limited, justified, approved exceptions to deny decisions. The host
 * stores grant and revoke events; the core validates grants against the policy's `bypass`
 * section and applies active bypasses during evaluation.
 */
export interface BypassGrant {
  type: 'grant';
  id: string;
  /** A path glob (`kind: path`) or a command pattern (`kind: command`) the bypass opens. */
  kind: 'path' | 'command';
  pattern: string;
  reason: string;
  approver: string;
  granted_at: string;
  expires_at: string;
  granted_by?: string;
}

export interface BypassRevoke {
  type: 'revoke';
  id: string;
  revoked_at: string;
  revoked_by?: string;
}

export type BypassEvent = BypassGrant | BypassRevoke;

export interface BypassRequest {
  kind: 'path' | 'command';
  pattern: string;
  reason: string;
  approver: string;
  duration: string;
}

/** A bypass ready for evaluation. */
export interface ActiveBypass {
  id: string;
  expiresAt: number;
  glob?: CompiledGlob;
  command?: CommandPattern;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Why a bypass request must be refused, or undefined when the policy permits it. */
export function checkBypassRequest(set: PolicySet, request: BypassRequest): string | undefined {
  if (set.refusal) return `the policy cannot be enforced (${set.refusal.code}), so no bypass can be granted against it`;
  if (request.reason.trim().length < 10) return 'a bypass needs a reason of at least 10 characters that says why';
  if (!EMAIL.test(request.approver)) return `the approver "${request.approver}" is not an e-mail address`;
  const ms = parseDuration(request.duration);
  if (ms === undefined) return `the duration "${request.duration}" is not a number and a unit (30m, 2h, 1d)`;
  const limits = set.settings.bypass;
  if (limits?.maxDuration !== undefined) {
    const max = parseDuration(limits.maxDuration);
    if (max !== undefined && ms > max) return `the duration ${request.duration} exceeds the policy's bypass.max_duration of ${limits.maxDuration}`;
  }
  if (limits && limits.approvers.length > 0 && !limits.approvers.some((a) => approverMatches(a, request.approver))) {
    return `${request.approver} is not among the policy's bypass.approvers (${limits.approvers.join(', ')})`;
  }
  if (request.kind === 'command') {
    const parsed = parseCommandPattern(request.pattern, set.environment.shell);
    return parsed.ok ? undefined : `not a command pattern: ${parsed.message}`;
  }
  const glob = compileGlob(request.pattern, set.environment.caseInsensitive);
  if (!glob.ok) return `not a valid glob: ${glob.message}`;
  for (const never of limits?.never ?? []) {
    try {
      const example = intersectionExample(
        globLanguage(request.pattern, set.environment.caseInsensitive),
        globLanguage(never.pattern, set.environment.caseInsensitive),
      );
      if (example !== undefined)
        return `"${request.pattern}" would open ${example}, which the policy's bypass.never pattern "${never.pattern}" (${never.at}) closes to every bypass`;
    } catch (error) {
      if (!(error instanceof UndecidableGlobError)) throw error;
      return `"${request.pattern}" cannot be checked exactly against bypass.never "${never.pattern}"`;
    }
  }
  return undefined;
}

function approverMatches(allowed: string, approver: string): boolean {
  const a = allowed.toLowerCase();
  const b = approver.toLowerCase();
  return a.startsWith('*@') ? b.endsWith(a.slice(1)) : a === b;
}

/** The bypasses in force at `now`: granted, not revoked, not expired; ready for evaluation. */
export function activeBypasses(set: PolicySet, events: readonly BypassEvent[], now: number): ActiveBypass[] {
  const revoked = new Set(events.filter((e): e is BypassRevoke => e.type === 'revoke').map((e) => e.id));
  const out: ActiveBypass[] = [];
  for (const e of events) {
    if (e.type !== 'grant' || revoked.has(e.id)) continue;
    const expiresAt = Date.parse(e.expires_at);
    const grantedAt = Date.parse(e.granted_at);
    if (!(expiresAt > now) || !(grantedAt <= now)) continue;
    if (e.kind === 'command') {
      const parsed = parseCommandPattern(e.pattern, set.environment.shell);
      if (parsed.ok) out.push({ id: e.id, expiresAt, command: parsed.pattern });
    } else {
      const glob = compileGlob(e.pattern, set.environment.caseInsensitive);
      if (glob.ok) out.push({ id: e.id, expiresAt, glob: glob.glob });
    }
  }
  return out;
}

/** The state of every bypass at `now`, for `bypass list` and the status bar. */
export function bypassStates(events: readonly BypassEvent[], now: number): (BypassGrant & { state: 'active' | 'expired' | 'revoked' })[] {
  const revoked = new Set(events.filter((e) => e.type === 'revoke').map((e) => e.id));
  return events
    .filter((e): e is BypassGrant => e.type === 'grant')
    .map((g) => ({ ...g, state: revoked.has(g.id) ? 'revoked' : Date.parse(g.expires_at) > now ? 'active' : 'expired' }));
}
