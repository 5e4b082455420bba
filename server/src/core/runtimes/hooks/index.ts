import { claudeCode } from './claude-code';
import { codex } from './codex';
import { copilotCli } from './copilot-cli';
import { cursor } from './cursor';
import { geminiCli } from './gemini-cli';
import { withCaller } from './tool-actions';
import { vscodeAgent } from './vscode-agent';
import type { HookAdapter, HookAdapterName, HookCall } from './types';

export const HOOK_ADAPTERS: Record<HookAdapterName, HookAdapter> = {
  'claude-code': claudeCode,
  cursor,
  'gemini-cli': geminiCli,
  'copilot-cli': copilotCli,
  codex,
  vscode: vscodeAgent,
};

/** The call a payload asks for, with the runtime's own ids for it (session, tool-use id, transcript, mode). */
export function readHookCall(adapter: HookAdapter, payload: Record<string, unknown>): HookCall {
  return withCaller(adapter.parse(payload), payload);
}

export {
  HOOK_ADAPTER_NAMES,
  HOOK_RUNTIMES,
  type HookAdapter,
  type HookAdapterName,
  type HookCaller,
  type HookCall,
  type HookOutcome,
  type HookReply,
  type HookRuntime,
} from './types';
export {
  commandTimeoutSeconds,
  FIXED_TIMEOUT_SECONDS,
  HOOK_TARGETS,
  installedHooks,
  type InstalledHook,
  HOOK_TIMEOUT_SECONDS,
  hookCommand,
  PROJECT_DIR_VARIABLE,
  shellQuote,
  USER_HOOK_TARGETS,
  withHook,
  withoutHook,
  type HookCommandOptions,
  type HookInstallTarget,
} from './install';
