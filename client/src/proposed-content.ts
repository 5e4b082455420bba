import * as vscode from 'vscode';

export const PROPOSED_SCHEME = 'agent-policy-proposed';

/** Read-only documents holding what an agent proposes to write, for the approval diff. */
export class ProposedContent implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();

  /** Registers a proposal and returns the URI that shows it (`agent-policy-proposed:/<id>/<path>`). */
  add(approvalId: string, relativePath: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${approvalId}/${relativePath}` });
    this.contents.set(uri.toString(), content);
    return uri;
  }

  /** An empty document, the "current" side of a diff for a file that does not exist yet. */
  empty(approvalId: string, relativePath: string): vscode.Uri {
    return this.add(`${approvalId}-before`, relativePath, '');
  }

  /** The approval request a proposal's URI shows (the diff editor's title actions receive the URI). */
  static requestOf(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== PROPOSED_SCHEME) return undefined;
    const id = uri.path.split('/')[1];
    return id === undefined || id === '' ? undefined : id.replace(/-before$/, '');
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}
