import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { evaluate, type ActiveBypass, type DecisionResult, type FileSystemView, type PolicySet } from '#core';
import type { Stores } from '../node/workspace';
import { cachedFileSystem, nodeFileSystem, posixPath } from '../node/fs-view';
import { formatFinding } from '../node/format';
import { EXIT, type CliIo } from './io';

/** Reports why a policy set cannot be loaded, as `file:line:col code message`. */
export function reportRefusal(set: PolicySet, io: CliIo): boolean {
  if (!set.refusal) return false;
  for (const f of set.findings.filter((x) => x.blocking && x.severity === 'error')) io.stderr(formatFinding(f, set) + '\n');
  return true;
}

/** Active bypasses and the clock, for decisions made now (not for linting past logs). */
export interface LiveContext {
  bypasses: readonly ActiveBypass[];
  now: number;
}

export function parseAction(line: string, lineNumber: number): { ok: true; action: unknown } | { ok: false; result: DecisionResult } {
  try {
    return { ok: true, action: JSON.parse(line) };
  } catch (error) {
    return { ok: false, result: { decision: 'deny', allowed: false, requires_approval: false, reason: `line ${lineNumber} is not valid JSON: ${(error as Error).message}`, rules: [] } };
  }
}

export function decideJsonLine(set: PolicySet, line: string, lineNumber: number, live?: LiveContext, fs: FileSystemView = nodeFileSystem): DecisionResult {
  const parsed = parseAction(line, lineNumber);
  if (!parsed.ok) return parsed.result;
  return evaluate(set, parsed.action, live ? { fs, bypasses: live.bypasses, now: live.now } : { fs });
}

/** One decision line per action line, in order. Blank lines are skipped. */
export async function runEval(set: PolicySet, io: CliIo, actionsFile: string | undefined, live: LiveContext): Promise<number> {
  if (reportRefusal(set, io)) return EXIT.usage;
  const input = actionsFile ? createReadStream(actionsFile) : io.stdin;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const fs = cachedFileSystem();
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    io.stdout(JSON.stringify(decideJsonLine(set, line, n, live, fs)) + '\n');
  }
  return EXIT.ok;
}

/**
 * Decides one action now (honouring active bypasses). With `audit`, the decision is recorded in
 * the audit log first, as the gate does; an alert on a denial goes to stderr.
 */
export function runCheck(set: PolicySet, io: CliIo, json: string, asJson: boolean, stores: Stores, audit: boolean): number {
  if (reportRefusal(set, io) && !audit) return EXIT.usage;
  const parsed = parseAction(json, 1);
  const now = Date.now();
  const result = parsed.ok ? evaluate(set, parsed.action, { fs: nodeFileSystem, bypasses: stores.bypasses.active(set), now, stateDirs: [posixPath(stores.stateDir)] }) : parsed.result;
  if (audit) {
    const written = stores.audit.appendDecision(parsed.ok ? parsed.action : { raw: json }, result, { runtime: 'cli', agentId: set.agentId, policyVersion: set.version });
    if (written.seq !== undefined) io.stderr(`audit: entry ${written.seq} in ${String(written.file)}\n`);
  }
  if (asJson) io.stdout(JSON.stringify(result) + '\n');
  else {
    io.stdout(`${result.decision.toUpperCase()}: ${result.reason}\n`);
    for (const rule of result.rules) io.stdout(`  rule: ${rule.file}:${rule.line}:${rule.column} ${rule.list} ${JSON.stringify(rule.pattern)}\n`);
  }
  return result.decision === 'allow' ? EXIT.ok : result.decision === 'ask' ? EXIT.ask : EXIT.violation;
}
