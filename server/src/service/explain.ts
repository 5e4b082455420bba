import { evaluate, type DecisionResult, type RuleRef } from '#core';
import type { PolicyWorkspace } from './policy-workspace';

export interface ExplainRequest {
  path?: string;
  operation?: 'read' | 'write' | 'delete' | 'rename';
  command?: string;
  cwd?: string;
  url?: string;
}

export interface ExplainedRule extends RuleRef {
  /** Where the rule is written, when it is a policy entry (built-in rules have none). */
  offset?: number;
  length?: number;
}

export interface ExplainResult extends Omit<DecisionResult, 'rules'> {
  action: Record<string, string>;
  rules: ExplainedRule[];
}

/** The action a request describes: a path (with an operation, `write` by default), a command or a URL. */
export function actionOf(request: ExplainRequest): Record<string, string> | undefined {
  if (typeof request.path === 'string') return { action: `filesystem.${request.operation ?? 'write'}`, path: request.path };
  if (typeof request.command === 'string')
    return request.cwd === undefined
      ? { action: 'command.exec', command: request.command }
      : { action: 'command.exec', command: request.command, cwd: request.cwd };
  if (typeof request.url === 'string') return { action: 'network.request', url: request.url };
  return undefined;
}

/** What the current policy (as the editor has it, unsaved edits included) decides for an action, and why. */
export function explain(workspace: PolicyWorkspace, request: ExplainRequest): ExplainResult {
  const action = actionOf(request) ?? { action: 'unknown' };
  const analysis = workspace.analysis();
  const result = evaluate(analysis.set, action, workspace.host.fs ? { fs: workspace.host.fs } : {});
  // A rule of a policy file says where it is written; a built-in rule does not.
  const rules = result.rules.map((rule): ExplainedRule =>
    rule.offset !== undefined && rule.length !== undefined && analysis.file(rule.file) ? { ...rule, offset: rule.offset, length: rule.length } : { ...rule },
  );
  return { ...result, action, rules };
}
