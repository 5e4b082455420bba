import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { evaluate, type DecisionResult, type FileSystemView, type PolicySet } from '#core';
import type { Enforcer, Actor } from '#host/enforcer';
import { nodeFileSystem } from '#host/files/fs-view';
import { formatFinding } from './format';
import { EXIT, type CliIo } from './io';

/** Reports why a policy set cannot be loaded, as `file:line:col code message`. */
export function reportRefusal(set: PolicySet, io: CliIo): boolean {
  if (!set.refusal) return false;
  for (const f of set.findings.filter((x) => x.blocking && x.severity === 'error')) io.stderr(formatFinding(f, set, io.cwd, io.styles.stderr) + '\n');
  return true;
}

/** A person at the command line. */
export const CLI_ACTOR: Actor = { runtime: 'cli' };

export function parseAction(line: string, lineNumber: number): { ok: true; action: unknown } | { ok: false; result: DecisionResult } {
  try {
    return { ok: true, action: JSON.parse(line) };
  } catch (error) {
    return {
      ok: false,
      result: {
        decision: 'deny',
        allowed: false,
        requires_approval: false,
        reason: `line ${lineNumber} is not valid JSON: ${(error as Error).message}`,
        rules: [],
      },
    };
  }
}

/** A past action (an agent's log), decided by the policy alone: no bypasses, no clock. */
export function decideJsonLine(set: PolicySet, line: string, lineNumber: number, fs: FileSystemView = nodeFileSystem): DecisionResult {
  const parsed = parseAction(line, lineNumber);
  if (!parsed.ok) return parsed.result;
  return evaluate(set, parsed.action, { fs });
}

/** One decision line per action line, in order, decided now as the gate would (recording nothing). Blank lines are skipped. */
export async function runEval(enforcer: Enforcer, io: CliIo, actionsFile: string | undefined): Promise<number> {
  if (reportRefusal(enforcer.set, io)) return EXIT.usage;
  const input = actionsFile ? createReadStream(actionsFile) : io.stdin;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const parsed = parseAction(line, n);
    io.stdout(JSON.stringify(parsed.ok ? enforcer.decide(parsed.action) : parsed.result) + '\n');
  }
  return EXIT.ok;
}

/**
 * Decides one action now (honouring active bypasses). With `audit`, the decision is recorded in
 * the audit log first, as the gate does; an alert on a denial goes to stderr.
 */
export function runCheck(enforcer: Enforcer, io: CliIo, json: string, asJson: boolean, audit: boolean): number {
  if (reportRefusal(enforcer.set, io) && !audit) return EXIT.usage;
  const parsed = parseAction(json, 1);
  const result = parsed.ok ? enforcer.decide(parsed.action) : parsed.result;
  if (audit) {
    const written = enforcer.record(parsed.ok ? parsed.action : { raw: json }, result, CLI_ACTOR);
    if (written.seq !== undefined) io.stderr(`audit: entry ${written.seq} in ${String(written.file)}\n`);
  }
  if (asJson) io.stdout(JSON.stringify(result) + '\n');
  else {
    io.stdout(`${io.styles.stdout.decision(result.decision.toUpperCase())}: ${result.reason}\n`);
    for (const rule of result.rules) io.stdout(`  rule: ${rule.file}:${rule.line}:${rule.column} ${rule.list} ${JSON.stringify(rule.pattern)}\n`);
  }
  return result.decision === 'allow' ? EXIT.ok : result.decision === 'ask' ? EXIT.ask : EXIT.violation;
}
