import type { HookAdapterName, HookCall, HookCaller } from './types';

/** Shared pieces of the runtimes' tool mappings. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return obj(JSON.parse(value) as unknown);
    } catch {
      return {};
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function fileAction(operation: 'read' | 'write' | 'delete', path: unknown): Record<string, unknown> | undefined {
  const p = str(path);
  return p === undefined ? undefined : { action: `filesystem.${operation}`, path: p };
}

/** A folder listed (names only) or searched (file contents): decided as `filesystem.search`. */
export function folderAction(path: unknown, contents: boolean): Record<string, unknown> | undefined {
  const p = str(path);
  return p === undefined ? undefined : { action: 'filesystem.search', path: p, contents };
}

export function commandAction(command: unknown, cwd: unknown): Record<string, unknown> | undefined {
  const c = str(command);
  if (c === undefined) return undefined;
  const dir = str(cwd);
  return dir ? { action: 'command.exec', command: c, cwd: dir } : { action: 'command.exec', command: c };
}

/**
 * An MCP tool call is decided as the command `mcp <server> <tool>`: policy authors allow MCP
 * tools with command patterns (`mcp github *`, `mcp * get_issue`); anything not allowed is denied.
 */
export function mcpAction(server: string, tool: string): Record<string, unknown> {
  return { action: 'command.exec', command: `mcp ${shellWord(server)} ${shellWord(tool)}` };
}

/** One shell word, quoted when it needs to be (quotes inside are dropped: these are names, not data). */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(w) ? w : `'${w.replace(/'/g, '')}'`;
}

/** `mcp__server__tool` (Claude Code, Gemini CLI, Codex) → server and tool. */
export function splitMcpName(name: string): { server: string; tool: string } | undefined {
  const m = /^mcp__(.+?)__(.+)$/.exec(name);
  return m ? { server: m[1] as string, tool: m[2] as string } : undefined;
}

export function urlAction(url: unknown): Record<string, unknown> | undefined {
  const u = str(url);
  return u === undefined ? undefined : { action: 'network.request', url: u };
}

/** Web search runs on the runtime vendor's servers, but sends the query out: it is a request to the host `web-search`. */
export const WEB_SEARCH = { action: 'network.request', host: 'web-search' } as const;

export function call(
  runtime: HookAdapterName,
  event: string,
  tool: string,
  cwd: string | undefined,
  actions: (Record<string, unknown> | undefined)[],
  extra: Partial<HookCall> = {},
): HookCall {
  const defined = actions.filter((a): a is Record<string, unknown> => a !== undefined);
  const missing = defined.length < actions.length;
  return {
    runtime,
    event,
    tool,
    cwd,
    actions: defined,
    ...extra,
    ...(missing && !extra.problem ? { problem: `${tool}: the call is missing the path, command or URL it acts on` } : {}),
  };
}

export function unknownTool(runtime: HookAdapterName, event: string, tool: string, cwd: string | undefined): HookCall {
  return { runtime, event, tool, cwd, actions: [], problem: `unknown tool "${tool}": Agent Policy does not know what it does, so it is denied` };
}

/** Paths a patch in the `*** Begin Patch` format (Codex's apply_patch) adds, updates, deletes or moves to. */
export function patchPaths(patch: string): { path: string; operation: 'write' | 'delete' }[] {
  const out: { path: string; operation: 'write' | 'delete' }[] = [];
  for (const line of patch.split('\n')) {
    const m = /^\*\*\* (Add File|Update File|Delete File|Move to): (.+)$/.exec(line.trimEnd());
    if (m) out.push({ path: (m[2] as string).trim(), operation: m[1] === 'Delete File' ? 'delete' : 'write' });
  }
  return out;
}

const CALLER_KEYS: Record<keyof HookCaller, readonly string[]> = {
  sessionId: ['session_id', 'sessionId', 'conversation_id'],
  toolUseId: ['tool_use_id', 'toolUseId', 'generation_id'],
  transcriptPath: ['transcript_path', 'transcriptPath'],
  permissionMode: ['permission_mode', 'permissionMode'],
};

/** The call with the runtime's session, tool-use id, transcript and permission mode, where the payload has them. */
export function withCaller(hookCall: HookCall, payload: Record<string, unknown>): HookCall {
  const caller: HookCaller = {};
  for (const [key, names] of Object.entries(CALLER_KEYS) as [keyof HookCaller, readonly string[]][]) {
    const value = names.map((n) => str(payload[n])).find((v) => v !== undefined);
    if (value !== undefined) caller[key] = value;
  }
  return Object.keys(caller).length ? { ...hookCall, caller } : hookCall;
}

/** SQL that reaches files outside a tool's own session database (SQLite's ATTACH, VACUUM INTO, file functions). */
export const SQL_FILE_ACCESS = /\b(attach|load_extension|vacuum\s+into|readfile|writefile)\b/i;
