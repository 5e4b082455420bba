import type { EntryFilter } from './query';

/** How the audit view groups entries under each day, in display order. */
export const VIEW_GROUPS = ['deny', 'ask', 'approvals', 'bypass', 'allow', 'events'] as const;
export type ViewGroup = (typeof VIEW_GROUPS)[number];

export interface AuditViewFilter {
  decision?: ViewGroup;
  /** An agent id or a runtime. */
  agent?: string;
  /** An action kind or its prefix ending in `.`: `filesystem.`, `command.exec`. */
  action?: string;
  /** Text anywhere in the entry (case-insensitive). */
  text?: string;
}

/** The group an entry is listed under: its decision, or what kind of event it is. */
export function groupOf(entry: Record<string, unknown>): ViewGroup {
  const kind = String(entry.kind);
  if (kind === 'decision') {
    if (typeof entry.bypass_id === 'string') return 'bypass';
    return entry.decision === 'deny' ? 'deny' : entry.decision === 'ask' ? 'ask' : entry.decision === 'allow' ? 'allow' : 'events';
  }
  if (kind === 'violation') return 'deny';
  if (kind.startsWith('approval.')) return 'approvals';
  if (kind.startsWith('bypass.')) return 'bypass';
  return 'events';
}

export function compileViewFilter(filter: AuditViewFilter): EntryFilter {
  const text = filter.text?.toLowerCase();
  return (entry) => {
    if (filter.decision && groupOf(entry) !== filter.decision) return false;
    if (filter.agent && entry.agent_id !== filter.agent && entry.runtime !== filter.agent) return false;
    if (filter.action) {
      const action = typeof entry.action === 'string' ? entry.action : '';
      if (filter.action.endsWith('.') ? !action.startsWith(filter.action) : action !== filter.action) return false;
    }
    if (text && !JSON.stringify(entry).toLowerCase().includes(text)) return false;
    return true;
  };
}
