import type { ProtocolRequest } from './request';

/**
 * What a language client and our language server say to each other beyond standard LSP: one file,
 * imported by both sides (types, plus the requests' definitions), so the two cannot drift apart.
 */

/** What the policy, as the editor currently has it (unsaved edits included), decides for an action. */
export const explainRequest: ProtocolRequest<ExplainParams, ExplainResult> = { method: 'agentPolicy/explain', direction: 'client-to-server' };

export interface ExplainParams {
  /** A repository-relative or absolute path; `operation` says what is done to it (default `write`). */
  path?: string;
  operation?: 'read' | 'write' | 'delete' | 'rename';
  /** A shell command line, optionally with the directory it runs in. */
  command?: string;
  cwd?: string;
  /** A URL the agent would request. */
  url?: string;
}

export interface ProtocolPosition {
  line: number;
  character: number;
}

export interface ExplainRule {
  /** The policy file's URI (or `builtin`). */
  file: string;
  line: number;
  column: number;
  list: string;
  pattern: string;
  /** Where the rule is written, for rules that are policy entries. */
  range?: { start: ProtocolPosition; end: ProtocolPosition };
}

export interface ExplainResult {
  action: Record<string, string>;
  decision: 'allow' | 'deny' | 'ask';
  allowed: boolean;
  requires_approval: boolean;
  reason: string;
  rules: ExplainRule[];
  bypass_id?: string;
}
