import type { Connection } from 'vscode-languageserver/node';
import { toDiagnostic } from './converters';
import type { PolicySession } from './session';

/**
 * Publishes the workspace's findings as diagnostics, at most once per turn of the event loop, and
 * only where they changed (or the file was edited since: an edited file always gets fresh
 * diagnostics, with its version). The first publication after start is what enforcement sees (no
 * automata: fast on a large policy); the full analysis (conflicts, shadows) follows at once and
 * replaces it.
 */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, string>();
  private readonly edited = new Set<string>();
  private scheduled = false;
  private firstPublished = false;

  constructor(
    private readonly connection: Pick<Connection, 'sendDiagnostics'>,
    private readonly session: PolicySession,
    private readonly docUrl: (code: string) => string,
  ) {}

  /** A file's text changed: its diagnostics go out at the next publication even if they are the same. */
  touched(uri: string): void {
    this.edited.add(uri);
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.publish());
  }

  private publish(): void {
    this.scheduled = false;
    const workspace = this.session.current();
    if (!workspace) return;
    const quick = !this.firstPublished && !workspace.analysed();
    this.firstPublished = true;
    const analysis = quick ? workspace.quickAnalysis() : workspace.analysis();
    const positionsOf = (uri: string) => this.session.positions(uri);
    const sent: Promise<void>[] = [];
    const seen = new Set<string>();
    for (const [uri, findings] of analysis.findings) {
      seen.add(uri);
      const at = positionsOf(uri);
      const diagnostics = findings.map((f) => toDiagnostic(f, at, positionsOf, this.docUrl));
      const key = JSON.stringify(diagnostics);
      if (this.published.get(uri) === key && !this.edited.has(uri)) continue;
      this.published.set(uri, key);
      const version = this.session.openVersion(uri);
      sent.push(this.connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics }));
    }
    this.edited.clear();
    for (const uri of [...this.published.keys()]) {
      if (seen.has(uri)) continue;
      this.published.delete(uri);
      sent.push(this.connection.sendDiagnostics({ uri, diagnostics: [] }));
    }
    // The full analysis once the first diagnostics are out (it holds the event loop while it runs).
    if (quick) void Promise.allSettled(sent).then(() => setTimeout(() => this.schedule(), 0));
  }
}
