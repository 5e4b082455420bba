import { compileQuery, recordTarget, type AuditQuery } from '#core';
import type { AuditLog } from '../node/audit-log';
import { EXIT, UsageError, type CliIo } from './io';

/** `audit verify`: the first broken, edited, forged, reordered, missing or truncated entry, exit 1; torn writes that were recovered are listed. */
export async function runAuditVerify(audit: AuditLog, io: CliIo, json: boolean): Promise<number> {
  const report = await audit.verify();
  if (json) io.stdout(`${JSON.stringify(report)}\n`);
  else {
    for (const note of report.notes) io.stdout(`${note.file}:${note.line}: note: ${note.message}\n`);
    if (report.problem) io.stdout(`${report.problem.file}:${report.problem.line}: ${report.problem.kind}: ${report.problem.message}\n`);
    if (report.pendingFolded) io.stdout(`${report.pendingFolded} folded denial(s) await their summary entry ("agent-policy audit flush" writes it)\n`);
    if (!report.problem && report.files.length === 0 && report.seal.head === undefined) io.stdout(`nothing has been recorded: no audit log in ${audit.dir} and no seal at ${report.seal.path}\n`);
    else io.stdout(`${report.files.length} file(s), ${report.entries} entr${report.entries === 1 ? 'y' : 'ies'} verified${report.problem ? '; the chain is BROKEN' : `; the chain is intact and ends where its seal says (entry ${report.seal.head ?? 0})`}\n`);
  }
  return report.problem ? EXIT.violation : EXIT.ok;
}

export interface QueryFlags extends AuditQuery {
  json: boolean;
  limit: number | undefined;
}

/** `audit query`: entries matching the filters, oldest first, as text or JSON lines. */
export async function runAuditQuery(audit: AuditLog, io: CliIo, flags: QueryFlags, now: number): Promise<number> {
  if (flags.decision !== undefined && !['allow', 'deny', 'ask'].includes(flags.decision)) throw new UsageError('--decision is allow, deny or ask');
  let filter;
  try {
    filter = compileQuery(flags, now);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let n = 0;
  for await (const entry of audit.entries(filter)) {
    if (flags.limit !== undefined && n >= flags.limit) break;
    n++;
    io.stdout(flags.json ? `${JSON.stringify(entry)}\n` : `${describe(entry)}\n`);
  }
  if (!flags.json) io.stdout(`${n} entr${n === 1 ? 'y' : 'ies'}\n`);
  return EXIT.ok;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

function describe(e: Record<string, unknown>): string {
  const target = recordTarget(e) ?? e.pattern ?? e.approval_id ?? '';
  const head = `${String(e.timestamp)} #${String(e.seq)} ${String(e.kind)}`;
  if (e.kind !== 'decision') return `${head} ${typeof target === 'string' ? target : JSON.stringify(target)} ${e.reason ? `— ${text(e.reason)}` : ''}`.trimEnd();
  return `${head} ${String(e.decision).toUpperCase()} ${String(e.action)} ${typeof target === 'string' ? target : JSON.stringify(target)} (${text(e.agent_id ?? '-')} via ${text(e.runtime)}) — ${text(e.reason)}`;
}
