import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { evaluate, type DecisionResult, type PolicySet } from '#core';
import { nodeFileSystem } from '../node/fs-view';
import { formatFinding } from '../node/format';
import { EXIT, type CliIo } from './io';

/** Reports why a policy set cannot be loaded, as `file:line:col code message`. */
export function reportRefusal(set: PolicySet, io: CliIo): boolean {
  if (!set.refusal) return false;
  for (const f of set.findings.filter((x) => x.blocking && x.severity === 'error')) io.stderr(formatFinding(f, set) + '\n');
  return true;
}

export function decideJsonLine(set: PolicySet, line: string, lineNumber: number): DecisionResult {
  let action: unknown;
  try {
    action = JSON.parse(line);
  } catch (error) {
    return { decision: 'deny', allowed: false, requires_approval: false, reason: `line ${lineNumber} is not valid JSON: ${(error as Error).message}`, rules: [] };
  }
  return evaluate(set, action, { fs: nodeFileSystem });
}

/** One decision line per action line, in order. Blank lines are skipped. */
export async function runEval(set: PolicySet, io: CliIo, actionsFile: string | undefined): Promise<number> {
  if (reportRefusal(set, io)) return EXIT.usage;
  const input = actionsFile ? createReadStream(actionsFile) : io.stdin;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    io.stdout(JSON.stringify(decideJsonLine(set, line, n)) + '\n');
  }
  return EXIT.ok;
}

export function runCheck(set: PolicySet, io: CliIo, json: string, asJson: boolean): number {
  if (reportRefusal(set, io)) return EXIT.usage;
  const result = decideJsonLine(set, json, 1);
  if (asJson) io.stdout(JSON.stringify(result) + '\n');
  else {
    io.stdout(`${result.decision.toUpperCase()}: ${result.reason}\n`);
    for (const rule of result.rules) io.stdout(`  rule: ${rule.file}:${rule.line}:${rule.column} ${rule.list} ${JSON.stringify(rule.pattern)}\n`);
  }
  return result.decision === 'allow' ? EXIT.ok : result.decision === 'ask' ? EXIT.ask : EXIT.violation;
}
