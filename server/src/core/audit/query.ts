import { compileGlob } from '../globs/glob';
import { UNIT_MS } from '../base/durations';
import { recordPaths } from './record';

export interface AuditQuery {
  since?: string;
  until?: string;
  agent?: string;
  decision?: 'allow' | 'deny' | 'ask';
  /** An action kind (`filesystem.write`) or a prefix of one ending in `.` (`filesystem.`). */
  action?: string;
  /** A path glob (root-relative) that one of the entry's paths must match. */
  path?: string;
  /** Entry kinds; default: every kind. */
  kinds?: string[];
}

export type EntryFilter = (entry: Record<string, unknown>) => boolean;

/** Compiles a query into a predicate (`now` anchors relative times such as `2h`); throws with a readable message on a bad time or glob. */
export function compileQuery(query: AuditQuery, now: number): EntryFilter {
  const since = query.since === undefined ? undefined : time(query.since, '--since', now);
  const until = query.until === undefined ? undefined : time(query.until, '--until', now);
  let pathMatch: { test(path: string): boolean } | undefined;
  if (query.path !== undefined) {
    const compiled = compileGlob(query.path, false);
    if (!compiled.ok) throw new Error(`--path ${JSON.stringify(query.path)}: ${compiled.message}`);
    pathMatch = compiled.glob.matcher;
  }
  return (entry) => {
    const at = typeof entry.timestamp === 'string' ? Date.parse(entry.timestamp) : NaN;
    if (since !== undefined && !(at >= since)) return false;
    if (until !== undefined && !(at <= until)) return false;
    if (query.agent !== undefined && entry.agent_id !== query.agent) return false;
    if (query.decision !== undefined && entry.decision !== query.decision) return false;
    if (query.kinds && !query.kinds.includes(String(entry.kind))) return false;
    if (query.action !== undefined) {
      const action = typeof entry.action === 'string' ? entry.action : '';
      if (query.action.endsWith('.') ? !action.startsWith(query.action) : action !== query.action) return false;
    }
    if (pathMatch && !recordPaths(entry).some((p) => pathMatch.test(p))) return false;
    return true;
  };
}

function time(value: string, flag: string, now: number): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new Error(`${flag} ${JSON.stringify(value)} is not an ISO 8601 time or a duration such as 2h`);
  return parsed;
}
