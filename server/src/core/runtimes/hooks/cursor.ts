import { call, commandAction, fileAction, mcpAction, obj, str, unknownTool } from './tool-actions';
import type { HookAdapter, HookCall } from './types';

/**
 * Cursor's hooks (`.cursor/hooks.json`, version 1; cursor.com/docs/agent/hooks). Every input has
 * `hook_event_name`, `conversation_id`, `generation_id`, `workspace_roots`; then
 * - `beforeShellExecution`: `command`, `cwd`;
 * - `beforeReadFile`: `file_path` (absolute), `content`;
 * - `beforeMCPExecution`: `tool_name`, `tool_input`, and the server's `url` or `command`;
 * - `preToolUse` (file edits): `tool_name` (`Write`, `Edit`, `StrReplace`, `Delete`, ...) and `tool_input`.
 * Answer: `{"permission": "allow"|"deny"|"ask", "user_message", "agent_message"}`; `beforeReadFile`
 * takes allow or deny only, so there an unanswered ask is denied.
 */
function server(payload: Record<string, unknown>, toolName: string): { server: string; tool: string } {
  const parts = /^MCP:([^:]+):(.+)$/.exec(toolName);
  if (parts) return { server: parts[1] as string, tool: parts[2] as string };
  const url = str(payload.url);
  if (url) {
    try {
      return { server: new URL(url).hostname, tool: toolName };
    } catch {
      /* fall through */
    }
  }
  const command = str(payload.command)?.split(/\s+/).pop() ?? 'unknown';
  return { server: command.split('/').pop() ?? command, tool: toolName };
}

const EDIT_TOOLS = new Set(['Write', 'Edit', 'StrReplace', 'MultiEdit', 'TabWrite', 'ApplyPatch', 'EditNotebook']);

export function cursorCall(payload: Record<string, unknown>): HookCall {
  const event = str(payload.hook_event_name) ?? '';
  const roots = Array.isArray(payload.workspace_roots) ? payload.workspace_roots.filter((r): r is string => typeof r === 'string') : [];
  const cwd = str(payload.cwd) ?? roots[0];
  switch (event) {
    case 'beforeShellExecution':
      return call('cursor', event, 'shell', cwd, [commandAction(payload.command, cwd)]);
    case 'beforeReadFile':
      return call('cursor', event, 'read', cwd, [fileAction('read', payload.file_path)]);
    case 'beforeMCPExecution': {
      const tool = str(payload.tool_name) ?? '';
      const mcp = server(payload, tool);
      return call('cursor', event, tool, cwd, [mcpAction(mcp.server, mcp.tool)]);
    }
    case 'preToolUse': {
      const tool = str(payload.tool_name) ?? '';
      const input = obj(payload.tool_input);
      const path = input.file_path ?? input.path ?? input.target_file;
      if (tool === 'Shell') return call('cursor', event, tool, cwd, [commandAction(input.command, str(input.cwd) ?? cwd)]);
      if (tool === 'Read') return call('cursor', event, tool, cwd, [fileAction('read', path)]);
      if (tool === 'Delete') return call('cursor', event, tool, cwd, [fileAction('delete', path)]);
      if (EDIT_TOOLS.has(tool)) {
        const content = input.contents ?? input.content;
        return { ...call('cursor', event, tool, cwd, [fileAction('write', path)]), ...(typeof content === 'string' ? { proposedContent: content } : {}) };
      }
      return unknownTool('cursor', event, tool, cwd);
    }
    default:
      return { runtime: 'cursor', event, tool: event, cwd, actions: [], problem: `Cursor event "${event}" is not one Agent Policy answers` };
  }
}

export const cursor: HookAdapter = {
  runtime: 'cursor',
  canAsk: (event) => event !== 'beforeReadFile',
  parse: cursorCall,
  reply: (outcome, event) => {
    const body =
      event === 'beforeReadFile'
        ? { permission: outcome.decision === 'allow' ? 'allow' : 'deny' }
        : { permission: outcome.decision, user_message: `Agent Policy: ${outcome.reason}`, agent_message: `Agent Policy: ${outcome.reason}` };
    return { stdout: `${JSON.stringify(body)}\n`, stderr: '', exitCode: 0 };
  },
};
