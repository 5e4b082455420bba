import { call, commandAction, fileAction, mcpAction, obj, splitMcpName, str, unknownTool, urlAction, WEB_SEARCH } from './tool-actions';
import type { HookAdapter, HookCall, HookOutcome, HookReply } from './types';

/**
 * Claude Code's `PreToolUse` hook (docs: code.claude.com/docs/en/hooks). Input on stdin:
 * `{session_id, transcript_path, cwd, permission_mode, hook_event_name, tool_name, tool_input,
 * tool_use_id}`; file paths in `tool_input` are absolute. Answer: exit 0 with
 * `{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"|"deny"|"ask",
 * "permissionDecisionReason": "..."}}` (a denial's reason goes to Claude, an ask's to the user).
 */
const INERT = new Set(['Task', 'Agent', 'TodoWrite', 'TodoRead', 'ExitPlanMode', 'BashOutput', 'KillShell', 'KillBash', 'SlashCommand', 'Skill', 'AskUserQuestion', 'ListMcpResourcesTool']);

export function claudeToolCall(runtime: 'claude-code' | 'codex', payload: Record<string, unknown>): HookCall {
  const event = str(payload.hook_event_name) ?? 'PreToolUse';
  const tool = str(payload.tool_name) ?? '';
  const input = obj(payload.tool_input);
  const cwd = str(payload.cwd);
  const at = (...actions: (Record<string, unknown> | undefined)[]): HookCall => call(runtime, event, tool, cwd, actions);
  switch (tool) {
    case 'Bash':
      return at(commandAction(input.command, cwd));
    case 'Write':
      return { ...at(fileAction('write', input.file_path)), ...(typeof input.content === 'string' ? { proposedContent: input.content } : {}) };
    case 'Edit':
    case 'MultiEdit':
      return at(fileAction('write', input.file_path));
    case 'NotebookEdit':
      return at(fileAction('write', input.notebook_path));
    case 'Read':
      return at(fileAction('read', input.file_path));
    case 'NotebookRead':
      return at(fileAction('read', input.notebook_path));
    case 'Glob':
    case 'Grep':
    case 'LS':
      return at(fileAction('read', str(input.path) ?? cwd));
    case 'WebFetch':
      return at(urlAction(input.url));
    case 'WebSearch':
      return at(WEB_SEARCH);
    default: {
      if (INERT.has(tool)) return at();
      const mcp = splitMcpName(tool);
      if (mcp) return at(mcpAction(mcp.server, mcp.tool));
      return unknownTool(runtime, event, tool, cwd);
    }
  }
}

export function preToolUseReply(outcome: HookOutcome): HookReply {
  const body = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: outcome.decision, permissionDecisionReason: `Agent Policy: ${outcome.reason}` } };
  return { stdout: `${JSON.stringify(body)}\n`, stderr: '', exitCode: 0 };
}

export const claudeCode: HookAdapter = {
  runtime: 'claude-code',
  canAsk: () => true,
  parse: (payload) => claudeToolCall('claude-code', payload),
  reply: (outcome) => preToolUseReply(outcome),
};
