import type { Cause } from '../base/causes';
import type { RuleEntry } from './policy-file';
import type { ActiveBypass } from './bypass';
import type { Decision, DecisionResult, FileSystemView, RuleRef } from '../base/types';

/** A partial decision; several combine into one (deny beats ask beats allow). */
export interface Verdict {
  decision: Decision;
  reason: string;
  rules: RuleRef[];
  /** The bypass that turned a denial into this allow. */
  bypass?: string;
  /** Why, as data (the reason is rendered from them where they are given). */
  causes?: Cause[];
}

/** What a decision may consult besides the policy: the host's file system view and active bypasses. */
export interface DecideEnv {
  fs: FileSystemView | undefined;
  bypasses: readonly ActiveBypass[];
  /** Milliseconds since the epoch, from the host's clock; bypasses expire against it. */
  now: number;
  /** The host's state folders (absolute POSIX paths): never changed by agents. */
  stateDirs: readonly string[];
}

export function ref(entry: RuleEntry): RuleRef {
  return entry.ref;
}

export function at(entry: RuleEntry): string {
  return entry.at;
}

// Characters JSON.stringify would escape (control characters never reach here: paths with them are refused).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify for a string, without its cost for the common plain string. */
export function quote(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

const RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

export function combine(verdicts: Verdict[], emptyReason: string): Verdict {
  if (verdicts.length === 0) return { decision: 'deny', reason: emptyReason, rules: [] };
  if (verdicts.length === 1) return verdicts[0] as Verdict;
  let worst: Decision = 'allow';
  for (const v of verdicts) if (RANK[v.decision] > RANK[worst]) worst = v.decision;
  const chosen = verdicts.filter((v) => v.decision === worst);
  const reasons = [...new Set(chosen.map((v) => v.reason))];
  const rules: RuleRef[] = [];
  const seen = new Set<string>();
  for (const rule of chosen.flatMap((v) => v.rules)) {
    const key = `${rule.file}:${rule.line}:${rule.column}:${rule.list}`;
    if (!seen.has(key)) {
      seen.add(key);
      rules.push(rule);
    }
  }
  const bypasses = [...new Set(chosen.flatMap((v) => (v.bypass ? [v.bypass] : [])))];
  const result: Verdict = { decision: worst, reason: reasons.join('; '), rules };
  const causes = chosen.flatMap((v) => v.causes ?? []);
  if (causes.length) result.causes = causes;
  if (bypasses.length) result.bypass = bypasses.join(',');
  return result;
}

export function toResult(v: Verdict): DecisionResult {
  const result: DecisionResult = {
    decision: v.decision,
    allowed: v.decision === 'allow',
    requires_approval: v.decision === 'ask',
    reason: v.reason,
    rules: v.rules,
  };
  if (v.bypass) result.bypass_id = v.bypass;
  if (v.causes) result.causes = v.causes;
  return result;
}
