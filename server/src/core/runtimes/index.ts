/** The runtimes concern of the core (#core/runtimes): hook adapters and installation, and the policy in runtimes' native settings. */
export { agentSettings, EDITS_SETTING, TERMINAL_SETTING, type AgentSettings } from './targets/vscode-settings';
export {
  HOOK_ADAPTER_NAMES,
  HOOK_ADAPTERS,
  HOOK_RUNTIMES,
  type HookAdapterName,
  commandTimeoutSeconds,
  FIXED_TIMEOUT_SECONDS,
  HOOK_TARGETS,
  installedHooks,
  type InstalledHook,
  HOOK_TIMEOUT_SECONDS,
  hookCommand,
  readHookCall,
  shellQuote,
  USER_HOOK_TARGETS,
  PROJECT_DIR_VARIABLE,
  withHook,
  withoutHook,
  type HookAdapter,
  type HookCall,
  type HookCaller,
  type HookInstallTarget,
  type HookOutcome,
  type HookReply,
  type HookRuntime,
} from './hooks/index';
export { COMPILE_TARGETS, compileRules, mergeSettings, type CompileTarget, type CompiledRules } from './targets/native-rules';
