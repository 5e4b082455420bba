/** Short human labels for actions and audit entries, shared by prompts, views and messages. */
const VERBS: Record<string, string> = {
  'filesystem.read': 'read',
  'filesystem.write': 'write',
  'filesystem.delete': 'delete',
  'filesystem.rename': 'rename',
  'filesystem.search': 'search',
  'command.exec': 'run',
  'network.request': 'request',
};

export function describeAction(action: unknown): string {
  if (!action || typeof action !== 'object') return 'an unknown action';
  const a = action as Record<string, unknown>;
  const kind = typeof a.action === 'string' ? a.action : 'unknown';
  const verb = VERBS[kind] ?? kind;
  const target = targetOf(a);
  return target ? `${verb} ${target}` : verb;
}

export function targetOf(a: Record<string, unknown>): string | undefined {
  if (typeof a.command === 'string') return `\`${a.command}\``;
  if (typeof a.path === 'string') return typeof a.new_path === 'string' ? `${a.path} → ${a.new_path}` : a.path;
  if (Array.isArray(a.paths)) return a.paths.filter((p): p is string => typeof p === 'string').join(', ');
  if (typeof a.url === 'string') return a.url;
  if (typeof a.host === 'string') return a.host;
  return undefined;
}

export function ruleLabel(rule: unknown): string | undefined {
  if (!rule || typeof rule !== 'object') return undefined;
  const r = rule as Record<string, unknown>;
  const file = typeof r.file === 'string' ? r.file.replace(/^file:\/\/.*\//, '') : '?';
  return `${String(r.list)} "${String(r.pattern)}" (${file}:${String(r.line)})`;
}

/** A moment as the person reads it: their own date and clock (the log and the stores keep UTC ISO strings). */
export function readableTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeLeft(until: string, now: number): string {
  const ms = Date.parse(until) - now;
  if (!(ms > 0)) return 'expired';
  const minutes = Math.ceil(ms / 60_000);
  return minutes >= 60 ? `${Math.floor(minutes / 60)}h ${minutes % 60}m` : `${minutes}m`;
}
