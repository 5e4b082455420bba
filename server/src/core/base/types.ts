import type { Cause } from './causes';
/** Public types shared by every host. The core never performs I/O. */

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedLocation {
  uri: string;
  offset: number;
  length: number;
  message: string;
}

/** A finding about a policy file. Hosts convert `offset` to their own positions. */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  uri: string;
  offset: number;
  length: number;
  related: RelatedLocation[];
  /** While a blocking finding is present the policy set is not enforceable: every action is denied. */
  blocking: boolean;
  /** A mechanical fix the finding carries, when one is safe (e.g. delete a duplicate entry). */
  fix?: TextEdit;
}

export interface TextEdit {
  description: string;
  offset: number;
  length: number;
  newText: string;
}

/** The text of one policy file as a host read it. */
export interface PolicySource {
  /** Host-chosen identifier (a file URI or path); echoed in findings and rules. */
  uri: string;
  /** Directory of the file relative to the repository root, '' for the root policy. */
  dir: string;
  text: string;
  /** Why the host could not read the file as a policy (a folder, a symbolic link, a read error); the file then blocks. */
  unreadable?: string;
}

export type ActionKind =
  'filesystem.read' | 'filesystem.write' | 'filesystem.delete' | 'filesystem.rename' | 'filesystem.search' | 'command.exec' | 'network.request';

export type Decision = 'allow' | 'deny' | 'ask';

export type RuleList =
  | 'filesystem.allow'
  | 'filesystem.deny'
  | 'commands.allow'
  | 'commands.deny'
  | 'network.exceptions'
  | 'network.allow_outbound'
  | 'require_human_approval'
  | 'max_files_per_action'
  | 'version'
  | 'builtin';

/** A rule as decisions report it. Shared between decisions, so read-only (and frozen). */
export interface RuleRef {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly list: RuleList;
  readonly pattern: string;
  /**
   * Where a policy entry is written in its file's text, for hosts that point at it (explain, the
   * editor). Not part of what a decision is written as (not enumerable: JSON, copies and
   * comparisons see file, line, column, list and pattern only). Built-in rules have none.
   */
  readonly offset?: number;
  readonly length?: number;
}

export interface DecisionResult {
  decision: Decision;
  allowed: boolean;
  requires_approval: boolean;
  reason: string;
  rules: RuleRef[];
  /** Set when an active bypass turned a denial into this allow. */
  bypass_id?: string;
  /** Why, as data: each cause names its kind, subject, and the rule, word, option or table entry behind it. */
  causes?: Cause[];
}

/** What the core needs from the host's file system: nothing but symlink resolution. */
export interface FileSystemView {
  /** The real absolute path of an absolute path (following every link), or undefined when it cannot be resolved. */
  realPath(absolutePath: string): string | undefined;
  /** Whether an absolute path is a folder (following links); undefined when that cannot be told. */
  isDirectory?(absolutePath: string): boolean | undefined;
}

/** A node of a concrete syntax tree, as web-tree-sitter's Node provides it. */
export interface ShellNode {
  readonly type: string;
  readonly text: string;
  readonly isNamed: boolean;
  readonly isMissing: boolean;
  readonly hasError: boolean;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly children: readonly (ShellNode | null)[];
  childForFieldName(name: string): ShellNode | null;
}

/** A shell parser injected by the host; the tree only lives during `fn`. */
export interface ShellParser {
  withTree<T>(source: string, fn: (root: ShellNode) => T): T;
}
