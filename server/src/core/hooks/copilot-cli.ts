import { call, commandAction, fileAction, mcpAction, obj, str, unknownTool, urlAction } from './tool-actions';
import type { HookAdapter, HookCall } from './types';

/**
 * GitHub Copilot CLI's `preToolUse` hook (`.github/hooks/*.json`, version 1;
 * docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference). camelCase input:
 * `{timestamp, cwd, toolName, toolArgs}` where `toolArgs` is a JSON string of the tool's arguments.
 * Answer: `{"permissionDecision": "deny", "permissionDecisionReason": "..."}` blocks the tool; the
 * documented behaviour processes denials only, so an allow is printed for the record and an ask
 * nobody answers in the editor is denied.
 */
export function copilotCall(payload: Record<string, unknown>): HookCall {
  const event = 'preToolUse';
  const tool = str(payload.toolName) ?? str(payload.tool_name) ?? '';
  const args = obj(payload.toolArgs ?? payload.tool_input);
  const cwd = str(payload.cwd);
  const at = (...actions: (Record<string, unknown> | undefined)[]): HookCall => call('copilot-cli', event, tool, cwd, actions);
  switch (tool) {
    case 'bash':
    case 'powershell':
    case 'shell':
      return at(commandAction(args.command, cwd));
    case 'create':
      return { ...at(fileAction('write', args.path)), ...(typeof args.file_text === 'string' ? { proposedContent: args.file_text } : {}) };
    case 'edit':
    case 'str_replace':
    case 'write':
      return at(fileAction('write', args.path));
    case 'view':
    case 'read':
      return at(fileAction('read', args.path));
    case 'web_fetch':
      return at(urlAction(args.url));
    default: {
      const mcp = /^([^/]+)\/(.+)$/.exec(tool);
      if (mcp) return at(mcpAction(mcp[1] as string, mcp[2] as string));
      return unknownTool('copilot-cli', event, tool, cwd);
    }
  }
}

export const copilotCli: HookAdapter = {
  runtime: 'copilot-cli',
  canAsk: () => false,
  parse: copilotCall,
  reply: (outcome) => {
    const body = { permissionDecision: outcome.decision === 'allow' ? 'allow' : 'deny', permissionDecisionReason: `Agent Policy: ${outcome.reason}` };
    return { stdout: `${JSON.stringify(body)}\n`, stderr: '', exitCode: 0 };
  },
};
