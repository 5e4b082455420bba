/** The policy core (#core): loading a policy and deciding actions; pure, fail-closed, and the same for every host. #core/audit and #core/runtimes are its other two concerns. */
export type * from './base/types';
export { CODES, codeDocUrl, codeInfo, type CodeInfo, type Code } from './base/codes';
export { LineIndex } from './base/line-index';
export { SCHEMAS, SUPPORTED_VERSIONS, LATEST_VERSION, isSupportedVersion } from './policy/versions';
export { entriesIn, parsePolicyFile, type AuditForward, type EntryList, type PolicyFile, type RuleEntry } from './policy/policy-file';
export { PolicyFileCache } from './policy/policy-file-cache';
export { loadPolicySet, type PolicySet, type PolicySetOptions } from './policy/policy-set';
export { evaluate, type EvaluationContext } from './policy/evaluate';
export { describeLine, type LineDescription } from './policy/evaluate-command';
export { renderCause, type Cause, type CauseKind } from './base/causes';
export { isBlocking } from './base/findings';
export { normalisePath, resolveAbsolute } from './base/paths';
export { compileGlob, globOptions, withoutVacuousAssertions } from './globs/glob';
export { compileLinear, UnsupportedRegexError, type LinearMatcher } from './globs/glob-matcher';
export { PathRuleIndex, type PathRule } from './policy/rule-index';
export { CommandRuleIndex, type CommandRule } from './policy/command-rule-index';
export { globLanguage, intersectionExample, isSubset } from './globs/glob-language';
export { flagSpellings } from './shell/flags';
export { WRAPPER_NAMES } from './shell/invocations';
export { coveredBy, relation } from './globs/glob-language';
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
} from './policy/bypass';
export {
  approvalAllows,
  decideRequest,
  effectiveStatus,
  expireRequest,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  type ApprovalRequest,
  type ApprovalStatus,
  type Transition,
} from './policy/approvals';
export { GOVERNANCE_PATTERNS, governanceProtection } from './policy/governance-paths';
export { parseDuration, UNIT_MS } from './base/durations';
export { Memo, clearMemos, memoSizes } from './base/memo';
export { projectKind, starterPolicy, type ProjectKind } from './policy/starter-policies';
