import { codeInfo } from '../base/codes';
import { finding, isBlocking } from '../base/findings';
import { compileGlob } from '../globs/glob';
import { type Endpoint, parseException } from '../base/network';
import { parsePolicyFile, type PolicyFile, type RuleEntry } from './policy-file';
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

export interface PolicySet {
  root: string;
  caseInsensitive: boolean;
  shell: ShellParser;
  files: PolicyFile[];
  version: string | undefined;
  agentId: string | undefined;
  findings: Finding[];
  /** The first finding that makes the set unenforceable: while set, every action is denied. */
  refusal: Finding | undefined;
  fileDeny: PathRuleIndex;
  fileAllow: PathRuleIndex;
  fileApproval: PathRuleIndex;
  /** The deepest literal base of any path rule: how many path prefixes a decision looks up. */
  pathDepth: number;
  /** The root's `bypass` limits, and its `never` globs indexed for evaluation. */
  bypass: PolicyFile['bypass'];
  bypassNever: PathRuleIndex;
  /** The root's `audit` settings. */
  audit: PolicyFile['audit'];
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

/**
 * Loads a policy set: the root policy (dir '') and every override. Never throws; problems become
 * findings, and a blocking one makes every decision a denial.
 */
export function loadPolicySet(sources: readonly PolicySource[], options: PolicySetOptions): PolicySet {
  const caseInsensitive = options.caseInsensitive ?? false;
  const rootSource = sources.find((s) => s.dir === '');
  const parse = options.cache ? options.cache.parse.bind(options.cache) : parsePolicyFile;
  const rootFile = rootSource ? parse(rootSource, 'root') : undefined;
  const overrides = sources
    .filter((s) => s.dir !== '')
    .sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || a.dir.localeCompare(b.dir))
    .map((s) => parse(s, 'override', rootFile?.version?.value));
  const files = rootFile ? [rootFile, ...overrides] : overrides;
  const set: PolicySet = {
    root: options.root.replace(/\/+$/, '') || '/',
    caseInsensitive,
    shell: options.shell,
    files,
    version: rootFile?.version?.value,
    agentId: rootFile?.agentId,
    findings: [],
    refusal: undefined,
    fileDeny: new PathRuleIndex(caseInsensitive),
    fileAllow: new PathRuleIndex(caseInsensitive),
    fileApproval: new PathRuleIndex(caseInsensitive),
    pathDepth: 0,
    bypass: rootFile?.bypass,
    bypassNever: new PathRuleIndex(caseInsensitive),
    audit: rootFile?.audit ?? { logAllActions: true, retentionDays: undefined, alertOnDeny: false, forward: [] },
    pathDepthMask: 0,
    commandDeny: new CommandRuleIndex(),
    commandAllow: new CommandRuleIndex(),
    commandApproval: new CommandRuleIndex(),
    network: undefined,
    maxFiles: [],
    smallestMaxFiles: Infinity,
  };
  const findings: Finding[] = files.flatMap((f) => f.findings);
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
  for (const file of overrides) {
    const rootVersion = rootFile?.version?.value;
    if (file.version && rootVersion && file.version.value !== rootVersion) {
      findings.push(
        finding('AP2010', {
          uri: file.source.uri,
          offset: file.version.offset,
          length: file.version.length,
          message: `This override declares version "${file.version.value}" but the root policy is "${rootVersion}".`,
        }),
      );
    }
  }
  let ordinal = 0;
  for (const file of files) {
    const scope = file.source.dir;
    const addPaths = (entries: RuleEntry[], index: PathRuleIndex, blocking: boolean): void => {
      for (const entry of entries) {
        const result = compileGlob(entry.pattern, caseInsensitive);
        if (result.ok) index.add({ entry, glob: result.glob, scope, ordinal: ordinal++ });
        else findings.push(invalid('AP2004', entry, `Invalid glob "${entry.pattern}": ${result.message}.`, blocking));
      }
    };
    addPaths(file.fileDeny, set.fileDeny, true);
    addPaths(file.fileAllow, set.fileAllow, false);
    addPaths(
      file.approvals.filter((a) => a.kind === 'file'),
      set.fileApproval,
      true,
    );
    const addCommands = (entries: RuleEntry[], index: CommandRuleIndex, blocking: boolean): void => {
      for (const entry of entries) {
        const result = parseCommandPattern(entry.pattern, options.shell);
        if (result.ok) index.add({ entry, pattern: result.pattern, scope, ordinal: ordinal++ });
        else findings.push(invalid('AP2008', entry, `Invalid command pattern "${entry.pattern}": ${result.message}.`, blocking));
      }
    };
    addCommands(file.commandDeny, set.commandDeny, true);
    addCommands(file.commandAllow, set.commandAllow, false);
    addCommands(
      file.approvals.filter((a) => a.kind === 'command'),
      set.commandApproval,
      true,
    );
    if (file.maxFiles) {
      set.maxFiles.push({ ...file.maxFiles, scope });
      set.smallestMaxFiles = Math.min(set.smallestMaxFiles, file.maxFiles.value);
    }
  }
  for (const entry of rootFile?.bypass?.never ?? []) {
    const result = compileGlob(entry.pattern, caseInsensitive);
    if (result.ok) set.bypassNever.add({ entry, glob: result.glob, scope: '', ordinal: ordinal++ });
    else findings.push(invalid('AP2004', entry, `Invalid glob "${entry.pattern}": ${result.message}.`, true));
  }
  set.pathDepth = Math.max(set.fileDeny.depth, set.fileAllow.depth, set.fileApproval.depth);
  set.pathDepthMask = set.fileDeny.depthMask | set.fileAllow.depthMask | set.fileApproval.depthMask;
  if (rootFile?.network) {
    const exceptions: NetworkRules['exceptions'] = [];
    for (const entry of rootFile.network.exceptions) {
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
    set.network = { allowOutbound: rootFile.network.allowOutbound, allowOutboundEntry: rootFile.network.allowOutboundEntry, exceptions };
  }
  findings.push(...(options.analysis === 'enforcement' ? checkAnalysable(set) : checkSemantics(set)));
  set.findings = findings;
  set.refusal = findings.find(isBlocking);
  return set;
}

function invalid(code: 'AP2004' | 'AP2008' | 'AP2009', entry: RuleEntry, message: string, blocking: boolean): Finding {
  const f = finding(code, { uri: entry.uri, offset: entry.offset, length: entry.length, message });
  // In an allow list an invalid entry only loses that allow; in a deny list it would lose a denial.
  if (!blocking && codeInfo(code)?.blocking) f.blocking = false;
  return f;
}
