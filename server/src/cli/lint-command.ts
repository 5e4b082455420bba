import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { recordTarget, type PolicySet } from '#core';
import { cachedFileSystem } from '../node/fs-view';
import { decideJsonLine, reportRefusal } from './eval-command';
import { EXIT, type CliIo } from './io';
import { ProblemWriter, type ReportFormat } from './report-formats';

/**
 * Checks every logged action against the effective policy, streaming the log line by line (memory
 * stays bounded whatever its length): each violation prints as
 * `log:line: action → decision: reason (policy file:line)`; exit 1 on any.
 */
export async function runLintLog(set: PolicySet, io: CliIo, logFile: string, format: ReportFormat = 'text'): Promise<number> {
  if (reportRefusal(set, io)) return EXIT.usage;
  const lines = createInterface({ input: createReadStream(logFile), crlfDelay: Infinity });
  const writer = new ProblemWriter(format, io.stdout);
  const fs = cachedFileSystem();
  let n = 0;
  let violations = 0;
  let checked = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    checked++;
    const result = decideJsonLine(set, line, n, fs);
    if (result.decision === 'allow') continue;
    // A logged action that needed approval is a violation unless the log records the approval.
    if (result.decision === 'ask' && /"approval_id"\s*:\s*"[^"]+"/.test(line)) continue;
    violations++;
    const rule = result.rules[0];
    const message = `${summarise(line)} → ${result.decision}: ${result.reason}${rule ? ` (policy ${rule.file}:${rule.line})` : ''}`;
    writer.add({ ruleId: result.decision === 'ask' ? 'unapproved-action' : 'denied-action', level: 'error', message, file: logFile, line: n, column: 1, text: `${logFile}:${n}: ${message}` });
  }
  writer.end(`${checked} action(s) checked, ${violations} violation(s)`);
  return violations ? EXIT.violation : EXIT.ok;
}

function summarise(line: string): string {
  try {
    const a = JSON.parse(line) as Record<string, unknown>;
    return `${String(a.action)} ${JSON.stringify(recordTarget(a))}`;
  } catch {
    return 'unparseable line';
  }
}
