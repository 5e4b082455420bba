import { claudeToolCall } from './claude-code';
import { call, fileAction, obj, patchPaths, str, WEB_SEARCH } from './tool-actions';
import type { HookAdapter, HookCall } from './types';

/**
 * OpenAI Codex's `PreToolUse` hook (`.codex/hooks.json`, Claude Code-compatible by design;
 * developers.openai.com/codex/hooks): the same stdin fields (`session_id`, `cwd`,
 * `hook_event_name`, `tool_name`, `tool_input`), tools `Bash`, `apply_patch` and MCP tools
 * (`mcp__server__tool`). Codex honours a `permissionDecision` of `deny` (with its reason) in
 * `hookSpecificOutput`; it has no hook answer that asks the user, so an ask nobody answers in
 * the editor is denied. An `apply_patch` call is decided by every file its patch touches.
 */
/** Goals, questions to the user and tool discovery: no file, command or network of their own. */
const INERT = new Set(['get_goal', 'create_goal', 'update_goal', 'request_user_input', 'tool_search', 'update_plan']);

/** Codex 0.169.0's catalogue: `exec_command` arrives as `Bash`, then `apply_patch`, `view_image`, MCP tools. */
export function codexCall(payload: Record<string, unknown>): HookCall {
  const tool = str(payload.tool_name) ?? '';
  const input = obj(payload.tool_input);
  if (tool === 'view_image') return call('codex', str(payload.hook_event_name) ?? 'PreToolUse', tool, str(payload.cwd), [fileAction('read', input.path)]);
  if (tool === 'web_search') return call('codex', str(payload.hook_event_name) ?? 'PreToolUse', tool, str(payload.cwd), [WEB_SEARCH]);
  if (INERT.has(tool)) return call('codex', str(payload.hook_event_name) ?? 'PreToolUse', tool, str(payload.cwd), []);
  if (tool !== 'apply_patch') return claudeToolCall('codex', payload);
  const commandParts: unknown[] = Array.isArray(input.command) ? (input.command as unknown[]) : [];
  const text = [input.patch, input.input, input.command, ...commandParts].find((v): v is string => typeof v === 'string' && v.includes('*** Begin Patch'));
  const event = str(payload.hook_event_name) ?? 'PreToolUse';
  const cwd = str(payload.cwd);
  if (!text) return { runtime: 'codex', event, tool, cwd, actions: [], problem: 'apply_patch without a patch Agent Policy can read' };
  const paths = patchPaths(text);
  if (paths.length === 0) return { runtime: 'codex', event, tool, cwd, actions: [], problem: 'apply_patch names no file' };
  return call(
    'codex',
    event,
    tool,
    cwd,
    paths.map((p) => fileAction(p.operation, p.path)),
  );
}

export const codex: HookAdapter = {
  runtime: 'codex',
  canAsk: () => false,
  parse: codexCall,
  reply: (outcome) => {
    if (outcome.decision === 'allow') return { stdout: '{}\n', stderr: '', exitCode: 0 };
    const body = {
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: `Agent Policy: ${outcome.reason}` },
    };
    return { stdout: `${JSON.stringify(body)}\n`, stderr: '', exitCode: 0 };
  },
};
