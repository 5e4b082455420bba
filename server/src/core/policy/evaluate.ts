import { shownName } from './policy-file';
import { decideCommand } from './evaluate-command';
import { decideFolder } from './evaluate-folder';
import { decideEndpoint } from './evaluate-network';
import { decideFileCount, decidePath, type FileOperation } from './evaluate-path';
import { normalisePath } from '../base/paths';
import type { PolicySet } from './policy-set';
import type { DecisionResult, FileSystemView } from '../base/types';
import type { ActiveBypass } from './bypass';
import { combine, toResult, type DecideEnv, type Verdict } from './verdict';
import { because } from '../base/causes';

export interface EvaluationContext {
  /** Resolves symlinks; without it, paths are decided as written. */
  fs?: FileSystemView;
  /** Active bypasses (from `activeBypasses`); each is honoured only while `now` is before its expiry. */
  bypasses?: readonly ActiveBypass[];
  /** The host's clock (ms since the epoch); required for bypasses to apply. */
  now?: number;
  /**
   * Absolute POSIX paths of the host's state folder (audit log, bypasses, approvals), wherever it
   * is: agents may not change anything in it.
   */
  stateDirs?: readonly string[];
}

const FILE_OPERATIONS: Record<string, FileOperation> = {
  'filesystem.read': 'read',
  'filesystem.write': 'write',
  'filesystem.delete': 'delete',
  'filesystem.rename': 'rename',
};

/** Decides one agent action. Never throws; anything it cannot decide is denied with the reason. */
export function evaluate(set: PolicySet, action: unknown, context: EvaluationContext = {}): DecisionResult {
  try {
    const stateDirs = context.stateDirs ?? [];
    const env: DecideEnv =
      context.now === undefined
        ? { fs: context.fs, bypasses: [], now: 0, stateDirs }
        : { fs: context.fs, bypasses: context.bypasses ?? [], now: context.now, stateDirs };
    return toResult(decide(set, action, env));
  } catch (error) {
    return toResult({ decision: 'deny', reason: `internal error while deciding the action: ${String((error as Error).message ?? error)}`, rules: [] });
  }
}

function decide(set: PolicySet, action: unknown, env: DecideEnv): Verdict {
  if (set.refusal) return refusal(set);
  if (action === null || typeof action !== 'object' || Array.isArray(action)) return { decision: 'deny', reason: 'the action is not a JSON object', rules: [] };
  const a = action as Record<string, unknown>;
  const kind = a.action;
  if (typeof kind !== 'string') return { decision: 'deny', reason: 'the action has no "action" kind', rules: [] };
  const operation = FILE_OPERATIONS[kind];
  if (operation) {
    if (a.cwd !== undefined && typeof a.cwd !== 'string') return { decision: 'deny', reason: `${kind}: cwd must be a string`, rules: [] };
    return decideFiles(set, a, operation, env);
  }
  if (kind === 'command.exec') return decideCommand(set, a.command, a.cwd, env);
  if (kind === 'network.request') return decideEndpoints(set, a);
  if (a.cwd !== undefined && typeof a.cwd !== 'string') return { decision: 'deny', reason: `${kind}: cwd must be a string`, rules: [] };
  if (kind === 'filesystem.search') return decideFolder(set, a.path, a.cwd ?? '', a.contents !== false, env);
  return {
    decision: 'deny',
    reason: `unknown action kind ${JSON.stringify(kind)}; known kinds are ${[...Object.keys(FILE_OPERATIONS), 'filesystem.search', 'command.exec', 'network.request'].join(', ')}`,
    rules: [],
  };
}

function decideFiles(set: PolicySet, a: Record<string, unknown>, operation: FileOperation, env: DecideEnv): Verdict {
  const cwd = typeof a.cwd === 'string' ? a.cwd : '';
  if (a.paths === undefined && operation !== 'rename') {
    // The common case, one path: no arrays to build.
    if (a.path === undefined) return { decision: 'deny', reason: `filesystem.${operation}: the action names no path`, rules: [] };
    const verdict = withHome(decidePath(set, a.path, cwd, operation, env), a.path, operation);
    const count = set.rules.smallestMaxFiles < 1 ? decideFileCount(set, countedPaths(set, [a.path], cwd)) : undefined;
    return count ? combine([verdict, count], 'no path to decide') : verdict;
  }
  if (a.paths !== undefined && !Array.isArray(a.paths)) return { decision: 'deny', reason: `filesystem.${operation}: "paths" must be an array`, rules: [] };
  // Every field that names a target is decided: `path` beside `paths` too.
  const paths: unknown[] = [...(a.path !== undefined ? [a.path] : []), ...(Array.isArray(a.paths) ? (a.paths as unknown[]) : [])];
  if (operation === 'rename') {
    if (a.new_path === undefined) return { decision: 'deny', reason: 'filesystem.rename: "new_path" is missing', rules: [] };
    paths.push(a.new_path);
  }
  if (paths.length === 0) return { decision: 'deny', reason: `filesystem.${operation}: the action names no path`, rules: [] };
  const verdicts = paths.map((p) => withHome(decidePath(set, p, cwd, operation, env), p, operation));
  const count = decideFileCount(set, countedPaths(set, paths, cwd));
  if (count) verdicts.push(count);
  return combine(verdicts, 'no path to decide');
}

/**
 * A tool's path that starts with `~` is decided as written (a folder named `~`), but the tool may
 * expand it to a home folder outside the root, as a shell would: `~/.ssh/id_rsa`. A person decides.
 */
function withHome(verdict: Verdict, path: unknown, operation: FileOperation): Verdict {
  if (typeof path !== 'string' || !/^~[^/]*(\/|$)/.test(path) || verdict.decision === 'deny') return verdict;
  const home = because('ask', {
    kind: 'path',
    subject: `filesystem.${operation} ${JSON.stringify(path)}`,
    detail: "starts with ~, which the tool may expand to a home folder outside the repository root, where the policy's rules do not reach",
    word: path,
  });
  return combine([verdict, home], 'no path to decide');
}

/** The files an action touches, each once, in the canonical form (`./backend/x` is `backend/x`). */
function countedPaths(set: PolicySet, paths: unknown[], cwd: string): string[] {
  const out = new Map<string, string>();
  for (const p of paths) {
    if (typeof p !== 'string') continue;
    const normalised = normalisePath(p, cwd, set.environment);
    if (normalised.ok) out.set(set.environment.caseInsensitive ? normalised.path.toLowerCase() : normalised.path, normalised.path);
  }
  return [...out.values()];
}

/** `url` and `host` are both decided when both are given: a runtime may act on either. */
function decideEndpoints(set: PolicySet, a: Record<string, unknown>): Verdict {
  if (a.url === undefined || a.host === undefined) return decideEndpoint(set, a.url ?? a.host);
  return combine([decideEndpoint(set, a.url), decideEndpoint(set, a.host)], 'no endpoint to decide');
}

function refusal(set: PolicySet): Verdict {
  const f = set.refusal;
  if (!f) return { decision: 'deny', reason: 'the policy set cannot be enforced', rules: [] };
  const file = set.files.find((x) => x.source.uri === f.uri);
  const { line, column } = file ? file.lines.position(f.offset) : { line: 1, column: 1 };
  return {
    decision: 'deny',
    reason: `the policy set cannot be enforced, so every action is denied: ${file ? shownName(file.source) : f.uri}:${line}:${column} ${f.code} ${f.message}`,
    rules: [{ file: f.uri, line, column, list: f.code === 'AP2001' ? 'version' : 'builtin', pattern: f.code }],
  };
}
