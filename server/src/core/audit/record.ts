import type { DecisionResult, RuleRef } from '../base/types';

/** Who decided and where, supplied by the host that asks for a decision. */
export interface DecisionContext {
  /** ISO 8601 UTC time of the decision, from the host's clock. */
  timestamp: string;
  /** The acting runtime: `vscode`, `cli`, `claude-code`, ... */
  runtime: string;
  agentId: string | undefined;
  policyVersion: string | undefined;
  approvalId?: string | undefined;
  /** What the runtime said about the call, where it did: joins the entry to the runtime's transcript. */
  tool?: string | undefined;
  sessionId?: string | undefined;
  toolUseId?: string | undefined;
  transcriptPath?: string | undefined;
  permissionMode?: string | undefined;
}

const CALLER_FIELDS = [
  ['tool', 'tool'],
  ['sessionId', 'session_id'],
  ['toolUseId', 'tool_use_id'],
  ['transcriptPath', 'transcript_path'],
  ['permissionMode', 'permission_mode'],
] as const;

/** What every audit record carries before the log seals it into the chain. */
export interface AuditRecord {
  kind: string;
  timestamp: string;
  [field: string]: unknown;
}

const TARGET_FIELDS = ['path', 'paths', 'new_path', 'command', 'cwd', 'url', 'host'] as const;

/** The audit record of one decision: the article's fields, the deciding rule and the runtime. */
export function decisionRecord(action: unknown, result: DecisionResult, context: DecisionContext): AuditRecord {
  const a = action !== null && typeof action === 'object' && !Array.isArray(action) ? (action as Record<string, unknown>) : {};
  const record: AuditRecord = {
    kind: 'decision',
    timestamp: context.timestamp,
    agent_id: typeof a.agent_id === 'string' ? a.agent_id : (context.agentId ?? null),
    runtime: context.runtime,
    action: typeof a.action === 'string' ? a.action : null,
  };
  for (const [key, field] of CALLER_FIELDS) {
    const value = context[key];
    if (value !== undefined) record[field] = value;
  }
  for (const field of TARGET_FIELDS) {
    const value = a[field];
    if (typeof value === 'string') record[field] = value;
    else if (field === 'paths' && Array.isArray(value)) record[field] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  }
  record.decision = result.decision;
  record.allowed = result.allowed;
  record.requires_approval = result.requires_approval;
  record.reason = result.reason;
  record.approval_id = context.approvalId ?? null;
  record.bypass_id = result.bypass_id ?? null;
  record.policy_version = context.policyVersion ?? null;
  record.rule = result.rules[0] ? ruleOf(result.rules[0]) : null;
  if (result.rules.length > 1) record.rules = result.rules.map(ruleOf);
  return record;
}

function ruleOf(rule: RuleRef): Record<string, unknown> {
  return { file: rule.file, line: rule.line, column: rule.column, list: rule.list, pattern: rule.pattern };
}

/** The main target of a record, for summaries and queries. */
export function recordTarget(record: Record<string, unknown>): string | undefined {
  for (const field of ['path', 'command', 'url', 'host']) {
    const value = record[field];
    if (typeof value === 'string') return value;
  }
  const paths = record.paths;
  return Array.isArray(paths) && typeof paths[0] === 'string' ? paths[0] : undefined;
}

/** Every file path a record names (for path-glob queries and the audit view). */
export function recordPaths(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of ['path', 'new_path']) if (typeof record[field] === 'string') out.push(record[field]);
  if (Array.isArray(record.paths)) for (const p of record.paths) if (typeof p === 'string') out.push(p);
  return out;
}
