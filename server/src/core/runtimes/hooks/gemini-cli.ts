import { call, commandAction, fileAction, folderAction, mcpAction, obj, splitMcpName, str, unknownTool, urlAction, WEB_SEARCH } from './tool-actions';
import type { HookAdapter, HookCall } from './types';

/**
 * Gemini CLI's `BeforeTool` hook (`.gemini/settings.json` → `hooks.BeforeTool`;
 * geminicli.com/docs/hooks/reference). Input: `session_id`, `transcript_path`, `cwd`,
 * `hook_event_name`, `timestamp`, `tool_name`, `tool_input`. Answer on stdout (exit 0):
 * `{"decision": "allow"}` or `{"decision": "deny", "reason": "..."}` (the reason goes to the agent).
 * BeforeTool cannot ask the user, so an ask nobody answers in the editor is denied.
 */
/** No file, command or network of their own: memory, todos, skills, topics, plan mode, sub-agents (whose calls come here), background-process output. */
const INERT = new Set([
  'save_memory',
  'write_todos',
  'activate_skill',
  'update_topic',
  'enter_plan_mode',
  'exit_plan_mode',
  'invoke_agent',
  'ask_user',
  'list_background_processes',
  'read_background_output',
  'complete_task',
]);

function firstPath(input: Record<string, unknown>): unknown {
  return input.file_path ?? input.absolute_path ?? input.path;
}

/** Gemini CLI 0.61.0's catalogue, each tool as the actions it performs (checked against the tools it offers the model). */
export function geminiCall(payload: Record<string, unknown>): HookCall {
  const event = str(payload.hook_event_name) ?? 'BeforeTool';
  const tool = str(payload.tool_name) ?? '';
  const input = obj(payload.tool_input);
  const cwd = str(payload.cwd);
  const at = (...actions: (Record<string, unknown> | undefined)[]): HookCall => call('gemini-cli', event, tool, cwd, actions);
  switch (tool) {
    case 'run_shell_command':
      return at(commandAction(input.command, str(input.dir_path) ?? str(input.directory) ?? cwd));
    case 'write_file':
      return { ...at(fileAction('write', firstPath(input))), ...(typeof input.content === 'string' ? { proposedContent: input.content } : {}) };
    case 'replace':
    case 'edit':
      return at(fileAction('write', firstPath(input)));
    case 'read_file':
      return at(fileAction('read', firstPath(input)));
    case 'read_many_files': {
      const list = [input.paths, input.include]
        .flatMap((v): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []))
        .filter((v): v is string => typeof v === 'string');
      // A glob reads whatever it matches: decided as a content search of its literal folder.
      return at(
        ...(list.length
          ? list.map((p) =>
              folderAction(
                p
                  .split('/')
                  .filter((_s, i, all) => !all.slice(0, i + 1).some((x) => /[*?[{]/.test(x)))
                  .join('/') || cwd,
                true,
              ),
            )
          : [undefined]),
      );
    }
    case 'list_directory':
    case 'glob':
      return at(folderAction(str(input.dir_path) ?? str(input.path) ?? cwd, false));
    case 'search_file_content':
    case 'grep_search':
      return at(folderAction(str(input.dir_path) ?? str(input.path) ?? cwd, true));
    case 'web_fetch': {
      const urls = (str(input.prompt) ?? str(input.url) ?? '').match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
      return urls.length ? at(...urls.map(urlAction)) : { ...at(), problem: 'web_fetch names no URL' };
    }
    case 'google_web_search':
      return at(WEB_SEARCH);
    default: {
      if (INERT.has(tool)) return at();
      const mcp = splitMcpName(tool);
      if (mcp) return at(mcpAction(mcp.server, mcp.tool));
      return unknownTool('gemini-cli', event, tool, cwd);
    }
  }
}

export const geminiCli: HookAdapter = {
  runtime: 'gemini-cli',
  canAsk: () => false,
  parse: geminiCall,
  reply: (outcome) => {
    const body = outcome.decision === 'allow' ? { decision: 'allow' } : { decision: 'deny', reason: `Agent Policy: ${outcome.reason}` };
    return { stdout: `${JSON.stringify(body)}\n`, stderr: '', exitCode: 0 };
  },
};
