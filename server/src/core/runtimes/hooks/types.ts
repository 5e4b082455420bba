/** The agent runtimes whose pre-tool hooks Agent Policy answers. */
export const HOOK_RUNTIMES = ['claude-code', 'cursor', 'gemini-cli', 'copilot-cli', 'codex'] as const;
export type HookRuntime = (typeof HOOK_RUNTIMES)[number];

/** Every runtime whose hook payloads an adapter reads: the installable ones, and VS Code's built-in agent (its hook ships in the extension's agent plugin). */
export const HOOK_ADAPTER_NAMES = [...HOOK_RUNTIMES, 'vscode'] as const;
export type HookAdapterName = (typeof HOOK_ADAPTER_NAMES)[number];

/** One hook call, translated into the actions the policy decides. */
export interface HookCall {
  runtime: HookAdapterName;
  /** The runtime's event name (`PreToolUse`, `beforeShellExecution`, ...). */
  event: string;
  /** The runtime's tool name, as it named it. */
  tool: string;
  /** What the call would do, as policy actions; empty for a tool with no file, command or network effect. */
  actions: Record<string, unknown>[];
  /** The directory the runtime says it works in (absolute). */
  cwd: string | undefined;
  /** For a whole-file write: the proposed content, for the approval diff. */
  proposedContent?: string;
  /** Set when the call cannot be understood: it is denied with this reason. */
  problem?: string;
  /** What the runtime says about the call, for the audit entry (absent fields were not in the payload). */
  caller?: HookCaller;
}

/** The runtime's own ids for a call, so an audit entry can be joined to its transcript. */
export interface HookCaller {
  sessionId?: string;
  toolUseId?: string;
  transcriptPath?: string;
  permissionMode?: string;
}

export interface HookOutcome {
  decision: 'allow' | 'deny' | 'ask';
  reason: string;
}

/** What the hook process prints and how it exits, in the runtime's own format. */
export interface HookReply {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface HookAdapter {
  runtime: HookAdapterName;
  /** Whether the runtime's hook can answer "ask the user" for this event (if not, an unanswered ask is denied). */
  canAsk(event: string): boolean;
  parse(payload: Record<string, unknown>): HookCall;
  reply(outcome: HookOutcome, event: string): HookReply;
}
