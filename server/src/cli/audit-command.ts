import { canonicalJson, compareWithSink, compileQuery, hashedPart, recordTarget, type AuditQuery, type SinkComparison } from '#core/audit';
import { sha256, type AuditLog } from '#host/audit/audit-log';
import type { AuditForwarder } from '#host/audit/sinks/audit-forwarder';
import { sinkRecords } from '#host/audit/sinks/sink-file';
import { EXIT, UsageError, type CliIo } from './io';

/** `audit verify`: the first broken, edited, forged, reordered, missing or truncated entry, exit 1; torn writes that were recovered are listed. */
export async function runAuditVerify(audit: AuditLog, io: CliIo, json: boolean, against?: { file: string; cursor: number }): Promise<number> {
  const report = await audit.verify();
  const sink = against ? await compareAgainst(audit, against.file, against.cursor) : undefined;
  if (json) io.stdout(`${JSON.stringify(sink ? { ...report, sink } : report)}\n`);
  else {
    for (const note of report.notes) io.stdout(`${note.file}:${note.line}: note: ${note.message}\n`);
    if (report.problem) io.stdout(`${report.problem.file}:${report.problem.line}: ${report.problem.kind}: ${report.problem.message}\n`);
    if (report.pendingFolded) io.stdout(`${report.pendingFolded} folded denial(s) await their summary entry ("agent-policy audit flush" writes it)\n`);
    if (!report.problem && report.files.length === 0 && report.seal.head === undefined)
      io.stdout(`nothing has been recorded: no audit log in ${audit.dir} and no seal at ${report.seal.path}\n`);
    else
      io.stdout(
        `${report.files.length} file(s), ${report.entries} entr${report.entries === 1 ? 'y' : 'ies'} verified${report.problem ? '; the chain is BROKEN' : `; the chain is intact and ends where its seal says (entry ${report.seal.head ?? 0})`}\n`,
      );
  }
  if (sink && !json) printSink(io, against?.file ?? '', sink);
  return report.problem || (sink && sink.problems.length > 0) ? EXIT.violation : EXIT.ok;
}

async function compareAgainst(audit: AuditLog, file: string, cursor: number): Promise<SinkComparison> {
  const local = new Map<number, string>();
  let range = { first: Number.POSITIVE_INFINITY, last: 0 };
  for await (const e of audit.entries()) {
    if (typeof e.seq !== 'number' || typeof e.hash !== 'string') continue;
    // The hash of what the entry says now, not the hash it carries: an edit shows as a rewrite.
    local.set(e.seq, sha256(canonicalJson(hashedPart(e))));
    range = { first: Math.min(range.first, e.seq), last: Math.max(range.last, e.seq) };
  }
  const records = [];
  for await (const r of sinkRecords(file, audit.seal.logId)) records.push(r);
  return compareWithSink(local, range.last === 0 ? { first: 1, last: 0 } : range, records, cursor);
}

function printSink(io: CliIo, file: string, sink: SinkComparison): void {
  for (const p of sink.problems) io.stdout(`${file}:${p.line ?? 0}: ${p.kind}: ${p.message}\n`);
  if (sink.pending) io.stdout(`entries ${sink.pending.first}–${sink.pending.last} are not forwarded yet ("agent-policy audit forward" sends them)\n`);
  io.stdout(
    `${file}: the sink holds ${sink.held} entr${sink.held === 1 ? 'y' : 'ies'} of this log${sink.problems.length ? '; it DISAGREES with the log' : '; it agrees with the log'}\n`,
  );
}

/** The last entry every sink of the policy acknowledged (0 without sinks): `--against` holds the file to it. */
export function acknowledgedByEverySink(forwarder: AuditForwarder, audit: AuditLog): number {
  return forwarder.sinks.length === 0 ? 0 : Math.min(...forwarder.sinks.map((s) => audit.forwardedUpTo(s.id)));
}

/** `audit forward`: sends every sink what it lacks now; exit 1 when one could not take it. */
export async function runAuditForward(forwarder: AuditForwarder, audit: AuditLog, io: CliIo): Promise<number> {
  if (forwarder.sinks.length === 0) {
    io.stdout('the policy forwards the audit log nowhere (audit.forward is empty)\n');
    return EXIT.ok;
  }
  let failed = false;
  for (const sink of forwarder.sinks) {
    try {
      const sent = await forwarder.forwardTo(sink);
      io.stdout(`${sink.id}: sent ${sent} entr${sent === 1 ? 'y' : 'ies'}; it holds the log up to entry ${audit.forwardedUpTo(sink.id)}\n`);
    } catch (error) {
      failed = true;
      io.stdout(`${sink.id}: ${(error as Error).message}; it holds the log up to entry ${audit.forwardedUpTo(sink.id)}, the rest waits\n`);
    }
  }
  return failed ? EXIT.violation : EXIT.ok;
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
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function describe(e: Record<string, unknown>): string {
  const target = recordTarget(e) ?? e.pattern ?? e.approval_id ?? '';
  const head = `${String(e.timestamp)} #${String(e.seq)} ${String(e.kind)}`;
  if (e.kind !== 'decision')
    return `${head} ${typeof target === 'string' ? target : JSON.stringify(target)} ${e.reason ? `— ${text(e.reason)}` : ''}`.trimEnd();
  return `${head} ${String(e.decision).toUpperCase()} ${String(e.action)} ${typeof target === 'string' ? target : JSON.stringify(target)} (${text(e.agent_id ?? '-')} via ${text(e.runtime)}) — ${text(e.reason)}`;
}
