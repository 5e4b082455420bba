/** The policy core: pure, fail-closed, and the same for every host. */
export type * from './types';
export { CODES, codeDocUrl, codeInfo, type CodeInfo, type Code } from './codes';
export { LineIndex } from './line-index';
export { SCHEMAS, SUPPORTED_VERSIONS, LATEST_VERSION, isSupportedVersion } from './versions';
export { parsePolicyFile, type PolicyFile, type RuleEntry } from './policy-file';
export { loadPolicySet, type PolicySet, type PolicySetOptions } from './policy-set';
export { evaluate, type EvaluationContext } from './evaluate';
export { isBlocking } from './findings';
export { normalisePath, resolveAbsolute } from './paths';
export { compileGlob, globOptions } from './glob';
export { PathRuleIndex, type PathRule } from './rule-index';
export { CommandRuleIndex, type CommandRule } from './command-rule-index';
export { globLanguage, intersectionExample, isSubset } from './glob-language';
export { parseCommandPattern, matchLoose, matchStrict, invocationShape } from './shell/command-pattern';
