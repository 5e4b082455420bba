import { preToolUseReply } from './claude-code';
import {
  call,
  commandAction,
  fileAction,
  folderAction,
  mcpAction,
  obj,
  SQL_FILE_ACCESS,
  patchPaths,
  shellWord,
  str,
  unknownTool,
  urlAction,
} from './tool-actions';
import type { HookAdapter, HookCall } from './types';

/**
 * VS Code's built-in agent (the Local harness, Copilot Chat's tool loop) runs PreToolUse hooks
 * from installed agent plugins before every tool call: `{hook_event_name, session_id,
 * transcript_path, tool_name, tool_input, tool_use_id, cwd}`, absolute paths in `tool_input`,
 * `cwd` the workspace folder. It honours `hookSpecificOutput.permissionDecision` allow / deny /
 * ask (ask shows VS Code's confirmation even in an "Allow All" session) and exit 2; a top-level
 * `permissionDecision` is ignored. Tool names as VS Code 1.139.1 offered them.
 */
const INERT = new Set([
  // Terminal and task output, bookkeeping, questions, sub-agents (their calls come here), API docs.
  'get_terminal_output',
  'terminal_last_command',
  'terminal_selection',
  'get_task_output',
  'kill_terminal',
  'manage_todo_list',
  'runSubagent',
  'vscode_askQuestions',
  'get_vscode_api',
  'testFailure',
  'memory',
  'resolve_memory_file_uri',
  'vscode_searchExtensions_internal',
  // Our own governed tools decide through the editor's gate themselves.
  'agentPolicy_editFile',
  'agentPolicy_runCommand',
]);

/** Tools whose effect Agent Policy cannot bound: where they write is chosen by something else. */
const UNBOUNDED: Record<string, string> = {
  vscode_renameSymbol: 'a rename edits whatever files the language server finds',
  create_new_workspace: 'it creates a new workspace in a folder of its own choosing',
  setup_tools_createNewWorkspace: 'it creates a new workspace in a folder of its own choosing',
  create_new_jupyter_notebook: 'it creates a notebook where VS Code chooses',
};

export function vscodeCall(payload: Record<string, unknown>): HookCall {
  const event = str(payload.hook_event_name) ?? 'PreToolUse';
  const tool = str(payload.tool_name) ?? '';
  const input = obj(payload.tool_input);
  const cwd = str(payload.cwd);
  const at = (...actions: (Record<string, unknown> | undefined)[]): HookCall => call('vscode', event, tool, cwd, actions);
  const deny = (problem: string): HookCall => ({ ...at(), problem: `${tool}: ${problem}` });
  switch (tool) {
    case 'create_file':
      return { ...at(fileAction('write', input.filePath)), ...(typeof input.content === 'string' ? { proposedContent: input.content } : {}) };
    case 'replace_string_in_file':
    case 'insert_edit_into_file':
    case 'edit_notebook_file':
      return at(fileAction('write', input.filePath));
    case 'multi_replace_string_in_file': {
      const edits = Array.isArray(input.replacements) ? (input.replacements as unknown[]).map((r) => obj(r).filePath) : [];
      return edits.length ? at(...[...new Set(edits)].map((p) => fileAction('write', p))) : deny('names no file');
    }
    case 'apply_patch': {
      const text = [input.input, input.patch].find((v): v is string => typeof v === 'string');
      const paths = text ? patchPaths(text) : [];
      return paths.length ? at(...paths.map((p) => fileAction(p.operation, p.path))) : deny('a patch Agent Policy can read names no file');
    }
    case 'create_directory':
      return at(fileAction('write', input.dirPath));
    case 'run_in_terminal':
      return at(commandAction(input.command, cwd));
    case 'send_to_terminal':
      // Typing into a terminal runs what is typed.
      return at(commandAction(input.command ?? input.text, cwd));
    case 'create_and_run_task': {
      const task = obj(input.task);
      const args = Array.isArray(task.args) ? (task.args as unknown[]).filter((a): a is string => typeof a === 'string').map(shellWord) : [];
      const command = str(task.command);
      return command ? at(commandAction([command, ...args].join(' '), str(input.workspaceFolder) ?? cwd)) : deny('the task has no command');
    }
    case 'run_vscode_command':
      // A VS Code command can do anything an extension can: allowed by name only (`vscode-command workbench.action.files.save`).
      return str(input.commandId) ? at(commandAction(`vscode-command ${shellWord(str(input.commandId) ?? '')}`, cwd)) : deny('names no command');
    case 'install_extension':
      // An extension runs code in the editor: allowed as the install command (`code --install-extension publisher.name`).
      return str(input.id) ? at(commandAction(`code --install-extension ${shellWord(str(input.id) ?? '')}`, cwd)) : deny('names no extension');
    case 'run_notebook_cell':
      return at(commandAction(`notebook-cell ${shellWord(str(input.filePath) ?? '')}`, cwd), fileAction('read', input.filePath));
    case 'read_file':
    case 'view_image':
    case 'read_notebook_cell_output':
    case 'copilot_getNotebookSummary':
      return at(fileAction('read', input.filePath));
    case 'get_errors': {
      const files = Array.isArray(input.filePaths) ? (input.filePaths as unknown[]) : [];
      return at(...files.map((p) => fileAction('read', p)));
    }
    case 'list_dir':
      return at(folderAction(input.path, false));
    case 'file_search':
      return at(folderAction(cwd, false));
    case 'grep_search':
    case 'vscode_listCodeUsages':
      return at(folderAction(literalFolder(str(input.includePattern), cwd), true));
    case 'fetch_webpage': {
      const urls = Array.isArray(input.urls) ? (input.urls as unknown[]) : [];
      return urls.length ? at(...urls.map(urlAction)) : deny('names no URL');
    }
    case 'github_repo':
    case 'github_text_search':
      return at(urlAction('https://api.github.com/'));
    case 'session_store_sql':
      return SQL_FILE_ACCESS.test(str(input.query) ?? '') ? deny("the query reaches files outside the session's database") : at();
    default: {
      if (INERT.has(tool)) return at();
      const why = UNBOUNDED[tool];
      if (why) return deny(`${why}, which Agent Policy cannot decide, so it is denied`);
      const mcp = /^mcp_([^_]+)_(.+)$/.exec(tool);
      if (mcp) return at(mcpAction(mcp[1] as string, mcp[2] as string));
      return unknownTool('vscode', event, tool, cwd);
    }
  }
}

/** The folder a search is limited to by its include glob's literal prefix (`src/**` → src), else the workspace. */
function literalFolder(include: string | undefined, cwd: string | undefined): string | undefined {
  if (!include) return cwd;
  const literal = include.split('/').filter((_s, i, all) => !all.slice(0, i + 1).some((x) => /[*?[{]/.test(x)));
  if (literal.length === 0) return cwd;
  const folder = literal.join('/');
  return folder.startsWith('/') || !cwd ? folder : `${cwd}/${folder}`;
}

export const vscodeAgent: HookAdapter = {
  runtime: 'vscode',
  canAsk: () => true,
  parse: vscodeCall,
  reply: (outcome) => preToolUseReply(outcome),
};
