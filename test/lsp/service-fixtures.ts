import { evaluate, type DecisionResult } from '#core';
import { loadShellParser } from '#host/workspace/shell-parser';
import type { ServiceEdit } from '#service/code-actions';
import { PolicyWorkspace, type WorkspaceFiles } from '#service/policy-workspace';

export const CARET = '‸';

/** Splits a caret-marked fixture into its text and the caret's offset. */
export function caret(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf(CARET);
  if (offset < 0 || marked.indexOf(CARET, offset + 1) >= 0) throw new Error('a fixture needs exactly one caret');
  return { text: marked.slice(0, offset) + marked.slice(offset + CARET.length), offset };
}

export const ROOT_URI = 'file:///repo/.agent-policy.yml';
export const overrideUri = (dir: string): string => `file:///repo/${dir}/.agent-policy.override.yml`;

/** An in-memory listing of workspace files (directories are derived). */
export function listing(files: string[], truncated = false): WorkspaceFiles {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return { files: () => files, directories: () => [...dirs].sort(), truncated: () => truncated };
}

/** A language-service workspace over in-memory policy texts: '' is the root, other keys are override directories. */
export async function serviceWorkspace(policies: Record<string, string>, files: string[] = []): Promise<PolicyWorkspace> {
  const workspace = new PolicyWorkspace({ root: '/repo', caseInsensitive: false, shell: await loadShellParser(), files: listing(files) });
  for (const [dir, text] of Object.entries(policies)) workspace.set({ uri: dir === '' ? ROOT_URI : overrideUri(dir), dir, text });
  return workspace;
}

/** Applies edits (possibly to several files) to the workspace, as an editor would. */
export function applyEdits(workspace: PolicyWorkspace, edits: readonly ServiceEdit[]): void {
  const byUri = new Map<string, ServiceEdit[]>();
  for (const e of edits) byUri.set(e.uri, [...(byUri.get(e.uri) ?? []), e]);
  for (const [uri, list] of byUri) {
    let text = workspace.text(uri) as string;
    for (const e of [...list].sort((a, b) => b.offset - a.offset)) text = text.slice(0, e.offset) + e.newText + text.slice(e.offset + e.length);
    const dir = uri === ROOT_URI ? '' : uri.slice('file:///repo/'.length, -'/.agent-policy.override.yml'.length);
    workspace.set({ uri, dir, text });
  }
}

export function decideIn(workspace: PolicyWorkspace, path: string): DecisionResult['decision'] {
  return evaluate(workspace.analysis().set, { action: 'filesystem.write', path }).decision;
}
