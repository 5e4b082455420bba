import { CodeActionKind, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { codeDocUrl } from '#core';
import { explainRequest } from '#protocol/language-server';
import { DiagnosticsPublisher } from './diagnostics-publisher';
import { denied, requestHandlers } from './handlers';
import { safeHandlers, messageOf } from './safe-handler';
import { PolicySession, type ServerHost } from './session';
import { lspRequest } from './typed-requests';

const CAPABILITIES: InitializeResult = {
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    completionProvider: { triggerCharacters: ['/', '"', "'", ':', ' '] },
    hoverProvider: true,
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    documentSymbolProvider: true,
    foldingRangeProvider: true,
  },
  serverInfo: { name: 'agent-policy' },
};

/**
 * The language server: LSP in, language service out. One session (session.ts) holds the root
 * policy and every override, so a change to any file re-checks the whole set and cross-file
 * findings appear in both files; the publisher sends the diagnostics; every request goes through
 * the same safe wrapper (cancellation, errors) to its handler (handlers.ts).
 */
export function startServer(connection: Connection, host: ServerHost): void {
  const session = new PolicySession(host, (uri) => diagnostics.touched(uri));
  const docUrl = host.ruleDocUrl ?? ((code: string) => codeDocUrl(code));
  const diagnostics = new DiagnosticsPublisher(connection, session, docUrl);
  const handle = requestHandlers(session, docUrl);
  const safe = safeHandlers((message) => connection.console.error(message));
  const { documents } = session;

  connection.onInitialize((params): InitializeResult => {
    session.initialize(params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined, () => diagnostics.schedule());
    return CAPABILITIES;
  });
  const thenPublish =
    <P>(name: string, take: (params: P) => void) =>
    (params: P): void => {
      safe.notification(name, take)(params);
      diagnostics.schedule();
    };
  documents.onDidChangeContent(thenPublish('didChange', (e) => session.changed(e.document.uri, e.document.getText())));
  documents.onDidClose(thenPublish('didClose', (e) => session.closed(e.document.uri)));
  connection.onDidChangeWatchedFiles(thenPublish('didChangeWatchedFiles', (p) => session.changedOnDisk(p.changes)));

  connection.onCompletion(safe.request('completion', () => [], handle.completion));
  connection.onHover(safe.request('hover', () => null, handle.hover));
  connection.onCodeAction(safe.request('codeAction', () => [], handle.codeActions));
  connection.onDocumentSymbol(safe.request('documentSymbol', () => [], handle.documentSymbols));
  connection.onFoldingRanges(safe.request('foldingRange', () => [], handle.foldingRanges));
  connection.onRequest(
    lspRequest(explainRequest),
    safe.request('explain', (e) => denied(`the language server failed to decide: ${messageOf(e)}`), handle.explain),
  );

  documents.listen(connection);
  connection.listen();
}
