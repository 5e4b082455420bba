import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { finding } from '../base/findings';
import { LineIndex } from '../base/line-index';
import { validateAgainstSchema, type SchemaKind } from './schema-validation';
import type { Finding, PolicySource, RuleList, RuleRef } from '../base/types';
import { LATEST_VERSION, SUPPORTED_VERSIONS, isSupportedVersion } from './versions';

export const MAX_POLICY_CHARS = 1024 * 1024;
export const MAX_POLICY_DEPTH = 32;

/**
 * Which list of a policy file an entry is written in. Finer than the RuleList a decision reports:
 * approvals by what they match, and `bypass.never` apart from the `filesystem.deny` it reports as.
 */
export type EntryList =
  | 'filesystem.allow'
  | 'filesystem.deny'
  | 'commands.allow'
  | 'commands.deny'
  | 'network.allow_outbound'
  | 'network.exceptions'
  | 'max_files_per_action'
  | 'require_human_approval.file'
  | 'require_human_approval.command'
  | 'bypass.never';

/** One string of a rule list, with where it was written. */
export interface RuleEntry {
  /** The list it is written in. */
  in: EntryList;
  uri: string;
  /** The list decisions name it by. */
  list: RuleList;
  pattern: string;
  offset: number;
  length: number;
  line: number;
  column: number;
  /** Offset and length of the whole sequence item line, for fixes that delete the entry. */
  itemRange: { offset: number; length: number };
  /** `path:line:column` (the repository path, see shownName), built once: decisions and messages quote it. */
  at: string;
  /** The rule as decisions report it, built once and frozen (decisions share it). */
  ref: RuleRef;
}

export interface PolicyFile {
  source: PolicySource;
  kind: SchemaKind;
  lines: LineIndex;
  document: Document | undefined;
  version: { value: string; offset: number; length: number } | undefined;
  agentId: string | undefined;
  /** Every rule entry of the file, each naming its list (`in`), in the order they were read; `entriesIn` picks one list. */
  entries: RuleEntry[];
  /** The root's network settings (the entries of its exceptions are in `entries`). */
  network: { allowOutbound: boolean; allowOutboundEntry: RuleEntry | undefined } | undefined;
  maxFiles: { value: number; entry: RuleEntry } | undefined;
  audit: { logAllActions: boolean; retentionDays: number | undefined; alertOnDeny: boolean; forward: AuditForward[] };
  /** The root's bypass limits (the entries of `bypass.never` are in `entries`). */
  bypass: { maxDuration: string | undefined; approvers: string[] } | undefined;
  findings: Finding[];
}

/** `audit.forward`: where each entry is shipped as it is written (a system the agent cannot change). */
export interface AuditForward {
  type: 'syslog';
  /** `tcp://host:port` or `tls://host:port`. */
  address: string;
}

function forwards(node: unknown): AuditForward[] {
  const out: AuditForward[] = [];
  if (!isSeq(node)) return out;
  for (const item of node.items) {
    const syslog = isMap(item) ? item.get('syslog') : undefined;
    if (typeof syslog === 'string') out.push({ type: 'syslog', address: syslog });
  }
  return out;
}

/** The entries of one list of a file, in the order they were written (a list in two sections: the first section's first). */
export function entriesIn(file: PolicyFile, list: EntryList): RuleEntry[] {
  return file.entries.filter((e) => e.in === list);
}

export function emptyPolicyFile(source: PolicySource, kind: SchemaKind): PolicyFile {
  return {
    source,
    kind,
    lines: new LineIndex(source.text),
    document: undefined,
    version: undefined,
    agentId: undefined,
    entries: [],
    network: undefined,
    maxFiles: undefined,
    audit: { logAllActions: true, retentionDays: undefined, alertOnDeny: false, forward: [] },
    bypass: undefined,
    findings: [],
  };
}

/**
 * Parses one policy file. Never throws: every problem becomes a finding. An override without a
 * version of its own is validated against `inheritedVersion`, the root policy's.
 */
export function parsePolicyFile(source: PolicySource, kind: SchemaKind, inheritedVersion?: string): PolicyFile {
  const file = emptyPolicyFile(source, kind);
  const uri = source.uri;
  if (source.unreadable !== undefined) {
    file.findings.push(finding('AP1007', { uri, offset: 0, length: 0, message: `${uri} cannot be read as a policy: ${source.unreadable}.` }));
    return file;
  }
  if (source.text.length > MAX_POLICY_CHARS) {
    file.findings.push(
      finding('AP1004', {
        uri,
        offset: 0,
        length: 0,
        message: `The policy is ${source.text.length} characters long; a policy may be at most ${MAX_POLICY_CHARS}.`,
      }),
    );
    return file;
  }
  let document: Document;
  let value: unknown;
  try {
    document = parseDocument(source.text, { uniqueKeys: true, strict: true, prettyErrors: false, version: '1.2' });
    file.document = document;
    for (const error of [...document.errors, ...document.warnings]) {
      file.findings.push(
        finding('AP1001', { uri, offset: error.pos[0], length: Math.max(0, error.pos[1] - error.pos[0]), message: `YAML: ${firstLine(error.message)}` }),
      );
    }
    if (document.errors.length || document.warnings.length) return file;
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof RangeError ? 'The policy nests too deeply to parse.' : `YAML: ${firstLine(String((error as Error).message ?? error))}`;
    file.findings.push(finding(error instanceof RangeError ? 'AP1005' : 'AP1001', { uri, offset: 0, length: 0, message }));
    return file;
  }
  if (depthExceeds(value, MAX_POLICY_DEPTH)) {
    file.findings.push(finding('AP1005', { uri, offset: 0, length: 0, message: `The policy nests deeper than ${MAX_POLICY_DEPTH} levels.` }));
    return file;
  }
  const root = document.contents;
  if (!isMap(root) || value === null || typeof value !== 'object' || Array.isArray(value)) {
    const range = rangeOf(root);
    file.findings.push(
      finding('AP1002', {
        uri,
        offset: range.offset,
        length: range.length,
        message: 'A policy file must be a YAML mapping (keys such as version and permissions).',
      }),
    );
    return file;
  }
  readVersion(file, root, value as Record<string, unknown>);
  const version = file.version?.value ?? inheritedVersion;
  if (kind === 'root' && !file.version) {
    file.findings.push(
      finding('AP1003', {
        uri,
        offset: 0,
        length: 0,
        message: `The policy is missing the required key "version" (supported: ${SUPPORTED_VERSIONS.join(', ')}).`,
      }),
    );
    return file;
  }
  if (version !== undefined && !isSupportedVersion(version)) {
    const at = file.version ?? { offset: 0, length: 0 };
    file.findings.push(
      finding('AP2001', {
        uri,
        offset: at.offset,
        length: at.length,
        message: `Policy version "${version}" is not supported; this runtime supports ${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(', ')}.`,
      }),
    );
    return file;
  }
  // An override whose root could not be read is still checked, against the newest schema.
  const schemaVersion = version ?? LATEST_VERSION;
  const normalised = file.version ? { ...value, version: file.version.value } : value;
  for (const error of validateAgainstSchema(normalised, schemaVersion, kind)) {
    const range = error.key !== undefined ? keyRange(root, error.path, error.key) : valueRange(root, error.path);
    file.findings.push(finding('AP1003', { uri, offset: range.offset, length: range.length, message: error.message }));
  }
  extractRules(file, root);
  return file;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (depth > limit) return true;
    if (current && typeof current === 'object') {
      for (const child of Object.values(current)) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function rangeOf(node: Node | null | undefined): { offset: number; length: number } {
  const range = node?.range;
  if (!range) return { offset: 0, length: 0 };
  return { offset: range[0], length: Math.max(0, range[1] - range[0]) };
}

function valueRange(root: YAMLMap, path: (string | number)[]): { offset: number; length: number } {
  let node: unknown = root;
  for (let i = path.length; i >= 0; i--) {
    node = path.length === 0 ? root : root.getIn(path.slice(0, i), true);
    if (node && typeof node === 'object' && 'range' in node) {
      if (i === path.length) return rangeOf(node as Node);
      // The value is missing: point at the key that should hold it.
      return keyRange(root, path.slice(0, i), String(path[i]));
    }
  }
  return { offset: 0, length: 0 };
}

function keyRange(root: YAMLMap, path: (string | number)[], key: string): { offset: number; length: number } {
  const parent = path.length ? root.getIn(path, true) : root;
  if (isMap(parent)) {
    const pair = parent.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key)) return rangeOf(pair.key);
    return rangeOf(parent);
  }
  return rangeOf(parent as Node | undefined);
}

function readVersion(file: PolicyFile, root: YAMLMap, value: Record<string, unknown>): void {
  const node = root.get('version', true);
  if (!isScalar(node) || !node.range) return;
  const raw = value.version;
  const offset = node.range[0];
  const length = node.range[1] - node.range[0];
  if (typeof raw === 'number') {
    // `version: 2.1` parses as a number; keep what the author wrote, and say to quote it.
    const written = file.source.text.slice(offset, node.range[1]).trim();
    file.version = { value: written, offset, length };
    file.findings.push(
      finding('AP1006', {
        uri: file.source.uri,
        offset,
        length,
        message: `Write the version as a string: version: "${written}".`,
        fix: { description: `Quote the version as "${written}"`, offset, length, newText: `"${written}"` },
      }),
    );
  } else if (typeof raw === 'string') {
    file.version = { value: raw, offset, length };
  }
}

function entries(file: PolicyFile, root: YAMLMap, path: string[], written: EntryList, list: RuleList = written as RuleList): RuleEntry[] {
  const seq = root.getIn(path, true);
  if (!isSeq(seq)) return [];
  const result: RuleEntry[] = [];
  for (const item of seq.items) {
    if (!isScalar(item) || typeof item.value !== 'string' || !item.range) continue;
    result.push(entry(file, item.value, item.range, written, list));
  }
  return result;
}

/**
 * How messages and reasons name a policy file: by its path in the repository, whatever identifier
 * the host gave it (the language server's are file URIs, which would put a machine's absolute
 * paths into every message).
 */
export function shownName(source: PolicySource): string {
  return source.dir === '' ? '.agent-policy.yml' : `${source.dir}/.agent-policy.override.yml`;
}

function entry(file: PolicyFile, pattern: string, range: [number, number, number], written: EntryList, list: RuleList): RuleEntry {
  const { line, column } = file.lines.position(range[0]);
  const uri = file.source.uri;
  const ref: RuleRef = Object.freeze(
    Object.defineProperties({ file: uri, line, column, list, pattern }, { offset: { value: range[0] }, length: { value: range[1] - range[0] } }),
  );
  return {
    in: written,
    uri,
    list,
    pattern,
    offset: range[0],
    length: range[1] - range[0],
    line,
    column,
    itemRange: itemRange(file.source.text, range[0], range[2]),
    at: `${shownName(file.source)}:${line}:${column}`,
    ref,
  };
}

/** The whole line(s) of a block-sequence item, so a fix can delete it cleanly. */
function itemRange(text: string, start: number, end: number): { offset: number; length: number } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  if (!/^\s*-\s*$/.test(before)) return { offset: start, length: end - start };
  let lineEnd = text.indexOf('\n', end > start ? end - 1 : start);
  lineEnd = lineEnd < 0 ? text.length : lineEnd + 1;
  return { offset: lineStart, length: lineEnd - lineStart };
}

function strings(root: YAMLMap, path: string[]): string[] {
  const seq = root.getIn(path, true);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((item) => (isScalar(item) && typeof item.value === 'string' && item.range ? [item.value] : []));
}

function scalarEntry(file: PolicyFile, root: YAMLMap, path: string[], list: EntryList & RuleList): RuleEntry | undefined {
  const node = root.getIn(path, true);
  if (!isScalar(node) || !node.range) return undefined;
  return entry(file, String(node.value), node.range, list, list);
}

function bool(root: YAMLMap, path: string[]): boolean | undefined {
  const v = root.getIn(path);
  return typeof v === 'boolean' ? v : undefined;
}

function extractRules(file: PolicyFile, root: YAMLMap): void {
  const sections = file.kind === 'root' ? ['default_permissions', 'permissions'] : ['permissions'];
  const add = (found: RuleEntry[]): void => void file.entries.push(...found);
  for (const section of sections) {
    add(entries(file, root, [section, 'filesystem', 'allow'], 'filesystem.allow'));
    add(entries(file, root, [section, 'filesystem', 'deny'], 'filesystem.deny'));
    add(entries(file, root, [section, 'commands', 'allow'], 'commands.allow'));
    add(entries(file, root, [section, 'commands', 'deny'], 'commands.deny'));
    if (file.kind === 'root' && isMap(root.getIn([section, 'network'], true))) {
      const allowOutbound = bool(root, [section, 'network', 'allow_outbound']);
      const outboundEntry = scalarEntry(file, root, [section, 'network', 'allow_outbound'], 'network.allow_outbound');
      const previous = file.network;
      file.network = {
        // Two sections that disagree: the stricter one (false) wins.
        allowOutbound: (previous?.allowOutbound ?? true) && (allowOutbound ?? false),
        allowOutboundEntry: outboundEntry ?? previous?.allowOutboundEntry,
      };
      if (outboundEntry) add([outboundEntry]);
      add(entries(file, root, [section, 'network', 'exceptions'], 'network.exceptions'));
    }
  }
  const max = root.getIn(['constraints', 'max_files_per_action']);
  const maxEntry = scalarEntry(file, root, ['constraints', 'max_files_per_action'], 'max_files_per_action');
  if (typeof max === 'number' && Number.isInteger(max) && max >= 1 && maxEntry) {
    file.maxFiles = { value: max, entry: maxEntry };
    add([maxEntry]);
  }
  const approvals = root.getIn(['constraints', 'require_human_approval'], true);
  if (isSeq(approvals)) {
    for (const item of approvals.items) {
      if (!isMap(item)) continue;
      for (const [key, written] of [
        ['file_pattern', 'require_human_approval.file'],
        ['command_pattern', 'require_human_approval.command'],
      ] as const) {
        const node = item.get(key, true);
        if (isScalar(node) && typeof node.value === 'string' && node.range) {
          const e = entry(file, node.value, node.range, written, 'require_human_approval');
          // A fix deletes the whole approval item, not only its pattern line.
          add([{ ...e, itemRange: itemRange(file.source.text, item.range?.[0] ?? node.range[0], item.range?.[2] ?? node.range[2]) }]);
        }
      }
    }
  }
  const agentId = root.get('agent_id');
  if (typeof agentId === 'string') file.agentId = agentId;
  file.audit = {
    // Absent means record everything: only an explicit `log_all_actions: false` drops allowed decisions.
    logAllActions: bool(root, ['audit', 'log_all_actions']) ?? true,
    retentionDays: typeof root.getIn(['audit', 'retention_days']) === 'number' ? (root.getIn(['audit', 'retention_days']) as number) : undefined,
    alertOnDeny: bool(root, ['audit', 'alert_on_deny']) ?? false,
    forward: forwards(root.getIn(['audit', 'forward'])),
  };
  if (isMap(root.get('bypass', true))) {
    const maxDuration = root.getIn(['bypass', 'max_duration']);
    file.bypass = {
      maxDuration: typeof maxDuration === 'string' ? maxDuration : undefined,
      approvers: strings(root, ['bypass', 'approvers']),
    };
    add(entries(file, root, ['bypass', 'never'], 'bypass.never', 'filesystem.deny'));
  }
}
