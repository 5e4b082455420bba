import { evaluate, type FileSystemView, type PolicySet } from '#core';
import { recordTarget } from '#core/audit';
import { cachedFileSystem } from '#host/files/fs-view';
import { fileLineBatches } from '#host/files/read-lines';
import { parseAction, reportRefusal } from './eval-command';
import { EXIT, type CliIo } from './io';
import { ProblemWriter, type ReportFormat } from './report-formats';

/**
 * Checks every logged action against the effective policy, streaming the log line by line (memory
 * stays bounded whatever its length): each violation prints as
 * `log:line: action → decision: reason (policy file:line)`; exit 1 on any.
 */
export function runLintLog(set: PolicySet, io: CliIo, logFile: string, format: ReportFormat = 'text'): number {
  if (reportRefusal(set, io)) return EXIT.usage;
  const writer = new ProblemWriter(format, io.stdout, io.styles.stdout);
  const checked = checkLog(set, logFile, writer);
  writer.end(checked.summary);
  return checked.code;
}

/** Adds every violation in a log to a report (the policy set must be enforceable); its exit code and summary line. */
export function checkLog(set: PolicySet, logFile: string, writer: ProblemWriter): { code: number; summary: string } {
  const batches = fileLineBatches(logFile);
  const fs = cachedFileSystem();
  let n = 0;
  let violations = 0;
  let checked = 0;
  for (const batch of batches) {
    for (const line of batch) {
      n++;
      if (isBlank(line)) continue;
      checked++;
      const problem = violation(set, line, n, fs);
      if (!problem) continue;
      violations++;
      writer.add({
        ruleId: problem.ruleId,
        level: 'error',
        message: problem.message,
        file: logFile,
        line: n,
        column: 1,
        text: () => `${logFile}:${n}: ${problem.message}`,
      });
    }
  }
  return { code: violations ? EXIT.violation : EXIT.ok, summary: `${checked} action(s) checked, ${violations} violation(s)` };
}

/** Whether a line holds only white space (without trimming a copy of every line: a JSON line starts with `{`). */
function isBlank(line: string): boolean {
  return line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '');
}

/** What is wrong with one logged action, if anything. */
function violation(set: PolicySet, line: string, n: number, fs: FileSystemView): { ruleId: string; message: string } | undefined {
  const parsed = parseAction(line, n);
  const result = parsed.ok ? evaluate(set, parsed.action, { fs }) : parsed.result;
  if (result.decision === 'allow') return undefined;
  // A logged action that needed approval is a violation unless the log records the approval.
  if (result.decision === 'ask' && /"approval_id"\s*:\s*"[^"]+"/.test(line)) return undefined;
  const rule = result.rules[0];
  const message = `${parsed.ok ? summarise(parsed.action) : 'unparseable line'} → ${result.decision}: ${result.reason}${rule ? ` (policy ${rule.file}:${rule.line})` : ''}`;
  return { ruleId: result.decision === 'ask' ? 'unapproved-action' : 'denied-action', message };
}

function summarise(action: unknown): string {
  const a = (action !== null && typeof action === 'object' ? action : {}) as Record<string, unknown>;
  return `${String(a.action)} ${JSON.stringify(recordTarget(a))}`;
}
