import { codeInfo } from '../base/codes';
import { finding, isBlocking } from '../base/findings';
import { compileGlob } from '../globs/glob';
import { type Endpoint, parseException } from '../base/network';
import { entriesIn, parsePolicyFile, type PolicyFile, type RuleEntry } from './policy-file';
import type { PolicyFileCache } from './policy-file-cache';
import { LATEST_VERSION, isSupportedVersion } from './versions';
import { CommandRuleIndex } from './command-rule-index';
import { PathRuleIndex } from './rule-index';
import { checkAnalysable, checkSemantics } from './semantic-checks';
import { parseCommandPattern } from '../shell/command-pattern';
import type { Finding, PolicySource, ShellParser } from '../base/types';

export interface NetworkRules {
  allowOutbound: boolean;
  allowOutboundEntry: RuleEntry | undefined;
  exceptions: { entry: RuleEntry; endpoint: Endpoint }[];
}

export interface PolicySetOptions {
  /** Absolute POSIX path of the repository root. */
  root: string;
  /** Match paths case-insensitively (the host's file system is). */
  caseInsensitive?: boolean;
  shell: ShellParser;
  /**
   * `full` (default): every finding, including the pairwise conflict, shadow and dead-allow
   * analysis that authoring and CI need. `enforcement`: only what decides whether and how the
   * set is enforced (every blocking finding, including globs the analysis cannot handle), for
   * hosts that decide actions and must start fast. Decisions are identical in both modes.
   */
  analysis?: 'full' | 'enforcement';
  /** Reuses parsed files whose text is unchanged (hosts that re-check after every edit keep one). */
  cache?: PolicyFileCache;
}

/** Where and how the set decides: given by the host, the same for every file. */
export interface PolicyEnvironment {
  /** Absolute POSIX path of the repository root, without a trailing slash. */
  root: string;
  caseInsensitive: boolean;
  shell: ShellParser;
}

/** The root policy's settings (an override has none of these). */
export interface PolicySettings {
  version: string | undefined;
  agentId: string | undefined;
  audit: PolicyFile['audit'];
  /** The root's `bypass` limits, with its `never` entries. */
  bypass: BypassLimits | undefined;
}

export interface BypassLimits {
  maxDuration: string | undefined;
  approvers: string[];
  never: RuleEntry[];
}

/** Every file's rules compiled for decisions. */
export interface CompiledRules {
  fileDeny: PathRuleIndex;
  fileAllow: PathRuleIndex;
  fileApproval: PathRuleIndex;
  /** The root's `bypass.never` globs. */
  bypassNever: PathRuleIndex;
  /** The deepest literal base of any path rule: how many path prefixes a decision looks up. */
  pathDepth: number;
  /** Which base depths occur in any path index (see PathRuleIndex.depthMask). */
  pathDepthMask: number;
  commandDeny: CommandRuleIndex;
  commandAllow: CommandRuleIndex;
  commandApproval: CommandRuleIndex;
  network: NetworkRules | undefined;
  maxFiles: { value: number; entry: RuleEntry; scope: string }[];
  /** The smallest `max_files_per_action` anywhere (Infinity when none): fewer paths never need the check. */
  smallestMaxFiles: number;
}

export interface PolicySet {
  environment: PolicyEnvironment;
  /** The root policy first (when there is one), then the overrides from the shallowest. */
  files: PolicyFile[];
  settings: PolicySettings;
  rules: CompiledRules;
  findings: Finding[];
  /** The first finding that makes the set unenforceable: while set, every action is denied. */
  refusal: Finding | undefined;
}

const DEFAULT_AUDIT: PolicyFile['audit'] = { logAllActions: true, retentionDays: undefined, alertOnDeny: false, forward: [] };

/**
 * Loads a policy set: the root policy (dir '') and every override. Never throws; problems become
 * findings, and a blocking one makes every decision a denial. Four stages: parse the files, check
 * their versions, compile their rules, analyse the set.
 */
export function loadPolicySet(sources: readonly PolicySource[], options: PolicySetOptions): PolicySet {
  const environment: PolicyEnvironment = {
    root: options.root.replace(/\/+$/, '') || '/',
    caseInsensitive: options.caseInsensitive ?? false,
    shell: options.shell,
  };
  const { rootFile, files } = parseStage(sources, options.cache);
  const findings: Finding[] = [...files.flatMap((f) => f.findings), ...versionStage(sources, rootFile, files)];
  const compiled = compileStage(files, rootFile, environment);
  findings.push(...compiled.findings);
  const set: PolicySet = { environment, files, settings: settingsOf(rootFile), rules: compiled.rules, findings: [], refusal: undefined };
  findings.push(...(options.analysis === 'enforcement' ? checkAnalysable(set) : checkSemantics(set)));
  set.findings = findings;
  set.refusal = findings.find(isBlocking);
  return set;
}

/** Parse: the root policy, then the overrides from the shallowest (each checked against the root's version). */
function parseStage(sources: readonly PolicySource[], cache: PolicyFileCache | undefined): { rootFile: PolicyFile | undefined; files: PolicyFile[] } {
  const rootSource = sources.find((s) => s.dir === '');
  const parse = cache ? cache.parse.bind(cache) : parsePolicyFile;
  const rootFile = rootSource ? parse(rootSource, 'root') : undefined;
  const overrides = sources
    .filter((s) => s.dir !== '')
    .sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || a.dir.localeCompare(b.dir))
    .map((s) => parse(s, 'override', rootFile?.version?.value));
  return { rootFile, files: rootFile ? [rootFile, ...overrides] : overrides };
}

/** Versions: no root at all, a root on an older supported version, an override on another version than the root's. */
function versionStage(sources: readonly PolicySource[], rootFile: PolicyFile | undefined, files: PolicyFile[]): Finding[] {
  const findings: Finding[] = [];
  if (!rootFile) {
    const first = sources[0];
    findings.push(
      finding('AP2011', {
        uri: first?.uri ?? '.agent-policy.yml',
        offset: 0,
        length: 0,
        message: 'No root .agent-policy.yml was found; every action is denied until one exists.',
      }),
    );
  }
  const rootVersion = rootFile?.version;
  if (rootVersion && rootVersion.value !== LATEST_VERSION && isSupportedVersion(rootVersion.value)) {
    findings.push(
      finding('AP2014', {
        uri: rootFile.source.uri,
        offset: rootVersion.offset,
        length: rootVersion.length,
        message: `Version "${rootVersion.value}" is still supported; "${LATEST_VERSION}" is the current format and accepts every ${rootVersion.value} policy unchanged (it adds default_permissions, bypass and schema_url).`,
      }),
    );
  }
  for (const file of files) {
    if (file === rootFile) continue;
    if (file.version && rootVersion && file.version.value !== rootVersion.value) {
      findings.push(
        finding('AP2010', {
          uri: file.source.uri,
          offset: file.version.offset,
          length: file.version.length,
          message: `This override declares version "${file.version.value}" but the root policy is "${rootVersion.value}".`,
        }),
      );
    }
  }
  return findings;
}

function settingsOf(rootFile: PolicyFile | undefined): PolicySettings {
  return {
    version: rootFile?.version?.value,
    agentId: rootFile?.agentId,
    audit: rootFile?.audit ?? DEFAULT_AUDIT,
    bypass: rootFile?.bypass ? { ...rootFile.bypass, never: entriesIn(rootFile, 'bypass.never') } : undefined,
  };
}

/**
 * Compile: every file's globs and command patterns into the indexes decisions read (an invalid
 * entry becomes a finding: blocking in a deny or approval list, where losing it would lose a
 * denial), the root's network exceptions into endpoints. Ordinals number the rules in policy order.
 */
function compileStage(files: PolicyFile[], rootFile: PolicyFile | undefined, environment: PolicyEnvironment): { rules: CompiledRules; findings: Finding[] } {
  const { caseInsensitive, shell } = environment;
  const rules: CompiledRules = {
    fileDeny: new PathRuleIndex(caseInsensitive),
    fileAllow: new PathRuleIndex(caseInsensitive),
    fileApproval: new PathRuleIndex(caseInsensitive),
    bypassNever: new PathRuleIndex(caseInsensitive),
    pathDepth: 0,
    pathDepthMask: 0,
    commandDeny: new CommandRuleIndex(),
    commandAllow: new CommandRuleIndex(),
    commandApproval: new CommandRuleIndex(),
    network: undefined,
    maxFiles: [],
    smallestMaxFiles: Infinity,
  };
  const findings: Finding[] = [];
  let ordinal = 0;
  const addPaths = (entries: RuleEntry[], index: PathRuleIndex, blocking: boolean, scope: string): void => {
    for (const entry of entries) {
      const result = compileGlob(entry.pattern, caseInsensitive);
      if (result.ok) index.add({ entry, glob: result.glob, scope, ordinal: ordinal++ });
      else findings.push(invalid('AP2004', entry, `Invalid glob "${entry.pattern}": ${result.message}.`, blocking));
    }
  };
  const addCommands = (entries: RuleEntry[], index: CommandRuleIndex, blocking: boolean, scope: string): void => {
    for (const entry of entries) {
      const result = parseCommandPattern(entry.pattern, shell);
      if (result.ok) index.add({ entry, pattern: result.pattern, scope, ordinal: ordinal++ });
      else findings.push(invalid('AP2008', entry, `Invalid command pattern "${entry.pattern}": ${result.message}.`, blocking));
    }
  };
  for (const file of files) {
    const scope = file.source.dir;
    addPaths(entriesIn(file, 'filesystem.deny'), rules.fileDeny, true, scope);
    addPaths(entriesIn(file, 'filesystem.allow'), rules.fileAllow, false, scope);
    addPaths(entriesIn(file, 'require_human_approval.file'), rules.fileApproval, true, scope);
    addCommands(entriesIn(file, 'commands.deny'), rules.commandDeny, true, scope);
    addCommands(entriesIn(file, 'commands.allow'), rules.commandAllow, false, scope);
    addCommands(entriesIn(file, 'require_human_approval.command'), rules.commandApproval, true, scope);
    if (file.maxFiles) {
      rules.maxFiles.push({ ...file.maxFiles, scope });
      rules.smallestMaxFiles = Math.min(rules.smallestMaxFiles, file.maxFiles.value);
    }
  }
  if (rootFile) addPaths(entriesIn(rootFile, 'bypass.never'), rules.bypassNever, true, '');
  rules.pathDepth = Math.max(rules.fileDeny.depth, rules.fileAllow.depth, rules.fileApproval.depth);
  rules.pathDepthMask = rules.fileDeny.depthMask | rules.fileAllow.depthMask | rules.fileApproval.depthMask;
  if (rootFile?.network) {
    const exceptions: NetworkRules['exceptions'] = [];
    for (const entry of entriesIn(rootFile, 'network.exceptions')) {
      const endpoint = parseException(entry.pattern);
      if (endpoint) exceptions.push({ entry, endpoint });
      else
        findings.push(
          invalid(
            'AP2009',
            entry,
            `"${entry.pattern}" is not a host name (write a host, optionally with :port; no scheme, path or user).`,
            rootFile.network.allowOutbound,
          ),
        );
    }
    rules.network = { allowOutbound: rootFile.network.allowOutbound, allowOutboundEntry: rootFile.network.allowOutboundEntry, exceptions };
  }
  return { rules, findings };
}

function invalid(code: 'AP2004' | 'AP2008' | 'AP2009', entry: RuleEntry, message: string, blocking: boolean): Finding {
  const f = finding(code, { uri: entry.uri, offset: entry.offset, length: entry.length, message });
  // In an allow list an invalid entry only loses that allow; in a deny list it would lose a denial.
  if (!blocking && codeInfo(code)?.blocking) f.blocking = false;
  return f;
}
