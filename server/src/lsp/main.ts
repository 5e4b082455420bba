import { fileURLToPath } from 'node:url';
import { createConnection, DiagnosticSeverity, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type Diagnostic } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeDocUrl, parsePolicyFile, type Finding } from '#core';

/**
 * The language server's entry. For now it publishes the core's per-file findings (YAML, schema,
 * version) as diagnostics; cross-file checks, completion and hover come with the language-server issue.
 */
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

function toDiagnostic(document: TextDocument, f: Finding): Diagnostic {
  return {
    range: { start: document.positionAt(f.offset), end: document.positionAt(f.offset + f.length) },
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: codeDocUrl(f.code) },
    source: 'agent-policy',
    message: f.message,
  };
}

function validate(document: TextDocument): void {
  const path = document.uri.startsWith('file:') ? fileURLToPath(document.uri) : document.uri;
  const kind = path.endsWith('.agent-policy.override.yml') ? 'override' : 'root';
  const file = parsePolicyFile({ uri: document.uri, dir: kind === 'root' ? '' : 'override', text: document.getText() }, kind);
  void connection.sendDiagnostics({ uri: document.uri, diagnostics: file.findings.map((f) => toDiagnostic(document, f)) });
}

connection.onInitialize(() => ({ capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental } }));
documents.onDidChangeContent((event) => validate(event.document));
documents.onDidClose((event) => void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] }));
documents.listen(connection);
connection.listen();
