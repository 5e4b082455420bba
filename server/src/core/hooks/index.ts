import { claudeCode } from './claude-code';
import { codex } from './codex';
import { copilotCli } from './copilot-cli';
import { cursor } from './cursor';
import { geminiCli } from './gemini-cli';
import type { HookAdapter, HookRuntime } from './types';

export const HOOK_ADAPTERS: Record<HookRuntime, HookAdapter> = {
  'claude-code': claudeCode,
  cursor,
  'gemini-cli': geminiCli,
  'copilot-cli': copilotCli,
  codex,
};

export { HOOK_RUNTIMES, type HookAdapter, type HookCall, type HookOutcome, type HookReply, type HookRuntime } from './types';
export { HOOK_TARGETS, HOOK_TIMEOUT_SECONDS, hookCommand, PROJECT_DIR_VARIABLE, withHook, withoutHook, type HookCommandOptions, type HookInstallTarget } from './install';
