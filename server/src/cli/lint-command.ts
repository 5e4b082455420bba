import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PolicySet } from '#core';
import { decideJsonLine, reportRefusal } from './eval-command';
import { EXIT, type CliIo } from './io';

/**
 * Checks every logged action against the effective policy, streaming the log line by line:
 * each violation prints as `log:line: action → reason (policy file:line)`; exit 1 on any.
 */
export async function runLintLog(set: PolicySet, io: CliIo, logFile: string): Promise<number> {
  if (reportRefusal(set, io)) return EXIT.usage;
  const lines = createInterface({ input: createReadStream(logFile), crlfDelay: Infinity });
  let n = 0;
  let violations = 0;
  let checked = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    checked++;
    const result = decideJsonLine(set, line, n);
    if (result.decision === 'allow') continue;
    // A logged action that needed approval is a violation unless the log records the approval.
    if (result.decision === 'ask' && /"approval_id"\s*:\s*"[^"]+"/.test(line)) continue;
    violations++;
    const rule = result.rules[0];
    io.stdout(`${logFile}:${n}: ${summarise(line)} → ${result.decision}: ${result.reason}${rule ? ` (policy ${rule.file}:${rule.line})` : ''}\n`);
  }
  io.stdout(`${checked} action(s) checked, ${violations} violation(s)\n`);
  return violations ? EXIT.violation : EXIT.ok;
}

function summarise(line: string): string {
  try {
    const a = JSON.parse(line) as Record<string, unknown>;
    const target = a.path ?? a.command ?? a.url ?? a.host ?? a.paths;
    return `${String(a.action)} ${JSON.stringify(target)}`;
  } catch {
    return 'unparseable line';
  }
}
