/** The policy core: pure, fail-closed, and the same for every host. */
export type * from './types';
export { CODES, codeDocUrl, codeInfo, type CodeInfo, type Code } from './codes';
export { LineIndex } from './line-index';
export { SCHEMAS, SUPPORTED_VERSIONS, LATEST_VERSION, isSupportedVersion } from './versions';
export { parsePolicyFile, type AuditForward, type PolicyFile, type RuleEntry } from './policy-file';
export { PolicyFileCache } from './policy-file-cache';
export { loadPolicySet, type PolicySet, type PolicySetOptions } from './policy-set';
export { evaluate, type EvaluationContext } from './evaluate';
export { describeLine, type LineDescription } from './evaluate-command';
export { renderCause, type Cause, type CauseKind } from './causes';
export { isBlocking } from './findings';
export { normalisePath, resolveAbsolute } from './paths';
export { compileGlob, globOptions, withoutVacuousAssertions } from './glob';
export { compileLinear, UnsupportedRegexError, type LinearMatcher } from './glob-matcher';
export { PathRuleIndex, type PathRule } from './rule-index';
export { CommandRuleIndex, type CommandRule } from './command-rule-index';
export { globLanguage, intersectionExample, isSubset } from './glob-language';
export { flagSpellings } from './shell/flags';
export { WRAPPER_NAMES } from './shell/invocations';
export { coveredBy, relation } from './glob-language';
export { type CommandPattern } from './shell/command-pattern';
export { parseCommandPattern, matchLoose, matchStrict, invocationShape } from './shell/command-pattern';
export {
  activeBypasses,
  bypassStates,
  checkBypassRequest,
  type ActiveBypass,
  type BypassEvent,
  type BypassGrant,
  type BypassRevoke,
  type BypassRequest,
} from './bypass';
export {
  approvalAllows,
  decideRequest,
  effectiveStatus,
  expireRequest,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  type ApprovalRequest,
  type ApprovalStatus,
  type Transition,
} from './approvals';
export { decisionRecord, recordPaths, recordTarget, type AuditRecord, type DecisionContext } from './audit/record';
export {
  ChainVerifier,
  GENESIS,
  GENESIS_HASH,
  canonicalJson,
  compareWithSeal,
  hashedPart,
  seal,
  wholeEntryHead,
  type ChainHead,
  type EntrySigner,
  type SignatureCheck,
  type ChainNote,
  type ChainNoteKind,
  type ChainProblem,
  type HashFunction,
  type SealedEntry,
} from './audit/chain';
export { compareWithSink, type SinkComparison, type SinkFinding, type SinkRecord } from './audit/sink-compare';
export { DEFAULT_FOLD_WINDOW_MS, foldKey, foldStep, startRun, summaryRecord, type FoldState, type FoldStep } from './audit/fold';
export { compileQuery, parseDuration, UNIT_MS, type AuditQuery, type EntryFilter } from './audit/query';
export { agentSettings, EDITS_SETTING, TERMINAL_SETTING, type AgentSettings } from './targets/vscode-settings';
export { compileViewFilter, groupOf, VIEW_GROUPS, type AuditViewFilter, type ViewGroup } from './audit/view';
export { GOVERNANCE_PATTERNS, governanceProtection } from './governance-paths';
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
