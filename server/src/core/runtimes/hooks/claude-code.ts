import {
  call,
  commandAction,
  fileAction,
  folderAction,
  mcpAction,
  obj,
  shellWord,
  splitMcpName,
  str,
  unknownTool,
  urlAction,
  WEB_SEARCH,
} from './tool-actions';
import type { HookAdapter, HookCall, HookOutcome, HookReply } from './types';

/**
 * Claude Code's `PreToolUse` hook (docs: code.claude.com/docs/en/hooks). Input on stdin:
 * `{session_id, transcript_path, cwd, permission_mode, hook_event_name, tool_name, tool_input,
 * tool_use_id}`; file paths in `tool_input` are absolute. Answer: exit 0 with
 * `{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"|"deny"|"ask",
 * "permissionDecisionReason": "..."}}` (a denial's reason goes to Claude, an ask's to the user).
 */
/**
 * Tools that touch no file, command or network themselves: agent orchestration (each agent's own
 * tool calls come through this hook), task bookkeeping, tool discovery (`ToolSearch` only loads the
 * schemas of WebFetch, WebSearch, NotebookEdit, ... into the model's list; their calls come here).
 */
const INERT = new Set([
  'Task',
  'Agent',
  'TodoWrite',
  'TodoRead',
  'ExitPlanMode',
  'EnterPlanMode',
  'BashOutput',
  'KillShell',
  'KillBash',
  'SlashCommand',
  'Skill',
  'AskUserQuestion',
  'ListMcpResourcesTool',
  'ToolSearch',
  'DeferredToolPlaceholder',
  'TaskStop',
  'SendMessage',
  'ListAgents',
  'ScheduleWakeup',
  'ReportFindings',
  'CronList',
  'TaskOutput',
  // The todo list (loaded through ToolSearch in -p sessions).
  'TaskCreate',
  'TaskList',
  'TaskGet',
  'TaskUpdate',
]);

/** Claude Code 2.1.328's catalogue, each tool as the actions it performs (checked against the tools it offers the model). */
export function claudeToolCall(runtime: 'claude-code' | 'codex', payload: Record<string, unknown>): HookCall {
  const event = str(payload.hook_event_name) ?? 'PreToolUse';
  const tool = str(payload.tool_name) ?? '';
  const input = obj(payload.tool_input);
  const cwd = str(payload.cwd);
  const at = (...actions: (Record<string, unknown> | undefined)[]): HookCall => call(runtime, event, tool, cwd, actions);
  switch (tool) {
    case 'Bash':
      return at(commandAction(input.command, cwd));
    case 'Monitor': {
      // A watch runs a shell command, or opens a WebSocket: one of them, never neither.
      const ws = obj(input.ws);
      return input.command !== undefined || input.ws === undefined ? at(commandAction(input.command, cwd)) : at(urlAction(ws.url));
    }
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
    case 'LS':
      return at(folderAction(str(input.path) ?? cwd, false));
    case 'Grep':
      return at(folderAction(str(input.path) ?? cwd, true));
    case 'WebFetch':
      return at(urlAction(input.url));
    case 'WebSearch':
      return at(WEB_SEARCH);
    case 'CronCreate':
      // A durable job is written to the project's .claude/scheduled_tasks.json; its prompt's tool calls come here when it fires.
      return input.durable === true ? at(fileAction('write', joinPath(cwd, SCHEDULED_TASKS))) : at();
    case 'CronDelete':
      return at(fileAction('write', joinPath(cwd, SCHEDULED_TASKS)));
    case 'EnterWorktree':
      // Creates a git worktree (a checkout under .claude/worktrees/) or switches into one: decided as the git command it is.
      return str(input.path)
        ? at(fileAction('read', input.path))
        : at(commandAction(`git worktree add ${shellWord(`.claude/worktrees/${str(input.name) ?? 'NEW'}`)}`, cwd));
    case 'ExitWorktree':
      return input.action === 'remove' ? at(commandAction('git worktree remove', cwd)) : at();
    case 'Workflow':
      // A script that orchestrates agents: allowed by name like a program (`workflow *`), its agents' calls come here.
      return at(
        commandAction(`workflow ${shellWord(str(input.name) ?? str(input.scriptPath) ?? 'inline-script')}`, cwd),
        ...(str(input.scriptPath) ? [fileAction('read', input.scriptPath)] : []),
      );
    default: {
      if (INERT.has(tool)) return at();
      const mcp = splitMcpName(tool);
      if (mcp) return at(mcpAction(mcp.server, mcp.tool));
      return unknownTool(runtime, event, tool, cwd);
    }
  }
}

const SCHEDULED_TASKS = '.claude/scheduled_tasks.json';

function joinPath(dir: string | undefined, relative: string): string {
  return dir ? `${dir.replace(/\/+$/, '')}/${relative}` : relative;
}

export function preToolUseReply(outcome: HookOutcome): HookReply {
  const body = {
    hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: outcome.decision, permissionDecisionReason: `Agent Policy: ${outcome.reason}` },
  };
  return { stdout: `${JSON.stringify(body)}\n`, stderr: '', exitCode: 0 };
}

export const claudeCode: HookAdapter = {
  runtime: 'claude-code',
  canAsk: () => true,
  parse: (payload) => claudeToolCall('claude-code', payload),
  reply: (outcome) => preToolUseReply(outcome),
};
