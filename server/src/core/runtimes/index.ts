/** The runtimes concern of the core (#core/runtimes): hook adapters and installation, and the policy in runtimes' native settings. */
export { agentSettings, EDITS_SETTING, TERMINAL_SETTING, type AgentSettings } from './targets/vscode-settings';
// The hook adapters' barrel is this concern's surface for hooks.
export * from './hooks/index';
export { COMPILE_TARGETS, compileRules, mergeSettings, type CompileTarget, type CompiledRules } from './targets/native-rules';
