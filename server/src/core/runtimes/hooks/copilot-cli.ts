import { call, commandAction, fileAction, folderAction, mcpAction, obj, SQL_FILE_ACCESS, str, unknownTool, urlAction } from './tool-actions';
import type { HookAdapter, HookCall } from './types';

/**
 * GitHub Copilot CLI's `preToolUse` hook (`.github/hooks/*.json`, version 1;
 * docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference). camelCase input:
 * `{timestamp, cwd, toolName, toolArgs}` where `toolArgs` is a JSON string of the tool's arguments.
 * Answer: `{"permissionDecision": "deny", "permissionDecisionReason": "..."}` blocks the tool; the
 * documented behaviour processes denials only, so an allow is printed for the record and an ask
 * nobody answers in the editor is denied.
 */
/** Shell sessions already started (reading, stopping, listing them), agents, the session's own todo database, skills, docs. */
const INERT = new Set([
  'read_bash',
  'stop_bash',
  'list_bash',
  'fetch_copilot_cli_documentation',
  'skill',
  'task',
  'read_agent',
  'list_agents',
  'write_agent',
  'report_intent',
  'update_todo',
]);

/** Copilot CLI 1.0.102's catalogue, each tool as the actions it performs (checked against the tools it offers the model). */
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
    case 'write_bash':
    case 'write_powershell':
      // Typing into a running shell runs what is typed.
      return at(commandAction(args.input, cwd));
    case 'create':
      return { ...at(fileAction('write', args.path)), ...(typeof args.file_text === 'string' ? { proposedContent: args.file_text } : {}) };
    case 'edit':
    case 'str_replace':
    case 'write':
      return at(fileAction('write', args.path));
    case 'view':
    case 'read':
      return at(fileAction('read', args.path));
    case 'grep':
    case 'glob':
      // Searches the folders it is given (the working folder by default): file contents for grep, names for glob.
      return at(...searchFolders(args.paths, cwd).map((p) => folderAction(p, tool === 'grep')));
    case 'web_fetch':
      return at(urlAction(args.url));
    case 'sql':
    case 'session_store_sql': {
      const query = str(args.query) ?? '';
      if (SQL_FILE_ACCESS.test(query))
        return {
          ...at(),
          problem: `${tool}: the query reaches files outside Copilot's session database (${SQL_FILE_ACCESS.exec(query)?.[0] ?? ''}), which Agent Policy cannot decide`,
        };
      return at();
    }
    default: {
      if (INERT.has(tool)) return at();
      const mcp = /^([^/]+)\/(.+)$/.exec(tool);
      if (mcp) return at(mcpAction(mcp[1] as string, mcp[2] as string));
      return unknownTool('copilot-cli', event, tool, cwd);
    }
  }
}

function searchFolders(paths: unknown, cwd: string | undefined): (string | undefined)[] {
  const list = Array.isArray(paths)
    ? paths.filter((p): p is string => typeof p === 'string' && p !== '')
    : typeof paths === 'string' && paths !== ''
      ? [paths]
      : [];
  return list.length ? list : [cwd];
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
